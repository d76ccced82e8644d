import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncStatus } from '../../common/contract/duty';
import { dataOf, makeRecord } from '../../common/duty';
import { formatHlc } from '../../common/hlc';
import { startTestPostgres, type TestPostgres } from '../../tests/postgres';
import { DutyStore } from '../duty/store';
import { tempDir } from '../duty/test-support';
import { backoffDelay, SyncAgent } from './agent';
import { PgCentralStore } from './central-pg';
import { SqliteCentralStore } from './central-sqlite';
import type { CentralStore } from './protocol';
import { parseTokens, startSyncServer } from './server';

let postgres: TestPostgres;
beforeAll(async () => {
  postgres = await startTestPostgres();
}, 120_000);
afterAll(async () => postgres?.stop());

const TOKENS = { east: 'tok-east', west: 'tok-west' };
const stores: Record<string, (dir: string) => Promise<CentralStore>> = {
  sqlite: (dir) => SqliteCentralStore.open(join(dir, 'central.sqlite')),
  postgres: async () => PgCentralStore.open(await postgres.newDatabase()),
};
const entry = (text: string) => ({ at: Date.now(), category: 'patrol', text, author: '张三', tower: '', attachments: [] });

describe.each(Object.keys(stores))('central sync service on %s', (kind) => {
  const dir = tempDir('sync-');
  const setup = async () => {
    const central = await stores[kind]!(dir());
    const server = await startSyncServer({ store: central, tokens: TOKENS });
    const site = (id: 'east' | 'west', skewMs = 0) => DutyStore.open({ file: join(dir(), `${id}.sqlite`), site: id, timeZone: 'Asia/Shanghai', now: () => Date.now() + skewMs });
    const agent = (store: DutyStore) => new SyncAgent({ store, url: server.url, token: TOKENS[store.site as 'east' | 'west'], batchSize: 7 });
    const post = (token: string, body: unknown) =>
      fetch(`${server.url}/v1/push`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const close = async (...sites: DutyStore[]) => {
      for (const s of sites) await s.close();
      await server.close();
      await central.close();
    };
    return { central, server, site, agent, post, close };
  };

  it('brings two sites with skewed clocks to the same records, merging concurrent edits field by field', async () => {
    const { central, site, agent, close } = await setup();
    const east = await site('east', -600_000);
    const west = await site('west', +600_000);
    for (let i = 0; i < 20; i++) await east.create('entry', entry(`东站记录 ${i}`));
    for (let i = 0; i < 15; i++) await west.create('entry', entry(`西站记录 ${i}`));
    const roster = await east.edit('roster-shared', { date: '2026-11-23', slot: 0, operator: '张三', leader: '', note: '' }, { kind: 'roster', data: {} });
    await agent(east).syncOnce();
    await agent(west).syncOnce();
    // Both edit the roster while apart: east the operator, west the note.
    await east.edit(roster.id, { operator: '王五' });
    await west.edit(roster.id, { note: '防火期加强值守' });
    await agent(east).syncOnce();
    await agent(west).syncOnce();
    await agent(east).syncOnce();
    const [a, b, c] = await Promise.all([east.checksum(), west.checksum(), central.checksum()]);
    expect(a.count).toBe(36);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(dataOf((await west.get(roster.id))!)).toMatchObject({ operator: '王五', note: '防火期加强值守' });
    expect(await east.pendingCount()).toBe(0);
    await close(east, west);
  });

  it('answers a replayed batch with its first answer and writes nothing', async () => {
    const { central, post, close } = await setup();
    const hlc = formatHlc({ wall: Date.now(), counter: 0, node: 'east' });
    const batch = { batchId: 'east-b1', records: [makeRecord('entry-r1', 'entry', 'east', hlc, entry('重放测试'))] };
    const first = await (await post('tok-east', batch)).json();
    const before = await central.checksum();
    const again = await (await post('tok-east', batch)).json();
    expect(first).toMatchObject({ accepted: 1, rejected: [], replay: false });
    expect(again).toMatchObject({ accepted: 1, rejected: [], replay: true });
    expect(await central.checksum()).toEqual(before);
    await close();
  });

  it('rejects the bad records of a batch with reasons and accepts the rest', async () => {
    const { central, post, close } = await setup();
    const hlc = formatHlc({ wall: Date.now(), counter: 0, node: 'east' });
    const good = makeRecord('entry-good', 'entry', 'east', hlc, entry('正常记录'));
    const badCategory = makeRecord('entry-bad', 'entry', 'east', hlc, { ...entry('x'), category: 'party' });
    const future = makeRecord('entry-future', 'entry', 'east', formatHlc({ wall: Date.now() + 3 * 86400_000, counter: 0, node: 'east' }), entry('未来'));
    const big = makeRecord('attachment-big', 'attachment', 'east', hlc, { name: '大图.jpg', mime: 'image/jpeg', size: 6_000_000, sha256: 'a'.repeat(64), data: 'A'.repeat(8_000_000) });
    const res = await (await post('tok-east', { batchId: 'east-mixed', records: [good, badCategory, { nonsense: true }, future, big] })).json();
    expect(res.accepted).toBe(1);
    const reasons = Object.fromEntries(res.rejected.map((r: { id: string; reason: string }) => [r.id, r.reason]));
    expect(reasons['entry-bad']).toMatch(/entry\.category/);
    expect(reasons['#2']).toMatch(/id/);
    expect(reasons['entry-future']).toMatch(/ahead of the centre's clock/);
    expect(reasons['attachment-big']).toMatch(/the limit is 4194304 bytes \(4 MiB\)/);
    expect((await central.checksum()).count).toBe(1);
    await close();
  });

  it('answers 401 to a wrong token and writes nothing', async () => {
    const { central, server, post, close } = await setup();
    const hlc = formatHlc({ wall: Date.now(), counter: 0, node: 'east' });
    const res = await post('tok-wrong', { batchId: 'x1', records: [makeRecord('entry-x', 'entry', 'east', hlc, entry('x'))] });
    expect(res.status).toBe(401);
    expect((await fetch(`${server.url}/v1/pull?after=0`)).status).toBe(401);
    expect((await central.checksum()).count).toBe(0);
    await close();
  });

  it('agent: shows offline with a retry time while the centre is away, and catches up when it is back', async () => {
    const { server, site, close } = await setup();
    const east = await site('east');
    await east.create('entry', entry('离线时写的记录'));
    const states: SyncStatus[] = [];
    const away = new SyncAgent({ store: east, url: 'http://127.0.0.1:9', token: 'tok-east', backoff: { baseMs: 20, maxMs: 50 }, onStatus: (s) => states.push(s) });
    away.start();
    await expect.poll(() => states.some((s) => s.state === 'offline' && s.retryAt !== null && s.pending === 1), { timeout: 5000 }).toBe(true);
    await away.stop();
    const back = new SyncAgent({ store: east, url: server.url, token: 'tok-east', onStatus: (s) => states.push(s) });
    back.start();
    await expect.poll(() => states.at(-1)?.state === 'idle' && states.at(-1)?.pending === 0, { timeout: 5000 }).toBe(true);
    expect(states.at(-1)!.lastSyncAt).not.toBeNull();
    await back.stop();
    await close(east);
  });
});

describe('several central service instances on one PostgreSQL', () => {
  const dir = tempDir('sync-multi-');

  it('serve sites pushing and pulling through different instances at once without losing a change', async () => {
    const url = await postgres.newDatabase();
    const [c1, c2] = [await PgCentralStore.open(url), await PgCentralStore.open(url)];
    const [s1, s2] = [await startSyncServer({ store: c1, tokens: TOKENS }), await startSyncServer({ store: c2, tokens: TOKENS })];
    const east = await DutyStore.open({ file: join(dir(), 'east.sqlite'), site: 'east', timeZone: 'Asia/Shanghai' });
    const west = await DutyStore.open({ file: join(dir(), 'west.sqlite'), site: 'west', timeZone: 'Asia/Shanghai' });
    // Each site talks to "the load balancer": alternately one instance, then the other.
    const rounds = async (store: DutyStore) => {
      for (let i = 0; i < 12; i++) {
        await store.createMany(Array.from({ length: 25 }, (_, j) => ({ kind: 'entry' as const, data: entry(`${store.site} ${i}-${j}`) })));
        await new SyncAgent({ store, url: (i % 2 ? s1 : s2).url, token: TOKENS[store.site as 'east' | 'west'], batchSize: 10 }).syncOnce();
      }
    };
    await Promise.all([rounds(east), rounds(west)]);
    for (const s of [east, west]) await new SyncAgent({ store: s, url: s1.url, token: TOKENS[s.site as 'east' | 'west'] }).syncOnce();
    const [a, b, c] = await Promise.all([east.checksum(), west.checksum(), c2.checksum()]);
    expect(a.count).toBe(600);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    await east.close();
    await west.close();
    for (const x of [s1, s2]) await x.close();
    for (const x of [c1, c2]) await x.close();
  });
});

describe('sync agent backoff and tokens', () => {
  it('grows exponentially to the cap with full jitter', () => {
    expect(backoffDelay(1, 1000, 60_000, () => 1)).toBe(1000);
    expect(backoffDelay(4, 1000, 60_000, () => 1)).toBe(8000);
    expect(backoffDelay(30, 1000, 60_000, () => 1)).toBe(60_000);
    expect(backoffDelay(30, 1000, 60_000, () => 0)).toBe(250);
    const spread = new Set(Array.from({ length: 50 }, () => backoffDelay(6, 1000, 60_000, Math.random)));
    expect(spread.size).toBeGreaterThan(10);
  });

  it('parses site tokens and names a malformed entry', () => {
    expect(parseTokens('east=a, west=sha256:00ff')).toEqual({ east: 'a', west: 'sha256:00ff' });
    expect(() => parseTokens('east')).toThrow(/"east" is not site=token/);
  });
});

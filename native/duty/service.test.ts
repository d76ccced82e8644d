import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SyncStatus } from '../../common/contract';
import { systemContext } from '../host/registry';
import { SqliteCentralStore } from '../sync/central-sqlite';
import { startSyncServer } from '../sync/server';
import { openDutyService } from './service';
import { tempDir } from './test-support';

const live = () => ({ cameras: () => [], towers: () => [], heads: async () => [], servers: async () => [] });
const base = (dataDir: string) => ({ dataDir, siteId: 'liyang', siteName: '溧阳', timeZone: 'Asia/Shanghai', live, emit: { sync: () => undefined, changed: () => undefined }, log: () => undefined });

describe('duty service in the host', () => {
  const dir = tempDir('duty-svc-');

  it('keeps the host running on a database it must refuse, answering every duty command with what to do', async () => {
    mkdirSync(join(dir(), 'duty'), { recursive: true });
    const file = join(dir(), 'duty', 'duty.sqlite');
    writeFileSync(file, 'PK\u0003\u0004 a zip file someone copied here');
    const before = readFileSync(file);
    const svc = await openDutyService(base(dir()));
    expect(svc.store).toBeUndefined();
    await expect(svc.handlers['duty:overview']!({}, systemContext())).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/not an SQLite file.*restore/) });
    expect(readFileSync(file).equals(before)).toBe(true);
    await svc.close();
  });

  it('opens the store, reports sync off without a centre, and counts what waits to be sent', async () => {
    const svc = await openDutyService(base(dir()));
    const ctx = { ...systemContext(), session: { token: 't', user: { username: 'z', displayName: '张三', role: 'operator' as const }, lastActivity: 0, locked: false, mustChangePassword: false } };
    await svc.handlers['duty:entryAdd']!({ category: 'patrol', text: '巡查', tower: '', attachments: [] }, ctx);
    expect(await svc.handlers['duty:syncStatus']!({}, ctx)).toMatchObject({ state: 'off', pending: 1 });
    await svc.close();
  });

  it('sends what is written to the centre and reports the sync state as events', async () => {
    const central = await SqliteCentralStore.open(join(dir(), 'central.sqlite'));
    const server = await startSyncServer({ store: central, tokens: { liyang: 'tok' } });
    const states: SyncStatus[] = [];
    const changed: string[][] = [];
    const svc = await openDutyService({ ...base(dir()), sync: { url: server.url, token: 'tok' }, emit: { sync: (s) => states.push(s), changed: (k) => changed.push(k) } });
    const ctx = { ...systemContext(), session: { token: 't', user: { username: 'z', displayName: '张三', role: 'operator' as const }, lastActivity: 0, locked: false, mustChangePassword: false } };
    await svc.handlers['duty:itemOpen']!({ text: '金山 太阳能供电电压偏低', tower: '金山' }, ctx);
    await expect.poll(async () => (await central.checksum()).count, { timeout: 10_000 }).toBe(1);
    await expect.poll(() => states.at(-1), { timeout: 10_000 }).toMatchObject({ state: 'idle', pending: 0, central: server.url });
    expect(changed).toEqual([['item']]);
    expect((await central.checksum()).sha256).toBe((await svc.store!.checksum()).sha256);
    await svc.close();
    await server.close();
    await central.close();
  });
});

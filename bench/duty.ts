import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Db } from '../native/duty/db';
import { DutyStore } from '../native/duty/store';
import { SyncAgent } from '../native/sync/agent';
import { PgCentralStore } from '../native/sync/central-pg';
import { SqliteCentralStore } from '../native/sync/central-sqlite';
import type { CentralStore } from '../native/sync/protocol';
import { startSyncServer } from '../native/sync/server';
import { startTestPostgres } from '../tests/postgres';
import type { BenchRow } from './lib';

/*
 * Duty store and sync:
 * - local append throughput (one durable transaction per record, as the console writes; and a group
 *   of records in one transaction) against raw sqlite3 INSERTs in one transaction, same run, same pragmas;
 * - catch-up of CATCHUP_RECORDS (default 100 000) records from one site to the centre and down to
 *   another site, with the central store on SQLite and on PostgreSQL.
 */

const APPENDS = Number(process.env.DUTY_APPENDS ?? 2000);
const CATCHUP = Number(process.env.CATCHUP_RECORDS ?? 100_000);
const entry = (i: number) => ({ at: Date.now(), category: 'patrol', text: `巡查记录 ${i}：全部点位画面正常`, author: '张三', tower: '仙人山', attachments: [] });

async function appendBench(dir: string): Promise<BenchRow[]> {
  const store = await DutyStore.open({ file: join(dir, 'append.sqlite'), site: 'bench', timeZone: 'Asia/Shanghai' });
  let t0 = performance.now();
  for (let i = 0; i < APPENDS; i++) await store.create('entry', entry(i));
  const durable = APPENDS / ((performance.now() - t0) / 1000);
  t0 = performance.now();
  await store.createMany(Array.from({ length: APPENDS }, (_, i) => ({ kind: 'entry' as const, data: entry(i) })));
  const grouped = APPENDS / ((performance.now() - t0) / 1000);
  await store.close();

  // The peer: raw inserts of the same JSON into a plain table, one transaction, same pragmas.
  const raw = await Db.open(join(dir, 'raw.sqlite'));
  await raw.exec('CREATE TABLE t (id TEXT PRIMARY KEY, fields TEXT NOT NULL)');
  const json = JSON.stringify(entry(0));
  t0 = performance.now();
  await raw.tx(async () => {
    for (let i = 0; i < APPENDS; i++) await raw.run('INSERT INTO t (id, fields) VALUES (?, ?)', [`r${i}`, json]);
  });
  const rawRate = APPENDS / ((performance.now() - t0) / 1000);
  await raw.close();
  console.log(`append: durable ${durable.toFixed(0)}/s, grouped ${grouped.toFixed(0)}/s, raw sqlite3 in one transaction ${rawRate.toFixed(0)}/s`);
  return [
    { bench: 'duty', metric: `append, one durable transaction each (${APPENDS})`, value: durable, unit: 'records/s', peer: { name: 'raw sqlite3 INSERTs in one transaction', value: rawRate } },
    { bench: 'duty', metric: `append, ${APPENDS} in one transaction (with outbox, validation)`, value: grouped, unit: 'records/s', peer: { name: 'raw sqlite3 INSERTs in one transaction', value: rawRate } },
    { bench: 'duty', metric: 'append ratio durable / raw', value: durable / rawRate, unit: '×' },
    { bench: 'duty', metric: 'append ratio grouped / raw', value: grouped / rawRate, unit: '×' },
  ];
}

async function catchUp(dir: string, name: string, central: CentralStore): Promise<BenchRow[]> {
  const server = await startSyncServer({ store: central, tokens: { a: 'tok-a', b: 'tok-b' } });
  const a = await DutyStore.open({ file: join(dir, `${name}-a.sqlite`), site: 'a', timeZone: 'Asia/Shanghai' });
  const b = await DutyStore.open({ file: join(dir, `${name}-b.sqlite`), site: 'b', timeZone: 'Asia/Shanghai' });
  for (let i = 0; i < CATCHUP; i += 5000) await a.createMany(Array.from({ length: Math.min(5000, CATCHUP - i) }, (_, j) => ({ kind: 'entry' as const, data: entry(i + j) })));
  const t0 = performance.now();
  const pushed = await new SyncAgent({ store: a, url: server.url, token: 'tok-a', batchSize: 1000 }).syncOnce();
  const t1 = performance.now();
  const pulled = await new SyncAgent({ store: b, url: server.url, token: 'tok-b', batchSize: 1000 }).syncOnce();
  const t2 = performance.now();
  const [ca, cb, cc] = await Promise.all([a.checksum(), b.checksum(), central.checksum()]);
  if (ca.sha256 !== cb.sha256 || ca.sha256 !== cc.sha256 || pulled.pulled !== CATCHUP || pushed.pushed !== CATCHUP) throw new Error(`${name}: catch-up incomplete (pushed ${pushed.pushed}, pulled ${pulled.pulled})`);
  await a.close();
  await b.close();
  await server.close();
  await central.close();
  const s = (t2 - t0) / 1000;
  console.log(`catch-up on ${name}: push ${((t1 - t0) / 1000).toFixed(1)} s, pull ${((t2 - t1) / 1000).toFixed(1)} s, total ${s.toFixed(1)} s, ${(CATCHUP / s).toFixed(0)} records/s`);
  return [
    { bench: 'duty', metric: `catch-up ${CATCHUP} site→centre→site, ${name}: total`, value: s, unit: 's' },
    { bench: 'duty', metric: `catch-up ${name}: push site→centre`, value: CATCHUP / ((t1 - t0) / 1000), unit: 'records/s' },
    { bench: 'duty', metric: `catch-up ${name}: pull centre→site`, value: CATCHUP / ((t2 - t1) / 1000), unit: 'records/s' },
    { bench: 'duty', metric: `catch-up ${name}: end to end`, value: CATCHUP / s, unit: 'records/s' },
  ];
}

export async function benchDuty(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-duty-'));
  const pg = await startTestPostgres();
  try {
    return [
      ...(await appendBench(dir)),
      ...(await catchUp(dir, 'SQLite', await SqliteCentralStore.open(join(dir, 'central.sqlite')))),
      ...(await catchUp(dir, 'PostgreSQL', await PgCentralStore.open(await pg.newDatabase()))),
    ];
  } finally {
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

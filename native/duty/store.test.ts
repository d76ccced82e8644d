import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import { describe, expect, it } from 'vitest';
import { dataOf } from '../../common/duty';
import { restoreBackup } from './backup';
import { DbRefused } from './db';
import { DutyStore, RecordRefused } from './store';
import { tempDir } from './test-support';

const open = (file: string, now?: () => number) => DutyStore.open({ file, site: 'site1', timeZone: 'Asia/Shanghai', ...(now ? { now } : {}) });
const entry = (text: string, at = Date.now()) => ({ at, category: 'patrol', text, author: '张三', tower: '仙人山', attachments: [] });
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

describe('duty store', () => {
  const dir = tempDir();

  it('writes a record and its outbox row together, and keeps both across a reopen', async () => {
    const file = join(dir(), 'd.sqlite');
    const s = await open(file);
    const r = await s.create('entry', entry('巡查仙人山，画面正常'));
    expect(await s.pendingCount()).toBe(1);
    await s.close();
    const again = await open(file);
    expect(dataOf((await again.get(r.id))!).text).toBe('巡查仙人山，画面正常');
    const batch = await again.outboxBatch(100);
    expect(batch!.records.map((x) => x.id)).toEqual([r.id]);
    await again.outboxDone(batch!.upTo);
    expect(await again.pendingCount()).toBe(0);
    await again.close();
  });

  it('rolls back the record when the write fails, leaving no outbox row', async () => {
    const s = await open(join(dir(), 'rb.sqlite'));
    await expect(s.create('entry', { ...entry('x'), category: 'party' })).rejects.toThrow(RecordRefused);
    await expect(s.createMany([{ kind: 'entry', data: entry('ok') }, { kind: 'entry', data: { ...entry('bad'), at: -1 } }])).rejects.toThrow(RecordRefused);
    expect((await s.db.get<{ n: number }>('SELECT count(*) AS n FROM records'))!.n).toBe(0);
    expect(await s.pendingCount()).toBe(0);
    await s.close();
  });

  it('refuses to change an append-only record', async () => {
    const s = await open(join(dir(), 'ap.sqlite'));
    const r = await s.create('entry', entry('原文'));
    await expect(s.edit(r.id, { text: '改过' })).rejects.toThrow(/cannot be changed/);
    await s.close();
  });

  it('gives edited fields a new clock and leaves unchanged fields alone', async () => {
    const s = await open(join(dir(), 'ed.sqlite'));
    const r = await s.edit('roster-x', { date: '2026-11-23', slot: 0, operator: '张三', leader: '', note: '' }, { kind: 'roster', data: {} });
    const e = await s.edit('roster-x', { operator: '李四', leader: '' });
    expect(e.fields.operator!.t > r.fields.operator!.t).toBe(true);
    expect(e.fields.leader!.t).toBe(r.fields.leader!.t);
    await s.close();
  });

  it('searches by text, date, category and tower', async () => {
    const s = await open(join(dir(), 'q.sqlite'));
    const day = Date.parse('2026-11-23T02:00:00Z');
    await s.create('entry', entry('瓦屋山 云台不转', day));
    await s.create('entry', { ...entry('曹山 发现烟点 100%_确认', day + 3600_000), category: 'alarm', tower: '曹山' });
    await s.create('entry', entry('次日巡查', day + 86400_000));
    expect((await s.search({ text: '云台' })).length).toBe(1);
    expect((await s.search({ text: '100%_' })).length).toBe(1);
    expect((await s.search({ text: '%' })).length).toBe(1);
    expect((await s.search({ from: '2026-11-23', to: '2026-11-23' })).length).toBe(2);
    expect((await s.search({ category: 'alarm' })).map((r) => dataOf(r).tower)).toEqual(['曹山']);
    expect((await s.search({ tower: '仙人山' })).length).toBe(2);
    await s.close();
  });

  it('refuses a file that is not SQLite and leaves it untouched', async () => {
    const file = join(dir(), 'junk.sqlite');
    writeFileSync(file, 'this is a spreadsheet, not a database\n'.repeat(100));
    const before = sha(file);
    await expect(open(file)).rejects.toThrow(DbRefused);
    await expect(open(file)).rejects.toThrow(/not an SQLite file.*left untouched.*restore/);
    expect(sha(file)).toBe(before);
  });

  it('refuses another program’s SQLite database and leaves it untouched', async () => {
    const file = join(dir(), 'foreign.sqlite');
    await new Promise<void>((resolve, reject) => {
      const db = new sqlite3.Database(file);
      db.exec('CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT); INSERT INTO photos (path) VALUES (\'a.jpg\');', (e) => (e ? reject(e) : db.close(() => resolve())));
    });
    const before = sha(file);
    await expect(open(file)).rejects.toThrow(/belongs to another program/);
    expect(sha(file)).toBe(before);
  });

  it('refuses a damaged database and leaves it untouched', async () => {
    const file = join(dir(), 'damaged.sqlite');
    const s = await open(file);
    await s.createMany(Array.from({ length: 300 }, (_, i) => ({ kind: 'entry' as const, data: entry(`记录 ${i} ${'x'.repeat(200)}`) })));
    await s.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    await s.close();
    const bytes = readFileSync(file);
    // Overwrite the middle pages (table b-tree pages) with garbage, keeping the header.
    for (let i = 4096 * 2; i < bytes.length - 4096; i++) bytes[i] = (i * 31) & 0xff;
    writeFileSync(file, bytes);
    const before = sha(file);
    await expect(open(file)).rejects.toThrow(/damaged|not a duty database/);
    expect(sha(file)).toBe(before);
  });

  it('backs up online to a dated file and restores it, keeping the replaced database', async () => {
    const file = join(dir(), 'live.sqlite');
    const s = await open(file, () => Date.parse('2026-11-23T04:05:06Z'));
    const kept = await s.create('entry', entry('备份前的记录'));
    const b = await s.backup(join(dir(), 'backups'));
    expect(b.file).toMatch(/duty-20261123-040506\.sqlite$/);
    await s.create('entry', entry('备份后的记录'));
    await s.close();

    const { replaced } = await restoreBackup(b.file, file);
    expect(replaced).toMatch(/live\.sqlite\.replaced-/);
    const r = await open(file);
    expect((await r.search({})).map((x) => dataOf(x).text)).toEqual(['备份前的记录']);
    expect(await r.get(kept.id)).toBeDefined();
    await r.close();
    const old = await open(replaced!);
    expect((await old.search({})).length).toBe(2);
    await old.close();
  });

  it('refuses to restore from a file that is not a duty backup', async () => {
    const junk = join(dir(), 'not-a-backup.sqlite');
    writeFileSync(junk, 'nope');
    const file = join(dir(), 'keep.sqlite');
    const s = await open(file);
    await s.create('entry', entry('留着'));
    await s.close();
    await expect(restoreBackup(junk, file)).rejects.toThrow(DbRefused);
    const again = await open(file);
    expect((await again.search({})).length).toBe(1);
    await again.close();
  });

  it('removes backups older than the retention and keeps newer ones', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const s = await open(join(dir(), 'ret.sqlite'), () => now);
    const first = await s.backup(join(dir(), 'bk'), 183);
    const { utimesSync } = await import('node:fs');
    utimesSync(first.file, new Date(now), new Date(now));
    now += 100 * 86400_000;
    expect((await s.backup(join(dir(), 'bk'), 183)).removed).toEqual([]);
    now += 90 * 86400_000;
    expect((await s.backup(join(dir(), 'bk'), 183)).removed).toEqual([first.file.split('/').at(-1)]);
    await s.close();
  });
});

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeRecord } from '../../common/duty';
import { formatHlc } from '../../common/hlc';
import { Db } from './db';
import { LATEST_VERSION, migrate, MIGRATIONS } from './migrations';
import { DutyStore } from './store';
import { tempDir } from './test-support';

const ctx = { timeZone: 'Asia/Shanghai' };
const entry = makeRecord('entry-old', 'entry', 'site1', formatHlc({ wall: 1_780_000_000_000, counter: 0, node: 'site1' }), {
  at: 1_780_000_000_000,
  category: 'fault',
  text: '社渚镇 画面中断',
  author: '张三',
  tower: '社渚镇',
  attachments: [],
});

describe('duty database migrations', () => {
  const dir = tempDir();

  it('are numbered 1, 2, 3… without gaps', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it('1: creates records, outbox and sync state and marks the file as ours', async () => {
    const db = await Db.open(join(dir(), 'v1.sqlite'));
    await migrate(db, ctx, 1);
    const tables = (await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")).map((t) => t.name);
    expect(tables).toEqual(expect.arrayContaining(['outbox', 'records', 'sync_state']));
    expect((await db.get<{ application_id: number }>('PRAGMA application_id'))!.application_id).toBe(0x534b5944);
    expect((await db.get<{ journal_mode: string }>('PRAGMA journal_mode'))!.journal_mode).toBe('wal');
    expect((await db.get<{ synchronous: number }>('PRAGMA synchronous'))!.synchronous).toBe(2); // FULL
    await db.close();
  });

  it('2: a version-1 database gains search columns filled from its records', async () => {
    const file = join(dir(), 'v1to2.sqlite');
    const db = await Db.open(file);
    await migrate(db, ctx, 1);
    await db.run('INSERT INTO records (id, kind, site, hlc, fields, day, at) VALUES (?,?,?,?,?,?,?)', [entry.id, entry.kind, entry.site, entry.hlc, JSON.stringify(entry.fields), null, null]);
    expect(await migrate(db, ctx, 2)).toEqual({ from: 1, to: 2 });
    expect(await db.get('SELECT day, at, category, tower, text FROM records')).toEqual({ day: '2026-05-29', at: 1_780_000_000_000, category: 'fault', tower: '社渚镇', text: '社渚镇 画面中断' });
    await db.close();
  });

  it('3: a version-2 database gains the rejection and backup tables; its records stay', async () => {
    const file = join(dir(), 'v2to3.sqlite');
    const db = await Db.open(file);
    await migrate(db, ctx, 2);
    await db.run('INSERT INTO records (id, kind, site, hlc, fields) VALUES (?,?,?,?,?)', [entry.id, entry.kind, entry.site, entry.hlc, JSON.stringify(entry.fields)]);
    await migrate(db, ctx, 3);
    await db.run("INSERT INTO sync_rejected VALUES ('x', 'h', 'bad', 1)");
    await db.run("INSERT INTO backups VALUES ('f', 1, 2)");
    expect((await db.get<{ n: number }>('SELECT count(*) AS n FROM records'))!.n).toBe(1);
    await db.close();
  });

  it('a database of every earlier version opens in the store at the latest version with its data', async () => {
    for (let v = 1; v < LATEST_VERSION; v++) {
      const file = join(dir(), `from-v${v}.sqlite`);
      const db = await Db.open(file);
      await migrate(db, ctx, v);
      await db.run('INSERT INTO records (id, kind, site, hlc, fields) VALUES (?,?,?,?,?)', [entry.id, entry.kind, entry.site, entry.hlc, JSON.stringify(entry.fields)]);
      // The program of that version kept the search columns it had.
      if (v >= 2) await db.run("UPDATE records SET tower = '社渚镇', category = 'fault'");
      await db.close();
      const store = await DutyStore.open({ file, site: 'site1', timeZone: 'Asia/Shanghai' });
      expect((await store.db.get<{ user_version: number }>('PRAGMA user_version'))!.user_version).toBe(LATEST_VERSION);
      expect((await store.search({ tower: '社渚镇' })).map((r) => r.id)).toEqual(['entry-old']);
      await store.close();
    }
  });

  it('refuses a database from a newer version and leaves it alone', async () => {
    const file = join(dir(), 'future.sqlite');
    const db = await Db.open(file);
    await migrate(db, ctx);
    await db.exec(`PRAGMA user_version = ${LATEST_VERSION + 1}`);
    await db.close();
    await expect(DutyStore.open({ file, site: 's', timeZone: 'Asia/Shanghai' })).rejects.toThrow(/newer version.*Update the program/);
  });
});

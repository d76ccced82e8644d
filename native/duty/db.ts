import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import sqlite3 from 'sqlite3';

/*
 * A small promise wrapper over one sqlite3 connection: WAL, synchronous=FULL (a commit that
 * returned is on disk), foreign keys, a busy timeout, transactions queued one after another, and a
 * refusal to open anything that is not our database.
 */

/** `PRAGMA application_id` of a duty database: "SKYD". */
export const APPLICATION_ID = 0x534b5944;
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const SLOW_QUERY_MS = 200;

export type SqlValue = string | number | bigint | Buffer | null;
export type Row = Record<string, SqlValue>;

/** The database file cannot be used; the message says what to do. The file was not changed. */
export class DbRefused extends Error {
  override name = 'DbRefused';
}

export interface DbOptions {
  /** Expected `PRAGMA application_id` (default: the duty database's). */
  applicationId?: number;
  /** Warn about statements slower than this, ms. */
  slowMs?: number;
  onSlow?: (sql: string, ms: number) => void;
}

function openRaw(file: string, mode: number): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, mode, (err) => (err ? reject(err) : resolve(db)));
  });
}

/** The online backup API of sqlite3 (present at run time, missing from its type declarations). */
interface SqliteBackup {
  readonly completed: boolean;
  readonly failed: boolean;
  step(pages: number, cb: (err: Error | null) => void): void;
  finish(cb?: (err: Error | null) => void): void;
}
interface BackupCapable {
  backup(dest: string, cb: (err: Error | null) => void): SqliteBackup;
}

export class Db {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly file: string,
    private readonly raw: sqlite3.Database,
    private readonly opts: DbOptions,
  ) {}

  /**
   * Opens (or creates) a database file. An existing file is first inspected read-only: a file that
   * is not SQLite, is damaged, or belongs to another program is refused and left as it was.
   */
  static async open(file: string, opts: DbOptions = {}): Promise<Db> {
    if (existsSync(file) && statSync(file).size > 0) await Db.inspect(file, opts.applicationId ?? APPLICATION_ID);
    const raw = await openRaw(file, sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE);
    const db = new Db(file, raw, opts);
    await db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;');
    return db;
  }

  /** Throws DbRefused when `file` is not a healthy duty database (or an empty SQLite file). Read-only. */
  static async inspect(file: string, applicationId = APPLICATION_ID): Promise<void> {
    const head = Buffer.alloc(16);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, head, 0, 16, 0);
    } finally {
      closeSync(fd);
    }
    const what = `${file} is not a duty database`;
    const todo = 'The file was left untouched. Move it aside (or restore a backup with `npm run duty -- restore <backup file>`) and start again.';
    if (!head.equals(SQLITE_MAGIC)) throw new DbRefused(`${what}: it is not an SQLite file. ${todo}`);
    let raw: sqlite3.Database;
    try {
      raw = await openRaw(file, sqlite3.OPEN_READONLY);
    } catch (e) {
      throw new DbRefused(`${what}: SQLite cannot open it (${(e as Error).message}). ${todo}`);
    }
    const ro = new Db(file, raw, {});
    try {
      const check = await ro.all<{ quick_check: string }>('PRAGMA quick_check');
      if (check.length !== 1 || check[0]!.quick_check !== 'ok')
        throw new DbRefused(`${file} is damaged (${check.map((c) => c.quick_check).slice(0, 3).join('; ')}). ${todo}`);
      const app = (await ro.get<{ application_id: number }>('PRAGMA application_id'))!.application_id;
      const tables = (await ro.get<{ n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'"))!.n;
      if (app !== applicationId && !(app === 0 && tables === 0))
        throw new DbRefused(`${what}: it belongs to another program (application id ${app}, ${tables} tables). ${todo}`);
    } catch (e) {
      if (e instanceof DbRefused) throw e;
      throw new DbRefused(`${file} is damaged (${(e as Error).message}). ${todo}`);
    } finally {
      await ro.close();
    }
  }

  private timed<T>(sql: string, run: (done: (err: Error | null, value?: T) => void) => void): Promise<T> {
    const t0 = performance.now();
    return new Promise<T>((resolve, reject) =>
      run((err, value) => {
        const ms = performance.now() - t0;
        if (ms > (this.opts.slowMs ?? SLOW_QUERY_MS)) this.opts.onSlow?.(sql, ms);
        if (err) reject(err);
        else resolve(value as T);
      }),
    );
  }

  run(sql: string, params: readonly unknown[] = []): Promise<{ changes: number; lastID: number }> {
    return this.timed(sql, (done) =>
      this.raw.run(sql, params, function (this: sqlite3.RunResult, err: Error | null) {
        done(err, { changes: this?.changes ?? 0, lastID: this?.lastID ?? 0 });
      }),
    );
  }

  get<T = Row>(sql: string, params: readonly unknown[] = []): Promise<T | undefined> {
    return this.timed(sql, (done) => this.raw.get(sql, params, (err, row) => done(err, row as T | undefined)));
  }

  all<T = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.timed(sql, (done) => this.raw.all(sql, params, (err, rows) => done(err, rows as T[])));
  }

  exec(sql: string): Promise<void> {
    return this.timed(sql, (done) => this.raw.exec(sql, (err) => done(err)));
  }

  /**
   * Runs `fn` inside BEGIN IMMEDIATE … COMMIT, after every transaction queued before it. Throwing
   * rolls back. With synchronous=FULL the commit is on disk when this resolves.
   */
  tx<T>(fn: () => Promise<T>): Promise<T> {
    const run = async () => {
      await this.exec('BEGIN IMMEDIATE');
      try {
        const out = await fn();
        await this.exec('COMMIT');
        return out;
      } catch (e) {
        await this.exec('ROLLBACK').catch(() => undefined);
        throw e;
      }
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** Copies the live database to `dest` with SQLite's online backup API (readers and writers go on). */
  backupTo(dest: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const b = (this.raw as unknown as BackupCapable).backup(dest, (err: Error | null) => {
        if (err) return reject(err);
        const step = () =>
          b.step(-1, (e: Error | null) => {
            if (e) return b.finish(() => reject(e));
            if (b.completed) return b.finish(() => resolve());
            if (b.failed) return b.finish(() => reject(new Error(`backup to ${dest} failed`)));
            setImmediate(step);
          });
        step();
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => this.raw.close((err) => (err ? reject(err) : resolve())));
  }
}

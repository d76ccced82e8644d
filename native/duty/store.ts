import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { canonicalJson, editRecord, makeRecord, mergeRecord, recordProblem, type RecordKind, type SyncRecord } from '../../common/duty';
import { HlcClock } from '../../common/hlc';
import { Db } from './db';
import { indexOf, migrate } from './migrations';

/*
 * The duty store: every record in one table (its fields as JSON with a clock each, plus search
 * columns), and the outbox the sync agent reads, written in the same transaction as the change.
 */

export interface DutyStoreOptions {
  file: string;
  /** This console's site id: the node of its clock and the origin of its records. */
  site: string;
  timeZone: string;
  /** Physical clock (ms); tests skew it. */
  now?: () => number;
  onSlow?: (sql: string, ms: number) => void;
}

export interface SearchQuery {
  kinds?: RecordKind[];
  text?: string;
  from?: string;
  to?: string;
  category?: string;
  tower?: string;
  limit?: number;
}

/** A record as a database row: its fields as JSON text. */
export interface RecordRow {
  id: string;
  kind: string;
  site: string;
  hlc: string;
  fields: string;
}

export const fromRow = (r: RecordRow): SyncRecord => ({ id: r.id, kind: r.kind as RecordKind, site: r.site, hlc: r.hlc, fields: JSON.parse(r.fields) });

/** A record that the store refused, and why. */
export class RecordRefused extends Error {
  override name = 'RecordRefused';
}

export class DutyStore {
  readonly clock: HlcClock;

  private constructor(
    readonly db: Db,
    readonly site: string,
    readonly timeZone: string,
    readonly now: () => number,
  ) {
    this.clock = new HlcClock(site, now);
  }

  static async open(opts: DutyStoreOptions): Promise<DutyStore> {
    const db = await Db.open(opts.file, opts.onSlow ? { onSlow: opts.onSlow } : {});
    try {
      await migrate(db, { timeZone: opts.timeZone });
    } catch (e) {
      await db.close();
      throw e;
    }
    const store = new DutyStore(db, opts.site, opts.timeZone, opts.now ?? Date.now);
    const latest = await db.get<{ hlc: string | null }>('SELECT max(hlc) AS hlc FROM records');
    store.clock.seed(latest?.hlc);
    return store;
  }

  newId(kind: RecordKind): string {
    return `${kind}-${randomUUID()}`;
  }

  private async put(r: SyncRecord): Promise<void> {
    const ix = indexOf(r, this.timeZone);
    await this.db.run(
      `INSERT INTO records (id, kind, site, hlc, fields, day, at, category, tower, text) VALUES (?,?,?,?,?,?,?,?,?,?)
       ON CONFLICT (id) DO UPDATE SET site = excluded.site, hlc = excluded.hlc, fields = excluded.fields, day = excluded.day, at = excluded.at,
         category = excluded.category, tower = excluded.tower, text = excluded.text`,
      [r.id, r.kind, r.site, r.hlc, JSON.stringify(r.fields), ix.day, ix.at, ix.category, ix.tower, ix.text],
    );
  }

  private async putWithOutbox(r: SyncRecord): Promise<void> {
    await this.put(r);
    await this.db.run('INSERT INTO outbox (record_id, hlc) VALUES (?, ?)', [r.id, r.hlc]);
  }

  /** Writes a new record; it is on disk and queued for sync when this resolves. */
  async create(kind: RecordKind, data: Record<string, unknown>, id = this.newId(kind)): Promise<SyncRecord> {
    return this.db.tx(async () => {
      if (await this.db.get('SELECT 1 FROM records WHERE id = ?', [id])) throw new RecordRefused(`record ${id} already exists`);
      const r = makeRecord(id, kind, this.site, this.clock.now(), data);
      const problem = recordProblem(r);
      if (problem) throw new RecordRefused(problem);
      await this.putWithOutbox(r);
      return r;
    });
  }

  /** Writes many new records in one transaction (imports, benchmarks). */
  async createMany(items: { kind: RecordKind; data: Record<string, unknown>; id?: string }[]): Promise<SyncRecord[]> {
    return this.db.tx(async () => {
      const out: SyncRecord[] = [];
      for (const it of items) {
        const r = makeRecord(it.id ?? this.newId(it.kind), it.kind, this.site, this.clock.now(), it.data);
        const problem = recordProblem(r);
        if (problem) throw new RecordRefused(`${r.id}: ${problem}`);
        await this.putWithOutbox(r);
        out.push(r);
      }
      return out;
    });
  }

  /**
   * Changes fields of an editable record (or creates it with `initial` when it does not exist yet);
   * only the fields whose value changed get a new clock.
   */
  async edit(id: string, patch: Record<string, unknown>, initial?: { kind: RecordKind; data: Record<string, unknown> }): Promise<SyncRecord> {
    return this.db.tx(async () => {
      const held = await this.getIn(id);
      const hlc = this.clock.now();
      let r: SyncRecord;
      if (held) {
        if (['entry', 'attendance', 'attachment'].includes(held.kind)) throw new RecordRefused(`${held.kind} records cannot be changed once written`);
        r = editRecord(held, patch, hlc);
        if (r === held) return held;
      } else if (initial) {
        r = makeRecord(id, initial.kind, this.site, hlc, { ...initial.data, ...patch });
      } else throw new RecordRefused(`no record ${id}`);
      const problem = recordProblem(r);
      if (problem) throw new RecordRefused(problem);
      await this.putWithOutbox(r);
      return r;
    });
  }

  private async getIn(id: string): Promise<SyncRecord | undefined> {
    const row = await this.db.get<RecordRow>('SELECT id, kind, site, hlc, fields FROM records WHERE id = ?', [id]);
    return row ? fromRow(row) : undefined;
  }

  get(id: string): Promise<SyncRecord | undefined> {
    return this.getIn(id);
  }

  async byKind(kind: RecordKind, where = '', params: unknown[] = []): Promise<SyncRecord[]> {
    const rows = await this.db.all<RecordRow>(`SELECT id, kind, site, hlc, fields FROM records WHERE kind = ? ${where} ORDER BY at, id`, [kind, ...params]);
    return rows.map(fromRow);
  }

  async search(q: SearchQuery): Promise<SyncRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const kinds = q.kinds?.length ? q.kinds : ['entry', 'item', 'handover', 'notice'];
    where.push(`kind IN (${kinds.map(() => '?').join(',')})`);
    params.push(...kinds);
    if (q.text) {
      where.push("text LIKE ? ESCAPE '\\'");
      params.push(`%${q.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    }
    const eq: [string, string | undefined][] = [['day >= ?', q.from], ['day <= ?', q.to], ['category = ?', q.category], ['tower = ?', q.tower]];
    for (const [clause, value] of eq) {
      if (!value) continue;
      where.push(clause);
      params.push(value);
    }
    const rows = await this.db.all<RecordRow>(
      `SELECT id, kind, site, hlc, fields FROM records WHERE ${where.join(' AND ')} ORDER BY at DESC, id LIMIT ?`,
      [...params, Math.min(q.limit ?? 200, 2000)],
    );
    return rows.map(fromRow);
  }

  // --- sync -------------------------------------------------------------------------------------

  /** Changes waiting to be pushed. */
  async pendingCount(): Promise<number> {
    return (await this.db.get<{ n: number }>('SELECT count(DISTINCT record_id) AS n FROM outbox'))!.n;
  }

  /** The oldest waiting changes: the current state of each record named, and the last outbox seq they cover. */
  async outboxBatch(limit: number): Promise<{ upTo: number; records: SyncRecord[] } | null> {
    const rows = await this.db.all<{ seq: number; record_id: string }>('SELECT seq, record_id FROM outbox ORDER BY seq LIMIT ?', [limit]);
    if (rows.length === 0) return null;
    const ids = [...new Set(rows.map((r) => r.record_id))];
    const recs = await this.db.all<RecordRow>(`SELECT id, kind, site, hlc, fields FROM records WHERE id IN (${ids.map(() => '?').join(',')})`, ids);
    return { upTo: rows.at(-1)!.seq, records: recs.map(fromRow) };
  }

  /** The centre has the changes up to `upTo`; records it refused are kept aside with the reason. */
  async outboxDone(upTo: number, rejected: { id: string; reason: string }[] = []): Promise<void> {
    await this.db.tx(async () => {
      await this.db.run('DELETE FROM outbox WHERE seq <= ?', [upTo]);
      for (const r of rejected) {
        const rec = await this.getIn(r.id);
        await this.db.run('INSERT OR REPLACE INTO sync_rejected (record_id, hlc, reason, at) VALUES (?,?,?,?)', [r.id, rec?.hlc ?? '', r.reason, this.now()]);
      }
    });
  }

  async rejections(): Promise<{ id: string; reason: string; at: number }[]> {
    return this.db.all('SELECT record_id AS id, reason, at FROM sync_rejected ORDER BY at DESC LIMIT 100');
  }

  /**
   * Merges records pulled from the centre and moves the pull cursor, in one transaction, so a
   * crash leaves both as they were or both done. Pulled changes do not go to the outbox.
   */
  async applyPulled(records: SyncRecord[], cursor: string): Promise<number> {
    return this.db.tx(async () => {
      let changed = 0;
      for (const incoming of records) {
        if (recordProblem(incoming)) continue;
        this.clock.receive(incoming.hlc);
        const held = await this.getIn(incoming.id);
        const m = mergeRecord(held, incoming);
        if (m.changed) {
          await this.put(m.record);
          changed++;
        }
      }
      await this.setState('pull.cursor', cursor);
      return changed;
    });
  }

  async getState(key: string): Promise<string | undefined> {
    return (await this.db.get<{ value: string }>('SELECT value FROM sync_state WHERE key = ?', [key]))?.value;
  }

  async setState(key: string, value: string): Promise<void> {
    await this.db.run('INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
  }

  /** Every record id with a digest of its content, and one checksum over them all (compare between sides). */
  async checksum(): Promise<{ count: number; sha256: string }> {
    return checksumOf(await this.db.all<RecordRow>('SELECT id, kind, site, hlc, fields FROM records ORDER BY id'));
  }

  // --- backups ----------------------------------------------------------------------------------

  /** An online backup to `<dir>/duty-<YYYYMMDD-HHmmss>.sqlite`; removes backups older than `keepDays`. */
  async backup(dir: string, keepDays = 183): Promise<{ file: string; bytes: number; removed: string[] }> {
    mkdirSync(dir, { recursive: true });
    const stamp = new Date(this.now()).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    let file = join(dir, `duty-${stamp}.sqlite`);
    for (let i = 2; existsSync(file); i++) file = join(dir, `duty-${stamp}-${i}.sqlite`);
    await this.db.backupTo(file);
    const bytes = statSync(file).size;
    await this.db.run('INSERT OR REPLACE INTO backups (file, at, bytes) VALUES (?,?,?)', [basename(file), this.now(), bytes]);
    const removed: string[] = [];
    const cutoff = this.now() - keepDays * 86400_000;
    for (const f of readdirSync(dir)) {
      if (!/^duty-\d{8}-\d{6}(-\d+)?\.sqlite$/.test(f)) continue;
      const p = join(dir, f);
      if (statSync(p).mtimeMs < cutoff) {
        rmSync(p);
        removed.push(f);
      }
    }
    return { file, bytes, removed };
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

/** The checksum of a set of records: SHA-256 over each record's canonical JSON, in id order. */
export function checksumOf(rows: RecordRow[]): { count: number; sha256: string } {
  const h = createHash('sha256');
  // Sorted here, by code unit, so that every database's collation gives the same order.
  for (const r of [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) h.update(canonicalJson({ id: r.id, kind: r.kind, site: r.site, hlc: r.hlc, fields: JSON.parse(r.fields) })).update('\n');
  return { count: rows.length, sha256: h.digest('hex') };
}

import { dataOf, dayOf, type SyncRecord } from '../../common/duty';
import { APPLICATION_ID, DbRefused, type Db } from './db';

/*
 * Numbered, forward-only migrations of the duty database (`PRAGMA user_version` is the number of
 * the last one applied). Each runs in its own transaction; a database from any earlier version
 * upgrades step by step, and each step has a test (migrations.test.ts). Never edit a shipped step:
 * add the next one.
 */

export interface MigrationContext {
  timeZone: string;
}

export interface Migration {
  version: number;
  name: string;
  up(db: Db, ctx: MigrationContext): Promise<void>;
}

/** The columns kept beside each record's JSON for search and reports. */
export interface RecordIndex {
  day: string | null;
  at: number | null;
  category: string | null;
  tower: string | null;
  text: string | null;
}

/** Search and report columns of a record. */
export function indexOf(r: SyncRecord, timeZone: string): RecordIndex {
  const d = dataOf(r);
  const str = (k: string) => (typeof d[k] === 'string' ? (d[k] as string) : null);
  const num = (k: string) => (typeof d[k] === 'number' ? (d[k] as number) : null);
  const at = num('at') ?? num('openedAt') ?? num('handedAt') ?? num('issuedAt') ?? num('confirmedAt');
  const day = str('date') ?? (at !== null ? dayOf(at, timeZone) : null);
  const text = [str('text'), str('summary'), str('title'), str('note')].filter(Boolean).join('\n') || null;
  return { day, at, category: str('category'), tower: str('tower') || null, text };
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'records, outbox and sync state',
    up: async (db) => {
      await db.exec(`
        PRAGMA application_id = ${APPLICATION_ID};
        CREATE TABLE records (
          id     TEXT PRIMARY KEY,
          kind   TEXT NOT NULL,
          site   TEXT NOT NULL,
          hlc    TEXT NOT NULL,
          fields TEXT NOT NULL,
          day    TEXT,
          at     INTEGER
        );
        CREATE INDEX records_kind_day ON records (kind, day);
        CREATE INDEX records_hlc ON records (hlc);
        -- A change waiting to be pushed: written in the same transaction as the change itself.
        CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, record_id TEXT NOT NULL, hlc TEXT NOT NULL);
        CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      `);
    },
  },
  {
    version: 2,
    name: 'search columns: category, tower, text',
    up: async (db, { timeZone }) => {
      await db.exec(`
        ALTER TABLE records ADD COLUMN category TEXT;
        ALTER TABLE records ADD COLUMN tower TEXT;
        ALTER TABLE records ADD COLUMN text TEXT;
        CREATE INDEX records_day_at ON records (day, at);
        CREATE INDEX records_tower ON records (tower) WHERE tower IS NOT NULL;
      `);
      const rows = await db.all<{ id: string; kind: string; site: string; hlc: string; fields: string }>('SELECT id, kind, site, hlc, fields FROM records');
      for (const row of rows) {
        const ix = indexOf({ ...row, kind: row.kind as SyncRecord['kind'], fields: JSON.parse(row.fields) }, timeZone);
        await db.run('UPDATE records SET category = ?, tower = ?, text = ?, day = ?, at = ? WHERE id = ?', [ix.category, ix.tower, ix.text, ix.day, ix.at, row.id]);
      }
    },
  },
  {
    version: 3,
    name: 'sync rejections and backup log',
    up: async (db) => {
      await db.exec(`
        -- Records the central service refused, with its reason; kept for the operator to see.
        CREATE TABLE sync_rejected (record_id TEXT PRIMARY KEY, hlc TEXT NOT NULL, reason TEXT NOT NULL, at INTEGER NOT NULL);
        CREATE TABLE backups (file TEXT PRIMARY KEY, at INTEGER NOT NULL, bytes INTEGER NOT NULL);
      `);
    },
  },
];

export const LATEST_VERSION = MIGRATIONS.at(-1)!.version;

/** Applies the migrations after the database's version, up to `upTo`. Refuses a database from a newer program. */
export async function migrate(db: Db, ctx: MigrationContext, upTo = LATEST_VERSION): Promise<{ from: number; to: number }> {
  const from = (await db.get<{ user_version: number }>('PRAGMA user_version'))!.user_version;
  if (from > LATEST_VERSION)
    throw new DbRefused(`${db.file} was written by a newer version of this program (schema ${from}, this one knows up to ${LATEST_VERSION}). Update the program; the file was left untouched.`);
  for (const m of MIGRATIONS) {
    if (m.version <= from || m.version > upTo) continue;
    await db.tx(async () => {
      await m.up(db, ctx);
      await db.exec(`PRAGMA user_version = ${m.version}`);
    });
  }
  return { from, to: Math.max(from, Math.min(upTo, LATEST_VERSION)) };
}

import { canonicalJson, mergeRecord, type SyncRecord } from '../../common/duty';
import { Db } from '../duty/db';
import { checksumOf, fromRow, type RecordRow } from '../duty/store';
import type { CentralStore, PullResult, PushResult } from './protocol';

/** `PRAGMA application_id` of a central store: "SKYC". */
const CENTRAL_APP_ID = 0x534b5943;

const SCHEMA = [
  `PRAGMA application_id = ${CENTRAL_APP_ID};
   CREATE TABLE records (id TEXT PRIMARY KEY, kind TEXT NOT NULL, site TEXT NOT NULL, hlc TEXT NOT NULL, fields TEXT NOT NULL, seq INTEGER NOT NULL, origin TEXT);
   CREATE UNIQUE INDEX records_seq ON records (seq);
   CREATE TABLE batches (site TEXT NOT NULL, batch_id TEXT NOT NULL, result TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (site, batch_id));`,
];

type Row = RecordRow;

/** The embedded central store: one SQLite file (WAL, synchronous=FULL). */
export class SqliteCentralStore implements CentralStore {
  readonly kind = 'sqlite';
  private constructor(private readonly db: Db) {}

  static async open(file: string): Promise<SqliteCentralStore> {
    const db = await Db.open(file, { applicationId: CENTRAL_APP_ID });
    const v = (await db.get<{ user_version: number }>('PRAGMA user_version'))!.user_version;
    for (let i = v; i < SCHEMA.length; i++) {
      await db.tx(async () => {
        await db.exec(SCHEMA[i]!);
        await db.exec(`PRAGMA user_version = ${i + 1}`);
      });
    }
    return new SqliteCentralStore(db);
  }

  push(site: string, batchId: string, records: SyncRecord[], rejected: { id: string; reason: string }[]): Promise<PushResult> {
    return this.db.tx(async () => {
      const seen = await this.db.get<{ result: string }>('SELECT result FROM batches WHERE site = ? AND batch_id = ?', [site, batchId]);
      if (seen) return { ...(JSON.parse(seen.result) as PushResult), replay: true };
      let seq = (await this.db.get<{ s: number | null }>('SELECT max(seq) AS s FROM records'))!.s ?? 0;
      const refused = [...rejected];
      let accepted = 0;
      for (const r of records) {
        const row = await this.db.get<Row>('SELECT id, kind, site, hlc, fields FROM records WHERE id = ?', [r.id]);
        const held = row ? fromRow(row) : undefined;
        if (held && held.kind !== r.kind) {
          refused.push({ id: r.id, reason: `record ${r.id} is a ${held.kind} here, not a ${r.kind}` });
          continue;
        }
        accepted++;
        const m = mergeRecord(held, r);
        if (!m.changed) continue;
        // The pushing site already holds this state when the result is exactly what it sent.
        const origin = canonicalJson(m.record) === canonicalJson(r) ? site : null;
        await this.db.run(
          `INSERT INTO records (id, kind, site, hlc, fields, seq, origin) VALUES (?,?,?,?,?,?,?)
           ON CONFLICT (id) DO UPDATE SET site = excluded.site, hlc = excluded.hlc, fields = excluded.fields, seq = excluded.seq, origin = excluded.origin`,
          [m.record.id, m.record.kind, m.record.site, m.record.hlc, JSON.stringify(m.record.fields), ++seq, origin],
        );
      }
      const result: PushResult = { batchId, accepted, rejected: refused, replay: false };
      await this.db.run('INSERT INTO batches (site, batch_id, result, at) VALUES (?,?,?,?)', [site, batchId, JSON.stringify(result), Date.now()]);
      return result;
    });
  }

  async pull(site: string, after: string, limit: number): Promise<PullResult> {
    const from = Number(after) || 0;
    const rows = await this.db.all<Row & { seq: number; origin: string | null }>(
      'SELECT id, kind, site, hlc, fields, seq, origin FROM records WHERE seq > ? ORDER BY seq LIMIT ?',
      [from, limit + 1],
    );
    const page = rows.slice(0, limit);
    return {
      records: page.filter((r) => r.origin !== site).map(fromRow),
      cursor: String(page.at(-1)?.seq ?? from),
      more: rows.length > limit,
    };
  }

  async checksum(): Promise<{ count: number; sha256: string }> {
    return checksumOf(await this.db.all<Row>('SELECT id, kind, site, hlc, fields FROM records ORDER BY id'));
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

import pg from 'pg';
import { canonicalJson, mergeRecord, type SyncRecord } from '../../common/duty';
import { checksumOf, fromRow, type RecordRow } from '../duty/store';
import type { CentralStore, PullResult, PushResult } from './protocol';

/*
 * The central store on PostgreSQL. Instances of the service keep no state of their own, so several
 * can run behind a load balancer on one database. Pushes take a transaction-scoped advisory lock:
 * change numbers (`seq`) are then handed out in commit order, and a site pulling "after seq N"
 * can never miss a change that commits later with a smaller number.
 */

const PUSH_LOCK = 0x534b59; // any constant shared by all instances

/** Numbered, forward-only schema steps (table sync_schema holds the last applied). */
const MIGRATIONS = [
  `CREATE TABLE sync_records (id text PRIMARY KEY, kind text NOT NULL, site text NOT NULL, hlc text NOT NULL, fields text NOT NULL, seq bigint NOT NULL, origin text);
   CREATE UNIQUE INDEX sync_records_seq ON sync_records (seq);
   CREATE SEQUENCE sync_seq;
   CREATE TABLE sync_batches (site text NOT NULL, batch_id text NOT NULL, result text NOT NULL, at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (site, batch_id));`,
];

type Row = RecordRow;

export class PgCentralStore implements CentralStore {
  readonly kind = 'postgres';
  private constructor(private readonly pool: pg.Pool) {}

  static async open(url: string): Promise<PgCentralStore> {
    const pool = new pg.Pool({ connectionString: url, max: 8 });
    pool.on('error', () => undefined); // a dropped idle connection is replaced on next use
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      await c.query('SELECT pg_advisory_xact_lock($1)', [PUSH_LOCK + 1]);
      await c.query('CREATE TABLE IF NOT EXISTS sync_schema (version int NOT NULL)');
      const v = (await c.query<{ version: number }>('SELECT version FROM sync_schema')).rows[0]?.version ?? 0;
      if (v > MIGRATIONS.length) throw new Error(`the sync database has schema ${v}, newer than this service knows (${MIGRATIONS.length}); update the service`);
      for (let i = v; i < MIGRATIONS.length; i++) await c.query(MIGRATIONS[i]!);
      await c.query('DELETE FROM sync_schema');
      await c.query('INSERT INTO sync_schema (version) VALUES ($1)', [Math.max(v, MIGRATIONS.length)]);
      await c.query('COMMIT');
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      c.release();
      await pool.end();
      throw e;
    }
    c.release();
    return new PgCentralStore(pool);
  }

  async push(site: string, batchId: string, records: SyncRecord[], rejected: { id: string; reason: string }[]): Promise<PushResult> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      await c.query('SELECT pg_advisory_xact_lock($1)', [PUSH_LOCK]);
      const seen = await c.query<{ result: string }>('SELECT result FROM sync_batches WHERE site = $1 AND batch_id = $2', [site, batchId]);
      if (seen.rows[0]) {
        await c.query('COMMIT');
        return { ...(JSON.parse(seen.rows[0].result) as PushResult), replay: true };
      }
      const ids = records.map((r) => r.id);
      const held = new Map((await c.query<Row>('SELECT id, kind, site, hlc, fields FROM sync_records WHERE id = ANY($1::text[])', [ids])).rows.map((r) => [r.id, fromRow(r)]));
      const refused = [...rejected];
      const out: { r: SyncRecord; origin: string | null }[] = [];
      let accepted = 0;
      for (const r of records) {
        const h = held.get(r.id);
        if (h && h.kind !== r.kind) {
          refused.push({ id: r.id, reason: `record ${r.id} is a ${h.kind} here, not a ${r.kind}` });
          continue;
        }
        accepted++;
        const m = mergeRecord(h, r);
        if (!m.changed) continue;
        held.set(r.id, m.record);
        out.push({ r: m.record, origin: canonicalJson(m.record) === canonicalJson(r) ? site : null });
      }
      // The same id twice in one batch: the last merged state is the one written.
      const last = new Map(out.map((o) => [o.r.id, o]));
      const rows = [...last.values()];
      if (rows.length)
        await c.query(
          `INSERT INTO sync_records (id, kind, site, hlc, fields, seq, origin)
           SELECT id, kind, site, hlc, fields, nextval('sync_seq'), origin
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS t(id, kind, site, hlc, fields, origin, n) ORDER BY n
           ON CONFLICT (id) DO UPDATE SET site = excluded.site, hlc = excluded.hlc, fields = excluded.fields, seq = excluded.seq, origin = excluded.origin`,
          [rows.map((o) => o.r.id), rows.map((o) => o.r.kind), rows.map((o) => o.r.site), rows.map((o) => o.r.hlc), rows.map((o) => JSON.stringify(o.r.fields)), rows.map((o) => o.origin)],
        );
      const result: PushResult = { batchId, accepted, rejected: refused, replay: false };
      await c.query('INSERT INTO sync_batches (site, batch_id, result) VALUES ($1, $2, $3)', [site, batchId, JSON.stringify(result)]);
      await c.query('COMMIT');
      return result;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }

  async pull(site: string, after: string, limit: number): Promise<PullResult> {
    const from = after && /^\d+$/.test(after) ? after : '0';
    const rows = (
      await this.pool.query<Row & { seq_text: string; origin: string | null }>(
        'SELECT id, kind, site, hlc, fields, seq::text AS seq_text, origin FROM sync_records WHERE seq > $1::bigint ORDER BY seq LIMIT $2',
        [from, limit + 1],
      )
    ).rows;
    const page = rows.slice(0, limit);
    return { records: page.filter((r) => r.origin !== site).map(fromRow), cursor: page.at(-1)?.seq_text ?? from, more: rows.length > limit };
  }

  async checksum(): Promise<{ count: number; sha256: string }> {
    return checksumOf((await this.pool.query<Row>('SELECT id, kind, site, hlc, fields FROM sync_records')).rows);
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

import type { Asset, Inspection, Ticket } from '../../common/contract/health';
import type { DeviceState, StateChange } from '../../common/health';
import { Db } from '../duty/db';

/** `PRAGMA application_id` of the health database: "SKYH". */
export const HEALTH_APPLICATION_ID = 0x534b5948;

/** Numbered, forward-only steps (`PRAGMA user_version` = the last applied); each has a test. */
export const HEALTH_MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'state changes, tickets, inspections, photos, assets',
    sql: `
      PRAGMA application_id = ${HEALTH_APPLICATION_ID};
      CREATE TABLE changes (id INTEGER PRIMARY KEY, device TEXT NOT NULL, at INTEGER NOT NULL, state TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '');
      CREATE INDEX changes_device_at ON changes (device, at);
      CREATE TABLE tickets (id TEXT PRIMARY KEY, status TEXT NOT NULL, opened_at INTEGER NOT NULL, data TEXT NOT NULL);
      CREATE TABLE inspections (id TEXT PRIMARY KEY, data TEXT NOT NULL);
      CREATE TABLE photos (name TEXT PRIMARY KEY, mime TEXT NOT NULL, data BLOB NOT NULL);
      CREATE TABLE assets (device_id TEXT PRIMARY KEY, data TEXT NOT NULL);`,
  },
];

/** The health database: state history (for availability), tickets, inspections and the asset register. */
export class HealthStore {
  private constructor(private readonly db: Db) {}

  static async open(file: string): Promise<HealthStore> {
    const db = await Db.open(file, { applicationId: HEALTH_APPLICATION_ID });
    const from = (await db.get<{ user_version: number }>('PRAGMA user_version'))!.user_version;
    for (const m of HEALTH_MIGRATIONS) {
      if (m.version <= from) continue;
      await db.tx(async () => {
        await db.exec(m.sql);
        await db.exec(`PRAGMA user_version = ${m.version}`);
      });
    }
    return new HealthStore(db);
  }

  async version(): Promise<number> {
    return (await this.db.get<{ user_version: number }>('PRAGMA user_version'))!.user_version;
  }

  addChanges(list: readonly (StateChange & { detail: string })[]): Promise<void> {
    if (list.length === 0) return Promise.resolve();
    return this.db.tx(async () => {
      for (const c of list) await this.db.run('INSERT INTO changes (device, at, state, detail) VALUES (?, ?, ?, ?)', [c.device, c.at, c.state, c.detail]);
    });
  }

  /** The changes of the devices within [from, to), plus each device's last change before `from`. */
  async changesBetween(from: number, to: number, device?: string): Promise<(StateChange & { detail: string })[]> {
    const dev = device ? 'AND device = ?' : '';
    const args = device ? [device] : [];
    const before = await this.db.all<{ device: string; at: number; state: string; detail: string }>(
      `SELECT c.device, c.at, c.state, c.detail FROM changes c JOIN (SELECT device, max(at) AS at FROM changes WHERE at <= ? ${dev} GROUP BY device) b ON b.device = c.device AND b.at = c.at`,
      [from, ...args],
    );
    const inside = await this.db.all<{ device: string; at: number; state: string; detail: string }>(`SELECT device, at, state, detail FROM changes WHERE at > ? AND at < ? ${dev} ORDER BY at, id`, [from, to, ...args]);
    return [...before, ...inside].map((r) => ({ device: r.device, at: r.at, state: r.state as DeviceState, detail: r.detail }));
  }

  async putTicket(t: Ticket): Promise<void> {
    await this.db.run('INSERT INTO tickets (id, status, opened_at, data) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET status = excluded.status, data = excluded.data', [t.id, t.status, t.openedAt, JSON.stringify(t)]);
  }

  async tickets(status: 'open' | 'closed' | 'all' = 'all', since = 0): Promise<Ticket[]> {
    const rows = await this.db.all<{ data: string }>(`SELECT data FROM tickets WHERE (? = 'all' OR status = ?) AND (status = 'open' OR opened_at >= ?) ORDER BY opened_at DESC LIMIT 2000`, [status, status, since]);
    return rows.map((r) => JSON.parse(r.data) as Ticket);
  }

  async putInspection(i: Inspection): Promise<void> {
    await this.db.run('INSERT INTO inspections (id, data) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data', [i.id, JSON.stringify(i)]);
  }

  async inspection(id: string): Promise<Inspection | undefined> {
    const r = await this.db.get<{ data: string }>('SELECT data FROM inspections WHERE id = ?', [id]);
    return r ? (JSON.parse(r.data) as Inspection) : undefined;
  }

  async putPhoto(name: string, mime: string, data: Buffer): Promise<void> {
    await this.db.run('INSERT OR REPLACE INTO photos (name, mime, data) VALUES (?, ?, ?)', [name, mime, data]);
  }

  async putAssets(list: readonly Asset[]): Promise<void> {
    await this.db.tx(async () => {
      for (const a of list) await this.db.run('INSERT INTO assets (device_id, data) VALUES (?, ?) ON CONFLICT(device_id) DO UPDATE SET data = excluded.data', [a.deviceId, JSON.stringify(a)]);
    });
  }

  async assets(): Promise<Asset[]> {
    return (await this.db.all<{ data: string }>('SELECT data FROM assets ORDER BY device_id')).map((r) => JSON.parse(r.data) as Asset);
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

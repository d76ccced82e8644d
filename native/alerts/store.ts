import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AlertSchema, type Alert } from '../../common/alerts';
import { appendDurably, fsyncDir, readLines } from '../audit/day-files';
import type { Logger } from '../host/dispatch';

const FILE_MODE = 0o600;
const SNAPSHOT_NAME = /^[0-9a-f-]{36}\.jpg$/;

/**
 * The permanent alarm log: every state of every alert, one JSON line each, appended and fsynced
 * before anyone is told (the detector's 200 included), so a crash loses nothing that was
 * acknowledged. On start the last line of each alert is its state. Snapshots are files beside it,
 * written durably before the line that names them.
 */
export class AlertStore {
  readonly file: string;
  readonly snapshotDir: string;

  constructor(
    readonly dir: string,
    private readonly log: Logger,
  ) {
    mkdirSync(dir, { recursive: true });
    this.snapshotDir = join(dir, 'snapshots');
    mkdirSync(this.snapshotDir, { recursive: true });
    this.file = join(dir, 'alerts.jsonl');
  }

  /** Every alert's latest state; unreadable lines are skipped and said once. */
  load(): Alert[] {
    const byId = new Map<string, Alert>();
    if (!existsSync(this.file)) return [];
    let bad = 0;
    for (const line of readLines(this.file)) {
      let parsed;
      try {
        parsed = AlertSchema.safeParse(JSON.parse(line.text));
      } catch {
        parsed = undefined;
      }
      if (parsed?.success) byId.set(parsed.data.id, parsed.data);
      else bad++;
    }
    // A line cut short by a crash is the last one; anything else is damage worth a look.
    if (bad) this.log('warn', `alerts: ${bad} unreadable line(s) in ${this.file} skipped; the other records were loaded`);
    return [...byId.values()];
  }

  /** Records an alert's state durably. */
  put(alert: Alert): void {
    const isNew = !existsSync(this.file);
    appendDurably(this.file, Buffer.from(`${JSON.stringify(alert)}\n`), FILE_MODE);
    if (isNew) fsyncDir(this.dir);
  }

  /** Keeps a JPEG durably and returns its name. */
  saveSnapshot(jpeg: Buffer): string {
    const name = `${randomUUID()}.jpg`;
    appendDurably(join(this.snapshotDir, name), jpeg, FILE_MODE);
    fsyncDir(this.snapshotDir);
    return name;
  }

  /** The file of a snapshot name, or undefined for a name that is not one. */
  snapshotPath(name: string): string | undefined {
    return SNAPSHOT_NAME.test(name) ? join(this.snapshotDir, name) : undefined;
  }
}

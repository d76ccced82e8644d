import { copyFileSync, existsSync, renameSync, rmSync } from 'node:fs';
import { Db, DbRefused } from './db';
import { LATEST_VERSION } from './migrations';
import type { DutyStore } from './store';

/*
 * Backups of the duty database: an online backup to a dated file on a schedule (daily by default),
 * kept 183 days (six months) by default; restore replaces the database with a checked backup and
 * keeps the file it replaced beside it.
 */

export interface BackupSchedule {
  stop(): void;
}

/** Backs up now and then every `everyMs`; failures are logged and retried at the next turn. */
export function scheduleBackups(
  store: DutyStore,
  dir: string,
  opts: { everyMs?: number; keepDays?: number; log: (level: 'info' | 'warn', msg: string) => void },
): BackupSchedule {
  const run = () =>
    store
      .backup(dir, opts.keepDays)
      .then((b) => opts.log('info', `duty backup ${b.file} (${b.bytes} bytes)${b.removed.length ? `; removed ${b.removed.length} older than ${opts.keepDays ?? 183} days` : ''}`))
      .catch((e: unknown) => opts.log('warn', `duty backup failed: ${(e as Error).message}`));
  const first = setTimeout(run, 60_000);
  const timer = setInterval(run, opts.everyMs ?? 24 * 3600_000);
  first.unref();
  timer.unref();
  return { stop: () => (clearTimeout(first), clearInterval(timer)) };
}

/**
 * Replaces the database at `dbFile` with `backupFile` (the host must be stopped). The backup is
 * checked first (a duty database, intact, not from a newer version); the replaced file is kept as
 * `<dbFile>.replaced-<time>`. Returns that name (null when there was no database).
 */
export async function restoreBackup(backupFile: string, dbFile: string, now = Date.now()): Promise<{ replaced: string | null }> {
  if (!existsSync(backupFile)) throw new DbRefused(`backup ${backupFile} does not exist`);
  await Db.inspect(backupFile);
  const probe = await Db.open(backupFile);
  const version = (await probe.get<{ user_version: number }>('PRAGMA user_version'))!.user_version;
  // Fold the backup's own WAL in, so the single file copied is complete.
  await probe.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  await probe.close();
  if (version > LATEST_VERSION) throw new DbRefused(`backup ${backupFile} is from a newer version (schema ${version}); update the program first`);
  let replaced: string | null = null;
  if (existsSync(dbFile)) {
    replaced = `${dbFile}.replaced-${new Date(now).toISOString().replace(/[-:]/g, '').slice(0, 15)}`;
    renameSync(dbFile, replaced);
    for (const ext of ['-wal', '-shm']) if (existsSync(dbFile + ext)) renameSync(dbFile + ext, replaced + ext);
  }
  copyFileSync(backupFile, dbFile);
  for (const ext of ['-wal', '-shm']) rmSync(dbFile + ext, { force: true });
  // The restored copy starts a new sync epoch (its outbox numbers will repeat, so its batch ids must
  // differ) and pulls everything again: the centre gives back what was written after the backup.
  const db = await Db.open(dbFile);
  await db.run("DELETE FROM sync_state WHERE key IN ('sync.epoch', 'pull.cursor')");
  await db.close();
  return { replaced };
}

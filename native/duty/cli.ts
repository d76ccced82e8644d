import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { restoreBackup } from './backup';
import { Db, DbRefused } from './db';
import { DutyStore } from './store';

/*
 * `npm run duty -- <command>` (the host must be stopped for restore):
 *   check   [--data-dir .data]            open the duty database and report its state
 *   backup  [--data-dir .data]            online backup to .data/duty/backups/duty-<time>.sqlite
 *   restore <backup file> [--data-dir .data]   replace the database with a checked backup
 */
const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args.splice(i, 2)[1] : undefined;
};
const dataDir = resolve(flag('--data-dir') ?? '.data');
const dbFile = join(dataDir, 'duty', 'duty.sqlite');
const [cmd, arg] = args;

async function main(): Promise<void> {
  if (cmd === 'restore') {
    if (!arg) throw new Error('name the backup file: npm run duty -- restore <file>');
    const { replaced } = await restoreBackup(resolve(arg), dbFile);
    console.log(`restored ${arg} to ${dbFile}${replaced ? `; the replaced database is kept as ${replaced}` : ''}`);
    return;
  }
  if (cmd === 'check' || cmd === 'backup') {
    if (!existsSync(dbFile)) throw new Error(`no duty database at ${dbFile} (the host creates it on its first start; pass --data-dir for another data folder)`);
    await Db.inspect(dbFile);
    const store = await DutyStore.open({ file: dbFile, site: 'cli', timeZone: 'Asia/Shanghai' });
    if (cmd === 'backup') {
      const b = await store.backup(join(dataDir, 'duty', 'backups'));
      console.log(`backup ${b.file} (${b.bytes} bytes)`);
    } else {
      const c = await store.checksum();
      console.log(`${dbFile}: ${c.count} records, ${await store.pendingCount()} waiting to sync, checksum ${c.sha256}`);
    }
    await store.close();
    return;
  }
  console.log('usage: npm run duty -- check | backup | restore <backup file>  [--data-dir <dir>]');
  process.exitCode = 2;
}

main().catch((e: unknown) => {
  console.error(e instanceof DbRefused ? e.message : `duty: ${(e as Error).message}`);
  process.exit(1);
});

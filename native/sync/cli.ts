import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '../host/log';
import { PgCentralStore } from './central-pg';
import { SqliteCentralStore } from './central-sqlite';
import type { CentralStore } from './protocol';
import { parseTokens, startSyncServer } from './server';

/*
 * `npm run sync-server [-- --port 8740 --host 0.0.0.0 --tokens tokens.txt --db central.sqlite]`
 * PostgreSQL when DATABASE_URL is set (several instances may share it), else an SQLite file.
 * Site tokens: SYNC_TOKENS="site1=token1,site2=sha256:<hex>" or a file of such lines (--tokens).
 */
const { values } = parseArgs({
  options: { port: { type: 'string' }, host: { type: 'string' }, tokens: { type: 'string' }, db: { type: 'string' } },
});
const log = createLogger('sync');

async function main(): Promise<void> {
  const tokenText = values.tokens ? readFileSync(values.tokens, 'utf8') : (process.env.SYNC_TOKENS ?? '');
  const tokens = parseTokens(tokenText);
  if (Object.keys(tokens).length === 0) throw new Error('no site tokens: set SYNC_TOKENS="site1=token1,…" or pass --tokens <file>');
  let store: CentralStore;
  if (process.env.DATABASE_URL) {
    store = await PgCentralStore.open(process.env.DATABASE_URL);
  } else {
    const file = resolve(values.db ?? process.env.SYNC_DB ?? '.data/sync/central.sqlite');
    mkdirSync(dirname(file), { recursive: true });
    store = await SqliteCentralStore.open(file);
  }
  const server = await startSyncServer({
    store,
    tokens,
    host: values.host ?? process.env.SYNC_HOST ?? '127.0.0.1',
    port: Number(values.port ?? process.env.SYNC_PORT ?? 8740),
    log,
  });
  log('info', `central sync service on ${server.url} (${store.kind}, ${Object.keys(tokens).length} site tokens)`);
  const stop = async () => {
    await server.close();
    await store.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((e: unknown) => {
  console.error(`sync-server: ${(e as Error).message}`);
  process.exit(1);
});

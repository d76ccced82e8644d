import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHost } from '../../native/host/start';

/*
 * A host in a process of its own, for inputs that take the whole process down (the fuzz tests'
 * own process must survive them): `node --import tsx tests/fuzz/host-child.ts`. Prints one JSON
 * line `{url, port, token}` once it listens; SIGTERM closes it.
 */
const dataDir = process.env.FUZZ_CHILD_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'fuzz-child-'));
const host = await startHost({ port: 0, staticDir: null, dataDir, log: () => undefined });
process.stdout.write(`${JSON.stringify({ url: host.url, port: host.port, token: host.token })}\n`);
process.on('SIGTERM', () => {
  void host.close().then(() => process.exit(0));
});

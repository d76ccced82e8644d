import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { Role } from '../../common/auth';
import { startHost, type RunningHost } from '../../native/host/start';
import { openContractSocket, type ContractSocket } from './contract-socket';

/**
 * A host on the simulated site (own data folder) and a contract socket signed in as `role`, for the
 * tests of one file: started before them, closed after. Read `host` and `socket` inside the tests.
 */
export function hostWithSocket(name: string, role: Role = 'leader'): { readonly host: RunningHost; readonly socket: ContractSocket } {
  const it: { host?: RunningHost; socket?: ContractSocket } = {};
  beforeAll(async () => {
    it.host = await startHost({ port: 0, staticDir: null, dataDir: mkdtempSync(join(tmpdir(), `${name}-`)), log: () => undefined });
    it.socket = await openContractSocket(it.host, { as: role });
  }, 60_000);
  afterAll(async () => {
    it.socket?.close();
    await it.host?.close();
  });
  return {
    get host() {
      return it.host!;
    },
    get socket() {
      return it.socket!;
    },
  };
}

import { test as base } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Role } from '../../common/auth';
import { startHost, type RunningHost } from '../../native/host/start';
import { SESSION_STORAGE_KEY, sessionToken } from '../accounts';

/**
 * A real host with the built-in simulated site and a fresh data folder, shared by the tests of one
 * worker; its accounts are made through the API as an administrator would (tests/accounts.ts).
 * Every page starts signed in as the shift leader, unless a test asks for another role with
 * `test.use({ signedInAs: 'operator' })` or for nobody with `signedInAs: null`.
 */
export const test = base.extend<{ signedInAs: Role | null }, { host: RunningHost }>({
  host: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const dataDir = mkdtempSync(join(tmpdir(), 'e2e-host-'));
      const host = await startHost({ port: 0, streamLingerMs: 3000, dataDir });
      await use(host);
      await host.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
    { scope: 'worker', timeout: 60_000 },
  ],
  signedInAs: ['leader', { option: true }],
  context: async ({ context, host, signedInAs }, use) => {
    if (signedInAs) {
      const token = await sessionToken(host, signedInAs);
      // As a string: the test runner's transpiler would otherwise inject helpers the page lacks.
      await context.addInitScript(`try { sessionStorage.setItem(${JSON.stringify(SESSION_STORAGE_KEY)}, ${JSON.stringify(token)}); } catch {}`);
    }
    await use(context);
  },
});

export { expect } from '@playwright/test';

/** URL that opens the console with the host's token. */
export const consoleUrl = (host: RunningHost, path = '/') => `${host.url}${path}?token=${host.token}`;

import { test as base } from '@playwright/test';
import { startHost, type RunningHost } from '../../native/host/start';

/** A real host with the built-in simulated site, shared by the tests of one worker. */
export const test = base.extend<object, { host: RunningHost }>({
  host: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const host = await startHost({ port: 0, streamLingerMs: 3000 });
      await use(host);
      await host.close();
    },
    { scope: 'worker', timeout: 60_000 },
  ],
});

export { expect } from '@playwright/test';

/** URL that opens the console with the host's token. */
export const consoleUrl = (host: RunningHost, path = '/') => `${host.url}${path}?token=${host.token}`;

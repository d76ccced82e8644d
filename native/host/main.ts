import { parseArgs } from 'node:util';
import { SiteLoadError } from '../site/load';
import { createLogger } from './log';
import { startHost } from './start';

/** `npm run web`: the host as a plain Node process serving the built renderer. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      site: { type: 'string' },
      host: { type: 'string', default: process.env.HOST ?? '127.0.0.1' },
      port: { type: 'string', default: process.env.PORT ?? '8650' },
      token: { type: 'string' },
      tls: { type: 'boolean', default: false },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'data-dir': { type: 'string' },
      'sim-control-port': { type: 'string', default: '8660' },
    },
    allowPositionals: false,
  });
  const log = createLogger('host');
  const siteFile = values.site ?? process.env.SITE_FILE;
  let host;
  try {
    host = await startHost({
      ...(siteFile ? { siteFile } : {}),
      host: values.host,
      port: Number(values.port),
      ...((values.token ?? process.env.HOST_TOKEN) ? { token: values.token ?? process.env.HOST_TOKEN } : {}),
      ...(values['tls-cert'] || values['tls-key'] ? { tls: { certFile: values['tls-cert'] ?? '(missing --tls-cert)', keyFile: values['tls-key'] ?? '(missing --tls-key)' } } : values.tls ? { tls: true } : {}),
      ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
      // The built-in simulated site answers `npm run sim -- fire 仙人山` and the other simulator commands.
      simControlPort: Number(values['sim-control-port']),
      log,
    });
  } catch (e) {
    if (e instanceof SiteLoadError) {
      process.stderr.write(`${e.message}\nThe host did not start. Fix the site file, or start without --site to use the simulated site.\n`);
      process.exit(2);
    }
    throw e;
  }
  const openUrl = `${host.url}/?token=${host.token}`;
  process.stdout.write(`\nConsole ready: ${openUrl}\n\n`);
  let stopping = false;
  const stop = (sig: string) => {
    if (stopping) return;
    stopping = true;
    log('info', `${sig}: shutting down`);
    void host.close().then(() => process.exit(0));
    setTimeout(() => process.exit(1), 5000).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((e: unknown) => {
  process.stderr.write(`host failed to start: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});

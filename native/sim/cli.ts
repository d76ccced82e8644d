import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '../host/log';
import { startControlServer } from './control';
import { startSimulator } from './simulator';

const USAGE = `npm run sim                      start the simulated site (RTSP cameras of 19 towers, control port)
npm run sim -- status            what the running simulator is doing
npm run sim -- link-down <tower> cut a tower's link (id like t01, or its name, e.g. 仙人山)
npm run sim -- link-up <tower>   restore it
npm run sim -- link-slow <tower> <ms> [loss %]  degrade a tower's link (latency of the probes' pings, loss)
npm run sim -- camera-down <camera> / camera-up <camera>   kill or revive one camera (e.g. t01-visible)
npm run sim -- decoder-down <decoder> / decoder-up <decoder>   power a wall decoder off or on (e.g. d03)
npm run sim -- fire <tower> [smoke|fire]  the tower's detector raises an alarm (needs --ingest, or the app's built-in site)
npm run sim -- reports           the alert reports the simulated receiver got
options: --rtsp-port 8554 (first tower; tower i uses 8554+i)  --onvif-port 8580, --decoder-port 8600 (likewise)  --control-port 8660  --host 127.0.0.1
         --site-out .data/sim-site.json (where the site file for the simulator is written)
         --sub-fps 15 (frame rate of the sub streams; main streams run at 25)
         --replay <seconds> (cameras encode that long, then replay it in a loop: console load tests)
         --ingest http://127.0.0.1:8650/api/alerts/ingest (where the fire detectors post their alarms)`;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      'rtsp-port': { type: 'string', default: '8554' },
      'control-port': { type: 'string', default: '8660' },
      'onvif-port': { type: 'string', default: '8580' },
      'decoder-port': { type: 'string', default: '8600' },
      'site-out': { type: 'string', default: '.data/sim-site.json' },
      'sub-fps': { type: 'string', default: '15' },
      replay: { type: 'string' },
      ingest: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const control = `http://${values.host}:${values['control-port']}`;
  const [cmd, arg] = positionals;
  if (cmd) {
    const call = async (method: string, path: string) => {
      const r = await fetch(control + path, { method }).catch(() => undefined);
      if (!r) throw new Error(`no simulator answers at ${control}; start one with \`npm run sim\``);
      const body = (await r.json()) as unknown;
      if (!r.ok) throw new Error(JSON.stringify(body));
      console.log(JSON.stringify(body, null, 2));
    };
    if (cmd === 'status') await call('GET', '/status');
    else if ((cmd === 'link-down' || cmd === 'link-up') && arg) await call('POST', `/towers/${encodeURIComponent(arg)}/link/${cmd === 'link-up' ? 'up' : 'down'}`);
    else if (cmd === 'link-slow' && arg) await call('POST', `/towers/${encodeURIComponent(arg)}/link/quality?latency=${Number(positionals[2] ?? 300)}&loss=${Number(positionals[3] ?? 0)}`);
    else if ((cmd === 'camera-down' || cmd === 'camera-up') && arg) await call('POST', `/cameras/${encodeURIComponent(arg)}/${cmd === 'camera-up' ? 'up' : 'down'}`);
    else if ((cmd === 'decoder-down' || cmd === 'decoder-up') && arg) await call('POST', `/decoders/${encodeURIComponent(arg)}/${cmd === 'decoder-up' ? 'up' : 'down'}`);
    else if (cmd === 'fire' && arg) await call('POST', `/towers/${encodeURIComponent(arg)}/fire?kind=${positionals[2] === 'fire' ? 'fire' : 'smoke'}`);
    else if (cmd === 'reports') await call('GET', '/reports');
    else {
      console.error(USAGE);
      process.exitCode = 2;
    }
    return;
  }

  const log = createLogger('sim');
  const subStreamFps = Number(values['sub-fps']);
  if (!Number.isInteger(subStreamFps) || subStreamFps < 1 || subStreamFps > 60) {
    console.error(`--sub-fps: expected a whole number of frames per second from 1 to 60, got "${values['sub-fps']}"`);
    process.exitCode = 2;
    return;
  }
  const replaySeconds = values.replay === undefined ? undefined : Number(values.replay);
  if (replaySeconds !== undefined && !(Number.isInteger(replaySeconds) && replaySeconds >= 1 && replaySeconds <= 60)) {
    console.error(`--replay: expected a whole number of seconds from 1 to 60, got "${values.replay}"`);
    process.exitCode = 2;
    return;
  }
  const sim = await startSimulator({
    host: values.host,
    rtspBasePort: Number(values['rtsp-port']),
    onvifBasePort: Number(values['onvif-port']),
    decoderBasePort: Number(values['decoder-port']),
    subStreamFps,
    ...(replaySeconds ? { replaySeconds } : {}),
    log,
  });
  if (values.ingest) sim.detectors.setIngest(values.ingest);
  const ctl = await startControlServer(sim, values.host, Number(values['control-port']));
  const siteFile = resolve(values['site-out']);
  mkdirSync(dirname(siteFile), { recursive: true });
  writeFileSync(siteFile, JSON.stringify(sim.site, null, 2));
  console.log(`Simulated site running: ${sim.site.towers.length} towers, RTSP from ${sim.rtspBase}, control on port ${ctl.port}.`);
  console.log(`Site file for it: ${siteFile}\nPoint the app at it:  npm run web -- --site ${siteFile}`);
  const stop = () => {
    ctl.server.close();
    void sim.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  console.error((e as Error).message);
  process.exit(1);
});

import { rmSync } from 'node:fs';
import type { DeviceHealth } from '../common/contract';
import { startCameraProber } from '../native/health/camera-probe';
import { HealthMonitor, siteDevices } from '../native/health/monitor';
import { buildProbes } from '../native/health/probes';
import { startHost } from '../native/host/start';
import { loadSiteFile } from '../native/site/load';
import { openContractSocket } from '../tests/integration/contract-socket';
import { benchDataDir, median, percentile, startSeparateSimulator, type BenchRow } from './lib';

/*
 * Health probes:
 * - CPU of the probe loop for the 19 simulated towers (every camera by RTSP, every link by
 *   20 000-byte UDP echo, every PTZ head by ONVIF, the host) at the site's intervals, as % of one
 *   core; the simulator runs in its own process so only the prober is measured. Peer: the old
 *   camera-only prober (RTSP OPTIONS to every camera at the same interval) in the same run.
 * - State change → console event: a camera is killed and revived; the time from the probe that saw
 *   it (the device's `checkedAt`) to the event arriving on a console's WebSocket.
 */

const SECONDS = Number(process.env.HEALTH_BENCH_SECONDS ?? 60);
const ROUNDS = Number(process.env.HEALTH_BENCH_CHANGES ?? 6);

const cpuPct = async (seconds: number, run: () => { stop(): void }): Promise<number> => {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = run();
  await new Promise((ok) => setTimeout(ok, seconds * 1000));
  r.stop();
  const c = process.cpuUsage(c0);
  return ((c.user + c.system) / 1000 / (performance.now() - t0)) * 100;
};

async function probeLoopCpu(): Promise<BenchRow[]> {
  const sim = await startSeparateSimulator(28554, 28655);
  try {
    const site = await loadSiteFile(sim.siteFile);
    const dataDir = benchDataDir();
    let probes = 0;
    let observations = 0;
    const loop = await cpuPct(SECONDS, () => {
      const list = buildProbes({ site, config: site.health, dataDir, streams: () => [], heads: async () => [], wall: () => undefined });
      probes = list.length;
      const m = new HealthMonitor({ site, probes: list.map((p) => ({ ...p, run: () => p.run().then((o) => ((observations += o.length), o)) })), onChange: () => undefined, record: () => undefined });
      m.start();
      return { stop: () => m.stop() };
    });
    const cameras = site.towers.flatMap((t) => t.cameras.map((c) => ({ id: c.id, url: c.streams.main })));
    const peer = await cpuPct(SECONDS, () => startCameraProber({ cameras, intervalMs: site.health.intervals.camera * 1000, onChange: () => undefined }));
    rmSync(dataDir, { recursive: true, force: true });
    const devices = siteDevices(site).length;
    console.log(`health: ${probes} probes covering ${devices} devices, ${observations} observations in ${SECONDS} s; loop ${loop.toFixed(2)} % of a core, camera-only prober ${peer.toFixed(2)} %`);
    return [
      { bench: 'health', metric: `probe loop CPU (${site.towers.length} towers, ${probes} probes, ${devices} devices)`, value: loop, unit: '% core', goal: '< 2 %', peer: { name: 'RTSP-only prober', value: peer } },
      { bench: 'health', metric: 'observations per second', value: observations / SECONDS, unit: '/s' },
    ];
  } finally {
    await sim.stop();
  }
}

async function changeToEvent(): Promise<BenchRow[]> {
  const dataDir = benchDataDir();
  const host = await startHost({ port: 0, staticDir: null, dataDir, log: () => undefined });
  const socket = await openContractSocket(host, { as: 'leader' });
  const lags: number[] = [];
  try {
    const sim = host.simulator!;
    const seen = (state: string) =>
      new Promise<DeviceHealth>((ok) => {
        const t = setInterval(() => {
          for (const e of socket.events.splice(0)) {
            const d = e.name === 'health:changed' ? (e.payload.devices as DeviceHealth[]).find((x) => x.id === 'cam:t04-visible' && x.state === state) : undefined;
            if (d) {
              lags.push(Date.now() - (d.checkedAt ?? d.since));
              clearInterval(t);
              ok(d);
            }
          }
        }, 5);
      });
    await seen('up');
    for (let i = 0; i < ROUNDS; i++) {
      sim.setCamera('t04-visible', i % 2 === 1);
      await seen(i % 2 === 1 ? 'up' : 'down');
    }
  } finally {
    socket.close();
    await host.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  console.log(`health: probe → console event ${lags.map((l) => l.toFixed(0)).join(', ')} ms`);
  return [
    { bench: 'health', metric: 'state change → console event, median', value: median(lags), unit: 'ms', goal: '< 2000 ms' },
    { bench: 'health', metric: 'state change → console event, max', value: percentile(lags, 100), unit: 'ms', goal: '< 2000 ms' },
  ];
}

export async function benchHealth(): Promise<BenchRow[]> {
  return [...(await probeLoopCpu()), ...(await changeToEvent())];
}

import WebSocket from 'ws';
import { startHost } from '../native/host/start';
import { procCpuSeconds, startSeparateSimulator, type BenchRow, benchDataDir } from './lib';

const VIEWERS = 50;
const WINDOW_S = 20;

/** One camera to 50 WebSocket-FLV viewers: exactly one upstream pull, and what the fan-out costs. */
export async function benchFanout(): Promise<BenchRow[]> {
  const sim = await startSeparateSimulator(19554, 19660);
  const host = await startHost({ port: 0, dataDir: benchDataDir(), siteFile: sim.siteFile, log: () => undefined });
  const viewers: WebSocket[] = [];
  try {
    const cam = host.site.towers[0]!.cameras[0]!.id;
    const url = `${host.url.replace('http', 'ws')}/media/${cam}/main.flv?token=${host.token}`;
    const bytes = new Array<number>(VIEWERS).fill(0);
    for (let i = 0; i < VIEWERS; i++) {
      const ws = new WebSocket(url);
      ws.on('message', (d: Buffer) => (bytes[i]! += d.length));
      viewers.push(ws);
      await new Promise((r) => ws.once('open', r));
    }
    await new Promise((r) => setTimeout(r, 5000));
    const streams = host.streams().filter((s) => s.state !== 'idle');
    const pid = streams[0]?.stats.pid ?? 0;
    const cpu0 = process.cpuUsage();
    const ff0 = procCpuSeconds(pid);
    const b0 = bytes.reduce((a, b) => a + b, 0);
    await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
    const cpu = process.cpuUsage(cpu0);
    const ffPct = ((procCpuSeconds(pid) - ff0) / WINDOW_S) * 100;
    // The bench's own 50 ws clients run in this process too; their share is in the figure (an upper bound).
    const hostPct = ((cpu.user + cpu.system) / 1e6 / WINDOW_S) * 100;
    const mbps = ((bytes.reduce((a, b) => a + b, 0) - b0) * 8) / WINDOW_S / 1e6;
    const starved = bytes.filter((b) => b === 0).length;
    console.log(`fanout: ${streams.length} upstream(s) for ${VIEWERS} viewers, ${starved} viewers without data, ${mbps.toFixed(1)} Mbit/s delivered`);
    return [
      { bench: 'fan-out 1→50', metric: 'upstream pulls', value: streams.length, unit: '', goal: 'exactly 1' },
      { bench: 'fan-out 1→50', metric: 'host CPU incl. the 50 test clients (upper bound)', value: hostPct, unit: '% core' },
      { bench: 'fan-out 1→50', metric: 'upstream ffmpeg CPU (copy)', value: ffPct, unit: '% core' },
      { bench: 'fan-out 1→50', metric: 'delivered to viewers', value: mbps, unit: 'Mbit/s' },
    ];
  } finally {
    for (const v of viewers) v.terminate();
    await host.close();
    await sim.stop();
  }
}

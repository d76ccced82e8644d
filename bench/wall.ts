import { startHost, type RunningHost } from '../native/host/start';
import { openContractSocket, type ContractSocket } from '../tests/integration/contract-socket';
import { DecoderPreview } from '../tests/e2e/pages/wall.page';
import { benchDataDir, launchChromium, median, percentile, type BenchRow } from './lib';

const RECALLS = 24;
const SWITCHES = 15;

interface DecoderEvent {
  decoderId: string;
  online: boolean | null;
  desiredRevision: number;
  ackRevision: number | null;
  at: number;
}

async function call<T = unknown>(socket: ContractSocket, name: string, args: unknown): Promise<T> {
  const m = await socket.call(name, args);
  if (m.t !== 'result' || !m.ok) throw new Error(`${name}: ${JSON.stringify(m)}`);
  return m.value as T;
}

/** Host time at which every named decoder acknowledged a layout at or after `since` (`wall:decoder` events). */
async function acknowledged(socket: ContractSocket, decoders: readonly string[], since: number, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const acks = new Map<string, number>();
    for (const e of socket.events) {
      if (e.name !== 'wall:decoder') continue;
      const d = e.payload as unknown as DecoderEvent;
      if (d.at >= since && d.online && d.ackRevision === d.desiredRevision && !acks.has(d.decoderId)) acks.set(d.decoderId, d.at);
    }
    if (decoders.every((id) => acks.has(id))) return Math.max(...decoders.map((id) => acks.get(id)!));
    if (Date.now() > deadline) throw new Error(`decoders ${decoders.filter((id) => !acks.has(id)).join(', ')} did not acknowledge within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Windows of one panel each, split in four, every pane a main stream: every panel and every pane touched. */
function fullWall(host: RunningHost, offset: number) {
  const cams = host.site.towers.flatMap((t) => t.cameras.map((c) => c.id));
  const wall = host.site.wall!;
  const windows = [];
  for (let row = 0; row < wall.rows; row++)
    for (let column = 0; column < wall.columns; column++) {
      const n = row * wall.columns + column;
      windows.push({
        rect: { x: column * wall.panel.width, y: row * wall.panel.height, w: wall.panel.width, h: wall.panel.height },
        split: 4,
        panes: [0, 1, 2, 3].map((p) => ({ kind: 'camera', cameraId: cams[(offset + n * 4 + p) % cams.length]!, profile: 'main' })),
        snap: false,
      });
    }
  return windows;
}

/**
 * The wall against the 15 networked decoder simulators:
 *  - a scene touching all 15 panels x 4 panes recalled ≥ 20 times, alternating with another that changes
 *    every pane: command sent → every decoder acknowledged its new layout (the host's `wall:decoder` events);
 *  - one pane switched to another camera: command → that decoder acknowledged, and → first new frame on the
 *    decoder's output page (the simulator's preview page, a video frame callback), the stream warm (already
 *    played by the other panes of the same window).
 */
export async function benchWall(): Promise<BenchRow[]> {
  const host = await startHost({ port: 0, dataDir: benchDataDir(), log: () => undefined });
  const socket = await openContractSocket(host, { as: 'leader' });
  const browser = await launchChromium();
  try {
    const ids = host.site.wall!.decoders.map((d) => d.id);
    await call(socket, 'wall:lock', {});
    const deadline = Date.now() + 20_000;
    while ((await call<{ decoders: { online: boolean | null }[] }>(socket, 'wall:get', {})).decoders.some((d) => !d.online)) {
      if (Date.now() > deadline) throw new Error('not every decoder came online');
      await new Promise((r) => setTimeout(r, 250));
    }

    // Two scenes that differ in every pane of every panel.
    for (const [name, offset] of [['bench-a', 0], ['bench-b', 2]] as const) {
      await call(socket, 'wall:clear', {});
      for (const w of fullWall(host, offset)) await call(socket, 'wall:openWindow', w);
      await call(socket, 'wall:sceneSave', { name, overwrite: true });
    }
    const recall: number[] = [];
    for (let i = 0; i < RECALLS; i++) {
      const t0 = Date.now();
      await call(socket, 'wall:sceneRecall', { name: i % 2 ? 'bench-b' : 'bench-a' });
      recall.push((await acknowledged(socket, ids, t0)) - t0);
      await new Promise((r) => setTimeout(r, 150));
    }
    console.log(`wall: scene recall → 15 decoders acknowledged: ${recall.map((x) => x.toFixed(0)).join(' ')} ms`);

    // One window on d01: pane 0 switches between X and Y; panes 1 and 2 keep X and Y playing (warm).
    await call(socket, 'wall:clear', {});
    const [x, y] = [host.site.towers[0]!.cameras[0]!.id, host.site.towers[1]!.cameras[0]!.id];
    const main = (cameraId: string) => ({ kind: 'camera', cameraId, profile: 'main' });
    const { windowId } = await call<{ windowId: string }>(socket, 'wall:openWindow', {
      rect: { x: 0, y: 0, w: 1920, h: 1080 },
      split: 4,
      panes: [main(x), main(x), main(y), null],
      snap: false,
    });
    const preview = await DecoderPreview.open(browser, host.simulator!.decoders.addressOf('d01')!);
    await preview.expectPlaying(x, 60_000);
    await preview.expectPlaying(y, 60_000);
    // In the page: when output <window>.0 names a new camera, the time of the first video frame after it.
    await preview.page.evaluate(`(() => {
      window.__frames = [];
      const el = document.querySelector('[data-output="${windowId}.0"]');
      new MutationObserver(() => {
        const cam = el.dataset.camera;
        const v = el.querySelector('video');
        v.requestVideoFrameCallback((now) => window.__frames.push({ cam, t: performance.timeOrigin + now }));
      }).observe(el, { attributes: true, attributeFilter: ['data-camera'] });
    })()`);
    const ack: number[] = [];
    const frame: number[] = [];
    for (let i = 0; i < SWITCHES; i++) {
      const cam = i % 2 ? x : y;
      const t0 = Date.now();
      await call(socket, 'wall:setPaneSource', { windowId, pane: 0, source: main(cam) });
      ack.push((await acknowledged(socket, ['d01'], t0)) - t0);
      const end = Date.now() + 5000;
      let first: number | undefined;
      while (first === undefined && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 20));
        first = await preview.page.evaluate<number | undefined>(`window.__frames.find((f) => f.cam === ${JSON.stringify(cam)} && f.t >= ${t0})?.t`);
      }
      if (first !== undefined) frame.push(first - t0);
      else console.log(`wall: switch ${i + 1}: no frame of ${cam} within 5 s`);
      await new Promise((r) => setTimeout(r, 1500));
    }
    console.log(`wall: pane switch → acknowledged ${ack.map((v) => v.toFixed(0)).join(' ')} ms; → first frame ${frame.map((v) => v.toFixed(0)).join(' ')} ms`);
    await preview.close();
    await call(socket, 'wall:clear', {});
    return [
      { bench: 'wall', metric: `scene recall, 15 panels x 4 panes → all decoders acknowledged, median (n=${recall.length})`, value: median(recall), unit: 'ms', goal: '≤ 1000 ms (p95)' },
      { bench: 'wall', metric: `scene recall, 15 panels x 4 panes → all decoders acknowledged, p95 (n=${recall.length})`, value: percentile(recall, 95), unit: 'ms', goal: '≤ 1000 ms' },
      { bench: 'wall', metric: `one pane switched → decoder acknowledged, median (n=${ack.length})`, value: median(ack), unit: 'ms', goal: '≤ 300 ms (p95)' },
      { bench: 'wall', metric: `one pane switched → decoder acknowledged, p95 (n=${ack.length})`, value: percentile(ack, 95), unit: 'ms', goal: '≤ 300 ms' },
      { bench: 'wall', metric: `one pane switched → first frame on the decoder page, median (n=${frame.length}/${SWITCHES})`, value: frame.length ? median(frame) : NaN, unit: 'ms', goal: '≤ 1000 ms' },
      { bench: 'wall', metric: `one pane switched → first frame on the decoder page, p95 (n=${frame.length}/${SWITCHES})`, value: frame.length ? percentile(frame, 95) : NaN, unit: 'ms', goal: '≤ 1000 ms' },
    ];
  } finally {
    socket.close();
    await browser.close();
    await host.close();
  }
}

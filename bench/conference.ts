import { readdirSync, readFileSync } from 'node:fs';
import { chromium, type Browser, type Page } from '@playwright/test';
import type { ConferenceInvite } from '../common/contract';
import type { Room } from '../common/conference';
import { startHost, type RunningHost } from '../native/host/start';
import { CHROMIUM_PATH } from '../tests/chromium';
import { CONFERENCE_CHROMIUM_ARGS, LOOPBACK_ONLY_ICE, REMOTE_FRAMES } from '../tests/conference-media';
import { openContractSocket, type ContractSocket } from '../tests/integration/contract-socket';
import { benchDataDir, median, procCpuSeconds, type BenchRow } from './lib';

const TRIALS = 5;
const PARTICIPANTS = 4;
const MEASURE_S = 20;

/** Keeps every RTCPeerConnection a page makes in `window.__pcs`, for their transport counters. */
const PC_TRACKER = `(() => {
  const Orig = window.RTCPeerConnection;
  window.__pcs = [];
  window.RTCPeerConnection = function (...a) { const pc = new Orig(...a); window.__pcs.push(pc); return pc; };
  window.RTCPeerConnection.prototype = Orig.prototype;
})();`;

/** Pids of a process and all its descendants (Chromium's browser, GPU, utility and renderer processes). */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      /* gone */
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    out.push(p);
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(root);
  return out;
}

/** The browser process this run launched: the Chromium whose command line carries the run's tag. */
function browserPid(tag: string): number {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (cmd.includes(tag) && !cmd.includes('--type=')) return Number(d);
    } catch {
      /* gone */
    }
  }
  return 0;
}

/** Polls the page's remote frame counts (every ~10 ms) until `ok` holds. (The page's CSP forbids waitForFunction's eval.) */
async function until(page: Page, ok: (frames: number[]) => boolean, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!ok(Object.values((await page.evaluate(REMOTE_FRAMES)) as Record<string, number>))) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`conference bench: remote pictures did not arrive within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function guestPage(browser: Browser, host: RunningHost, leader: ContractSocket, roomId: string, name: string): Promise<{ page: Page; join(): Promise<void> }> {
  const invite = await leader.value<ConferenceInvite>('conference:invite', { roomId, name });
  const ctx = await browser.newContext({ viewport: { width: 960, height: 540 } });
  await ctx.addInitScript(LOOPBACK_ONLY_ICE);
  await ctx.addInitScript(PC_TRACKER);
  const page = await ctx.newPage();
  await page.goto(`${host.url}${invite.path}`);
  await page.getByTestId('conf-guest-join').waitFor();
  return { page, join: () => page.getByTestId('conf-guest-join').click() };
}

/**
 * 视频会商 on loopback with Chromium's fake devices: join → first remote frame (median of 5 rooms of
 * two), then four participants in a full mesh for 20 s: Chromium CPU and bytes sent and received per
 * participant (getStats transport counters).
 */
export async function benchConference(): Promise<BenchRow[]> {
  const host = await startHost({ port: 0, dataDir: benchDataDir(), log: () => undefined });
  const tag = `--bench-conference=${process.pid}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CONFERENCE_CHROMIUM_ARGS, tag] });
  const leader = await openContractSocket(host, { as: 'leader' });
  try {
    const firstFrame: number[] = [];
    for (let i = 0; i < TRIALS; i++) {
      const room = await leader.value<Room>('conference:create', { name: `bench ${i}` });
      const a = await guestPage(browser, host, leader, room.id, '甲');
      const b = await guestPage(browser, host, leader, room.id, '乙');
      await a.join();
      await a.page.getByTestId('conf-room').waitFor();
      const t0 = Date.now();
      await b.join();
      await until(b.page, (f) => f.some((n) => n > 0), 20_000);
      firstFrame.push(Date.now() - t0);
      await a.page.context().close();
      await b.page.context().close();
      await leader.value('conference:end', { roomId: room.id });
    }

    const room = await leader.value<Room>('conference:create', { name: 'bench mesh' });
    const pages: Page[] = [];
    for (let i = 0; i < PARTICIPANTS; i++) {
      const g = await guestPage(browser, host, leader, room.id, `参会方${i + 1}`);
      await g.join();
      pages.push(g.page);
    }
    await Promise.all(pages.map((p) => until(p, (f) => f.filter((n) => n > 10).length >= PARTICIPANTS - 1, 30_000)));
    const traffic = (p: Page) =>
      p.evaluate(`(async () => {
        let sent = 0, received = 0;
        for (const pc of window.__pcs) {
          if (pc.connectionState === 'closed') continue;
          (await pc.getStats()).forEach((s) => { if (s.type === 'transport') { sent += s.bytesSent || 0; received += s.bytesReceived || 0; } });
        }
        return { sent, received };
      })()`) as Promise<{ sent: number; received: number }>;
    const pid = browserPid(tag);
    const pids = () => (pid ? processTree(pid) : []);
    const cpu0 = pids().reduce((s, p) => s + procCpuSeconds(p), 0);
    const before = await Promise.all(pages.map(traffic));
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, MEASURE_S * 1000));
    const seconds = (Date.now() - t0) / 1000;
    const cpu1 = pids().reduce((s, p) => s + procCpuSeconds(p), 0);
    const after = await Promise.all(pages.map(traffic));
    const kbps = (k: 'sent' | 'received') => median(after.map((x, i) => ((x[k] - before[i]![k]) * 8) / 1000 / seconds));
    const cpuPct = ((cpu1 - cpu0) / seconds / PARTICIPANTS) * 100;
    console.log(`join→first remote frame: ${firstFrame.join(', ')} ms; ${PARTICIPANTS} participants: ${cpuPct.toFixed(0)} % CPU each, sent ${kbps('sent').toFixed(0)} kbit/s, received ${kbps('received').toFixed(0)} kbit/s`);
    return [
      { bench: 'conference', metric: 'join → first remote frame (median of 5, loopback)', value: median(firstFrame), unit: 'ms', goal: '≤ 2000 ms' },
      { bench: 'conference', metric: `Chromium CPU per participant (${PARTICIPANTS} in a mesh, fake devices)`, value: cpuPct, unit: '% core' },
      { bench: 'conference', metric: `sent per participant (to ${PARTICIPANTS - 1} peers)`, value: kbps('sent'), unit: 'kbit/s' },
      { bench: 'conference', metric: `received per participant (from ${PARTICIPANTS - 1} peers)`, value: kbps('received'), unit: 'kbit/s' },
    ];
  } finally {
    leader.close();
    await browser.close();
    await host.close();
  }
}

import { execFileSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { FLV_TAG_AUDIO, FLV_TAG_VIDEO, FlvDemuxer, isVideoFrame, type FlvHeaderInfo, type FlvTag } from './flv';
import {
  CLOSE_GOING_AWAY,
  CLOSE_TOO_SLOW,
  CLOSE_UNKNOWN_STREAM,
  CLOSE_UPSTREAM_RESTARTED,
  createStreamGateway,
  streamKeyFromPath,
  type StreamGateway,
  type StreamGatewayOptions,
  type StreamInfo,
} from './gateway';
import { makeTestClip } from './test-media';

let dir: string;
let clip: string;
/** Unique string in every ffmpeg command line these tests start, for pgrep. */
let marker: string;
/** Whether camflip has audio; flipped by a test to change the track layout across a restart. */
let flipAudio = true;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gateway-test-'));
  marker = dir;
  // MP4 rather than FLV: ffmpeg 5.1 loops an FLV input with broken timestamps.
  clip = await makeTestClip(dir, { name: 'clip.mp4', seconds: 4, gop: 25, audio: true });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ffmpegPids(): number[] {
  try {
    return execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, cond: () => boolean, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

interface Harness {
  gateway: StreamGateway;
  port: number;
  states: StreamInfo[];
  stop(): Promise<void>;
}

const harnesses: Harness[] = [];

afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.stop();
});

async function startHarness(extra: Partial<StreamGatewayOptions> = {}): Promise<Harness> {
  const resolve: StreamGatewayOptions['resolve'] = (key) => {
    const cam = key.split('/')[0] ?? '';
    if (cam === 'camflip') return { url: clip, inputArgs: ['-re', '-stream_loop', '-1'], audio: flipAudio };
    if (cam.startsWith('cam')) return { url: clip, inputArgs: ['-re', '-stream_loop', '-1'] };
    if (cam === 'missing') return { url: join(dir, 'no-such-file.mp4') };
    if (cam === 'rtspdown') return { url: `rtsp://127.0.0.1:1/none?m=${encodeURIComponent(marker)}` };
    return undefined;
  };
  const gateway = createStreamGateway({
    resolve,
    lingerMs: 200,
    tuning: { backoffInitialMs: 100, backoffMaxMs: 400 },
    ...extra,
  });
  const states: StreamInfo[] = [];
  gateway.on('state', (i) => states.push(i));
  const wss = new WebSocketServer({ noServer: true });
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    gateway.handleHttpFlv(req, res, streamKeyFromPath(url.pathname) ?? url.pathname);
  });
  server.on('upgrade', (req, socket: Socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x');
    wss.handleUpgrade(req, socket, head, (ws) => gateway.attachWebSocket(ws, streamKeyFromPath(url.pathname) ?? url.pathname));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const h: Harness = {
    gateway,
    port,
    states,
    stop: async () => {
      await gateway.close();
      for (const c of wss.clients) c.terminate();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  harnesses.push(h);
  return h;
}

interface TestViewer {
  ws: WebSocket;
  header: () => FlvHeaderInfo | undefined;
  firstBytes: () => Buffer;
  tags: FlvTag[];
  closed: Promise<{ code: number; reason: string }>;
  isClosed: () => boolean;
}

function openViewer(port: number, path: string): TestViewer {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`);
  const demux = new FlvDemuxer();
  const tags: FlvTag[] = [];
  let first = Buffer.alloc(0);
  let isClosed = false;
  ws.on('message', (data: Buffer) => {
    if (first.length < 13) first = Buffer.concat([first, data]).subarray(0, 13);
    tags.push(...demux.push(data));
  });
  ws.on('error', () => undefined);
  const closed = new Promise<{ code: number; reason: string }>((r) =>
    ws.on('close', (code, reason) => {
      isClosed = true;
      r({ code, reason: reason.toString() });
    }),
  );
  return { ws, header: () => demux.header, firstBytes: () => first, tags, closed, isClosed: () => isClosed };
}

const frames = (tags: FlvTag[]) => tags.filter(isVideoFrame);

function expectMonotonic(tags: FlvTag[]): void {
  for (const type of [FLV_TAG_VIDEO, FLV_TAG_AUDIO]) {
    const ts = tags.filter((t) => t.type === type && !t.isSequenceHeader).map((t) => t.timestamp);
    for (let i = 1; i < ts.length; i++) expect(ts[i]!).toBeGreaterThanOrEqual(ts[i - 1]!);
  }
}

describe('stream gateway', () => {
  it('fans one upstream out to 10 WebSocket viewers and an HTTP viewer', async () => {
    const h = await startHarness();
    const viewers = Array.from({ length: 10 }, () => openViewer(h.port, '/media/cam1/main.flv'));
    await until('every viewer to get 10 frames', () => viewers.every((v) => frames(v.tags).length >= 10));
    for (const v of viewers) {
      expect(v.firstBytes().toString('hex')).toBe('464c5601050000000900000000');
      expect(v.header()).toEqual({ audio: true, video: true });
      const f = frames(v.tags);
      expect(f[0]!.isKeyframe).toBe(true);
      expect(v.tags.some((t) => t.type === FLV_TAG_VIDEO && t.isSequenceHeader)).toBe(true);
      expect(v.tags.some((t) => t.type === FLV_TAG_AUDIO && t.isSequenceHeader)).toBe(true);
      expectMonotonic(v.tags);
    }

    const res = await fetch(`http://127.0.0.1:${h.port}/media/cam1/main.flv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/x-flv');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const reader = res.body!.getReader();
    const demux = new FlvDemuxer();
    const httpTags: FlvTag[] = [];
    while (frames(httpTags).length < 5) {
      const { value, done } = await reader.read();
      if (done) break;
      httpTags.push(...demux.push(Buffer.from(value)));
    }
    expect(demux.header).toEqual({ audio: true, video: true });
    expect(frames(httpTags)[0]!.isKeyframe).toBe(true);

    const [info] = h.gateway.list();
    expect(info).toMatchObject({ key: 'cam1/main', cameraId: 'cam1', profile: 'main', state: 'online' });
    expect(info!.stats.viewers).toBe(11);
    expect(info!.stats.spawns).toBe(1);
    expect(ffmpegPids()).toHaveLength(1);
    await until('a full GOP', () => (h.gateway.list()[0]?.stats.gopFrames ?? 0) > 0);
    const { stats } = h.gateway.list()[0]!;
    expect(stats).toMatchObject({ gopFrames: 25, gopMs: 1000, reconnects: 0, lastError: null });
    // The first second is discarded by `-fflags nobuffer` on this file input, so the rate is still ramping up.
    expect(stats.fps).toBeGreaterThan(10);
    expect(stats.bitrateKbps).toBeGreaterThan(50);
    await reader.cancel();
    for (const v of viewers) v.ws.close();
  });

  it('starts a late viewer on a cached keyframe at once', async () => {
    const h = await startHarness();
    const early = openViewer(h.port, '/media/cam2/main.flv');
    await until('early viewer frames', () => frames(early.tags).length >= 35); // past the second keyframe
    const late = openViewer(h.port, '/media/cam2/main.flv');
    const t0 = Date.now();
    await until('late viewer first frame', () => frames(late.tags).length > 0);
    // From the cache, not by waiting for the next keyframe (up to 1 s away).
    expect(Date.now() - t0).toBeLessThan(500);
    expect(frames(late.tags)[0]!.isKeyframe).toBe(true);
    expect(h.gateway.list()[0]!.stats.spawns).toBe(1);
  });

  it('turns unknown streams away with 4004 / 404', async () => {
    const h = await startHarness();
    const v = openViewer(h.port, '/media/nosuchcam/main.flv');
    expect(await v.closed).toEqual({ code: CLOSE_UNKNOWN_STREAM, reason: 'unknown stream' });
    const bad = openViewer(h.port, '/media/../etc.flv');
    expect((await bad.closed).code).toBe(CLOSE_UNKNOWN_STREAM);
    expect((await fetch(`http://127.0.0.1:${h.port}/media/nosuchcam/sub.flv`)).status).toBe(404);
    expect(h.gateway.list()).toEqual([]);
  });

  it('keeps the upstream for lingerMs after the last viewer, reusing it for a returning viewer', async () => {
    const h = await startHarness({ lingerMs: 400 });
    const a = openViewer(h.port, '/media/cam3/sub.flv');
    await until('frames', () => frames(a.tags).length > 0);
    a.ws.close();
    await a.closed;
    await sleep(150);
    expect(h.gateway.list()[0]).toMatchObject({ state: 'online', stats: { viewers: 0 } });
    const b = openViewer(h.port, '/media/cam3/sub.flv');
    await until('frames', () => frames(b.tags).length > 0);
    expect(frames(b.tags)[0]!.isKeyframe).toBe(true);
    expect(h.gateway.list()[0]!.stats.spawns).toBe(1);
    b.ws.close();
    await b.closed;
    const left = Date.now();
    await until('upstream stopped', () => h.states.at(-1)?.state === 'idle', 3000);
    expect(Date.now() - left).toBeGreaterThanOrEqual(350);
    expect(h.states.at(-1)).toMatchObject({ key: 'cam3/sub', state: 'idle', stats: { viewers: 0, pid: null } });
    expect(h.gateway.list()).toEqual([]);
    expect(ffmpegPids()).toEqual([]);
  });

  it('keeps viewers connected across an upstream restart, with monotonic timestamps', async () => {
    const h = await startHarness();
    const v = openViewer(h.port, '/media/cam4/main.flv');
    await until('frames', () => frames(v.tags).length >= 30);
    const pid = h.gateway.list()[0]!.stats.pid!;
    const before = v.tags.length;
    process.kill(pid, 'SIGKILL');
    await until('reconnecting', () => h.states.some((s) => s.state === 'reconnecting'));
    await until('frames after restart', () => frames(v.tags.slice(before)).length >= 30);
    expect(v.isClosed()).toBe(false);
    const info = h.gateway.list()[0]!;
    expect(info.state).toBe('online');
    expect(info.stats.reconnects).toBe(1);
    expect(info.stats.spawns).toBe(2);
    expect(info.stats.lastError).toMatch(/SIGKILL/);
    expect(existsSync(`/proc/${pid}`)).toBe(false);
    expectMonotonic(v.tags);
    // The restarted run continues the timeline about one frame later, on a keyframe: no hole, no step back.
    const f = frames(v.tags);
    for (let i = 1; i < f.length; i++) {
      const step = f[i]!.timestamp - f[i - 1]!.timestamp;
      expect(step).toBeGreaterThanOrEqual(40);
      expect(step).toBeLessThan(150);
      if (step !== 40) expect(f[i]!.isKeyframe).toBe(true);
    }
    // Identical sequence headers are not sent again.
    expect(v.tags.filter((t) => t.type === FLV_TAG_VIDEO && t.isSequenceHeader)).toHaveLength(1);
  });

  it('reports a missing input and a refused RTSP connection without crashing or leaking ffmpeg', async () => {
    const h = await startHarness({ tuning: { backoffInitialMs: 50, backoffMaxMs: 200, offlineAfterFailures: 3 } });
    const a = openViewer(h.port, '/media/missing/main.flv');
    const b = openViewer(h.port, '/media/rtspdown/main.flv');
    await until('both offline', () => h.gateway.list().filter((i) => i.state === 'offline').length === 2);
    const byKey = new Map(h.gateway.list().map((i) => [i.key, i]));
    expect(byKey.get('missing/main')!.stats.lastError).toMatch(/No such file or directory/);
    expect(byKey.get('rtspdown/main')!.stats.lastError).toMatch(/Connection refused|failed/i);
    const seen = h.states.filter((s) => s.key === 'missing/main').map((s) => s.state);
    expect(seen.slice(0, 3)).toEqual(['starting', 'reconnecting', 'offline']);
    // Viewers wait for the stream to come back rather than being thrown out.
    expect(a.isClosed() || b.isClosed()).toBe(false);
    await h.gateway.close();
    expect((await a.closed).code).toBe(CLOSE_GOING_AWAY);
    expect(ffmpegPids()).toEqual([]);
  });

  it('leaves no ffmpeg behind after 200 rapid connect/disconnect cycles', async () => {
    const h = await startHarness({ lingerMs: 0 });
    const pids = new Set<number>();
    h.gateway.on('state', (i) => {
      if (i.stats.pid) pids.add(i.stats.pid);
    });
    let cycles = 0;
    const loop = async (n: number, seed: number) => {
      for (let i = 0; i < n; i++) {
        const v = openViewer(h.port, '/media/cam5/main.flv');
        const mode = (i + seed) % 3;
        if (mode === 0) v.ws.terminate(); // gone before the upgrade completes
        else {
          await new Promise<void>((r) => {
            if (mode === 1) v.ws.once('open', () => r());
            else v.ws.once('message', () => r());
            v.ws.once('close', () => r());
          });
          v.ws.close();
        }
        await v.closed;
        cycles++;
        const pid = h.gateway.list()[0]?.stats.pid;
        if (pid) pids.add(pid);
      }
    };
    await Promise.all([loop(50, 0), loop(50, 1), loop(50, 2), loop(50, 3)]);
    expect(cycles).toBe(200);
    await until('all upstreams gone', () => h.gateway.list().length === 0 && ffmpegPids().length === 0, 5000);
    expect(pids.size).toBeGreaterThan(0);
    // A pid counts as alive while it is a running (not zombie) ffmpeg; a reused pid is someone else.
    const aliveFfmpeg = (pid: number) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return !/\) Z /.test(stat) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('ffmpeg');
      } catch {
        return false;
      }
    };
    await until('every upstream process has exited', () => [...pids].every((pid) => !aliveFfmpeg(pid)), 5000);
  }, 45_000);

  it('skips a slow viewer to the next keyframe without holding up the others, and drops it if it never recovers', async () => {
    const h = await startHarness({ slowViewerBytes: 50_000, slowViewerCloseMs: 3000 });
    /** Stands in for a ws socket so the test controls bufferedAmount. */
    class FakeSocket extends EventEmitter {
      readonly OPEN = 1;
      readonly CONNECTING = 0;
      readyState = 1;
      bufferedAmount = 0;
      closedWith: [number, string] | undefined;
      private readonly demux = new FlvDemuxer();
      readonly tags: FlvTag[] = [];
      send(b: Buffer) {
        this.tags.push(...this.demux.push(b));
      }
      close(code: number, reason: string) {
        this.closedWith = [code, reason];
        this.readyState = 3;
        this.emit('close', code, Buffer.from(reason));
      }
    }
    const fast = new FakeSocket();
    const slow = new FakeSocket();
    h.gateway.attachWebSocket(fast as unknown as WebSocket, 'cam6/main');
    h.gateway.attachWebSocket(slow as unknown as WebSocket, 'cam6/main');
    await until('frames', () => frames(slow.tags).length >= 5);
    slow.bufferedAmount = 1_000_000;
    const slowBefore = frames(slow.tags).length;
    const fastMark = frames(fast.tags).length;
    await until('fast viewer to pass a keyframe', () => frames(fast.tags).slice(fastMark).filter((t) => t.isKeyframe).length >= 1);
    expect(frames(slow.tags).length).toBe(slowBefore);
    slow.bufferedAmount = 0;
    await until('slow viewer to resume', () => frames(slow.tags).length > slowBefore);
    expect(frames(slow.tags)[slowBefore]!.isKeyframe).toBe(true);
    // The fast viewer never missed a frame.
    const f = frames(fast.tags);
    for (let i = 1; i < f.length; i++) expect(f[i]!.timestamp - f[i - 1]!.timestamp).toBe(40);

    slow.bufferedAmount = 1_000_000;
    await until('slow viewer to be dropped', () => slow.closedWith !== undefined, 5000);
    expect(slow.closedWith).toEqual([CLOSE_TOO_SLOW, 'viewer too slow']);
    expect(fast.closedWith).toBeUndefined();
    expect(h.gateway.list()[0]!.stats.viewers).toBe(1);
  });

  it('restarts a stalled upstream (watchdog)', async () => {
    const h = await startHarness({ tuning: { stallTimeoutMs: 1000, backoffInitialMs: 100 } });
    const v = openViewer(h.port, '/media/cam7/main.flv');
    await until('frames', () => frames(v.tags).length >= 5);
    const pid = h.gateway.list()[0]!.stats.pid!;
    process.kill(pid, 'SIGSTOP'); // alive but silent, like a camera that stops sending
    await until('restart', () => (h.gateway.list()[0]?.stats.spawns ?? 0) === 2 && h.gateway.list()[0]?.state === 'online', 8000);
    expect(h.gateway.list()[0]!.stats.lastError).toMatch(/no data for 1 s \(watchdog\)/);
    expect(existsSync(`/proc/${pid}`)).toBe(false);
    expect(v.isClosed()).toBe(false);
  });

  it('asks viewers to reconnect (4001) when a restart changes the track layout', async () => {
    flipAudio = true;
    const h = await startHarness();
    const v = openViewer(h.port, '/media/camflip/main.flv');
    await until('frames', () => frames(v.tags).length >= 3);
    expect(v.header()).toEqual({ audio: true, video: true });
    flipAudio = false;
    process.kill(h.gateway.list()[0]!.stats.pid!, 'SIGKILL');
    expect(await v.closed).toEqual({ code: CLOSE_UPSTREAM_RESTARTED, reason: 'upstream restarted' });
    const again = openViewer(h.port, '/media/camflip/main.flv');
    await until('frames', () => frames(again.tags).length >= 3);
    expect(again.header()).toEqual({ audio: false, video: true });
    expect(again.tags.some((t) => t.type === FLV_TAG_AUDIO)).toBe(false);
  });
});

/**
 * End-to-end: simulated cameras (real ffmpeg encoders) served by RtspServer to real ffmpeg clients.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnOwned } from '../process/child';
import { locateFfmpeg } from '../process/ffmpeg-path';
import { createCameraSource, type CameraSource } from './camera-source';
import { RtspServer } from './rtsp-server';
import { decodeTimestampStrip, stripDeltaMs } from './timestamp-strip';

interface ClientResult {
  code: number | null;
  frames: number;
  stderr: string;
  /** ms from spawning the client to its first decoded frame. */
  firstFrameMs: number | undefined;
  /** Frame age (now − strip timestamp) when the first frame came out of the client, if decodable. */
  firstFrameAgeMs: number | undefined;
  /** The same for the last frame: the steady-state generation-to-client latency. */
  lastFrameAgeMs: number | undefined;
}

interface Client {
  child: ChildProcess;
  result: Promise<ClientResult>;
  /** Resolves once the first frame has been decoded. */
  firstFrame: Promise<void>;
}

/** ffmpeg as an RTSP client, decoding to raw RGBA so frames can be counted and inspected. */
function ffmpegClient(url: string, frames: number, width: number, height: number, extra: string[] = []): Client {
  const t0 = Date.now();
  const child = spawnOwned(locateFfmpeg().path, [
    '-hide_banner',
    '-loglevel',
    'error',
    '-rtsp_transport',
    'tcp',
    ...extra,
    '-i',
    url,
    '-frames:v',
    String(frames),
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgba',
    'pipe:1',
  ]);
  const frameSize = width * height * 4;
  let bytes = 0;
  let first: Buffer[] | undefined = [];
  let tail: Buffer[] = [];
  let lastFrameAgeMs: number | undefined;
  let firstFrameMs: number | undefined;
  let firstFrameAgeMs: number | undefined;
  let stderr = '';
  let markFirst: () => void = () => undefined;
  const firstFrame = new Promise<void>((resolve) => (markFirst = resolve));
  child.stdout?.on('data', (c: Buffer) => {
    const frameStart = bytes - (bytes % frameSize);
    bytes += c.length;
    // Keep just the bytes of the latest complete frame, to read its strip at the end.
    if (bytes - frameStart >= frameSize) {
      const all = Buffer.concat([...tail, c]);
      const lastEnd = bytes - (bytes % frameSize);
      const start = all.length - (bytes - lastEnd) - frameSize;
      const frame = all.subarray(start, start + frameSize);
      const ms = decodeTimestampStrip(new Uint8ClampedArray(frame.buffer, frame.byteOffset, frameSize), width, height);
      if (ms !== undefined) lastFrameAgeMs = stripDeltaMs(Date.now(), ms);
      tail = [all.subarray(start + frameSize)];
    } else {
      tail.push(c);
    }
    if (first) {
      first.push(c);
      if (bytes >= frameSize) {
        firstFrameMs = Date.now() - t0;
        const frame = Buffer.concat(first).subarray(0, frameSize);
        const ms = decodeTimestampStrip(new Uint8ClampedArray(frame.buffer, frame.byteOffset, frameSize), width, height);
        if (ms !== undefined) firstFrameAgeMs = stripDeltaMs(Date.now(), ms);
        first = undefined;
        markFirst();
      }
    }
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (t: string) => (stderr += t));
  const result = new Promise<ClientResult>((resolve) => {
    child.on('close', (code) =>
      resolve({ code, frames: Math.floor(bytes / frameSize), stderr, firstFrameMs, firstFrameAgeMs, lastFrameAgeMs }),
    );
  });
  return { child, result, firstFrame };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) return false;
    await sleep(25);
  }
  return true;
}

const LINGER_MS = 500;
let server: RtspServer;
let port = 0;
const cams = new Map<string, CameraSource>();
const log: Array<{ at: number; msg: string }> = [];

function cam(path: string, kind: 'visible' | 'thermal', profile: 'main' | 'sub'): CameraSource {
  const c = createCameraSource({ path, towerName: '青龙山瞭望塔', towerId: 'T01', kind, profile });
  cams.set(path, c);
  return c;
}

const stat = (path: string) => server.stats().find((s) => s.path === path);

beforeAll(async () => {
  server = new RtspServer({ host: '127.0.0.1', lingerMs: LINGER_MS, log: (msg) => log.push({ at: Date.now(), msg }) });
  server.addSource(cam('/t01/visible/main', 'visible', 'main'));
  server.addSource(cam('/t01/thermal/sub', 'thermal', 'sub'));
  server.addSource(cam('/t02/thermal/sub', 'thermal', 'sub'));
  server.addSource(cam('/t03/visible/sub', 'visible', 'sub'));
  port = (await server.listen()).port;
});

afterAll(async () => {
  await server.close();
  for (const c of cams.values()) expect(c.running).toBe(false);
});

describe('simulated cameras over RTSP to ffmpeg clients', () => {
  it('serves a main stream that ffmpeg decodes, with a readable timestamp strip', async () => {
    const url = `rtsp://127.0.0.1:${port}/t01/visible/main`;
    const t0 = Date.now();
    const c = ffmpegClient(url, 25, 1280, 720);
    const r = await c.result;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.frames).toBe(25);
    expect(r.firstFrameAgeMs).toBeDefined();
    expect(r.firstFrameAgeMs ?? -1).toBeGreaterThanOrEqual(0);
    const describeAt = log.find((l) => l.at >= t0 && l.msg.includes('DESCRIBE'))?.at ?? t0;
    console.log(
      `cold main stream: first frame ${r.firstFrameMs} ms after client spawn, ` +
        `${(r.firstFrameMs ?? 0) - (describeAt - t0)} ms after DESCRIBE; frame age at the client: first ${r.firstFrameAgeMs} ms, last ${r.lastFrameAgeMs} ms`,
    );
  });

  it('shares one encoder between simultaneous clients and stops it after the linger', async () => {
    const path = '/t01/thermal/sub';
    const source = cams.get(path);
    const url = `rtsp://127.0.0.1:${port}${path}`;
    // A reads long enough (6 s) that B joins while A is still there, even on a loaded machine.
    const a = ffmpegClient(url, 90, 640, 360);
    await a.firstFrame;
    const t0 = Date.now();
    const b = ffmpegClient(url, 40, 640, 360);
    let maxClients = 0;
    const poll = setInterval(() => (maxClients = Math.max(maxClients, stat(path)?.clients ?? 0)), 20);
    await b.firstFrame;
    const warmFirstFrameMs = Date.now() - t0;
    const pid = source?.pid;
    const [ra, rb] = await Promise.all([a.result, b.result]);
    clearInterval(poll);
    expect([ra.code, rb.code]).toEqual([0, 0]);
    expect([ra.frames, rb.frames]).toEqual([90, 40]);
    expect(maxClients).toBe(2);
    expect(stat(path)).toMatchObject({ starts: 1 });
    expect(source?.spawnCount).toBe(1);
    console.log(
      `warm sub stream: first frame ${warmFirstFrameMs} ms after client spawn; frame age: first ${rb.firstFrameAgeMs} ms, last ${rb.lastFrameAgeMs} ms`,
    );

    // Both gone: the encoder lingers, then exits.
    expect(alive(pid)).toBe(true);
    expect(await until(() => !alive(pid), LINGER_MS + 3000)).toBe(true);
    expect(stat(path)).toMatchObject({ running: false, clients: 0 });
    expect(source?.running).toBe(false);
  });

  it('answers 404 for an unknown path', async () => {
    const r = await ffmpegClient(`rtsp://127.0.0.1:${port}/t99/visible/main`, 1, 640, 360).result;
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('404');
  });

  it('keeps streaming to one client when another disconnects mid-stream', async () => {
    const path = '/t02/thermal/sub';
    const url = `rtsp://127.0.0.1:${port}${path}`;
    const steady = ffmpegClient(url, 60, 640, 360);
    const leaver = ffmpegClient(url, 1000, 640, 360);
    await Promise.all([steady.firstFrame, leaver.firstFrame]);
    await sleep(500);
    leaver.child.kill('SIGKILL');
    await leaver.result;
    expect(await until(() => stat(path)?.clients === 1, 2000)).toBe(true);
    const r = await steady.result;
    expect(r.code).toBe(0);
    expect(r.frames).toBe(60);
    expect(r.stderr).toBe('');
    expect(stat(path)?.starts).toBe(1);
  });

  it('ends clients cleanly when the encoder dies, and restarts it on the next PLAY', async () => {
    const path = '/t03/visible/sub';
    const source = cams.get(path);
    const url = `rtsp://127.0.0.1:${port}${path}`;
    const victim = ffmpegClient(url, 10_000, 640, 360);
    await victim.firstFrame;
    const pid = source?.pid;
    expect(pid).toBeDefined();
    process.kill(pid ?? 0, 'SIGKILL');
    const r = await victim.result;
    // The RTCP BYE is an orderly end of stream for ffmpeg.
    expect(r.frames).toBeGreaterThan(0);
    expect(r.frames).toBeLessThan(10_000);
    expect(stat(path)).toMatchObject({ running: false, clients: 0, starts: 1 });
    expect(log.some((l) => l.msg.includes(`${path}: source failed`))).toBe(true);

    const again = await ffmpegClient(url, 10, 640, 360).result;
    expect(again.code).toBe(0);
    expect(again.frames).toBe(10);
    expect(stat(path)?.starts).toBe(2);
    expect(source?.spawnCount).toBe(2);
  });
});

describe('RTSP auth with an ffmpeg client', () => {
  it('accepts the right Digest credentials and rejects wrong ones', async () => {
    const authServer = new RtspServer({ host: '127.0.0.1', lingerMs: 100, auth: { user: 'admin', pass: 's3cret' } });
    const source = createCameraSource({ path: '/t05/thermal/sub', towerName: '白云岭', towerId: 'T05', kind: 'thermal', profile: 'sub' });
    authServer.addSource(source);
    const { port: p } = await authServer.listen();
    try {
      const bad = await ffmpegClient(`rtsp://admin:nope@127.0.0.1:${p}/t05/thermal/sub`, 1, 640, 360).result;
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain('401');
      const good = await ffmpegClient(`rtsp://admin:s3cret@127.0.0.1:${p}/t05/thermal/sub`, 5, 640, 360).result;
      expect(good.stderr).toBe('');
      expect(good.frames).toBe(5);
    } finally {
      await authServer.close();
    }
    expect(source.running).toBe(false);
  });
});

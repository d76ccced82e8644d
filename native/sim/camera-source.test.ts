/**
 * The camera test-picture source with the real ffmpeg: stream shape, picture content, the
 * timestamp strip through H.264, the pose text, and failure reporting.
 */
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnOwned } from '../process/child';
import { locateFfmpeg } from '../process/ffmpeg-path';
import {
  POSE_PLACEHOLDER,
  buildCameraFfmpegArgs,
  createCameraSource,
  writeFileAtomic,
  type CameraSource,
} from './camera-source';
import { NalType, nalType, type AccessUnit } from './h264';
import { decodeTimestampStrip, stripDeltaMs, stripLayout } from './timestamp-strip';

const W = 640;
const H = 360;
const work = mkdtempSync(join(tmpdir(), 'skywatch-cam-test-'));

afterAll(() => rmSync(work, { recursive: true, force: true }));

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Received {
  au: AccessUnit;
  at: number;
}

/** Runs a source until `frames` access units have arrived (plus whatever `during` does), then stops it. */
async function capture(
  src: CameraSource,
  frames: number,
  during?: (got: Received[]) => Promise<void>,
): Promise<{ received: Received[]; errors: Error[] }> {
  const received: Received[] = [];
  const errors: Error[] = [];
  src.on('error', (e) => errors.push(e));
  src.on('au', (au) => received.push({ au, at: Date.now() }));
  src.start();
  try {
    const deadline = Date.now() + 10_000;
    while (received.length < frames && Date.now() < deadline && errors.length === 0) await sleep(20);
    if (during) await during(received);
  } finally {
    await src.stop();
  }
  return { received, errors };
}

/** Decodes Annex-B access units to RGBA frames with ffmpeg, one frame per unit. */
async function decodeToRgba(aus: readonly AccessUnit[]): Promise<Uint8ClampedArray[]> {
  const child = spawnOwned(locateFfmpeg().path, [
    '-hide_banner',
    '-loglevel',
    'error',
    '-f',
    'h264',
    '-i',
    'pipe:0',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgba',
    'pipe:1',
  ]);
  const chunks: Buffer[] = [];
  child.stdout?.on('data', (c: Buffer) => chunks.push(c));
  child.stderr?.resume();
  const sc = Buffer.from([0, 0, 0, 1]);
  child.stdin?.end(Buffer.concat(aus.flatMap((au) => au.nals.flatMap((n) => [sc, n]))));
  await new Promise<void>((resolve) => child.on('close', () => resolve()));
  const all = Buffer.concat(chunks);
  const size = W * H * 4;
  const frames: Uint8ClampedArray[] = [];
  for (let off = 0; off + size <= all.length; off += size) {
    frames.push(new Uint8ClampedArray(all.buffer, all.byteOffset + off, size));
  }
  return frames;
}

/** Mean RGB over a rectangle. */
function meanRgb(f: Uint8ClampedArray, x0: number, y0: number, w: number, h: number): [number, number, number] {
  const sum = [0, 0, 0];
  for (let y = y0; y < y0 + h; y++) {
    for (let x = x0; x < x0 + w; x++) {
      const p = (y * W + x) * 4;
      for (let c = 0; c < 3; c++) sum[c] = (sum[c] ?? 0) + (f[p + c] ?? 0);
    }
  }
  const n = w * h;
  return [(sum[0] ?? 0) / n, (sum[1] ?? 0) / n, (sum[2] ?? 0) / n];
}

function regionDiffers(a: Uint8ClampedArray, b: Uint8ClampedArray, x0: number, y0: number, w: number, h: number): number {
  let changed = 0;
  for (let y = y0; y < y0 + h; y++) {
    for (let x = x0; x < x0 + w; x++) {
      const p = (y * W + x) * 4;
      if (Math.abs((a[p] ?? 0) - (b[p] ?? 0)) > 40) changed++;
    }
  }
  return changed;
}

describe('camera ffmpeg arguments', () => {
  it('asks for the agreed stream shape', () => {
    const args = buildCameraFfmpegArgs('visible', 'main', { labelFile: '/l', clockFile: '/c' }).join(' ');
    for (const part of ['-re -f lavfi', '-c:v libx264', '-preset ultrafast', '-tune zerolatency', '-g 25', '-keyint_min 25', '-sc_threshold 0', '-r 25', 'aud=1', '-f flv pipe:1']) {
      expect(args).toContain(part);
    }
    expect(args).toContain('scale=w=1280:h=720');
    const sub = buildCameraFfmpegArgs('thermal', 'sub', { labelFile: '/l', clockFile: '/c' }).join(' ');
    expect(sub).toContain('pseudocolor');
    // The sub stream: 640x360 at 15 fps, still a key frame every second.
    for (const part of ['-r 15', '-g 15', '-keyint_min 15', 'scale=w=640:h=360']) expect(sub).toContain(part);
  });
});

describe('camera source with the real ffmpeg', () => {
  it('stamps each frame with its generation time in a strip that survives H.264', async () => {
    const src = createCameraSource({ path: '/strip/thermal/sub', towerName: '测试塔', towerId: 'T99', kind: 'thermal', profile: 'sub' });
    const { received, errors } = await capture(src, 20);
    expect(errors).toEqual([]);
    expect(received.length).toBeGreaterThanOrEqual(20);
    expect(received[0]?.au.isKeyframe).toBe(true);
    expect(received[0]?.au.nals.map(nalType)).toContain(NalType.Sps);
    expect(src.sps && nalType(src.sps)).toBe(NalType.Sps);
    expect(src.pps && nalType(src.pps)).toBe(NalType.Pps);
    // The sub stream's 15 fps on a 90 kHz clock; a key frame every 15 frames.
    expect(received.slice(0, 3).map((r) => r.au.pts)).toEqual([0, 6000, 12000]);
    const keys = received.map((r, i) => (r.au.isKeyframe ? i : -1)).filter((i) => i >= 0);
    expect(keys[0]).toBe(0);
    if (keys.length > 1) expect(keys[1]).toBe(15);

    const frames = await decodeToRgba(received.map((r) => r.au));
    expect(frames.length).toBe(received.length);
    const decoded = frames.map((f) => decodeTimestampStrip(f, W, H));
    decoded.forEach((ms, i) => {
      expect(ms, `frame ${i}`).toBeDefined();
      // Generated before it arrived here, by the encode time plus one frame interval (an access
      // unit is complete only when the next one starts).
      const lag = stripDeltaMs(received[i]?.at ?? 0, ms ?? 0);
      expect(lag, `frame ${i}`).toBeGreaterThanOrEqual(0);
      expect(lag, `frame ${i}`).toBeLessThan(150);
    });
    const steps = decoded.slice(1).map((ms, i) => stripDeltaMs(ms ?? 0, decoded[i] ?? 0));
    const mean = steps.reduce((a, b) => a + b, 0) / steps.length;
    // 15 fps: a frame every 66.7 ms.
    expect(mean).toBeGreaterThan(55);
    expect(mean).toBeLessThan(80);

    // Thermal look: dark, cold sky under the text lines.
    const [r, g, b] = meanRgb(frames[0] ?? new Uint8ClampedArray(), 400, 60, 100, 40);
    expect(r + g + b).toBeLessThan(150);
  });

  it('draws a sky-blue visible picture and shows pose file updates', async () => {
    const poseFile = join(work, 'pose', 't01-visible.txt');
    const src = createCameraSource({ path: '/t01/visible/sub', towerName: '青龙山', towerId: 'T01', kind: 'visible', profile: 'sub', poseFile });
    const wide = 'PTZ  P 359.99°  T -89.99°  Z 36.0x  ████████████████';
    const { received, errors } = await capture(src, 5, async (got) => {
      expect(readFileSync(poseFile, 'utf8')).toBe(POSE_PLACEHOLDER);
      writeFileAtomic(poseFile, wide);
      const n = got.length;
      while (got.length < n + 12) await sleep(20);
      // The writer may delete its file; the camera keeps running with the last text.
      rmSync(poseFile);
      const m = got.length;
      while (got.length < m + 10) await sleep(20);
    });
    expect(errors).toEqual([]);
    expect(existsSync(poseFile)).toBe(false);
    const frames = await decodeToRgba(received.map((r) => r.au));
    const first = frames[0] ?? new Uint8ClampedArray();
    const last = frames[frames.length - 1] ?? new Uint8ClampedArray();
    const [r, g, b] = meanRgb(first, 400, 60, 100, 40);
    expect(b).toBeGreaterThan(r + 60);
    expect(b).toBeGreaterThan(g);
    // The pose line sits at the bottom left; the wider text covers pixels the placeholder did not.
    const cell = stripLayout(W).cell;
    expect(regionDiffers(first, last, 200, H - cell - 20, 200, 20)).toBeGreaterThan(100);
  });

  it('reports an encoder that dies as an error, and can start again', async () => {
    const src = createCameraSource({ path: '/t09/thermal/sub', towerName: '塔', towerId: 'T09', kind: 'thermal', profile: 'sub' });
    const errors: Error[] = [];
    let frames = 0;
    src.on('error', (e) => errors.push(e));
    src.on('au', () => frames++);
    src.start();
    while (frames < 3) await sleep(20);
    process.kill(src.pid ?? 0, 'SIGKILL');
    while (errors.length === 0) await sleep(20);
    expect(errors[0]?.message).toMatch(/exited unexpectedly \(SIGKILL\)/);
    expect(src.running).toBe(false);
    src.start();
    const before = frames;
    while (frames < before + 3) await sleep(20);
    expect(src.spawnCount).toBe(2);
    await src.stop();
    expect(errors.length).toBe(1);
  });

  it('with replaySeconds, stops its encoder after whole GOPs and replays them in a loop at its frame rate', async () => {
    const logs: string[] = [];
    const src = createCameraSource({ path: '/t10/visible/sub', towerName: '塔', towerId: 'T10', kind: 'visible', profile: 'sub', fps: 25, replaySeconds: 1, log: (m) => logs.push(m) });
    const aus: { au: AccessUnit; at: number }[] = [];
    src.on('au', (au: AccessUnit) => aus.push({ au, at: performance.now() }));
    src.start();
    const pid = src.pid!;
    while (!logs.some((l) => /replaying 25 recorded frames/.test(l))) await sleep(20);
    const switched = aus.length;
    // The encoder is gone; frames keep coming, paced at 25 fps, their timestamps continuing.
    await sleep(300);
    expect(() => process.kill(pid, 0)).toThrow();
    const before = aus.length;
    await sleep(2000);
    const rate = (aus.length - before) / 2;
    expect(rate).toBeGreaterThan(22);
    expect(rate).toBeLessThan(28);
    const pts = aus.map((a) => a.au.pts);
    expect(pts.every((p, i) => i === 0 || p - pts[i - 1]! === 3600)).toBe(true);
    // The loop is whole GOPs: a keyframe every 25 frames, also across the seam.
    const keys = aus.flatMap((a, i) => (a.au.isKeyframe ? [i] : [])).filter((i) => i >= switched - 25);
    expect(keys.slice(1).every((k, i) => k - keys[i]! === 25)).toBe(true);
    expect(src.running).toBe(true);
    await src.stop();
    const n = aus.length;
    await sleep(200);
    expect(aus.length).toBe(n);
  });
});

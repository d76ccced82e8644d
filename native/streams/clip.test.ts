import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StreamGatewayError } from './errors';
import { createStreamGateway, type StreamGateway } from './gateway';
import { makeTestClip } from './test-media';
import { ffprobe, until } from './test-support';

let dir: string;
let clip: string;
let out: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clip-test-'));
  out = join(dir, 'clips');
  clip = await makeTestClip(dir, { name: 'clip.mp4', seconds: 4, gop: 25, audio: true });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const gateways: StreamGateway[] = [];
afterEach(async () => {
  for (const g of gateways.splice(0)) await g.close();
});

function gatewayFor(clipBufferMs = 4000): StreamGateway {
  const g = createStreamGateway({
    resolve: (key) => (key.startsWith('cam') ? { url: clip, inputArgs: ['-re', '-stream_loop', '-1'] } : undefined),
    lingerMs: 200,
    clipBufferMs,
  });
  gateways.push(g);
  return g;
}

async function rejection(p: Promise<unknown>): Promise<StreamGatewayError> {
  const err: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StreamGatewayError);
  return err as StreamGatewayError;
}

interface Probe {
  format: { duration: string };
  streams: { codec_type: string; codec_name: string }[];
  packets: { flags: string }[];
}

const probeClip = async (file: string) =>
  (await ffprobe(file, ['-select_streams', 'v:0', '-show_packets', '-read_intervals', '%+#1', '-show_entries', 'packet=flags:format=duration:stream=codec_type,codec_name'])) as unknown as Probe;

describe('gateway.exportClip', () => {
  it('writes the window around an alarm as MP4, starting on a keyframe, waiting for its future part', async () => {
    const gw = gatewayFor();
    const release = gw.retain('cam1/main');
    await until('2.5 s buffered', () => (gw.list()[0]?.stats.clipBufferMs ?? 0) >= 2500, 10_000);
    const at = Date.now();
    const res = await gw.exportClip({ key: 'cam1/main', at, beforeS: 2, afterS: 1, dir: out });
    // It had to wait for the second after the alarm.
    expect(Date.now()).toBeGreaterThanOrEqual(at + 1000);
    expect(basename(res.file)).toBe(`cam1_main_${new Date(at).toISOString().replace(/:/g, '-')}.mp4`);
    expect(res.bytes).toBe(statSync(res.file).size);
    // The keyframe at or before at - 2 s; keyframes come every second.
    expect(res.startedAt).toBeLessThanOrEqual(at - 2000);
    expect(res.startedAt).toBeGreaterThan(at - 2000 - 1200);
    expect(Math.abs(res.durationS - 3)).toBeLessThanOrEqual(1.2);
    const probe = await probeClip(res.file);
    expect(Math.abs(Number(probe.format.duration) - 3)).toBeLessThanOrEqual(1.2);
    expect(probe.streams.map((s) => s.codec_name).sort()).toEqual(['h264']);
    expect(probe.packets[0]!.flags).toMatch(/^K/);
    const both = (await ffprobe(res.file)) as unknown as Probe;
    expect(both.streams.map((s) => s.codec_type).sort()).toEqual(['audio', 'video']);
    // Only the finished file is left: no temporary ones.
    expect(readdirSync(out)).toEqual([basename(res.file)]);

    // A window entirely in the past is written at once; the same alarm time gets a second name.
    const t0 = Date.now();
    const past = await gw.exportClip({ key: 'cam1/main', at, beforeS: 1, afterS: 0.5, dir: out });
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(basename(past.file)).toMatch(/-2\.mp4$/);
    expect(Math.abs(past.durationS - 1.5)).toBeLessThanOrEqual(1.2);
    release();
  });

  it('refuses clearly (unknown stream, bad arguments, not pulled, older than the buffer), and writes what there is when the stream ends', async () => {
    const gw = gatewayFor(2000);
    const req = { key: 'cam2/main', at: Date.now(), beforeS: 1, afterS: 1, dir: out };
    expect((await rejection(gw.exportClip({ ...req, key: 'nosuch/main' }))).code).toBe('unknown_stream');
    expect((await rejection(gw.exportClip({ ...req, beforeS: -1 }))).code).toBe('bad_request');
    expect((await rejection(gw.exportClip({ ...req, beforeS: 0, afterS: 0 }))).code).toBe('bad_request');
    expect((await rejection(gw.exportClip({ ...req, at: Date.now() + 3_600_000 }))).code).toBe('bad_request');
    const idle = await rejection(gw.exportClip(req));
    expect(idle.code).toBe('not_active');
    expect(idle.message).toMatch(/^cam2\/main is not being pulled/);

    const release = gw.retain('cam2/main');
    await until('buffer full', () => (gw.list()[0]?.stats.clipBufferMs ?? 0) >= 2000, 10_000);
    const old = await rejection(gw.exportClip({ ...req, at: Date.now() - 20_000 }));
    expect(old.code).toBe('out_of_range');
    expect(old.message).toMatch(/pre-alarm buffer only reaches back to .* \(\d+\.\d s buffered; up to 2 s are kept\)/);
    // The same window partially covered is written on request, from the oldest keyframe.
    const at = Date.now() - 500;
    const partial = await gw.exportClip({ ...req, at, beforeS: 10, afterS: 0.2, allowPartial: true });
    expect(partial.startedAt).toBeGreaterThan(at - 10_000);
    expect(partial.durationS).toBeLessThan(5);
    expect(existsSync(partial.file)).toBe(true);

    // The stream ends before the window does: what there is gets written.
    const pending = gw.exportClip({ ...req, at: Date.now(), beforeS: 1, afterS: 30 });
    await new Promise((r) => setTimeout(r, 500));
    release();
    await gw.close();
    const ended = await pending;
    expect(ended.durationS).toBeGreaterThan(1);
    expect(ended.durationS).toBeLessThan(5);
  });
});

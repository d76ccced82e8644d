import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { locateFfmpeg } from '../process/ffmpeg-path';
import { StreamGatewayError } from './errors';
import { buildTag, FLV_TAG_VIDEO, FlvDemuxer, isVideoFrame, type FlvTag } from './flv';
import { createStreamGateway, type StreamGateway, type StreamGatewayOptions } from './gateway';
import { buildSnapshotInput, decodeLastPicture, isJpeg } from './snapshot';
import { makeTestClip } from './test-media';
import { ffprobe, pidsMatching, startMediaServer, until, type MediaServer } from './test-support';

let dir: string;
let clip: string;
let marker: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'snapshot-test-'));
  marker = dir;
  clip = await makeTestClip(dir, { name: 'clip.mp4', seconds: 4, size: '320x240', gop: 25, audio: true });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const open: { gateway: StreamGateway; server?: MediaServer }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.server?.close();
    await o.gateway.close();
  }
});

function gatewayFor(extra: Partial<StreamGatewayOptions> = {}): StreamGateway {
  const gateway = createStreamGateway({
    resolve: (key) => {
      const cam = key.split('/')[0] ?? '';
      if (cam.startsWith('cam')) return { url: clip, inputArgs: ['-re', '-stream_loop', '-1'] };
      if (cam === 'rtspdown') return { url: `rtsp://127.0.0.1:1/none?m=${encodeURIComponent(marker)}` };
      return undefined;
    },
    lingerMs: 200,
    tuning: { backoffInitialMs: 100, backoffMaxMs: 400 },
    ...extra,
  });
  open.push({ gateway });
  return gateway;
}

async function expectJpeg320x240(jpeg: Buffer): Promise<void> {
  expect(isJpeg(jpeg)).toBe(true);
  expect(jpeg.subarray(0, 2).toString('hex')).toBe('ffd8');
  expect(jpeg.subarray(-2).toString('hex')).toBe('ffd9');
  const file = join(dir, `snap-${Math.random().toString(36).slice(2)}.jpg`);
  writeFileSync(file, jpeg);
  const probe = (await ffprobe(file)) as { streams: { codec_name: string; width: number; height: number }[] };
  expect(probe.streams[0]).toMatchObject({ codec_name: 'mjpeg', width: 320, height: 240 });
}

async function rejection(p: Promise<unknown>): Promise<StreamGatewayError> {
  const err: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StreamGatewayError);
  return err as StreamGatewayError;
}

describe('gateway.snapshot', () => {
  it('pulls an unwatched stream for a snapshot and lets it go again', async () => {
    const gw = gatewayFor();
    const states: string[] = [];
    gw.on('state', (i) => states.push(i.state));
    const jpeg = await gw.snapshot('cam1/main');
    await expectJpeg320x240(jpeg);
    expect(states).toContain('online');
    // Released after the picture was taken: the normal linger (200 ms here) stops the upstream.
    await until('upstream stopped', () => gw.list().length === 0 && pidsMatching(marker).length === 0, 4000);
    // Its last word is 'idle' (announced as it stops; under load a moment after the process has gone).
    await until('idle announced', () => states.at(-1) === 'idle', 2000);
  });

  it('serves a watched stream from the GOP cache, and concurrent requests share one decode', async () => {
    const gw = gatewayFor();
    const release = gw.retain('cam2/main');
    expect(gw.list()[0]!.stats).toMatchObject({ viewers: 0, internalViewers: 1 });
    await gw.snapshot('cam2/main'); // the first keyframe is in the cache from here on
    const t0 = Date.now();
    const burst = await Promise.all(Array.from({ length: 5 }, () => gw.snapshot('cam2/main')));
    expect(Date.now() - t0).toBeLessThan(2000);
    // One decode: every caller got the very same Buffer.
    for (const b of burst) expect(b).toBe(burst[0]);
    await expectJpeg320x240(burst[0]!);
    // Later requests get a newer picture, not the cached one.
    await new Promise((r) => setTimeout(r, 300));
    const later = await gw.snapshot('cam2/main');
    expect(later).not.toBe(burst[0]);
    expect(isJpeg(later)).toBe(true);
    release();
  });

  it('serves snapshots over HTTP with the right status codes', async () => {
    const gw = gatewayFor();
    const server = await startMediaServer(gw);
    open[open.length - 1]!.server = server;
    const ok = await fetch(`${server.base}/api/snapshot/cam3/sub.jpg`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('image/jpeg');
    expect(ok.headers.get('cache-control')).toBe('no-store');
    expect(isJpeg(Buffer.from(await ok.arrayBuffer()))).toBe(true);
    const missing = await fetch(`${server.base}/api/snapshot/nosuch/main.jpg`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe('unknown stream "nosuch/main"');
  });

  it('rejects unknown streams and times out clearly on a camera that sends nothing', async () => {
    const gw = gatewayFor();
    const unknown = await rejection(gw.snapshot('nosuch/main'));
    expect(unknown.code).toBe('unknown_stream');
    expect((await rejection(gw.snapshot('../etc/main'))).code).toBe('unknown_stream');
    const t0 = Date.now();
    const timeout = await rejection(gw.snapshot('rtspdown/main', { timeoutMs: 800 }));
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(timeout.code).toBe('timeout');
    expect(timeout.message).toMatch(/^rtspdown\/main: no picture within 0\.8 s \(stream (starting|reconnecting|offline)/);
    await gw.close();
    expect((await rejection(gw.snapshot('cam1/main'))).code).toBe('closed');
    expect(pidsMatching(marker)).toEqual([]);
  });
});

describe('decodeLastPicture', () => {
  /** The tags of the test clip as the upstream would deliver them. */
  async function clipTags(): Promise<FlvTag[]> {
    const { execFileSync } = await import('node:child_process');
    const flv = execFileSync(locateFfmpeg().path, ['-hide_banner', '-loglevel', 'error', '-i', clip, '-t', '1.9', '-c', 'copy', '-f', 'flv', 'pipe:1']);
    return new FlvDemuxer().push(flv);
  }

  it('returns the last picture, also when the frame count is off (fallback path)', async () => {
    const tags = await clipTags();
    const headers = tags.filter((t) => t.isSequenceHeader);
    const lastKey = tags.findLastIndex((t) => isVideoFrame(t) && t.isKeyframe);
    const input = buildSnapshotInput(headers, tags.slice(lastKey))!;
    expect(input.frames).toBeGreaterThan(10);
    const ffmpegPath = locateFfmpeg().path;
    const exact = await decodeLastPicture(input, { ffmpegPath, key: 't/main' });
    await expectJpeg320x240(exact);
    // A camera whose "frames" the decoder does not all output: the select never fires.
    const off = await decodeLastPicture({ ...input, frames: input.frames + 5 }, { ffmpegPath, key: 't/main' });
    // Same frame, same encoder settings: byte-identical, so the fallback kept the last picture too.
    expect(off.equals(exact)).toBe(true);
    const first = await decodeLastPicture({ ...input, frames: 1 }, { ffmpegPath, key: 't/main' });
    expect(first.equals(exact)).toBe(false);
  });

  it('reports undecodable input as decode_failed', async () => {
    const config = buildTag(FLV_TAG_VIDEO, 0, Buffer.from([0x17, 0, 0, 0, 0, 1, 2, 3]));
    const frame = buildTag(FLV_TAG_VIDEO, 0, Buffer.concat([Buffer.from([0x17, 1, 0, 0, 0]), Buffer.alloc(200, 0x55)]));
    const input = buildSnapshotInput([config], [frame])!;
    const err = await rejection(decodeLastPicture(input, { ffmpegPath: locateFfmpeg().path, key: 'bad/main' }));
    expect(err.code).toBe('decode_failed');
    expect(err.message).toMatch(/^bad\/main: snapshot decode failed/);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FLV_TAG_VIDEO, FlvDemuxer, isVideoFrame, type FlvTag } from './flv';
import { createStreamGateway, type StreamGateway } from './gateway';
import { makeTestClip } from './test-media';
import { ffprobe, startMediaServer, type MediaServer } from './test-support';

let dir: string;
let hevc: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'h265-test-'));
  // MP4: FLV cannot hold HEVC in ffmpeg 5.1.
  hevc = await makeTestClip(dir, { name: 'hevc.mp4', seconds: 2, size: '320x240', gop: 25, audio: true, codec: 'h265' });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const open: { gateway: StreamGateway; server: MediaServer }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.server.close();
    await o.gateway.close();
  }
});

const AVC = 7;
const HEVC = 12;

/** Reads an HTTP-FLV response until `frames` video frames arrived. */
async function readFlv(url: string, frames: number): Promise<{ tags: FlvTag[]; header: unknown }> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const demux = new FlvDemuxer();
  const tags: FlvTag[] = [];
  while (tags.filter(isVideoFrame).length < frames) {
    const { value, done } = await reader.read();
    if (done) break;
    tags.push(...demux.push(Buffer.from(value)));
  }
  await reader.cancel();
  return { tags, header: demux.header };
}

describe('H.265 cameras', () => {
  it('are transcoded to H.264 FLV, declared or detected', async () => {
    const logs: string[] = [];
    const gateway = createStreamGateway({
      resolve: (key) => {
        if (key === 'declared/main') return { url: hevc, inputArgs: ['-re', '-stream_loop', '-1'], codec: 'h265' };
        if (key === 'undeclared/main') return { url: hevc, inputArgs: ['-re', '-stream_loop', '-1'] };
        return undefined;
      },
      lingerMs: 10_000,
      log: (_l, m) => logs.push(m),
    });
    const server = await startMediaServer(gateway);
    open.push({ gateway, server });

    for (const cam of ['declared', 'undeclared']) {
      const { tags, header } = await readFlv(`${server.base}/media/${cam}/main.flv`, 10);
      expect(header).toEqual({ audio: true, video: true });
      const video = tags.filter((t) => t.type === FLV_TAG_VIDEO);
      for (const t of video) expect((t.data[0] ?? 0) & 0x0f).toBe(AVC);
      expect(video.some((t) => t.isSequenceHeader)).toBe(true);
      expect(tags.filter(isVideoFrame)[0]!.isKeyframe).toBe(true);
      const info = gateway.list().find((i) => i.cameraId === cam)!;
      expect(info.stats).toMatchObject({ transcoding: true, reconnects: 0, lastError: null });
    }
    expect(logs.some((l) => /^undeclared\/main: the camera sends H\.265; transcoding/.test(l))).toBe(true);
    expect(gateway.list().find((i) => i.cameraId === 'declared')!.stats.spawns).toBe(1);

    // Same resolution as the camera.
    const jpeg = await gateway.snapshot('declared/main');
    const file = join(dir, 'snap.jpg');
    writeFileSync(file, jpeg);
    const probe = (await ffprobe(file)) as { streams: { width: number; height: number }[] };
    expect(probe.streams[0]).toMatchObject({ width: 320, height: 240 });
  });

  it('pass through untouched (HEVC in FLV, codec id 12) for viewers that decode HEVC, once per stream', async () => {
    const gateway = createStreamGateway({
      resolve: (key) => {
        const src = { url: hevc, inputArgs: ['-re', '-stream_loop', '-1'], codec: 'h265' as const };
        if (key === 'cam/main') return src;
        if (key === 'cam/main.hevc') return { ...src, direct: true };
        return undefined;
      },
      lingerMs: 10_000,
    });
    const server = await startMediaServer(gateway);
    open.push({ gateway, server });

    const [a, b] = await Promise.all([readFlv(`${server.base}/media/cam/main.hevc.flv`, 30), readFlv(`${server.base}/media/cam/main.hevc.flv`, 5)]);
    for (const { tags, header } of [a, b]) {
      expect(header).toEqual({ audio: true, video: true });
      const video = tags.filter((t) => t.type === FLV_TAG_VIDEO);
      for (const t of video) expect((t.data[0] ?? 0) & 0x0f).toBe(HEVC);
      expect(video[0]!.isSequenceHeader).toBe(true);
      expect(tags.filter(isVideoFrame)[0]!.isKeyframe).toBe(true);
    }
    // 30 frames at 25 fps, paced by the camera (-re): the timestamps advance in real time.
    const frames = a.tags.filter(isVideoFrame);
    expect(frames.at(-1)!.timestamp - frames[0]!.timestamp).toBeGreaterThan(1000);
    const info = gateway.list().filter((i) => i.key === 'cam/main.hevc');
    expect(info).toHaveLength(1);
    expect(info[0]!.stats).toMatchObject({ transcoding: false, spawns: 1, lastError: null });
    expect(info[0]!.stats.fps).toBeGreaterThan(0);
    // Snapshots and clips read FLV with ffmpeg, which knows no HEVC in FLV: they take the H.264 form.
    await expect(gateway.snapshot('cam/main.hevc')).rejects.toThrow(/snapshots and clips are taken of cam\/main \(H\.264\)/);
    expect((await fetch(`${server.base}/media/cam/sub.hevc.flv`)).status).toBe(404);
  });
});

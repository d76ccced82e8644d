import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createStreamGateway, hlsPathFromUrl, type StreamGateway, type StreamGatewayOptions } from './gateway';
import { HLS_SEGMENT_PATTERN, rewritePlaylist } from './hls';
import { makeTestClip } from './test-media';
import { isAlive, pidsMatching, startMediaServer, until, type MediaServer } from './test-support';

let dir: string;
let clip: string;
let hlsRoot: string;
let marker: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hls-test-'));
  marker = dir;
  hlsRoot = join(dir, 'hls');
  mkdirSync(hlsRoot);
  clip = await makeTestClip(dir, { name: 'clip.mp4', seconds: 4, gop: 25, audio: true });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const open: { gateway: StreamGateway; server: MediaServer }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.server.close();
    await o.gateway.close();
  }
});

async function setup(extra: Partial<StreamGatewayOptions> = {}): Promise<{ gateway: StreamGateway; server: MediaServer }> {
  const gateway = createStreamGateway({
    resolve: (key) => {
      const cam = key.split('/')[0] ?? '';
      if (cam.startsWith('cam')) return { url: clip, inputArgs: ['-re', '-stream_loop', '-1'] };
      if (cam === 'rtspdown') return { url: `rtsp://127.0.0.1:1/none?m=${encodeURIComponent(marker)}` };
      return undefined;
    },
    lingerMs: 200,
    hlsRoot,
    tuning: { backoffInitialMs: 100, backoffMaxMs: 400 },
    ...extra,
  });
  const server = await startMediaServer(gateway);
  const o = { gateway, server };
  open.push(o);
  return o;
}

describe('HLS', () => {
  it('starts on request, serves playlist and segments, and stops after the idle period', async () => {
    const { gateway, server } = await setup({ hlsIdleMs: 1500 });
    const url = `${server.base}/media/cam1/main/hls/index.m3u8?token=abc`;
    const t0 = Date.now();
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(8000);
    expect(res.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    expect(res.headers.get('cache-control')).toBe('no-cache, no-store');
    const playlist = await res.text();
    expect(playlist).toMatch(/^#EXTM3U/);
    expect(playlist).toContain('#EXT-X-INDEPENDENT-SEGMENTS');
    expect(playlist).not.toContain('#EXT-X-ENDLIST');
    // Segment URIs carry the token of the playlist request.
    const segments = playlist.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(segments.length).toBeGreaterThan(0);
    for (const s of segments) expect(s).toMatch(/^[0-9a-f]{8}-\d+\.ts\?token=abc$/);

    const seg = await fetch(`${server.base}/media/cam1/main/hls/${segments[0]}`);
    expect(seg.status).toBe(200);
    expect(seg.headers.get('content-type')).toBe('video/mp2t');
    const body = Buffer.from(await seg.arrayBuffer());
    expect(body.length).toBeGreaterThan(188 * 10);
    expect(body[0]).toBe(0x47);
    expect(body[188]).toBe(0x47);

    const info = gateway.list()[0]!;
    expect(info.stats).toMatchObject({ hls: true, viewers: 0, internalViewers: 1, spawns: 1 });
    const sessionDirs = readdirSync(hlsRoot);
    expect(sessionDirs).toHaveLength(1);
    const hlsPid = pidsMatching(join(hlsRoot, sessionDirs[0]!))[0]!;
    expect(hlsPid).toBeGreaterThan(0);

    // Traversal and foreign names never reach the file system.
    for (const bad of ['..%2F..%2Fetc%2Fpasswd', 'index.m3u8.tmp', '00000000-1.ts', 'x.ts']) {
      expect((await fetch(`${server.base}/media/cam1/main/hls/${bad}`)).status).toBe(404);
    }

    // No more requests: the packager stops, its directory goes, the upstream lingers out.
    await until('HLS stopped', () => readdirSync(hlsRoot).length === 0 && !isAlive(hlsPid), 5000);
    await until('upstream gone', () => gateway.list().length === 0, 3000);
    expect(pidsMatching(hlsRoot)).toEqual([]);
  });

  it('answers 404 for unknown streams and 503 when the camera sends nothing', async () => {
    const { gateway, server } = await setup({ hlsPlaylistWaitMs: 800 });
    expect((await fetch(`${server.base}/media/nosuch/main/hls/index.m3u8`)).status).toBe(404);
    const res = await fetch(`${server.base}/media/rtspdown/main/hls/index.m3u8`);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(await res.text()).toMatch(/^HLS for rtspdown\/main not ready: no playlist within 1 s \(stream (starting|reconnecting|offline)/);
    expect(gateway.list()[0]!.stats.hls).toBe(true);
    await gateway.close();
    expect(existsSync(hlsRoot) && readdirSync(hlsRoot)).toEqual([]);
  });

  it('parses HLS URLs strictly and rewrites playlists', () => {
    expect(hlsPathFromUrl('/media/cam1/sub/hls/index.m3u8')).toEqual({ key: 'cam1/sub', file: 'index.m3u8' });
    expect(hlsPathFromUrl('/media/cam1/sub/hls/../../x')).toBeUndefined();
    expect(hlsPathFromUrl('/media/cam1/other/hls/index.m3u8')).toBeUndefined();
    expect(HLS_SEGMENT_PATTERN.test('0a1b2c3d-1732000000.ts')).toBe(true);
    expect(HLS_SEGMENT_PATTERN.test('../0a1b2c3d-1.ts')).toBe(false);
    expect(rewritePlaylist('#EXTM3U\n#EXTINF:1.0,\na-1.ts\n', '?token=t')).toBe('#EXTM3U\n#EXTINF:1.0,\na-1.ts?token=t\n');
    expect(rewritePlaylist('#EXTM3U\na-1.ts\n', '')).toBe('#EXTM3U\na-1.ts\n');
  });
});

import { copyFileSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isVideoFrame } from './flv';
import { makeTestClip } from './test-media';
import { until } from './test-support';
import { backoffDelay, buildFfmpegArgs, DEFAULT_UPSTREAM_TUNING, redactCredentials, retryCapMs, Upstream } from './upstream';

describe('buildFfmpegArgs', () => {
  it('adds RTSP transport options only for rtsp:// inputs', () => {
    const rtsp = buildFfmpegArgs({ url: 'rtsp://cam/stream1' }, 5000);
    expect(rtsp.join(' ')).toBe(
      '-hide_banner -loglevel warning -nostdin -fflags nobuffer -rtsp_transport tcp -timeout 5000000 -analyzeduration 500000 -probesize 262144 ' +
        '-i rtsp://cam/stream1 ' +
        '-map 0:v:0 -map 0:a? -c copy -flush_packets 1 -flvflags no_duration_filesize -f flv pipe:1',
    );
    const file = buildFfmpegArgs({ url: '/tmp/clip.mp4', inputArgs: ['-re', '-stream_loop', '-1'] });
    expect(file).not.toContain('-rtsp_transport');
    expect(file).not.toContain('-timeout');
    expect(file.slice(file.indexOf('-re'), file.indexOf('-i') + 2)).toEqual(['-re', '-stream_loop', '-1', '-i', '/tmp/clip.mp4']);
    // rtmp's -timeout means "listen"; the generic rw_timeout is used instead.
    const rtmp = buildFfmpegArgs({ url: 'rtmp://srv/live/x', audio: false }, 2000);
    expect(rtmp).toContain('-rw_timeout');
    expect(rtmp).not.toContain('-timeout');
    expect(rtmp).toContain('-an');
    expect(rtmp).not.toContain('0:a?');
  });

  it('transcodes H.265 sources to H.264 and copies everything else', () => {
    const hevc = buildFfmpegArgs({ url: 'rtsp://cam/h265', codec: 'h265' }).join(' ');
    expect(hevc).toContain(' -c:v libx264 -preset veryfast -tune zerolatency -g 50 -bf 0 -pix_fmt yuv420p -c:a copy -flush_packets 1 ');
    expect(hevc).not.toContain('-c copy');
    expect(buildFfmpegArgs({ url: 'rtsp://cam/h264', codec: 'h264' }).join(' ')).toContain(' -c copy ');
  });
});

describe('retryCapMs', () => {
  it('keeps retries prompt for the first five minutes of an outage, then backs off further', () => {
    const t = DEFAULT_UPSTREAM_TUNING;
    expect(retryCapMs(0, t)).toBe(1500);
    expect(retryCapMs(5 * 60_000 - 1, t)).toBe(1500);
    expect(retryCapMs(5 * 60_000, t)).toBe(15_000);
    // A long cap below the short one never shortens retries.
    expect(retryCapMs(10 * 60_000, { ...t, backoffLongMaxMs: 100 })).toBe(1500);
  });

  it('brings a stream back within 3 s of its camera returning, with the default policy and worst-case jitter', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'resume-test-'));
    try {
      const clip = await makeTestClip(dir, { name: 'src.mp4', seconds: 2, gop: 5 });
      const camera = join(dir, 'camera.mp4');
      let pictureAt = 0;
      const up = new Upstream({
        key: 'cam/main',
        source: () => ({ url: camera, inputArgs: ['-re', '-stream_loop', '-1'] }),
        handlers: {
          onHeader: () => undefined,
          onTag: (tag) => {
            if (!pictureAt && isVideoFrame(tag)) pictureAt = Date.now();
          },
          onState: () => undefined,
        },
        random: () => 1,
      });
      up.start();
      // Offline means three failed attempts: the backoff has reached its cap (500, 1000, 1500 ms).
      await until('offline', () => up.state === 'offline', 5000);
      copyFileSync(clip, `${camera}.tmp`);
      renameSync(`${camera}.tmp`, camera);
      const back = Date.now();
      await until('a picture', () => pictureAt > 0, 5000);
      expect(pictureAt - back).toBeLessThan(3000);
      expect(up.state).toBe('online');
      await up.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('backoffDelay', () => {
  it('doubles from the initial delay up to the cap, with jitter in [50 %, 100 %]', () => {
    const max = (n: number) => backoffDelay(n, 500, 10_000, () => 1);
    const min = (n: number) => backoffDelay(n, 500, 10_000, () => 0);
    expect([1, 2, 3, 4, 5, 6, 10].map(max)).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(min(1)).toBe(250);
    expect(min(20)).toBe(5000);
  });
});

describe('redactCredentials', () => {
  it('hides user:password in URLs', () => {
    expect(redactCredentials('rtsp://admin:s3cr%40t@10.0.0.5:554/x: 401 Unauthorized')).toBe('rtsp://***@10.0.0.5:554/x: 401 Unauthorized');
    expect(redactCredentials('rtsp://10.0.0.5/x')).toBe('rtsp://10.0.0.5/x');
  });
});

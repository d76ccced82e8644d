import { describe, expect, it } from 'vitest';
import { backoffDelay, buildFfmpegArgs, redactCredentials } from './upstream';

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

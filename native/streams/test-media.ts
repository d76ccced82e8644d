import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { locateFfmpeg } from '../process/ffmpeg-path';

/**
 * Test helper: encodes a short H.264 (+ AAC) clip with ffmpeg's test sources. `codec: 'h265'`
 * makes an HEVC clip instead, for the transcoding path (use .mp4/.mkv: FLV cannot hold HEVC).
 */
export function makeTestClip(
  dir: string,
  opts: { name: string; seconds: number; size?: string; rate?: number; gop?: number; audio?: boolean; preset?: string; codec?: 'h264' | 'h265' },
): Promise<string> {
  const out = join(dir, opts.name);
  const rate = opts.rate ?? 25;
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${opts.size ?? '320x240'}:rate=${rate}`];
  if (opts.audio) args.push('-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100');
  const gop = String(opts.gop ?? rate);
  if (opts.codec === 'h265') args.push('-c:v', 'libx265', '-preset', opts.preset ?? 'ultrafast', '-x265-params', `keyint=${gop}:min-keyint=${gop}:log-level=error`);
  else args.push('-c:v', 'libx264', '-preset', opts.preset ?? 'ultrafast', '-g', gop);
  args.push('-pix_fmt', 'yuv420p', '-t', String(opts.seconds));
  if (opts.audio) args.push('-c:a', 'aac', '-b:a', '64k', '-shortest');
  args.push(out);
  return new Promise((resolve, reject) => {
    execFile(locateFfmpeg().path, args, (err, _stdout, stderr) => {
      if (err) reject(new Error(`ffmpeg failed: ${stderr || err.message}`));
      else resolve(out);
    });
  });
}

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { locateFfmpeg } from '../process/ffmpeg-path';

/** Test helper: encodes a short H.264 (+ AAC) clip with ffmpeg's test sources. */
export function makeTestClip(
  dir: string,
  opts: { name: string; seconds: number; size?: string; rate?: number; gop?: number; audio?: boolean; preset?: string },
): Promise<string> {
  const out = join(dir, opts.name);
  const rate = opts.rate ?? 25;
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${opts.size ?? '320x240'}:rate=${rate}`];
  if (opts.audio) args.push('-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100');
  args.push('-c:v', 'libx264', '-preset', opts.preset ?? 'ultrafast', '-pix_fmt', 'yuv420p', '-g', String(opts.gop ?? rate), '-t', String(opts.seconds));
  if (opts.audio) args.push('-c:a', 'aac', '-b:a', '64k', '-shortest');
  args.push(out);
  return new Promise((resolve, reject) => {
    execFile(locateFfmpeg().path, args, (err, _stdout, stderr) => {
      if (err) reject(new Error(`ffmpeg failed: ${stderr || err.message}`));
      else resolve(out);
    });
  });
}

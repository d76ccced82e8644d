import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';

/** Where the ffmpeg binary was found, and by which rule. */
export interface FfmpegLocation {
  path: string;
  source: 'FFMPEG_PATH' | 'ffmpeg-static' | 'PATH';
}

export class FfmpegNotFoundError extends Error {
  constructor() {
    super(
      'ffmpeg not found. Set FFMPEG_PATH to an ffmpeg binary, or install one: ' +
        '`apt-get install ffmpeg` on Debian/Ubuntu (the project scripts do this when run as root).',
    );
    this.name = 'FfmpegNotFoundError';
  }
}

function findOnPath(name: string, pathVar = process.env.PATH ?? ''): string | undefined {
  for (const dir of pathVar.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

function ffmpegStaticPath(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const p = require('ffmpeg-static') as unknown;
    return typeof p === 'string' && existsSync(p) ? p : undefined;
  } catch {
    return undefined;
  }
}

let cached: FfmpegLocation | undefined;

/**
 * Finds ffmpeg in the documented order: FFMPEG_PATH, then the ffmpeg-static binary
 * (its download fails on offline machines, so it is optional), then `ffmpeg` on PATH.
 */
export function locateFfmpeg(env: NodeJS.ProcessEnv = process.env): FfmpegLocation {
  if (cached && env === process.env) return cached;
  let found: FfmpegLocation | undefined;
  const fromEnv = env.FFMPEG_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`FFMPEG_PATH points to ${fromEnv}, which does not exist`);
    found = { path: fromEnv, source: 'FFMPEG_PATH' };
  } else {
    const stat = ffmpegStaticPath();
    if (stat) found = { path: stat, source: 'ffmpeg-static' };
    else {
      const onPath = findOnPath(process.platform === 'win32' ? 'ffmpeg.exe' : 'ffmpeg', env.PATH);
      if (onPath) found = { path: onPath, source: 'PATH' };
    }
  }
  if (!found) throw new FfmpegNotFoundError();
  if (env === process.env) cached = found;
  return found;
}

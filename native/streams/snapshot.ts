import { type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnOwned, stopChild } from '../process/child';
import { StreamGatewayError } from './errors';
import { FLV_TAG_VIDEO, flvHeader, isVideoFrame, type FlvTag } from './flv';

/** What one snapshot decode is fed: a video-only FLV ending in the picture we want. */
export interface SnapshotInput {
  flv: Buffer;
  /** Video frames in `flv`; the decoder's frame number `frames - 1` is the current picture. */
  frames: number;
}

/**
 * A video-only FLV of the decoder configuration and a GOP. Audio is left out: it is useless for a
 * picture and an audio track makes ffmpeg probe longer. Undefined when there is no picture.
 */
export function buildSnapshotInput(headers: readonly FlvTag[], gop: readonly FlvTag[]): SnapshotInput | undefined {
  const config = headers.find((t) => t.type === FLV_TAG_VIDEO && t.isSequenceHeader);
  const video = gop.filter((t) => t.type === FLV_TAG_VIDEO);
  const frames = video.filter(isVideoFrame).length;
  if (frames === 0) return undefined;
  const parts = [flvHeader({ audio: false, video: true }), ...(config ? [config.raw] : []), ...video.map((t) => t.raw)];
  return { flv: Buffer.concat(parts), frames };
}

export interface DecodeOptions {
  ffmpegPath: string;
  /** For error messages. */
  key: string;
  /** mjpeg `-q:v`, 2 (best) … 31. Default 3. */
  quality?: number;
  /** The decode is killed after this long. Default 15 000. */
  timeoutMs?: number;
}

interface RunResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

function run(ffmpeg: string, args: string[], input: Buffer, timeoutMs: number, key: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawnOwned(ffmpeg, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      void stopChild(child, 500);
    }, timeoutMs);
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (s: string) => {
      // Only the tail explains a failure; a corrupt stream can print a line per macroblock.
      stderr = (stderr + s).slice(-4000);
    });
    // ffmpeg may exit before reading all of stdin (bad input); that is reported through its exit code.
    child.stdin?.on('error', () => undefined);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new StreamGatewayError('decode_failed', key, `${key}: cannot run ffmpeg for the snapshot: ${e.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (timedOut) {
        reject(new StreamGatewayError('decode_failed', key, `${key}: decoding the snapshot took longer than ${Math.round(timeoutMs / 1000)} s`));
        return;
      }
      resolve({ code, stdout: Buffer.concat(out), stderr });
    });
    child.stdin?.end(input);
  });
}

export function isJpeg(b: Buffer): boolean {
  return b.length > 4 && b[0] === 0xff && b[1] === 0xd8 && b[b.length - 2] === 0xff && b[b.length - 1] === 0xd9;
}

function lastLines(stderr: string): string {
  return stderr
    .split(/\r?\n/)
    .map((l) => l.replace(/\[[^\]]* @ 0x[0-9a-f]+\] /g, '').trim())
    .filter(Boolean)
    .slice(-3)
    .join(' | ');
}

/**
 * Decodes `input` and returns its last picture as a JPEG.
 *
 * Only the wanted frame is encoded (`select` on the decoder's frame number): encoding every
 * picture of a 10 s 1080p GOP to JPEG would cost seconds. If the count does not match what the
 * decoder produced (a camera that sends SEI-only access units, a frame the decoder drops), the
 * select never fires; then the decode is repeated with `-update 1`, which encodes every frame
 * and keeps the last: slower, but it always yields the newest decodable picture.
 */
export async function decodeLastPicture(input: SnapshotInput, opts: DecodeOptions): Promise<Buffer> {
  const q = String(opts.quality ?? 3);
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const common = ['-hide_banner', '-loglevel', 'error', '-f', 'flv', '-i', 'pipe:0', '-an', '-sn', '-dn'];
  const encode = ['-fps_mode', 'passthrough', '-c:v', 'mjpeg', '-q:v', q];
  const first = await run(
    opts.ffmpegPath,
    [...common, '-vf', `select=eq(n\\,${input.frames - 1})`, '-frames:v', '1', ...encode, '-f', 'image2pipe', 'pipe:1'],
    input.flv,
    timeoutMs,
    opts.key,
  );
  if (first.code !== 0) {
    throw new StreamGatewayError('decode_failed', opts.key, `${opts.key}: snapshot decode failed (ffmpeg code ${first.code ?? '?'}): ${lastLines(first.stderr) || 'no output'}`);
  }
  if (isJpeg(first.stdout)) return first.stdout;

  // image2 cannot overwrite one picture on a pipe, hence the file.
  const dir = await mkdtemp(join(tmpdir(), 'snapshot-'));
  try {
    const file = join(dir, 'last.jpg');
    const second = await run(opts.ffmpegPath, [...common, ...encode, '-update', '1', '-f', 'image2', '-y', file], input.flv, timeoutMs, opts.key);
    const jpeg = second.code === 0 ? await readFile(file).catch(() => Buffer.alloc(0)) : Buffer.alloc(0);
    if (isJpeg(jpeg)) return jpeg;
    const why = lastLines(second.stderr) || lastLines(first.stderr) || 'the decoder produced no picture';
    throw new StreamGatewayError('decode_failed', opts.key, `${opts.key}: snapshot decode failed (${input.frames} frame(s) sent): ${why}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

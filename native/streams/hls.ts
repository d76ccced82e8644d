import { randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { spawnOwned, stopChild } from '../process/child';

export const HLS_PLAYLIST = 'index.m3u8';
/** `<session id>-<sequence number>.ts`; nothing else is ever served from a session directory. */
export const HLS_SEGMENT_PATTERN = /^([0-9a-f]{8})-(\d{1,16})\.ts$/;
const HLS_PATH_PATTERN = /^\/media\/([A-Za-z0-9][A-Za-z0-9_-]{0,63})\/(main|sub)\/hls\/([^/]{1,64})$/;

/** `/media/<cameraId>/<main|sub>/hls/<file>` → stream key and file name. */
export function hlsPathFromUrl(pathname: string): { key: string; file: string } | undefined {
  const m = HLS_PATH_PATTERN.exec(pathname);
  return m?.[1] && m[2] && m[3] ? { key: `${m[1]}/${m[2]}`, file: m[3] } : undefined;
}

/**
 * The ffmpeg command line of one HLS session: the gateway's FLV on stdin, copied into 1 s MPEG-TS
 * segments. temp_file makes the playlist and each segment appear only once complete, so a file
 * that exists may be served; epoch numbering keeps the media sequence rising across sessions.
 */
export function buildHlsArgs(dir: string, sessionId: string): string[] {
  return [
    '-hide_banner',
    '-loglevel',
    'warning',
    // FLV needs probing to find its streams, by default for 5 s of input: 5 s before the first
    // playlist. The decoder configuration comes first in what the gateway sends, so 0.5 s is plenty.
    '-analyzeduration',
    '500000',
    '-f',
    'flv',
    '-i',
    'pipe:0',
    '-map',
    '0:v?',
    '-map',
    '0:a?',
    '-c',
    'copy',
    '-f',
    'hls',
    '-hls_time',
    '1',
    '-hls_list_size',
    '6',
    '-hls_flags',
    'delete_segments+omit_endlist+independent_segments+temp_file',
    '-hls_start_number_source',
    'epoch',
    '-hls_segment_filename',
    join(dir, `${sessionId}-%d.ts`),
    join(dir, HLS_PLAYLIST),
  ];
}

export interface HlsSessionOptions {
  key: string;
  ffmpegPath: string;
  /** Parent of the session's temporary directory. Default os.tmpdir(). */
  root?: string;
  now: () => number;
  log: (level: 'info' | 'warn' | 'error', msg: string) => void;
  /** Called once when the session has ended, for whatever reason. */
  onEnd: (session: HlsSession, reason: string) => void;
}

/**
 * One HLS packager: an ffmpeg fed by the gateway like any viewer, writing into its own temporary
 * directory. It lives while requests keep coming; the gateway ends it after an idle period.
 */
export class HlsSession {
  readonly id = randomBytes(4).toString('hex');
  readonly key: string;
  readonly dir: string;
  lastRequestAt: number;
  private readonly opts: HlsSessionOptions;
  private readonly child: ChildProcess;
  private stderrTail: string[] = [];
  private stopPromise: Promise<void> | undefined;
  private endReason: string | undefined;

  constructor(opts: HlsSessionOptions) {
    this.opts = opts;
    this.key = opts.key;
    this.lastRequestAt = opts.now();
    this.dir = mkdtempSync(join(opts.root ?? tmpdir(), `hls-${opts.key.replace('/', '-')}-`));
    this.child = spawnOwned(opts.ffmpegPath, buildHlsArgs(this.dir, this.id), { stdio: ['pipe', 'ignore', 'pipe'] });
    this.child.stdin?.on('error', () => undefined); // EPIPE after ffmpeg died; 'close' reports that
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (s: string) => {
      for (const l of s.split(/\r?\n/)) if (l.trim()) this.stderrTail.push(l.replace(/\[[^\]]* @ 0x[0-9a-f]+\] /g, '').trim());
      this.stderrTail = this.stderrTail.slice(-3);
    });
    this.child.on('error', (e) => void this.stop(`cannot run ffmpeg: ${e.message}`));
    this.child.on('close', (code, signal) => {
      if (!this.stopPromise) void this.stop(`HLS ffmpeg exited (${signal ?? `code ${code ?? '?'}`})${this.stderrTail.length ? `: ${this.stderrTail.join(' | ')}` : ''}`);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Why the session ended; undefined while it runs. */
  get ended(): string | undefined {
    return this.endReason;
  }

  write(b: Buffer): void {
    const stdin = this.child.stdin;
    if (stdin && !stdin.destroyed && !stdin.writableEnded) stdin.write(b);
  }

  /** Bytes handed to us but not yet taken by ffmpeg. */
  buffered(): number {
    return this.child.stdin?.writableLength ?? 0;
  }

  touch(): void {
    this.lastRequestAt = this.opts.now();
  }

  stop(reason: string): Promise<void> {
    if (this.stopPromise) return this.stopPromise;
    this.endReason = reason;
    this.opts.log('info', `${this.key}: HLS stopped: ${reason}`);
    this.opts.onEnd(this, reason);
    this.stopPromise = (async () => {
      this.child.stdin?.destroy();
      if (this.child.pid !== undefined) await stopChild(this.child, 1000);
      await rm(this.dir, { recursive: true, force: true });
    })();
    return this.stopPromise;
  }

  /**
   * The playlist, waiting up to `waitMs` for ffmpeg to write its first one (it does after the first
   * complete segment). Undefined when it did not appear in time, the session ended or the client left.
   */
  async playlist(waitMs: number, gone: () => boolean): Promise<string | undefined> {
    const end = Date.now() + waitMs;
    for (;;) {
      try {
        return await readFile(join(this.dir, HLS_PLAYLIST), 'utf8');
      } catch {
        // Not written yet.
      }
      if (this.endReason || gone() || Date.now() >= end) return undefined;
      // A waiting client is activity: the idle timer must not stop the packager it waits for.
      this.touch();
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Absolute path of a segment of this session, or undefined for any other name. */
  segmentPath(file: string): string | undefined {
    const m = HLS_SEGMENT_PATTERN.exec(file);
    return m && m[1] === this.id ? join(this.dir, file) : undefined;
  }
}

/** Appends the request's query (the access token) to every URI in the playlist, so players that cannot add headers still get the segments. */
export function rewritePlaylist(text: string, search: string): string {
  if (!search) return text;
  return text
    .split('\n')
    .map((l) => (l && !l.startsWith('#') ? `${l}${search}` : l))
    .join('\n');
}

export async function sendSegment(req: IncomingMessage, res: ServerResponse, path: string, headers: Record<string, string>): Promise<void> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    // Rolled out of the playlist and deleted: the player asked too late.
    res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end('segment no longer available');
    return;
  }
  res.writeHead(200, {
    ...headers,
    'Content-Type': 'video/mp2t',
    'Content-Length': String(size),
    // Names are unique per session, so a segment never changes; private because the URL may hold the token.
    'Cache-Control': 'private, max-age=60',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(path);
  // Deleted between stat and open (delete_segments): the headers are out, so just cut the response.
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

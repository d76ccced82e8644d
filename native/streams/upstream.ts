import type { ChildProcess } from 'node:child_process';
import type { StreamState } from '../../common/contract/stream';
import { spawnOwned, stopChild } from '../process/child';
import { locateFfmpeg } from '../process/ffmpeg-path';
import { Fmp4ToFlv } from './fmp4-to-flv';
import { FlvDemuxer, FLV_TAG_AUDIO, FLV_TAG_VIDEO, isVideoFrame, withTimestamp, type FlvHeaderInfo, type FlvTag } from './flv';

/**
 * Upstream state (the wire contract's StreamState):
 *   idle         → starting      first viewer arrived, first ffmpeg spawned
 *   starting     → online        first tag received
 *   starting     → reconnecting  first attempt failed (exit, watchdog, bad FLV)
 *   online       → reconnecting  ffmpeg exited or stalled; restart scheduled with backoff
 *   reconnecting → online        a restarted ffmpeg delivered a tag
 *   reconnecting → offline       `offlineAfterFailures` attempts in a row produced no tag;
 *                                retries continue at the backoff cap, so the stream comes back
 *                                by itself when the camera does
 *   offline      → online        as above
 *   any          → idle          stop() (last viewer gone + linger, or gateway closed)
 */
export type UpstreamState = StreamState;

/** Where to pull a stream from. `inputArgs` go right before `-i` (e.g. `-re -stream_loop -1` for files). */
export interface UpstreamSource {
  url: string;
  inputArgs?: string[];
  /** false drops audio (`-an`), for cameras whose audio codec FLV/mpegts.js cannot carry (G.711, G.726). */
  audio?: boolean;
  /**
   * Video codec the camera sends. `h265` is transcoded to H.264 unless `direct`: browsers without
   * HEVC decoding (Debian's Chromium) play H.264 only. Unset means H.264; an H.265 camera that is
   * not declared is still detected on its first run (see Upstream), at the cost of one failed start.
   */
  codec?: 'h264' | 'h265';
  /**
   * With `codec: 'h265'`: pass the HEVC through untouched, for viewers that decode it. ffmpeg 5.1's
   * FLV muxer cannot carry HEVC, so ffmpeg copies into fragmented MP4 and `Fmp4ToFlv` makes the
   * FLV tags (codec id 12).
   */
  direct?: boolean;
}

export interface UpstreamStats {
  bitrateKbps: number;
  fps: number;
  /** Frames between the last two keyframes; 0 until two were seen. */
  gopFrames: number;
  /** Milliseconds between the last two keyframes; 0 until two were seen. */
  gopMs: number;
  /** Restarts after the first attempt. */
  reconnects: number;
  /** ffmpeg processes started for this stream (1 + reconnects unless a source was missing). */
  spawns: number;
  lastError: string | null;
  /** Epoch ms when the current state was entered. */
  since: number | null;
  /** Milliseconds the current ffmpeg has been delivering data; 0 when not online. */
  uptimeMs: number;
  pid: number | null;
  /** The current (or last) run re-encodes video to H.264 instead of copying it. */
  transcoding: boolean;
}

export interface UpstreamTuning {
  /** No tag for this long while online → kill and restart. */
  stallTimeoutMs: number;
  /** No first tag for this long after spawn → kill and restart (RTSP setup + probing take time). */
  startTimeoutMs: number;
  backoffInitialMs: number;
  /** Retry cap during the first `backoffShortPhaseMs` of an outage: keeps the return of a camera prompt. */
  backoffMaxMs: number;
  /** Retry cap once an outage has lasted longer than that: spares links that are really dead. */
  backoffLongMaxMs: number;
  backoffShortPhaseMs: number;
  /** Consecutive attempts without any tag before the state reads `offline`. */
  offlineAfterFailures: number;
  /** A run that stayed online this long resets the backoff. */
  stableAfterMs: number;
  /** Socket timeout handed to ffmpeg for network inputs. */
  ioTimeoutMs: number;
}

export const DEFAULT_UPSTREAM_TUNING: UpstreamTuning = {
  stallTimeoutMs: 5_000,
  startTimeoutMs: 15_000,
  backoffInitialMs: 500,
  backoffMaxMs: 1_500,
  backoffLongMaxMs: 15_000,
  backoffShortPhaseMs: 5 * 60_000,
  offlineAfterFailures: 3,
  stableAfterMs: 10_000,
  ioTimeoutMs: 5_000,
};

export interface UpstreamHandlers {
  /** Once per ffmpeg run, before that run's first tag. */
  onHeader(flags: FlvHeaderInfo, firstRun: boolean): void;
  /** Every tag, timestamps already rebased onto the stream's continuous timeline. */
  onTag(tag: FlvTag): void;
  onState(state: UpstreamState): void;
}

export interface UpstreamOptions {
  key: string;
  source: () => UpstreamSource | undefined;
  handlers: UpstreamHandlers;
  tuning?: Partial<UpstreamTuning>;
  ffmpegPath?: string;
  now?: () => number;
  random?: () => number;
  log?: (level: 'info' | 'warn' | 'error', msg: string) => void;
}

const STATS_WINDOW_MS = 5_000;
const STDERR_LINES_KEPT = 12;
const DEFAULT_FRAME_GAP_MS = 40;

/** Hides `user:password@` in URLs, since ffmpeg echoes the input URL in its errors. */
export function redactCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, '$1***@');
}

/**
 * The ffmpeg command line for one source: stream copy into FLV on stdout.
 * Transport options are only added for protocols that know them; ffmpeg rejects unknown input
 * options, and on rtmp:// `-timeout` would even switch ffmpeg into listen mode.
 */
export function buildFfmpegArgs(src: UpstreamSource, ioTimeoutMs = DEFAULT_UPSTREAM_TUNING.ioTimeoutMs, transcode = src.codec === 'h265'): string[] {
  const us = String(Math.round(ioTimeoutMs * 1000));
  const args = ['-hide_banner', '-loglevel', 'warning', '-nostdin', '-fflags', 'nobuffer'];
  // A short probe: the SDP already carries the codec parameters, and every probed second is a second
  // the operator waits for the first picture.
  if (/^rtsps?:\/\//i.test(src.url)) args.push('-rtsp_transport', 'tcp', '-timeout', us, '-analyzeduration', '500000', '-probesize', '262144');
  else if (/^(rtmps?|https?|tcp|tls):\/\//i.test(src.url)) args.push('-rw_timeout', us);
  args.push(...(src.inputArgs ?? []), '-i', src.url, '-map', '0:v:0');
  if (src.audio === false) args.push('-an');
  else args.push('-map', '0:a?');
  if (src.codec === 'h265' && src.direct) {
    // frag_every_frame: each frame leaves ffmpeg at once (a fragment per GOP would delay it by the GOP).
    args.push('-c', 'copy', '-tag:v', 'hvc1', '-f', 'mp4', '-movflags', 'empty_moov+default_base_moof+frag_every_frame', '-flush_packets', '1', 'pipe:1');
    return args;
  }
  if (transcode) {
    // zerolatency: no frame-threading or lookahead delay on a live wall. -bf 0: mpegts.js and the GOP
    // cache assume decode order = display order. -g 50: a keyframe every 2 s at 25 fps bounds the
    // wait of a joining viewer. yuv420p: a 10-bit HEVC camera would otherwise give High 10 H.264,
    // which browsers do not decode. The resolution is kept.
    args.push('-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-g', '50', '-bf', '0', '-pix_fmt', 'yuv420p', '-c:a', 'copy');
  } else {
    args.push('-c', 'copy');
  }
  // flush_packets: hand every tag to us at once instead of filling a 32 KiB I/O buffer first.
  // no_duration_filesize: a pipe cannot be seeked back into at exit, so skip the warning.
  args.push('-flush_packets', '1', '-flvflags', 'no_duration_filesize', '-f', 'flv', 'pipe:1');
  return args;
}

/** ffmpeg's complaint when asked to copy HEVC into FLV. */
const HEVC_IN_FLV = /codec hevc not compatible with flv/i;

/**
 * The retry cap `outageMs` into an outage. Short at first, because an operator expects the picture
 * back within seconds of the camera (issue "Live video": 3 s); long once the outage has lasted
 * `backoffShortPhaseMs`, because a link down that long is likely down for good and every attempt
 * costs an ffmpeg start.
 */
export function retryCapMs(outageMs: number, tuning: Pick<UpstreamTuning, 'backoffMaxMs' | 'backoffLongMaxMs' | 'backoffShortPhaseMs'>): number {
  return outageMs < tuning.backoffShortPhaseMs ? tuning.backoffMaxMs : Math.max(tuning.backoffMaxMs, tuning.backoffLongMaxMs);
}

/** Capped exponential backoff with jitter, so many cameras failing together do not retry in lockstep. */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.5 + random() * 0.5));
}

/** Byte and frame counts over a sliding window. */
class RateWindow {
  private times: number[] = [];
  private bytes: number[] = [];
  private frames: number[] = [];
  private head = 0;
  private sumBytes = 0;
  private sumFrames = 0;
  private startedAt: number | undefined;

  add(t: number, bytes: number, frame: boolean): void {
    this.startedAt ??= t;
    this.times.push(t);
    this.bytes.push(bytes);
    this.frames.push(frame ? 1 : 0);
    this.sumBytes += bytes;
    this.sumFrames += frame ? 1 : 0;
    this.prune(t);
  }

  private prune(t: number): void {
    while (this.head < this.times.length && (this.times[this.head] ?? 0) <= t - STATS_WINDOW_MS) {
      this.sumBytes -= this.bytes[this.head] ?? 0;
      this.sumFrames -= this.frames[this.head] ?? 0;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.bytes = this.bytes.slice(this.head);
      this.frames = this.frames.slice(this.head);
      this.head = 0;
    }
  }

  rates(t: number): { kbps: number; fps: number } {
    this.prune(t);
    if (this.startedAt === undefined) return { kbps: 0, fps: 0 };
    // Divide by the time actually observed so the first seconds are not under-reported.
    const spanMs = Math.max(500, Math.min(STATS_WINDOW_MS, t - this.startedAt));
    return {
      kbps: Math.round((this.sumBytes * 8) / spanMs),
      fps: Math.round((this.sumFrames * 1000 * 10) / spanMs) / 10,
    };
  }
}

/**
 * One ffmpeg pulling one camera stream, restarted with backoff until stop().
 *
 * Timestamps: every run of ffmpeg starts its FLV timeline near 0 again. Viewers stay connected
 * across restarts, and MSE (behind mpegts.js) cannot take decode times going backwards, so each
 * run is rebased to continue one frame after the previous run's last tag. The result is one
 * monotonic timeline per stream; until the first restart the tags pass through untouched.
 */
export class Upstream {
  readonly key: string;
  private readonly opts: UpstreamOptions;
  private readonly tuning: UpstreamTuning;
  private readonly now: () => number;
  private readonly random: () => number;
  private stateValue: UpstreamState = 'idle';
  private stateSince: number | null = null;
  private child: ChildProcess | undefined;
  private stopping = false;
  private stopPromise: Promise<void> | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private runs = 0;
  private spawns = 0;
  private failures = 0;
  private runsWithoutData = 0;
  private lastError: string | null = null;
  private stderrTail: string[] = [];
  private stderrPartial = '';
  private killReason: string | undefined;
  private runStartedAt = 0;
  private lastTagAt = 0;
  private onlineAt: number | undefined;
  private runHadHeader = false;
  private runHadTag = false;
  private runHasVideo = true;
  /** The camera turned out to send H.265 although its source did not say so. */
  private hevcDetected = false;
  private transcoding = false;
  /** When the current outage began (first failure since the last stable run). */
  private outageSince: number | undefined;
  // Timeline rebasing (see class comment).
  private lastOut = -1;
  private runOffset = 0;
  private runBase: number | undefined;
  private frameGapMs = DEFAULT_FRAME_GAP_MS;
  private lastVideoIn: number | undefined;
  // Stats.
  private readonly window = new RateWindow();
  private framesSinceKey = 0;
  private lastKeyTs: number | undefined;
  private gopFrames = 0;
  private gopMs = 0;

  constructor(opts: UpstreamOptions) {
    this.opts = opts;
    this.key = opts.key;
    this.tuning = { ...DEFAULT_UPSTREAM_TUNING, ...opts.tuning };
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
  }

  get state(): UpstreamState {
    return this.stateValue;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    if (this.stopping || this.runs > 0) return;
    this.setState('starting');
    this.spawnRun();
  }

  /** Kills ffmpeg and stops retrying. Resolves once the process has exited. */
  stop(): Promise<void> {
    if (this.stopPromise) return this.stopPromise;
    this.stopping = true;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const child = this.child;
    this.stopPromise = (async () => {
      // A child that failed to spawn has no pid and never emits 'exit'; stopChild would wait forever.
      if (child && child.pid !== undefined) await stopChild(child, 1500);
      this.endRun(child);
      this.setState('idle');
    })();
    return this.stopPromise;
  }

  stats(): UpstreamStats {
    const t = this.now();
    const { kbps, fps } = this.window.rates(t);
    return {
      bitrateKbps: kbps,
      fps,
      gopFrames: this.gopFrames,
      gopMs: this.gopMs,
      reconnects: Math.max(0, this.runs - 1),
      spawns: this.spawns,
      lastError: this.lastError,
      since: this.stateSince,
      uptimeMs: this.stateValue === 'online' && this.onlineAt !== undefined ? t - this.onlineAt : 0,
      pid: this.child?.pid ?? null,
      transcoding: this.transcoding,
    };
  }

  private setState(next: UpstreamState): void {
    if (next === this.stateValue) return;
    this.stateValue = next;
    this.stateSince = this.now();
    const detail = (next === 'reconnecting' || next === 'offline') && this.lastError ? `: ${this.lastError}` : '';
    this.opts.log?.(next === 'offline' ? 'warn' : 'info', `${this.key}: ${next}${detail}`);
    this.opts.handlers.onState(next);
  }

  private spawnRun(): void {
    this.runs++;
    this.runHadHeader = false;
    this.runHadTag = false;
    this.killReason = undefined;
    this.stderrTail = [];
    this.stderrPartial = '';
    this.runStartedAt = this.now();
    this.runOffset = this.lastOut < 0 ? 0 : this.lastOut + this.frameGapMs;
    this.runBase = undefined;
    this.lastVideoIn = undefined;
    this.lastKeyTs = undefined;
    this.framesSinceKey = 0;

    let src: UpstreamSource | undefined;
    let ffmpeg: string;
    try {
      src = this.opts.source();
      ffmpeg = this.opts.ffmpegPath ?? locateFfmpeg().path;
    } catch (e) {
      this.failRun(e instanceof Error ? e.message : String(e));
      return;
    }
    if (!src) {
      this.failRun(`no source configured for ${this.key}`);
      return;
    }

    const direct = src.codec === 'h265' && src.direct === true;
    this.transcoding = !direct && (src.codec === 'h265' || this.hevcDetected);
    const child = spawnOwned(ffmpeg, buildFfmpegArgs(src, this.tuning.ioTimeoutMs, this.transcoding), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.spawns++;
    const demuxer = new FlvDemuxer();
    const fmp4 = direct ? new Fmp4ToFlv() : undefined;
    child.stdout?.on('data', (chunk: Buffer) => {
      if (this.child !== child || this.killReason || this.stopping) return;
      let tags: FlvTag[];
      try {
        tags = demuxer.push(fmp4 ? fmp4.push(chunk) : chunk);
      } catch (e) {
        this.kill(child, `bad ${fmp4 ? 'fragmented MP4' : 'FLV'} from ffmpeg: ${e instanceof Error ? e.message.replace(/^fragmented MP4: /, '') : String(e)}`);
        return;
      }
      if (!this.runHadHeader && demuxer.header) {
        this.runHadHeader = true;
        this.runHasVideo = demuxer.header.video;
        this.opts.handlers.onHeader(demuxer.header, this.runs === 1);
      }
      for (const tag of tags) this.handleTag(tag);
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => this.collectStderr(text));
    child.on('error', (e) => {
      if (!this.killReason) this.killReason = `cannot run ffmpeg: ${e.message}`;
      // Without a pid there will be no 'close'.
      if (child.pid === undefined) this.endRun(child);
    });
    child.on('close', (code, signal) => this.endRun(child, code, signal));
    this.watchdog = setInterval(() => this.checkStall(child), 250);
  }

  private collectStderr(text: string): void {
    const parts = (this.stderrPartial + text).split(/\r?\n|\r/);
    this.stderrPartial = parts.pop() ?? '';
    if (this.stderrPartial.length > 4096) this.stderrPartial = this.stderrPartial.slice(-4096);
    for (const line of parts) {
      const l = line.trim();
      if (!l) continue;
      this.stderrTail.push(l.length > 500 ? `${l.slice(0, 500)}…` : l);
      if (this.stderrTail.length > STDERR_LINES_KEPT) this.stderrTail.shift();
    }
  }

  private checkStall(child: ChildProcess): void {
    if (this.child !== child || this.killReason) return;
    const t = this.now();
    if (this.runHadTag) {
      if (t - this.lastTagAt > this.tuning.stallTimeoutMs) {
        this.kill(child, `no data for ${Math.round((t - this.lastTagAt) / 1000)} s (watchdog)`);
      }
    } else if (t - this.runStartedAt > this.tuning.startTimeoutMs) {
      this.kill(child, `no data within ${Math.round(this.tuning.startTimeoutMs / 1000)} s of starting ffmpeg (watchdog)`);
    }
  }

  private kill(child: ChildProcess, reason: string): void {
    if (this.killReason) return;
    this.killReason = reason;
    void stopChild(child, 1000);
  }

  private handleTag(tag: FlvTag): void {
    const t = this.now();
    this.lastTagAt = t;
    if (!this.runHadTag) {
      this.runHadTag = true;
      this.onlineAt = t;
      this.runsWithoutData = 0;
      this.setState('online');
    }
    const media = (tag.type === FLV_TAG_AUDIO || tag.type === FLV_TAG_VIDEO) && !tag.isSequenceHeader;
    const frame = isVideoFrame(tag);
    this.window.add(t, tag.raw.length, frame);
    if (media) {
      // Each run's timeline is anchored on its first keyframe: nothing before it is decodable, and
      // anchoring on an earlier audio tag would leave a hole in the video timeline after a restart.
      if (this.runBase === undefined) {
        if (this.runHasVideo && !(frame && tag.isKeyframe)) return;
        this.runBase = tag.timestamp;
        // The stream's first run keeps ffmpeg's own timestamps, so tags are forwarded without a copy.
        if (this.lastOut < 0) this.runOffset = tag.timestamp;
      } else if (tag.timestamp < this.runBase) {
        return;
      }
    }
    // ffmpeg's muxer keeps each track's DTS monotonic within a run, so no further correction is needed.
    const out = this.runBase === undefined ? this.runOffset : this.runOffset + tag.timestamp - this.runBase;
    if (frame) {
      if (this.lastVideoIn !== undefined) {
        const gap = tag.timestamp - this.lastVideoIn;
        if (gap > 0 && gap < 1000) this.frameGapMs = this.frameGapMs * 0.9 + gap * 0.1;
      }
      this.lastVideoIn = tag.timestamp;
      if (tag.isKeyframe) {
        if (this.lastKeyTs !== undefined) {
          this.gopFrames = this.framesSinceKey;
          this.gopMs = tag.timestamp - this.lastKeyTs;
        }
        this.lastKeyTs = tag.timestamp;
        this.framesSinceKey = 0;
      }
      this.framesSinceKey++;
    }
    if (media) this.lastOut = Math.max(this.lastOut, out);
    this.opts.handlers.onTag(withTimestamp(tag, out));
  }

  /** Cuts a pending backoff wait short, e.g. when a probe sees the camera again. True if a retry was pending. */
  retryNow(): boolean {
    if (!this.restartTimer || this.stopping) return false;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.spawnRun();
    return true;
  }

  /** A run that could not even spawn. */
  private failRun(reason: string): void {
    this.killReason = reason;
    this.endRun(undefined);
  }

  private endRun(child: ChildProcess | undefined, code?: number | null, signal?: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    clearInterval(this.watchdog);
    this.watchdog = undefined;
    this.child = undefined;
    if (this.stopping) return;

    if (!this.runHadTag && !this.transcoding && [...this.stderrTail, this.stderrPartial].some((l) => HEVC_IN_FLV.test(l))) {
      // Not a camera failure: retry at once, transcoding, without counting it as a reconnect.
      this.hevcDetected = true;
      this.opts.log?.('info', `${this.key}: the camera sends H.265; transcoding it to H.264 (declare codec: 'h265' to skip this probe)`);
      this.runs--;
      this.spawnRun();
      return;
    }
    // ffmpeg prefixes lines with "[tcp @ 0x55d7…]"; the addresses differ per run and mean nothing to an operator.
    const tail = this.stderrTail.slice(-3).map((l) => l.replace(/\[[^\]]* @ 0x[0-9a-f]+\] /g, '')).join(' | ');
    const exit = signal ? `signal ${signal}` : `code ${code ?? '?'}`;
    const reason = redactCredentials(this.killReason ?? (tail ? `ffmpeg exited (${exit}): ${tail}` : `ffmpeg exited (${exit}) without output`));
    const repeated = reason === this.lastError;
    this.lastError = reason;

    const onlineFor = this.runHadTag && this.onlineAt !== undefined ? this.now() - this.onlineAt : 0;
    if (onlineFor >= this.tuning.stableAfterMs) {
      this.failures = 0;
      this.outageSince = undefined;
    }
    this.failures++;
    const t = this.now();
    this.outageSince ??= t;
    if (!this.runHadTag) this.runsWithoutData++;
    this.onlineAt = undefined;
    const next = this.runsWithoutData >= this.tuning.offlineAfterFailures ? 'offline' : 'reconnecting';
    // setState logs transitions with the error; a camera failing the same way every retry logs once.
    if (next !== this.stateValue) this.setState(next);
    else if (!repeated) this.opts.log?.('warn', `${this.key}: still ${next}: ${reason}`);

    const delay = backoffDelay(this.failures, this.tuning.backoffInitialMs, retryCapMs(t - this.outageSince, this.tuning), this.random);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.stopping) this.spawnRun();
    }, delay);
  }
}

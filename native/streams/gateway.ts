import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import type { StreamInfo as WireStreamInfo, StreamProfile } from '../../common/contract/stream';
import { locateFfmpeg } from '../process/ffmpeg-path';
import { ClipBuffer, clipDurationMs, clipFileName, startAt, writeClip, type ClipItem, type ClipSelection } from './clip-buffer';
import { httpStatusOf, StreamGatewayError } from './errors';
import { FLV_TAG_AUDIO, FLV_TAG_SCRIPT, flvHeader, isMetadataTag, isVideoFrame, type FlvHeaderInfo, type FlvTag } from './flv';
import { GopCache } from './gop-cache';
import { HLS_PLAYLIST, HLS_SEGMENT_PATTERN, HlsSession, rewritePlaylist, sendSegment } from './hls';
import { buildSnapshotInput, decodeLastPicture, type SnapshotInput } from './snapshot';
import { Upstream, type UpstreamSource, type UpstreamStats, type UpstreamTuning } from './upstream';

export { StreamGatewayError, httpStatusOf, type StreamErrorCode } from './errors';
export { hlsPathFromUrl } from './hls';

/** `cameraId/main` or `cameraId/sub`. */
export type StreamKey = string;
export type StreamSource = UpstreamSource;
export type { StreamState } from '../../common/contract/stream';

type WireStreamStats = WireStreamInfo['stats'];
type ExtraStats = Omit<UpstreamStats, 'lastError' | 'since'>;
/** The wire StreamInfo plus gateway-only statistics (ignored by the contract's schema). */
export interface StreamStats extends WireStreamStats, ExtraStats {
  /** Players: WebSocket and HTTP-FLV connections. */
  viewers: number;
  /** Whatever else keeps the upstream pulled: the HLS packager, snapshots and clips in progress, retain(). */
  internalViewers: number;
  /** An HLS packager is running for this stream. */
  hls: boolean;
  /** Milliseconds of video in the pre-alarm buffer, and its size. */
  clipBufferMs: number;
  clipBufferBytes: number;
}
export interface StreamInfo extends WireStreamInfo {
  stats: StreamStats;
}

export type GatewayLog = (level: 'info' | 'warn' | 'error', msg: string) => void;

export interface StreamGatewayOptions {
  /** Source of a stream; undefined for keys that do not exist. Called on attach and before every ffmpeg start. */
  resolve(key: StreamKey): StreamSource | undefined;
  /** How long an upstream outlives its last viewer. Default 10 000. */
  lingerMs?: number;
  log?: GatewayLog;
  now?: () => number;
  /** Upstream watchdog, backoff and timeouts; see DEFAULT_UPSTREAM_TUNING. */
  tuning?: Partial<UpstreamTuning>;
  /** GOP cache caps. Defaults 8 MiB / 10 s. */
  gopMaxBytes?: number;
  gopMaxMs?: number;
  /** Unsent bytes above which a viewer starts skipping frames until the next keyframe. Default 4 MiB. */
  slowViewerBytes?: number;
  /** A viewer that has been skipping this long is disconnected (code 4002). Default 30 000. */
  slowViewerCloseMs?: number;
  /** ffmpeg binary; defaults to locateFfmpeg(). */
  ffmpegPath?: string;
  /** Pre-alarm buffer per active stream: at least this much video (default 30 000 ms), at most this many bytes (default 64 MiB). */
  clipBufferMs?: number;
  clipBufferBytes?: number;
  /** An HLS packager stops after this long without an HLS request. Default 20 000. */
  hlsIdleMs?: number;
  /** How long a playlist request waits for a fresh packager's first playlist. Default 8 000. */
  hlsPlaylistWaitMs?: number;
  /** Parent directory of the packagers' temporary directories. Default os.tmpdir(). */
  hlsRoot?: string;
  /** Default snapshot timeout (waiting for a picture plus decoding). Default 10 000. */
  snapshotTimeoutMs?: number;
  /** Snapshot requests arriving within this long of a picture being taken share its JPEG. Default 100. */
  snapshotShareMs?: number;
}

export interface SnapshotOptions {
  /** Reject with code `timeout` when no JPEG is ready after this long. Default: the gateway's snapshotTimeoutMs. */
  timeoutMs?: number;
}

export interface ClipRequest {
  key: StreamKey;
  /** The moment of interest (an alarm), epoch ms. */
  at: number;
  /** Seconds before `at`; the clip starts on the keyframe at or before `at - beforeS`. */
  beforeS: number;
  /** Seconds after `at`; the export waits until then (or until the stream ends). */
  afterS: number;
  /** Directory to write the MP4 into; created if missing. */
  dir: string;
  /**
   * When the buffer does not reach back to `at - beforeS`, start at its oldest keyframe instead of
   * refusing (the result's startedAt/durationS tell what was written). Default false.
   */
  allowPartial?: boolean;
}

export interface ClipResult {
  /** Absolute path of the MP4, named `<cameraId>_<profile>_<ISO time of at>.mp4`. */
  file: string;
  /** Estimated capture time of the first frame, epoch ms. */
  startedAt: number;
  durationS: number;
  bytes: number;
}

export interface StreamGateway {
  /** Serves one WebSocket-FLV viewer; the gateway owns the socket from here on. */
  attachWebSocket(ws: WebSocket, key: StreamKey): void;
  /** Serves one HTTP-FLV viewer (chunked `video/x-flv`). */
  handleHttpFlv(req: IncomingMessage, res: ServerResponse, key: StreamKey): void;
  /**
   * A JPEG of the stream's current picture, decoded from the cached GOP. Pulls the stream for the
   * time it takes when nobody watches it. Rejects with a StreamGatewayError: `unknown_stream`,
   * `timeout`, `decode_failed` or `closed`.
   */
  snapshot(key: StreamKey, opts?: SnapshotOptions): Promise<Buffer>;
  /** snapshot() over HTTP: `image/jpeg`, or the error's status (httpStatusOf) with its message as text. */
  handleSnapshot(req: IncomingMessage, res: ServerResponse, key: StreamKey): void;
  /**
   * Writes an MP4 of `[at - beforeS, at + afterS]` from the stream's pre-alarm buffer, waiting for
   * the part that lies in the future. Rejects with a StreamGatewayError: `unknown_stream`,
   * `bad_request`, `not_active` (stream not pulled), `out_of_range` (older than the buffer),
   * `export_failed` or `closed`.
   */
  exportClip(req: ClipRequest): Promise<ClipResult>;
  /**
   * Serves `index.m3u8` or a segment of the stream's HLS rendition (`file` is the last URL path
   * segment). The first playlist request starts the packager; it stops after `hlsIdleMs` without requests.
   */
  handleHls(req: IncomingMessage, res: ServerResponse, key: StreamKey, file: string): void;
  /**
   * Keeps the stream pulled (and its pre-alarm buffer filling) without a player, e.g. for cameras
   * with alarm inputs. Returns the release function. Throws `unknown_stream` / `closed`.
   */
  retain(key: StreamKey): () => void;
  /** Skips a pending reconnect wait, e.g. when a probe sees the camera back. True if one was pending. */
  retryNow(key: StreamKey): boolean;
  /** Streams that currently have an upstream (viewers or lingering). */
  list(): StreamInfo[];
  /** Pushed on every upstream state change, including the final `idle`. Returns an unsubscribe function. */
  on(event: 'state', listener: (info: StreamInfo) => void): () => void;
  off(event: 'state', listener: (info: StreamInfo) => void): void;
  /** Kills every ffmpeg and disconnects every viewer. */
  close(): Promise<void>;
}

/** WebSocket close codes sent to viewers. */
export const CLOSE_GOING_AWAY = 1001;
/** The upstream restarted with a different track layout; reopen the player. */
export const CLOSE_UPSTREAM_RESTARTED = 4001;
/** The viewer could not keep up for too long. */
export const CLOSE_TOO_SLOW = 4002;
/** No such stream. */
export const CLOSE_UNKNOWN_STREAM = 4004;

/**
 * `<cameraId>/<main|sub>`: the stream as H.264 (an H.265 camera transcoded). `<cameraId>/<main|sub>.hevc`:
 * an H.265 camera's stream passed through untouched, for viewers that decode HEVC.
 */
const KEY_PATTERN = /^([A-Za-z0-9][A-Za-z0-9_-]{0,63})\/(main|sub)(\.hevc)?$/;
const MEDIA_PATH_PATTERN = /^\/media\/([A-Za-z0-9][A-Za-z0-9_-]{0,63})\/(main|sub)(\.hevc)?\.flv$/;

export function parseStreamKey(key: string): { cameraId: string; profile: StreamProfile; passThrough: boolean } | undefined {
  const m = KEY_PATTERN.exec(key);
  if (!m?.[1] || !m[2]) return undefined;
  return { cameraId: m[1], profile: m[2] as StreamProfile, passThrough: m[3] === '.hevc' };
}

/** `/media/<cameraId>/<main|sub>[.hevc].flv` → `cameraId/profile[.hevc]`. */
export function streamKeyFromPath(pathname: string): StreamKey | undefined {
  const m = MEDIA_PATH_PATTERN.exec(pathname);
  return m?.[1] && m[2] ? `${m[1]}/${m[2]}${m[3] ?? ''}` : undefined;
}

/** One viewer's transport, WebSocket or HTTP. */
interface Sink {
  send(data: Buffer): void;
  /** Bytes accepted but not yet handed to the kernel. */
  buffered(): number;
  close(code: number, reason: string): void;
  cork?(): void;
  uncork?(): void;
}

interface Viewer {
  sink: Sink;
  /** The gateway's own consumer (HLS packager), not a player. */
  internal: boolean;
  /** FLV header sent; before that the upstream's track layout was unknown. */
  started: boolean;
  /** Skipping media until a keyframe: just joined without a cached GOP, or the upstream restarted. */
  needKeyframe: boolean;
  /** Skipping media because the viewer is too slow. */
  dropping: boolean;
  droppingSince: number;
  highWater: number;
  closed: boolean;
}

interface Entry {
  key: StreamKey;
  cameraId: string;
  profile: StreamProfile;
  upstream: Upstream;
  cache: GopCache;
  viewers: Set<Viewer>;
  /** Internal users without a sink (snapshots, clips, retain()); they keep the upstream like viewers. */
  holds: number;
  clip: ClipBuffer;
  /** Clip exports waiting for the end of their window; `null` means no more tags of this layout. */
  clipListeners: Set<(item: ClipItem | null) => void>;
  /** Snapshots waiting for a first picture; called on every video frame. */
  pictureWaiters: Set<() => void>;
  /** Called when the upstream is stopped for good. */
  onRetire: Set<() => void>;
  /** Track layout announced to viewers in the FLV header. */
  flags: FlvHeaderInfo | undefined;
  linger: NodeJS.Timeout | undefined;
}

/** One decode shared by the snapshot requests that arrive while it waits for a picture or just after it took one. */
interface SnapshotBatch {
  promise: Promise<Buffer>;
  /** When the picture was copied out of the GOP cache; undefined while waiting for one. */
  capturedAt: number | undefined;
}

const MAX_CLIP_S = 600;
/** A clip whose window ends more than this far in the future is refused: its hold would pin the stream for long. */
const MAX_CLIP_WAIT_MS = 10 * 60_000;
/** After the window's end, how long to wait for its last tags from a stalled stream before writing what there is. */
const CLIP_END_GRACE_MS = 3_000;

const isoTime = (t: number) => new Date(t).toISOString();

/**
 * One upstream pull per stream key, fanned out to any number of WebSocket/HTTP FLV viewers.
 *
 * Restart semantics (when ffmpeg dies and comes back while viewers are connected):
 * viewers stay connected. The new run's FLV header is swallowed, its timestamps are rebased onto
 * the stream's continuous timeline (see Upstream) and each viewer skips media until the new
 * run's first keyframe. Decoder configuration and metadata are forwarded only when they differ
 * from what viewers already have; mpegts.js re-initialises its MSE source buffer on a new AVC/AAC
 * sequence header mid-stream, whereas timestamps going backwards would stall MSE, hence the
 * rebasing instead of passing ffmpeg's restarted clock through.
 * Only when the restarted stream has a different track layout (audio appeared or vanished) are
 * viewers closed with 4001 'upstream restarted' (HTTP: response ended), because mpegts.js fixes
 * its track set from the FLV header it saw first and would otherwise wait forever for a track.
 */
export function createStreamGateway(opts: StreamGatewayOptions): StreamGateway {
  const lingerMs = opts.lingerMs ?? 10_000;
  const now = opts.now ?? Date.now;
  const log: GatewayLog = opts.log ?? (() => undefined);
  const slowBytes = opts.slowViewerBytes ?? 4 * 1024 * 1024;
  const slowCloseMs = opts.slowViewerCloseMs ?? 30_000;
  const entries = new Map<StreamKey, Entry>();
  /** Upstreams being stopped; a new one for the same key waits, so a camera never sees two pulls from us. */
  const dying = new Map<StreamKey, Promise<void>>();
  const stateListeners = new Set<(info: StreamInfo) => void>();
  const hlsSessions = new Map<StreamKey, HlsSession>();
  const hlsIdleMs = opts.hlsIdleMs ?? 20_000;
  const hlsWaitMs = opts.hlsPlaylistWaitMs ?? 8_000;
  let hlsTimer: NodeJS.Timeout | undefined;
  const snapshotTimeoutMs = opts.snapshotTimeoutMs ?? 10_000;
  const snapshotShareMs = opts.snapshotShareMs ?? 100;
  const snapshots = new Map<StreamKey, SnapshotBatch>();
  let closed = false;

  const info = (e: Entry): StreamInfo => {
    const s = e.upstream.stats();
    let internalViewers = 0;
    for (const v of e.viewers) if (v.internal) internalViewers++;
    return {
      key: e.key,
      cameraId: e.cameraId,
      profile: e.profile,
      state: e.upstream.state,
      stats: {
        ...s,
        viewers: e.viewers.size - internalViewers,
        internalViewers: internalViewers + e.holds,
        hls: hlsSessions.has(e.key),
        clipBufferMs: e.clip.spanMs,
        clipBufferBytes: e.clip.bytes,
      },
    };
  };

  const emitState = (e: Entry) => {
    const i = info(e);
    for (const fn of stateListeners) {
      try {
        fn(i);
      } catch (err) {
        log('error', `state listener failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  };

  const resolveSafe = (key: StreamKey): StreamSource | undefined => {
    try {
      return opts.resolve(key);
    } catch (err) {
      log('error', `resolve(${key}) failed: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  };

  const closeViewer = (e: Entry | undefined, v: Viewer, code: number, reason: string) => {
    if (v.closed) return;
    v.closed = true;
    e?.viewers.delete(v);
    try {
      v.sink.close(code, reason);
    } catch {
      // The transport is already gone; nothing to tell it.
    }
    // The transport's own close event finds the viewer gone, so the linger must start here.
    if (e) maybeLinger(e);
  };

  const startViewer = (e: Entry, v: Viewer, flags: FlvHeaderInfo) => {
    v.started = true;
    let burst = 0;
    const send = (b: Buffer) => {
      burst += b.length;
      v.sink.send(b);
    };
    v.sink.cork?.();
    send(flvHeader(flags));
    for (const t of e.cache.headers()) send(t.raw);
    const gop = e.cache.gopTags();
    for (const t of gop) send(t.raw);
    v.sink.uncork?.();
    // The GOP burst alone may exceed the slow-viewer threshold; that is not slowness.
    v.highWater = slowBytes + burst;
    v.needKeyframe = gop.length === 0;
  };

  const deliver = (e: Entry, tag: FlvTag) => {
    const flags = e.flags;
    if (!flags) return;
    const control = tag.type === FLV_TAG_SCRIPT || tag.isSequenceHeader;
    const entryPoint = flags.video ? isVideoFrame(tag) && tag.isKeyframe : tag.type === FLV_TAG_AUDIO;
    const t = now();
    for (const v of e.viewers) {
      if (!v.started || v.closed) continue;
      if (control) {
        // Tiny and required for decoding whatever follows: never skipped.
        v.sink.send(tag.raw);
        continue;
      }
      const buffered = v.sink.buffered();
      if (v.needKeyframe || v.dropping) {
        if (entryPoint && buffered < v.highWater / 2) {
          v.needKeyframe = false;
          v.dropping = false;
          if (buffered < slowBytes / 2) v.highWater = slowBytes;
        } else {
          if (v.dropping && t - v.droppingSince > slowCloseMs) closeViewer(e, v, CLOSE_TOO_SLOW, 'viewer too slow');
          continue;
        }
      } else if (buffered > v.highWater) {
        // Frames after a dropped one are undecodable, so skip until the next keyframe; the upstream
        // and every other viewer carry on unaffected.
        v.dropping = true;
        v.droppingSince = t;
        continue;
      }
      v.sink.send(tag.raw);
    }
  };

  const onHeader = (e: Entry, flags: FlvHeaderInfo) => {
    e.cache.clearGop();
    const prev = e.flags;
    e.flags = flags;
    if (prev && (prev.audio !== flags.audio || prev.video !== flags.video)) {
      // A clip cannot mix track layouts: exports in progress write what they have.
      e.clip.clear();
      for (const fn of [...e.clipListeners]) fn(null);
    }
    e.clip.newRun(flags);
    if (!prev) {
      for (const v of e.viewers) if (!v.started) startViewer(e, v, flags);
      return;
    }
    if (prev.audio !== flags.audio || prev.video !== flags.video) {
      log('info', `${e.key}: track layout changed on restart; asking ${e.viewers.size} viewer(s) to reconnect`);
      e.cache.clear();
      for (const v of [...e.viewers]) closeViewer(e, v, CLOSE_UPSTREAM_RESTARTED, 'upstream restarted');
      return;
    }
    for (const v of e.viewers) v.needKeyframe = true;
  };

  const onTag = (e: Entry, tag: FlvTag) => {
    const fresh = e.cache.push(tag);
    const item = e.clip.push(tag, now(), fresh);
    if (item) for (const fn of [...e.clipListeners]) fn(item);
    if (e.pictureWaiters.size > 0 && isVideoFrame(tag)) for (const fn of [...e.pictureWaiters]) fn();
    if (!fresh && (tag.isSequenceHeader || isMetadataTag(tag))) return;
    deliver(e, tag);
  };

  const createEntry = (key: StreamKey, cameraId: string, profile: StreamProfile): Entry => {
    const holder: { entry?: Entry } = {};
    const upstream = new Upstream({
      key,
      source: () => resolveSafe(key),
      handlers: {
        onHeader: (flags) => holder.entry && onHeader(holder.entry, flags),
        onTag: (tag) => holder.entry && onTag(holder.entry, tag),
        onState: () => holder.entry && emitState(holder.entry),
      },
      ...(opts.tuning ? { tuning: opts.tuning } : {}),
      ...(opts.ffmpegPath ? { ffmpegPath: opts.ffmpegPath } : {}),
      now,
      log,
    });
    const entry: Entry = {
      key,
      cameraId,
      profile,
      upstream,
      cache: new GopCache({
        ...(opts.gopMaxBytes !== undefined ? { maxBytes: opts.gopMaxBytes } : {}),
        ...(opts.gopMaxMs !== undefined ? { maxDurationMs: opts.gopMaxMs } : {}),
      }),
      viewers: new Set(),
      holds: 0,
      clip: new ClipBuffer({
        ...(opts.clipBufferMs !== undefined ? { maxMs: opts.clipBufferMs } : {}),
        ...(opts.clipBufferBytes !== undefined ? { maxBytes: opts.clipBufferBytes } : {}),
      }),
      clipListeners: new Set(),
      pictureWaiters: new Set(),
      onRetire: new Set(),
      flags: undefined,
      linger: undefined,
    };
    holder.entry = entry;
    entries.set(key, entry);
    const previous = dying.get(key);
    if (previous) {
      void previous.then(() => {
        if (entries.get(key) === entry && !closed) upstream.start();
      });
    } else {
      upstream.start();
    }
    return entry;
  };

  const retire = (e: Entry) => {
    if (entries.get(e.key) === e) entries.delete(e.key);
    clearTimeout(e.linger);
    e.linger = undefined;
    for (const fn of [...e.onRetire]) fn();
    for (const fn of [...e.clipListeners]) fn(null);
    const p = e.upstream.stop();
    dying.set(e.key, p);
    void p.then(() => {
      if (dying.get(e.key) === p) dying.delete(e.key);
    });
    return p;
  };

  /** Starts the linger once nothing uses the upstream any more. */
  function maybeLinger(e: Entry): void {
    if (e.viewers.size > 0 || e.holds > 0 || entries.get(e.key) !== e) return;
    clearTimeout(e.linger);
    e.linger = setTimeout(() => {
      e.linger = undefined;
      if (e.viewers.size === 0 && e.holds === 0) void retire(e);
    }, lingerMs);
  }

  const detach = (e: Entry, v: Viewer) => {
    v.closed = true;
    if (!e.viewers.delete(v)) return;
    maybeLinger(e);
  };

  /**
   * Throws unless `key` names a stream the gateway may pull. Snapshots and clips go through ffmpeg's
   * FLV reader, which knows no HEVC (`ofH264`): they take the H.264 form of the stream.
   */
  const lookup = (key: StreamKey, use: 'view' | 'ofH264' = 'view'): { cameraId: string; profile: StreamProfile } => {
    if (closed) throw new StreamGatewayError('closed', key, 'the stream gateway is closing');
    const parsed = parseStreamKey(key);
    if (!parsed || !resolveSafe(key)) throw new StreamGatewayError('unknown_stream', key, `unknown stream ${JSON.stringify(key)}`);
    if (use === 'ofH264' && parsed.passThrough) {
      throw new StreamGatewayError('bad_request', key, `${key}: snapshots and clips are taken of ${parsed.cameraId}/${parsed.profile} (H.264), not of the pass-through HEVC stream`);
    }
    return parsed;
  };

  /** Keeps the upstream of `key` pulled until release() (an internal viewer without a sink). */
  const hold = (key: StreamKey, parsed: { cameraId: string; profile: StreamProfile }): { entry: Entry; release: () => void } => {
    const e = entries.get(key) ?? createEntry(key, parsed.cameraId, parsed.profile);
    clearTimeout(e.linger);
    e.linger = undefined;
    e.holds++;
    let released = false;
    return {
      entry: e,
      release: () => {
        if (released) return;
        released = true;
        e.holds--;
        maybeLinger(e);
      },
    };
  };

  const ffmpegBinary = (): string => opts.ffmpegPath ?? locateFfmpeg().path;

  const streamCondition = (e: Entry | undefined): string => {
    if (!e) return 'not pulled';
    const { lastError } = e.upstream.stats();
    return `stream ${e.upstream.state}${lastError && e.upstream.state !== 'online' ? `, last error: ${lastError}` : ''}`;
  };

  // ---- Snapshots -------------------------------------------------------------------------

  const snapshotTimeout = (key: StreamKey, timeoutMs: number) =>
    new StreamGatewayError('timeout', key, `${key}: no picture within ${(timeoutMs / 1000).toFixed(1)} s (${streamCondition(entries.get(key))})`);

  /** The current picture is the cached GOP, but only while online: after a failure it is the last picture before it. */
  const currentPicture = (e: Entry): SnapshotInput | undefined =>
    e.upstream.state === 'online' && e.cache.hasGop ? buildSnapshotInput(e.cache.headers(), e.cache.gopTags()) : undefined;

  const waitForPicture = (e: Entry, timeoutMs: number): Promise<SnapshotInput> => {
    const ready = currentPicture(e);
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        e.pictureWaiters.delete(check);
        e.onRetire.delete(gone);
      };
      const check = () => {
        const p = currentPicture(e);
        if (!p) return;
        done();
        resolve(p);
      };
      const gone = () => {
        done();
        reject(new StreamGatewayError('closed', e.key, `${e.key}: the stream was stopped before a picture arrived`));
      };
      const timer = setTimeout(() => {
        done();
        reject(snapshotTimeout(e.key, timeoutMs));
      }, timeoutMs);
      e.pictureWaiters.add(check);
      e.onRetire.add(gone);
    });
  };

  const startSnapshot = (key: StreamKey, parsed: { cameraId: string; profile: StreamProfile }, timeoutMs: number): SnapshotBatch => {
    const batch: SnapshotBatch = { capturedAt: undefined, promise: Promise.resolve(Buffer.alloc(0)) };
    batch.promise = (async () => {
      const { entry, release } = hold(key, parsed);
      let input: SnapshotInput;
      try {
        input = await waitForPicture(entry, timeoutMs);
        batch.capturedAt = now();
      } finally {
        // The picture is copied out; the upstream may linger and stop as usual.
        release();
      }
      let ffmpegPath: string;
      try {
        ffmpegPath = ffmpegBinary();
      } catch (err) {
        throw new StreamGatewayError('decode_failed', key, `${key}: ${err instanceof Error ? err.message : String(err)}`);
      }
      return decodeLastPicture(input, { ffmpegPath, key, quality: 3 });
    })();
    snapshots.set(key, batch);
    const forget = () => {
      if (snapshots.get(key) === batch) snapshots.delete(key);
    };
    batch.promise.then(
      () => {
        const left = snapshotShareMs - (now() - (batch.capturedAt ?? 0));
        if (left > 0) setTimeout(forget, left).unref();
        else forget();
      },
      forget,
    );
    return batch;
  };

  const snapshot = async (key: StreamKey, o: SnapshotOptions = {}): Promise<Buffer> => {
    const parsed = lookup(key, 'ofH264');
    const timeoutMs = o.timeoutMs ?? snapshotTimeoutMs;
    let batch = snapshots.get(key);
    // Share a picture still being waited for, or one taken a moment ago; anything older is not "current".
    if (!batch || (batch.capturedAt !== undefined && now() - batch.capturedAt > snapshotShareMs)) batch = startSnapshot(key, parsed, timeoutMs);
    const shared = batch.promise;
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(snapshotTimeout(key, timeoutMs)), timeoutMs);
      shared.then(
        (b) => {
          clearTimeout(timer);
          resolve(b);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
  };

  // ---- Clips -----------------------------------------------------------------------------

  /** Appends live items to `sel` until one lies past `toAt`, the stream ends, or it stalls past the grace period. */
  const collectUntil = async (e: Entry, parsed: { cameraId: string; profile: StreamProfile }, sel: ClipSelection, toAt: number) => {
    const { release } = hold(e.key, parsed);
    try {
      await new Promise<void>((resolve) => {
        let bytes = sel.items.reduce((n, i) => n + i.tag.raw.length, 0);
        const finish = () => {
          clearTimeout(timer);
          e.clipListeners.delete(listener);
          resolve();
        };
        const listener = (item: ClipItem | null) => {
          if (!item || item.at > toAt) {
            finish();
            return;
          }
          sel.items.push(item);
          bytes += item.tag.raw.length;
          if (bytes > e.clip.maxBytes) {
            log('warn', `${e.key}: clip reached the ${e.clip.maxBytes}-byte cap; writing it shorter than asked`);
            finish();
          }
        };
        const timer = setTimeout(finish, Math.max(0, toAt - now()) + CLIP_END_GRACE_MS);
        e.clipListeners.add(listener);
      });
    } finally {
      release();
    }
  };

  const exportClip = async (r: ClipRequest): Promise<ClipResult> => {
    const { key } = r;
    const parsed = lookup(key, 'ofH264');
    const bad = (msg: string) => new StreamGatewayError('bad_request', key, `${key}: ${msg}`);
    if (!Number.isFinite(r.at)) throw bad('`at` must be an epoch time in ms');
    if (!Number.isFinite(r.beforeS) || !Number.isFinite(r.afterS) || r.beforeS < 0 || r.afterS < 0 || r.beforeS + r.afterS <= 0) {
      throw bad('beforeS and afterS must be non-negative seconds, not both 0');
    }
    if (r.beforeS + r.afterS > MAX_CLIP_S) throw bad(`a clip may be at most ${MAX_CLIP_S} s long`);
    if (typeof r.dir !== 'string' || r.dir === '') throw bad('no output directory given');
    const fromAt = r.at - r.beforeS * 1000;
    const toAt = r.at + r.afterS * 1000;
    if (toAt - now() > MAX_CLIP_WAIT_MS) throw bad(`the clip would end ${Math.round((toAt - now()) / 1000)} s from now; at most ${MAX_CLIP_WAIT_MS / 1000} s ahead`);

    const e = entries.get(key);
    if (!e || e.upstream.state === 'idle') {
      throw new StreamGatewayError('not_active', key, `${key} is not being pulled, so nothing is buffered for a clip (a stream buffers only while it is watched or retained)`);
    }
    const oldest = e.clip.oldestAt;
    if (oldest === undefined) throw new StreamGatewayError('not_active', key, `${key}: no video buffered yet (${streamCondition(e)})`);
    let sel = e.clip.from(fromAt);
    if (!sel && r.allowPartial && toAt >= oldest) sel = e.clip.all();
    if (!sel) {
      throw new StreamGatewayError(
        'out_of_range',
        key,
        `${key}: the clip would start at ${isoTime(fromAt)}, but the pre-alarm buffer only reaches back to ${isoTime(oldest)} ` +
          `(${(e.clip.spanMs / 1000).toFixed(1)} s buffered; up to ${Math.round(e.clip.maxMs / 1000)} s are kept)`,
      );
    }
    // A copy: the buffer keeps rolling (and trimming) while we wait for the end of the window.
    sel = { headers: sel.headers, items: [...sel.items] };
    const flags: FlvHeaderInfo = e.flags ?? { audio: false, video: true };
    if ((e.clip.newestAt ?? -Infinity) <= toAt) await collectUntil(e, parsed, sel, toAt);
    sel = startAt({ headers: sel.headers, items: sel.items.filter((i) => i.at <= toAt) }, fromAt, flags.video);
    const first = sel.items[0];
    if (!first || (flags.video && !sel.items.some((i) => isVideoFrame(i.tag)))) {
      throw new StreamGatewayError('export_failed', key, `${key}: no pictures between ${isoTime(fromAt)} and ${isoTime(toAt)}`);
    }
    let ffmpegPath: string;
    try {
      ffmpegPath = ffmpegBinary();
    } catch (err) {
      throw new StreamGatewayError('export_failed', key, `${key}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const { file, bytes } = await writeClip({
      ffmpegPath,
      key,
      flags,
      headers: sel.headers,
      items: sel.items,
      dir: r.dir,
      fileName: clipFileName(parsed.cameraId, parsed.profile, r.at),
    });
    log('info', `${key}: clip written to ${file}`);
    return { file, startedAt: Math.round(first.at), durationS: Math.round(clipDurationMs(sel.items)) / 1000, bytes };
  };

  /** Registers a viewer; returns its detach function, or undefined when it was turned away. */
  const attach = (sink: Sink, key: StreamKey, internal = false): (() => void) | undefined => {
    if (closed) {
      sink.close(CLOSE_GOING_AWAY, 'gateway closing');
      return undefined;
    }
    const parsed = parseStreamKey(key);
    if (!parsed || !resolveSafe(key)) {
      sink.close(CLOSE_UNKNOWN_STREAM, 'unknown stream');
      return undefined;
    }
    let e = entries.get(key);
    if (!e) e = createEntry(key, parsed.cameraId, parsed.profile);
    clearTimeout(e.linger);
    e.linger = undefined;
    const v: Viewer = {
      sink,
      internal,
      started: false,
      needKeyframe: true,
      dropping: false,
      droppingSince: 0,
      highWater: slowBytes,
      closed: false,
    };
    e.viewers.add(v);
    if (e.flags) startViewer(e, v, e.flags);
    const entry = e;
    return () => detach(entry, v);
  };

  // ---- HLS -------------------------------------------------------------------------------

  const startHls = (key: StreamKey): HlsSession => {
    const holder: { off?: () => void } = {};
    const session = new HlsSession({
      key,
      ffmpegPath: ffmpegBinary(),
      ...(opts.hlsRoot ? { root: opts.hlsRoot } : {}),
      now,
      log,
      onEnd: (s) => {
        if (hlsSessions.get(key) === s) hlsSessions.delete(key);
        holder.off?.();
      },
    });
    hlsSessions.set(key, session);
    const sink: Sink = {
      send: (b) => session.write(b),
      buffered: () => session.buffered(),
      // Typically 4001 (track layout changed): the next playlist request starts a fresh packager.
      close: (_code, reason) => void session.stop(`the gateway closed it: ${reason}`),
    };
    holder.off = attach(sink, key, true);
    log('info', `${key}: HLS started (ffmpeg pid ${session.pid ?? '?'}, ${session.dir})`);
    if (!hlsTimer) {
      hlsTimer = setInterval(
        () => {
          const t = now();
          for (const s of hlsSessions.values()) {
            if (t - s.lastRequestAt > hlsIdleMs) void s.stop(`no HLS request for ${Math.round(hlsIdleMs / 1000)} s`);
          }
          if (hlsSessions.size === 0) {
            clearInterval(hlsTimer);
            hlsTimer = undefined;
          }
        },
        Math.max(50, Math.min(1000, hlsIdleMs / 4)),
      );
      hlsTimer.unref();
    }
    return session;
  };

  const servePlaylist = async (s: HlsSession, req: IncomingMessage, res: ServerResponse, headers: Record<string, string>) => {
    const text = await s.playlist(hlsWaitMs, () => res.destroyed);
    if (res.destroyed) return;
    // A long wait is activity too: without this a slow first segment could idle the packager out.
    s.touch();
    if (text === undefined) {
      const why = s.ended ?? `no playlist within ${(hlsWaitMs / 1000).toFixed(0)} s (${streamCondition(entries.get(s.key))})`;
      res.writeHead(503, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '2' }).end(`HLS for ${s.key} not ready: ${why}`);
      return;
    }
    const body = rewritePlaylist(text, new URL(req.url ?? '/', 'http://host').search);
    res.writeHead(200, {
      ...headers,
      'Content-Type': 'application/vnd.apple.mpegurl',
      'Content-Length': String(Buffer.byteLength(body)),
      'Cache-Control': 'no-cache, no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  const handleHls = (req: IncomingMessage, res: ServerResponse, key: StreamKey, file: string) => {
    if (res.destroyed || req.socket.destroyed) return;
    const cors = { 'Access-Control-Allow-Origin': '*' };
    const text = (status: number, msg: string) => res.writeHead(status, { ...cors, 'Content-Type': 'text/plain; charset=utf-8' }).end(msg);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...cors, 'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS', 'Access-Control-Allow-Headers': '*' }).end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...cors, Allow: 'GET, HEAD, OPTIONS' }).end();
      return;
    }
    if (closed) return void text(503, 'gateway closing');
    if (!parseStreamKey(key) || !resolveSafe(key)) return void text(404, `unknown stream ${key}`);
    if (parseStreamKey(key)?.passThrough) return void text(400, `HLS is made of ${key.replace(/\.hevc$/, '')} (H.264), not of the pass-through HEVC stream`);
    const current = hlsSessions.get(key);
    if (file === HLS_PLAYLIST) {
      let s = current;
      if (!s) {
        try {
          s = startHls(key);
        } catch (err) {
          log('error', `${key}: cannot start HLS: ${err instanceof Error ? err.message : String(err)}`);
          return void text(500, `cannot start HLS for ${key}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      s.touch();
      void servePlaylist(s, req, res, cors).catch((err: unknown) => {
        log('error', `${key}: serving the HLS playlist failed: ${err instanceof Error ? err.message : String(err)}`);
        if (!res.headersSent) text(500, 'internal error');
        else res.destroy();
      });
      return;
    }
    // Only names matching the pattern of the running session are ever joined to a path.
    const path = current?.segmentPath(file);
    if (!current || !path) return void text(404, HLS_SEGMENT_PATTERN.test(file) ? 'segment no longer available' : `no HLS file ${file}`);
    current.touch();
    void sendSegment(req, res, path, cors).catch(() => res.destroy());
  };

  return {
    snapshot,

    handleSnapshot(req, res, key) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD' }).end();
        return;
      }
      snapshot(key).then(
        (jpeg) => {
          if (res.destroyed) return;
          res.writeHead(200, { 'Content-Type': 'image/jpeg', 'Content-Length': String(jpeg.length), 'Cache-Control': 'no-store' });
          res.end(req.method === 'HEAD' ? undefined : jpeg);
        },
        (err: unknown) => {
          if (res.destroyed) return;
          res.writeHead(httpStatusOf(err), { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
          res.end(err instanceof Error ? err.message : String(err));
        },
      );
    },

    exportClip,

    handleHls,

    retain(key) {
      return hold(key, lookup(key)).release;
    },

    retryNow(key) {
      return entries.get(key)?.upstream.retryNow() ?? false;
    },

    attachWebSocket(ws, key) {
      // Its 'close' has fired already or never will reach us: attaching would pin the upstream forever.
      if (ws.readyState !== ws.OPEN) {
        ws.terminate();
        return;
      }
      const sink: Sink = {
        send: (b) => {
          if (ws.readyState === ws.OPEN) ws.send(b, { binary: true });
        },
        buffered: () => ws.bufferedAmount,
        close: (code, reason) => {
          if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason);
        },
      };
      const off = attach(sink, key);
      if (!off) return;
      ws.on('close', off);
      ws.on('error', (err) => {
        log('warn', `${key}: viewer socket error: ${err.message}`);
        off();
      });
    },

    handleHttpFlv(req, res, key) {
      if (res.destroyed || req.socket.destroyed) return;
      const cors = { 'Access-Control-Allow-Origin': '*' };
      if (req.method === 'OPTIONS') {
        res
          .writeHead(204, { ...cors, 'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS', 'Access-Control-Allow-Headers': '*' })
          .end();
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { ...cors, Allow: 'GET, HEAD, OPTIONS' }).end();
        return;
      }
      if (closed || !parseStreamKey(key) || !resolveSafe(key)) {
        res.writeHead(closed ? 503 : 404, { ...cors, 'Content-Type': 'text/plain; charset=utf-8' }).end(closed ? 'gateway closing' : `unknown stream ${key}`);
        return;
      }
      res.writeHead(200, {
        ...cors,
        'Content-Type': 'video/x-flv',
        'Cache-Control': 'no-cache, no-store',
        'X-Content-Type-Options': 'nosniff',
      });
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      // Headers out now: the upstream may take seconds to produce its first byte.
      res.flushHeaders();
      res.socket?.setNoDelay(true);
      const sink: Sink = {
        send: (b) => {
          if (!res.writableEnded && !res.destroyed) res.write(b);
        },
        buffered: () => res.writableLength,
        close: (code) => {
          // HTTP has no close code: a clean end asks the player to reopen, a slow viewer is cut off.
          if (code === CLOSE_TOO_SLOW) res.destroy();
          else res.end();
        },
        cork: () => res.cork(),
        uncork: () => res.uncork(),
      };
      const off = attach(sink, key);
      if (off) res.on('close', off);
    },

    list() {
      return [...entries.values()].map(info);
    },

    on(_event, listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },

    off(_event, listener) {
      stateListeners.delete(listener);
    },

    async close() {
      closed = true;
      clearInterval(hlsTimer);
      hlsTimer = undefined;
      const stops: Promise<void>[] = [...dying.values()];
      for (const s of [...hlsSessions.values()]) stops.push(s.stop('gateway closing'));
      for (const e of [...entries.values()]) {
        for (const v of [...e.viewers]) closeViewer(e, v, CLOSE_GOING_AWAY, 'gateway closing');
        stops.push(retire(e));
      }
      await Promise.all(stops);
    },
  };
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import type { StreamInfo as WireStreamInfo, StreamProfile } from '../../common/contract/stream';
import { FLV_TAG_AUDIO, FLV_TAG_SCRIPT, flvHeader, isMetadataTag, isVideoFrame, type FlvHeaderInfo, type FlvTag } from './flv';
import { GopCache } from './gop-cache';
import { Upstream, type UpstreamSource, type UpstreamStats, type UpstreamTuning } from './upstream';

/** `cameraId/main` or `cameraId/sub`. */
export type StreamKey = string;
export type StreamSource = UpstreamSource;
export type { StreamState } from '../../common/contract/stream';

type WireStreamStats = WireStreamInfo['stats'];
type ExtraStats = Omit<UpstreamStats, 'lastError' | 'since'>;
/** The wire StreamInfo plus gateway-only statistics (ignored by the contract's schema). */
export interface StreamStats extends WireStreamStats, ExtraStats {
  viewers: number;
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
}

export interface StreamGateway {
  /** Serves one WebSocket-FLV viewer; the gateway owns the socket from here on. */
  attachWebSocket(ws: WebSocket, key: StreamKey): void;
  /** Serves one HTTP-FLV viewer (chunked `video/x-flv`). */
  handleHttpFlv(req: IncomingMessage, res: ServerResponse, key: StreamKey): void;
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

const KEY_PATTERN = /^([A-Za-z0-9][A-Za-z0-9_-]{0,63})\/(main|sub)$/;
const MEDIA_PATH_PATTERN = /^\/media\/([A-Za-z0-9][A-Za-z0-9_-]{0,63})\/(main|sub)\.flv$/;

export function parseStreamKey(key: string): { cameraId: string; profile: StreamProfile } | undefined {
  const m = KEY_PATTERN.exec(key);
  if (!m?.[1] || !m[2]) return undefined;
  return { cameraId: m[1], profile: m[2] as StreamProfile };
}

/** `/media/<cameraId>/<main|sub>.flv` → `cameraId/profile`. */
export function streamKeyFromPath(pathname: string): StreamKey | undefined {
  const m = MEDIA_PATH_PATTERN.exec(pathname);
  return m?.[1] && m[2] ? `${m[1]}/${m[2]}` : undefined;
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
  /** Track layout announced to viewers in the FLV header. */
  flags: FlvHeaderInfo | undefined;
  linger: NodeJS.Timeout | undefined;
}

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
  let closed = false;

  const info = (e: Entry): StreamInfo => {
    const s = e.upstream.stats();
    return {
      key: e.key,
      cameraId: e.cameraId,
      profile: e.profile,
      state: e.upstream.state,
      stats: { ...s, viewers: e.viewers.size },
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
    const p = e.upstream.stop();
    dying.set(e.key, p);
    void p.then(() => {
      if (dying.get(e.key) === p) dying.delete(e.key);
    });
    return p;
  };

  const detach = (e: Entry, v: Viewer) => {
    v.closed = true;
    if (!e.viewers.delete(v)) return;
    if (e.viewers.size > 0 || entries.get(e.key) !== e) return;
    clearTimeout(e.linger);
    e.linger = setTimeout(() => {
      e.linger = undefined;
      if (e.viewers.size === 0) void retire(e);
    }, lingerMs);
  };

  /** Registers a viewer; returns its detach function, or undefined when it was turned away. */
  const attach = (sink: Sink, key: StreamKey): (() => void) | undefined => {
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

  return {
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
      const stops: Promise<void>[] = [...dying.values()];
      for (const e of [...entries.values()]) {
        for (const v of [...e.viewers]) closeViewer(e, v, CLOSE_GOING_AWAY, 'gateway closing');
        stops.push(retire(e));
      }
      await Promise.all(stops);
    },
  };
}

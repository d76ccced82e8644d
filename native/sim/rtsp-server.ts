/**
 * A small RTSP/1.0 server (RFC 2326) for the site simulator's cameras: H.264 over RTP (RFC 6184)
 * interleaved in the RTSP TCP connection (RFC 2326 §10.12). UDP transport is refused with 461 so
 * clients fall back to TCP.
 *
 * Sources start on demand: a path's encoder runs only while at least one client is playing, plus a
 * linger period, and all clients of a path share it. A joining client gets the current GOP replayed
 * (with compressed timestamps) so it can show a picture immediately.
 */
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import {
  DEFAULT_MAX_PAYLOAD,
  NalType,
  RTP_HEADER_SIZE,
  nalType,
  packetizeAccessUnit,
  profileLevelId,
  writeRtpHeader,
  type AccessUnit,
} from './h264';

export type { AccessUnit } from './h264';

/**
 * One RTSP path's H.264 elementary stream. `start()` may be called again while a previous `stop()`
 * is still settling; an 'error' event means the source has stopped by itself.
 */
export interface H264Source {
  readonly path: string;
  /** Latest parameter sets (NAL units without start codes), once known; kept across restarts. */
  readonly sps?: Buffer | undefined;
  readonly pps?: Buffer | undefined;
  /** Session name for the SDP `s=` line. */
  readonly title?: string;
  /** Nominal frame rate, announced as `a=framerate`. */
  readonly fps?: number;
  start(): void;
  stop(): Promise<void>;
  on(ev: 'au', fn: (au: AccessUnit) => void): this;
  on(ev: 'error', fn: (e: Error) => void): this;
  off(ev: 'au', fn: (au: AccessUnit) => void): this;
  off(ev: 'error', fn: (e: Error) => void): this;
}

export interface RtspAuth {
  user: string;
  pass: string;
  /** Which challenge to send and accept; IP cameras mostly use Digest. Default 'digest'. */
  scheme?: 'digest' | 'basic';
  realm?: string;
}

export interface RtspServerOptions {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** How long a source keeps running after its last client leaves. Default 5000. */
  lingerMs?: number;
  auth?: RtspAuth;
  log?: (msg: string) => void;
  /** How long DESCRIBE waits for a cold source's SPS/PPS. Default 3000. */
  describeWaitMs?: number;
  /** Frames are dropped for a client whose unsent data exceeds this, until the next key frame. Default 4 MiB. */
  maxClientBufferBytes?: number;
  /** Session timeout announced to clients and applied to idle, non-playing connections. Default 60. */
  sessionTimeoutSec?: number;
}

export interface RtspPathStats {
  path: string;
  /** Whether the source is (supposed to be) running. */
  running: boolean;
  /** Clients currently playing this path. */
  clients: number;
  /** How many times the server has started this source. */
  starts: number;
}

// ---------------------------------------------------------------------------------------------
// Wire format: request parsing and response formatting
// ---------------------------------------------------------------------------------------------

export interface RtspRequest {
  method: string;
  url: string;
  version: string;
  /** Header names lower-cased; repeated headers joined with ', '. */
  headers: Map<string, string>;
  body: Buffer;
}

export type RtspInput =
  | { kind: 'request'; request: RtspRequest }
  | { kind: 'interleaved'; channel: number; data: Buffer }
  /** `fatal`: the stream cannot be resynchronised and the connection should be closed after replying. */
  | { kind: 'malformed'; reason: string; cseq?: string; fatal: boolean };

const MAX_HEADER_BYTES = 16 * 1024;
const MAX_BODY_BYTES = 64 * 1024;

/** Splits a client byte stream into RTSP requests and interleaved binary frames. */
export class RtspStreamParser {
  private buf: Buffer = Buffer.alloc(0);
  private dead = false;

  push(chunk: Uint8Array): RtspInput[] {
    if (this.dead) return [];
    this.buf = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk]);
    const out: RtspInput[] = [];
    for (;;) {
      // Stray line breaks between messages are tolerated.
      let skip = 0;
      while (skip < this.buf.length && (this.buf[skip] === 0x0d || this.buf[skip] === 0x0a)) skip++;
      if (skip) this.buf = this.buf.subarray(skip);
      if (this.buf.length === 0) break;

      const first = this.buf[0] ?? 0;
      if (first === 0x24) {
        if (this.buf.length < 4) break;
        const len = this.buf.readUInt16BE(2);
        if (this.buf.length < 4 + len) break;
        out.push({ kind: 'interleaved', channel: this.buf[1] ?? 0, data: this.buf.subarray(4, 4 + len) });
        this.buf = this.buf.subarray(4 + len);
        continue;
      }
      const isLetter = (first >= 0x41 && first <= 0x5a) || (first >= 0x61 && first <= 0x7a);
      if (!isLetter) {
        out.push(this.fail('request does not start with a method'));
        break;
      }
      const crlf = this.buf.indexOf('\r\n\r\n');
      const lf = this.buf.indexOf('\n\n');
      let headEnd = -1;
      let sepLen = 0;
      if (crlf >= 0 && (lf < 0 || crlf <= lf)) {
        headEnd = crlf;
        sepLen = 4;
      } else if (lf >= 0) {
        headEnd = lf;
        sepLen = 2;
      }
      if (headEnd < 0) {
        if (this.buf.length > MAX_HEADER_BYTES) out.push(this.fail('header too long'));
        break;
      }
      if (headEnd > MAX_HEADER_BYTES) {
        out.push(this.fail('header too long'));
        break;
      }
      const head = this.buf.subarray(0, headEnd).toString('utf8');
      const lines = head.split(/\r?\n/);
      const requestLine = lines.shift() ?? '';
      const headers = new Map<string, string>();
      let badHeader = false;
      for (const line of lines) {
        if (/^[ \t]/.test(line)) {
          // Obsolete line folding: continuation of the previous header.
          const last = [...headers.keys()].pop();
          if (last === undefined) badHeader = true;
          else headers.set(last, `${headers.get(last) ?? ''} ${line.trim()}`);
          continue;
        }
        const colon = line.indexOf(':');
        if (colon <= 0) {
          badHeader = true;
          continue;
        }
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        const prev = headers.get(name);
        headers.set(name, prev === undefined ? value : `${prev}, ${value}`);
      }
      const cseq = headers.get('cseq');
      const lengthHeader = headers.get('content-length');
      let bodyLen = 0;
      if (lengthHeader !== undefined) {
        if (!/^\d+$/.test(lengthHeader) || Number(lengthHeader) > MAX_BODY_BYTES) {
          out.push(this.fail('bad Content-Length', cseq));
          break;
        }
        bodyLen = Number(lengthHeader);
      }
      const total = headEnd + sepLen + bodyLen;
      if (this.buf.length < total) break;
      const body = Buffer.from(this.buf.subarray(headEnd + sepLen, total));
      this.buf = this.buf.subarray(total);

      const m = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (\S+) (\S+)$/.exec(requestLine);
      if (!m || badHeader) {
        out.push({
          kind: 'malformed',
          reason: m ? 'bad header line' : 'bad request line',
          fatal: false,
          ...(cseq !== undefined ? { cseq } : {}),
        });
        continue;
      }
      out.push({
        kind: 'request',
        request: { method: m[1] ?? '', url: m[2] ?? '', version: m[3] ?? '', headers, body },
      });
    }
    return out;
  }

  private fail(reason: string, cseq?: string): RtspInput {
    this.dead = true;
    this.buf = Buffer.alloc(0);
    return { kind: 'malformed', reason, fatal: true, ...(cseq !== undefined ? { cseq } : {}) };
  }
}

const REASONS: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  454: 'Session Not Found',
  455: 'Method Not Valid in This State',
  459: 'Aggregate Operation Not Allowed',
  461: 'Unsupported Transport',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  505: 'RTSP Version Not Supported',
};

const SERVER_NAME = 'SkyWatch-Sim/0.1';
const PUBLIC_METHODS = 'OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER, SET_PARAMETER';

export function formatResponse(
  status: number,
  headers: ReadonlyArray<readonly [string, string]>,
  body?: Buffer,
): Buffer {
  const lines = [`RTSP/1.0 ${status} ${REASONS[status] ?? 'Unknown'}`];
  for (const [k, v] of headers) lines.push(`${k}: ${v}`);
  lines.push(`Server: ${SERVER_NAME}`, `Date: ${new Date().toUTCString()}`);
  if (body && body.length > 0) lines.push(`Content-Length: ${body.length}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8');
  return body && body.length > 0 ? Buffer.concat([head, body]) : head;
}

/** Path of an RTSP URL ('rtsp://h:p/a/b?x' → '/a/b'), or undefined when it is not one. */
export function urlPath(url: string): string | undefined {
  let path: string;
  if (url.startsWith('/')) path = url;
  else {
    const m = /^rtsps?:\/\/[^/]*(\/[^?#]*)?/i.exec(url);
    if (!m) return undefined;
    path = m[1] ?? '/';
  }
  path = path.split(/[?#]/)[0] ?? '/';
  try {
    path = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

interface TransportChoice {
  rtpChannel: number;
  rtcpChannel: number;
}

/** Picks the first RTP/AVP/TCP alternative of a Transport header. */
export function chooseTransport(header: string | undefined): TransportChoice | undefined {
  if (!header) return undefined;
  for (const alt of header.split(',')) {
    const parts = alt.trim().split(';').map((p) => p.trim());
    if ((parts[0] ?? '').toUpperCase() !== 'RTP/AVP/TCP') continue;
    if (parts.some((p) => p.toLowerCase() === 'multicast')) continue;
    const il = parts.find((p) => p.toLowerCase().startsWith('interleaved='));
    if (!il) return { rtpChannel: 0, rtcpChannel: 1 };
    const m = /^interleaved=(\d+)(?:-(\d+))?$/i.exec(il);
    if (!m) continue;
    const a = Number(m[1]);
    const b = m[2] !== undefined ? Number(m[2]) : a + 1;
    if (a > 255 || b > 255) continue;
    return { rtpChannel: a, rtcpChannel: b };
  }
  return undefined;
}

/** Parses `key=value, key="value"` lists (Digest credentials). */
function parseAuthParams(s: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /([a-zA-Z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    out.set((m[1] ?? '').toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? ''));
  }
  return out;
}

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

// ---------------------------------------------------------------------------------------------
// Server state
// ---------------------------------------------------------------------------------------------

/** The GOP cache is capped so a source that never sends a key frame cannot grow it without bound. */
const MAX_GOP_FRAMES = 300;
/** Spacing of replayed frames, in 90 kHz ticks (1 ms): decoded at once, shown at the live edge. */
const REPLAY_SPACING = 90;
/**
 * A joining client is sent at least this many cached frames when available (reaching back to the
 * previous GOP's key frame if the current GOP is still short): ffmpeg's stream probing waits for 20
 * timed frames before it opens an input, so ffmpeg-based clients then open without waiting.
 */
const MIN_REPLAY_FRAMES = 20;
const FRAME_TICKS_FALLBACK = 3600;

class PathState {
  running = false;
  starts = 0;
  readonly clients = new Set<Session>();
  /** Access units since the latest key frame. */
  gop: AccessUnit[] = [];
  /** The complete GOP before `gop`. */
  prevGop: AccessUnit[] = [];
  /** DESCRIBEs waiting for parameter sets keep a cold source alive. */
  holds = 0;
  lingerTimer: NodeJS.Timeout | undefined;
  readonly onAu: (au: AccessUnit) => void;
  readonly onError: (e: Error) => void;

  constructor(
    readonly source: H264Source,
    private readonly server: RtspServer,
  ) {
    this.onAu = (au) => this.handleAu(au);
    this.onError = (e) => this.server.sourceFailed(this, e);
  }

  ensureRunning(): void {
    this.cancelLinger();
    if (this.running) return;
    this.running = true;
    this.starts++;
    this.clearCache();
    this.source.start();
  }

  cancelLinger(): void {
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
  }

  maybeLinger(lingerMs: number): void {
    if (!this.running || this.clients.size > 0 || this.holds > 0 || this.lingerTimer) return;
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = undefined;
      if (this.clients.size === 0 && this.holds === 0) void this.stop();
    }, lingerMs);
  }

  clearCache(): void {
    this.gop = [];
    this.prevGop = [];
  }

  /** What a joining client is sent first: it starts with a key frame and has, if possible, MIN_REPLAY_FRAMES frames. */
  replayFrames(): AccessUnit[] {
    if (this.gop.length >= MIN_REPLAY_FRAMES || this.prevGop.length === 0) return this.gop;
    return [...this.prevGop, ...this.gop];
  }

  async stop(): Promise<void> {
    this.cancelLinger();
    this.clearCache();
    if (!this.running) return;
    this.running = false;
    await this.server.safeStop(this.source);
  }

  private handleAu(au: AccessUnit): void {
    if (!this.running) return;
    if (au.isKeyframe) {
      this.prevGop = this.gop;
      this.gop = [au];
    } else if (this.gop.length > 0 && this.gop.length < MAX_GOP_FRAMES) this.gop.push(au);
    for (const s of this.clients) {
      try {
        s.sendAu(au);
      } catch (e) {
        // This runs inside the source's data handler: a throw here would take the process down.
        this.server.logMsg(`rtsp ${s.conn.name}: send failed: ${e instanceof Error ? e.message : String(e)}`);
        s.conn.destroy();
      }
    }
  }
}

/** One client session; with interleaved transport it lives and dies with its connection. */
class Session {
  readonly id = randomBytes(8).toString('hex');
  readonly ssrc = randomInt(0, 0xffffffff);
  private seq = randomInt(0, 0x10000);
  /** RTP timestamp the next packet will carry if nothing has been sent yet. */
  private nextTs = randomInt(0, 0xffffffff);
  playing = false;
  private needKeyframe = true;
  /** Maps source pts to this client's RTP timestamps: rtp = map.rtp + (pts - map.pts). */
  private tsMap: { pts: number; rtp: number } | undefined;
  private lastSentTs: number | undefined;
  private lastSentAt = 0;

  constructor(
    readonly conn: Connection,
    readonly path: PathState,
    readonly setupUrl: string,
    public transport: TransportChoice,
  ) {}

  /** Fixes the seq/rtptime announced in RTP-Info for a (re)started PLAY. */
  prepareForPlay(): { seq: number; rtptime: number } {
    if (this.lastSentTs !== undefined) {
      const elapsed = Math.max(1, Math.round(((Date.now() - this.lastSentAt) * 90_000) / 1000));
      this.nextTs = (this.lastSentTs + Math.max(elapsed, FRAME_TICKS_FALLBACK)) >>> 0;
    }
    this.tsMap = undefined;
    this.needKeyframe = true;
    return { seq: this.seq, rtptime: this.nextTs };
  }

  /** Replays cached frames (a new viewer starts at a recent key frame instead of waiting for the next). */
  replay(gop: readonly AccessUnit[]): void {
    if (gop.length === 0 || !gop[0]?.isKeyframe) return;
    const base = this.nextTs;
    gop.forEach((au, i) => this.write(au, (base + i * REPLAY_SPACING) >>> 0));
    const last = gop[gop.length - 1];
    if (last) this.tsMap = { pts: last.pts, rtp: (base + (gop.length - 1) * REPLAY_SPACING) >>> 0 };
    this.needKeyframe = false;
  }

  sendAu(au: AccessUnit): void {
    if (!this.playing) return;
    const max = this.conn.server.maxClientBufferBytes;
    const backlog = this.conn.backlog();
    if (this.needKeyframe) {
      // After an overflow, resume only once the backlog has drained to half the limit.
      if (!au.isKeyframe || backlog > max / 2) return;
      this.needKeyframe = false;
    } else if (backlog > max) {
      this.needKeyframe = true;
      this.conn.server.logMsg(`rtsp ${this.conn.name}: ${backlog} bytes unsent, dropping frames until the next key frame`);
      return;
    }
    let ts: number;
    if (!this.tsMap) {
      ts = this.nextTs;
      this.tsMap = { pts: au.pts, rtp: ts };
    } else {
      ts = (this.tsMap.rtp + (au.pts - this.tsMap.pts)) >>> 0;
    }
    this.write(au, ts);
  }

  private write(au: AccessUnit, ts: number): void {
    let nals = au.nals;
    if (au.isKeyframe && !nals.some((n) => nalType(n) === NalType.Sps)) {
      // Sources that send parameter sets only once still give every joining client a decodable start.
      const { sps, pps } = this.path.source;
      if (sps && pps) nals = [sps, pps, ...nals];
    }
    const payloads = packetizeAccessUnit(nals, DEFAULT_MAX_PAYLOAD);
    if (payloads.length === 0) return;
    let size = 0;
    for (const p of payloads) size += 4 + RTP_HEADER_SIZE + p.length;
    const out = Buffer.allocUnsafe(size);
    let off = 0;
    payloads.forEach((p, i) => {
      const len = RTP_HEADER_SIZE + p.length;
      out[off] = 0x24;
      out[off + 1] = this.transport.rtpChannel;
      out.writeUInt16BE(len, off + 2);
      writeRtpHeader(out, off + 4, {
        payloadType: 96,
        marker: i === payloads.length - 1,
        sequence: this.seq,
        timestamp: ts,
        ssrc: this.ssrc,
      });
      p.copy(out, off + 4 + RTP_HEADER_SIZE);
      this.seq = (this.seq + 1) & 0xffff;
      off += 4 + len;
    });
    this.lastSentTs = ts;
    this.lastSentAt = Date.now();
    this.conn.write(out);
  }

  /** RTCP RR + BYE (RFC 3550 §6.6) on the RTCP channel: tells the client the stream has ended. */
  byePacket(): Buffer {
    const rtcp = Buffer.alloc(16);
    rtcp[0] = 0x80;
    rtcp[1] = 201; // RR with no report blocks; a compound packet must start with SR or RR.
    rtcp.writeUInt16BE(1, 2);
    rtcp.writeUInt32BE(this.ssrc, 4);
    rtcp[8] = 0x81;
    rtcp[9] = 203; // BYE
    rtcp.writeUInt16BE(1, 10);
    rtcp.writeUInt32BE(this.ssrc, 12);
    const frame = Buffer.alloc(4);
    frame[0] = 0x24;
    frame[1] = this.transport.rtcpChannel;
    frame.writeUInt16BE(rtcp.length, 2);
    return Buffer.concat([frame, rtcp]);
  }
}

class Connection {
  readonly parser = new RtspStreamParser();
  session: Session | undefined;
  lastActivity = Date.now();
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  readonly name: string;

  constructor(
    readonly socket: Socket,
    readonly server: RtspServer,
  ) {
    this.name = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      // Clients vanishing mid-write is routine, not worth a log line.
      if (e.code !== 'ECONNRESET' && e.code !== 'EPIPE') this.server.logMsg(`rtsp ${this.name}: socket error: ${e.message}`);
    });
    socket.on('close', () => this.onClose());
  }

  backlog(): number {
    return this.socket.writableLength;
  }

  write(buf: Buffer): void {
    if (this.closed || this.socket.destroyed || !this.socket.writable) return;
    this.socket.write(buf);
  }

  /** Ends the connection after flushing what was queued, e.g. after a fatal parse error or a BYE. */
  end(): void {
    if (this.closed) return;
    if (!this.socket.destroyed) this.socket.end();
    // A client that never reads would keep a half-closed socket forever.
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Detaches the session from its path; with no clients left the path's source starts lingering. */
  dropSession(): void {
    const s = this.session;
    if (!s) return;
    this.session = undefined;
    s.playing = false;
    s.path.clients.delete(s);
    s.path.maybeLinger(this.server.lingerMs);
  }

  private onData(chunk: Buffer): void {
    this.lastActivity = Date.now();
    let inputs: RtspInput[];
    try {
      inputs = this.parser.push(chunk);
    } catch (e) {
      this.server.logMsg(`rtsp ${this.name}: parser failure: ${String(e)}`);
      this.destroy();
      return;
    }
    for (const input of inputs) {
      // RTCP receiver reports (and anything else interleaved) only prove the client is alive.
      if (input.kind === 'interleaved') continue;
      this.queue = this.queue
        .then(() => (this.closed ? undefined : this.server.handle(this, input)))
        .catch((e: unknown) => {
          this.server.logMsg(`rtsp ${this.name}: handler failure: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
          this.destroy();
        });
    }
  }

  private onClose(): void {
    this.closed = true;
    this.dropSession();
    this.server.connectionClosed(this);
  }
}

export class RtspServer {
  readonly lingerMs: number;
  readonly maxClientBufferBytes: number;
  private readonly describeWaitMs: number;
  private readonly timeoutSec: number;
  private readonly paths = new Map<string, PathState>();
  private readonly connections = new Set<Connection>();
  private readonly nonce = randomBytes(16).toString('hex');
  private readonly realm: string;
  private readonly sdpSessionId = String(randomInt(1, 2 ** 47));
  private server: Server | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  /** Port of the first listen; listening again (a restored link) reuses it, as a real device keeps its address. */
  private boundPort: number | undefined;

  constructor(private readonly opts: RtspServerOptions = {}) {
    this.lingerMs = opts.lingerMs ?? 5000;
    this.maxClientBufferBytes = opts.maxClientBufferBytes ?? 4 * 1024 * 1024;
    this.describeWaitMs = opts.describeWaitMs ?? 3000;
    this.timeoutSec = opts.sessionTimeoutSec ?? 60;
    this.realm = opts.auth?.realm ?? 'SkyWatch Sim';
  }

  addSource(src: H264Source): void {
    const path = urlPath(src.path);
    if (!path || path === '/') throw new Error(`invalid RTSP path: ${src.path}`);
    if (this.paths.has(path)) throw new Error(`RTSP path already served: ${path}`);
    const state = new PathState(src, this);
    src.on('au', state.onAu);
    src.on('error', state.onError);
    this.paths.set(path, state);
  }

  /** Paths (and their sub-paths) whose camera is dead: requests for them get no answer (fault injection). */
  private readonly silenced = new Set<string>();

  /** Kills or revives the camera behind a path prefix (e.g. `/t01/visible`): its clients are cut and new requests go unanswered. */
  silence(prefix: string, dead: boolean): void {
    if (!dead) {
      this.silenced.delete(prefix);
      return;
    }
    this.silenced.add(prefix);
    for (const [path, state] of this.paths) if (path === prefix || path.startsWith(`${prefix}/`)) this.endClients(state);
  }

  /** Ends the path's clients, stops its source and forgets it. */
  async removeSource(path: string): Promise<void> {
    const key = urlPath(path) ?? path;
    const state = this.paths.get(key);
    if (!state) return;
    this.paths.delete(key);
    this.endClients(state);
    await state.stop();
    state.source.off('au', state.onAu);
    state.source.off('error', state.onError);
  }

  async listen(): Promise<{ port: number }> {
    if (this.server) throw new Error('already listening');
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.boundPort ?? this.opts.port ?? 0, this.opts.host ?? '0.0.0.0', () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (e) {
      // E.g. EADDRINUSE when reopening a port: leave the server closed so listen() can be retried.
      this.server = undefined;
      throw e;
    }
    server.on('error', (e) => this.logMsg(`rtsp server error: ${e.message}`));
    this.sweeper = setInterval(() => this.sweep(), 5000);
    this.sweeper.unref();
    const port = (server.address() as AddressInfo).port;
    this.boundPort = port;
    this.logMsg(`rtsp listening on ${this.opts.host ?? '0.0.0.0'}:${port}`);
    return { port };
  }

  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    const server = this.server;
    this.server = undefined;
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    for (const c of this.connections) c.destroy();
    await Promise.all([...this.paths.values()].map((p) => p.stop()));
    await closed;
  }

  stats(): RtspPathStats[] {
    return [...this.paths.entries()].map(([path, s]) => ({
      path,
      running: s.running,
      clients: s.clients.size,
      starts: s.starts,
    }));
  }

  // --- internal: called by PathState / Connection ------------------------------------------

  logMsg(msg: string): void {
    try {
      this.opts.log?.(msg);
    } catch {
      // A failing logger must not take the server down.
    }
  }

  async safeStop(src: H264Source): Promise<void> {
    try {
      await src.stop();
    } catch (e) {
      this.logMsg(`rtsp ${src.path}: stop failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  sourceFailed(state: PathState, e: Error): void {
    this.logMsg(`rtsp ${state.source.path}: source failed: ${e.message}`);
    const wasRunning = state.running;
    state.running = false;
    state.clearCache();
    state.cancelLinger();
    this.endClients(state);
    // The source says it has stopped; stop() again lets it release anything it still holds.
    if (wasRunning) void this.safeStop(state.source);
  }

  connectionClosed(c: Connection): void {
    this.connections.delete(c);
  }

  private endClients(state: PathState): void {
    for (const s of [...state.clients]) {
      s.conn.write(s.byePacket());
      s.conn.dropSession();
      s.conn.end();
    }
  }

  private accept(socket: Socket): void {
    if (!this.server) {
      socket.destroy();
      return;
    }
    const c = new Connection(socket, this);
    this.connections.add(c);
  }

  private sweep(): void {
    const limit = this.timeoutSec * 1000;
    const now = Date.now();
    for (const c of this.connections) {
      // With interleaved transport the TCP connection itself shows a playing client is alive.
      if (!c.session?.playing && now - c.lastActivity > limit) {
        this.logMsg(`rtsp ${c.name}: idle for ${this.timeoutSec}s, closing`);
        c.destroy();
      }
    }
  }

  async handle(c: Connection, input: RtspInput): Promise<void> {
    if (input.kind === 'interleaved') return;
    if (input.kind === 'malformed') {
      this.logMsg(`rtsp ${c.name}: malformed request (${input.reason})`);
      c.write(formatResponse(400, input.cseq !== undefined ? [['CSeq', input.cseq]] : []));
      if (input.fatal) c.end();
      return;
    }
    const req = input.request;
    const cseq = req.headers.get('cseq');
    const base: Array<[string, string]> = cseq !== undefined ? [['CSeq', cseq]] : [];
    const reply = (status: number, headers: Array<[string, string]> = [], body?: Buffer): void => {
      c.write(formatResponse(status, [...base, ...headers], body));
    };

    if (!/^RTSP\/1\.\d+$/.test(req.version)) {
      reply(/^(RTSP|HTTP)\/\d+\.\d+$/.test(req.version) ? 505 : 400);
      return;
    }
    if (cseq === undefined || !/^\d+$/.test(cseq)) {
      reply(400);
      return;
    }
    const method = req.method.toUpperCase();
    if (method !== 'OPTIONS' && method !== 'GET_PARAMETER' && method !== 'SET_PARAMETER') {
      this.logMsg(`rtsp ${c.name}: ${method} ${req.url}`);
    }
    const reqPath = urlPath(req.url);
    if (reqPath && [...this.silenced].some((p) => reqPath === p || reqPath.startsWith(`${p}/`))) {
      // A dead camera behind a live tower switch: the connection goes nowhere.
      c.destroy();
      return;
    }
    if (method === 'OPTIONS') {
      reply(200, [['Public', PUBLIC_METHODS]]);
      return;
    }
    if (this.opts.auth && !this.authorized(req)) {
      reply(401, [['WWW-Authenticate', this.challenge()]]);
      return;
    }
    switch (method) {
      case 'DESCRIBE':
        return this.describe(c, req, reply);
      case 'SETUP':
        return this.setup(c, req, reply);
      case 'PLAY':
        return this.play(c, req, reply);
      case 'PAUSE':
        return this.pause(c, req, reply);
      case 'TEARDOWN':
        return this.teardown(c, req, reply);
      case 'GET_PARAMETER':
      case 'SET_PARAMETER': {
        const s = this.checkSession(c, req, reply, false);
        if (s === null) return;
        reply(200, s ? [['Session', this.sessionHeader(s)]] : []);
        return;
      }
      case 'ANNOUNCE':
      case 'RECORD':
      case 'REDIRECT':
        reply(405, [['Allow', PUBLIC_METHODS]]);
        return;
      default:
        reply(501, [['Public', PUBLIC_METHODS]]);
    }
  }

  private sessionHeader(s: Session): string {
    return `${s.id};timeout=${this.timeoutSec}`;
  }

  /**
   * The connection's session if the request names it; undefined when there is none and none is
   * required; null (after replying) when the request names another session or needs one.
   */
  private checkSession(
    c: Connection,
    req: RtspRequest,
    reply: (status: number) => void,
    required: boolean,
  ): Session | undefined | null {
    const given = req.headers.get('session')?.split(';')[0]?.trim();
    if (given === undefined) {
      if (required) {
        reply(454);
        return null;
      }
      return c.session;
    }
    if (!c.session || c.session.id !== given) {
      reply(454);
      return null;
    }
    return c.session;
  }

  private async describe(c: Connection, req: RtspRequest, reply: (status: number, headers?: Array<[string, string]>, body?: Buffer) => void): Promise<void> {
    const path = urlPath(req.url);
    const state = path ? this.paths.get(path) : undefined;
    if (!state) {
      reply(404);
      return;
    }
    const src = state.source;
    if (!src.sps || !src.pps) {
      const ok = await this.waitForParameterSets(state);
      if (!ok) {
        reply(503);
        return;
      }
    }
    const sdp = this.sdp(state, c.socket.localAddress ?? '0.0.0.0');
    const contentBase = req.url.endsWith('/') ? req.url : `${req.url}/`;
    reply(200, [
      ['Content-Base', contentBase],
      ['Content-Type', 'application/sdp'],
    ], Buffer.from(sdp, 'utf8'));
  }

  /** Starts a cold source and waits for its SPS/PPS; false if the source failed meanwhile. */
  private waitForParameterSets(state: PathState): Promise<boolean> {
    const src = state.source;
    state.holds++;
    state.ensureRunning();
    return new Promise<boolean>((resolve) => {
      const finish = (ok: boolean): void => {
        clearTimeout(timer);
        src.off('au', onAu);
        src.off('error', onError);
        state.holds--;
        state.maybeLinger(this.lingerMs);
        resolve(ok);
      };
      const onAu = (): void => {
        if (src.sps && src.pps) finish(true);
      };
      const onError = (): void => finish(false);
      // Without parameter sets the SDP simply omits sprop-parameter-sets; clients read them in-band.
      const timer = setTimeout(() => finish(true), this.describeWaitMs);
      timer.unref();
      src.on('au', onAu);
      src.on('error', onError);
    });
  }

  private sdp(state: PathState, localAddress: string): string {
    const src = state.source;
    const addr = localAddress.replace(/^::ffff:/, '');
    const ipVer = addr.includes(':') ? 'IP6' : 'IP4';
    const fmtp = ['packetization-mode=1'];
    if (src.sps) fmtp.push(`profile-level-id=${profileLevelId(src.sps)}`);
    if (src.sps && src.pps) fmtp.push(`sprop-parameter-sets=${src.sps.toString('base64')},${src.pps.toString('base64')}`);
    const title = (src.title ?? src.path).replace(/[\r\n]/g, ' ');
    return [
      'v=0',
      `o=- ${this.sdpSessionId} 1 IN ${ipVer} ${addr}`,
      `s=${title}`,
      `c=IN ${ipVer} ${ipVer === 'IP6' ? '::' : '0.0.0.0'}`,
      't=0 0',
      `a=tool:${SERVER_NAME}`,
      'a=range:npt=now-',
      'a=control:*',
      'm=video 0 RTP/AVP 96',
      'a=rtpmap:96 H264/90000',
      `a=fmtp:96 ${fmtp.join(';')}`,
      ...(src.fps ? [`a=framerate:${src.fps}`] : []),
      'a=control:trackID=0',
      '',
    ].join('\r\n');
  }

  private setup(c: Connection, req: RtspRequest, reply: (status: number, headers?: Array<[string, string]>) => void): void {
    const full = urlPath(req.url);
    if (!full) {
      reply(400);
      return;
    }
    const m = /^(.*)\/trackID=(\d+)$/.exec(full);
    const path = m ? (m[1] ?? '') : full;
    const state = this.paths.get(path);
    if (!state || (m && m[2] !== '0')) {
      reply(404);
      return;
    }
    const transport = chooseTransport(req.headers.get('transport'));
    if (!transport) {
      reply(461);
      return;
    }
    const given = req.headers.get('session')?.split(';')[0]?.trim();
    let session = c.session;
    if (given !== undefined && (!session || session.id !== given)) {
      reply(454);
      return;
    }
    if (session && session.path !== state) {
      reply(459);
      return;
    }
    if (session) session.transport = transport;
    else {
      session = new Session(c, state, req.url, transport);
      c.session = session;
    }
    reply(200, [
      ['Session', this.sessionHeader(session)],
      [
        'Transport',
        `RTP/AVP/TCP;unicast;interleaved=${transport.rtpChannel}-${transport.rtcpChannel};ssrc=${session.ssrc.toString(16).padStart(8, '0').toUpperCase()};mode="PLAY"`,
      ],
    ]);
  }

  private play(c: Connection, req: RtspRequest, reply: (status: number, headers?: Array<[string, string]>) => void): void {
    const s = this.checkSession(c, req, reply, true);
    if (!s) return;
    const state = s.path;
    if (!this.isServed(state)) {
      reply(404);
      return;
    }
    const headers: Array<[string, string]> = [['Session', this.sessionHeader(s)], ['Range', 'npt=0.000-']];
    if (s.playing) {
      reply(200, headers);
      return;
    }
    const { seq, rtptime } = s.prepareForPlay();
    headers.push(['RTP-Info', `url=${s.setupUrl};seq=${seq};rtptime=${rtptime}`]);
    reply(200, headers);
    // Data may only follow the PLAY response on the connection.
    s.playing = true;
    state.clients.add(s);
    state.ensureRunning();
    s.replay(state.replayFrames());
  }

  private pause(c: Connection, req: RtspRequest, reply: (status: number, headers?: Array<[string, string]>) => void): void {
    const s = this.checkSession(c, req, reply, true);
    if (!s) return;
    s.playing = false;
    s.path.clients.delete(s);
    s.path.maybeLinger(this.lingerMs);
    reply(200, [['Session', this.sessionHeader(s)]]);
  }

  private teardown(c: Connection, req: RtspRequest, reply: (status: number, headers?: Array<[string, string]>) => void): void {
    const s = this.checkSession(c, req, reply, true);
    if (!s) return;
    c.dropSession();
    reply(200);
  }

  private isServed(state: PathState): boolean {
    for (const s of this.paths.values()) if (s === state) return true;
    return false;
  }

  private challenge(): string {
    if (this.opts.auth?.scheme === 'basic') return `Basic realm="${this.realm}"`;
    return `Digest realm="${this.realm}", nonce="${this.nonce}", algorithm=MD5`;
  }

  private authorized(req: RtspRequest): boolean {
    const auth = this.opts.auth;
    if (!auth) return true;
    const header = req.headers.get('authorization');
    if (!header) return false;
    const space = header.indexOf(' ');
    const scheme = (space > 0 ? header.slice(0, space) : header).toLowerCase();
    const rest = space > 0 ? header.slice(space + 1).trim() : '';
    if ((auth.scheme ?? 'digest') === 'basic') {
      if (scheme !== 'basic') return false;
      const decoded = Buffer.from(rest, 'base64').toString('utf8');
      return safeEqual(decoded, `${auth.user}:${auth.pass}`);
    }
    if (scheme !== 'digest') return false;
    const p = parseAuthParams(rest);
    const uri = p.get('uri');
    const response = p.get('response');
    if (p.get('username') !== auth.user || p.get('realm') !== this.realm || p.get('nonce') !== this.nonce) return false;
    if (!uri || !response) return false;
    const ha1 = md5(`${auth.user}:${this.realm}:${auth.pass}`);
    const ha2 = md5(`${req.method}:${uri}`);
    const qop = p.get('qop');
    const expected =
      qop === 'auth'
        ? md5(`${ha1}:${this.nonce}:${p.get('nc') ?? ''}:${p.get('cnonce') ?? ''}:auth:${ha2}`)
        : md5(`${ha1}:${this.nonce}:${ha2}`);
    return safeEqual(expected, response.toLowerCase());
  }
}

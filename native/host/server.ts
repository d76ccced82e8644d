import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { basename, join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_MESSAGE_BYTES, PROTOCOL_VERSION, type ServerMessage } from '../../common/contract';
import { dispatch, type CallGate, type Logger } from './dispatch';
import type { EventBus } from './event-bus';
import { LOCAL_CONSOLE, type CallContext, type DeviceIdentity, type HandlerRegistry } from './registry';
import { serveStatic } from './static-files';

/** What the host needs from the stream gateway to serve media. */
export interface MediaEndpoint {
  attachWebSocket(ws: WebSocket, key: string): void;
  handleHttpFlv(req: IncomingMessage, res: ServerResponse, key: string): void;
  handleHls(req: IncomingMessage, res: ServerResponse, key: string, file: string): void;
  handleSnapshot(req: IncomingMessage, res: ServerResponse, key: string): void;
}

export interface HostServerOptions {
  host: string;
  port: number;
  token?: string;
  staticDir?: string;
  registry: HandlerRegistry;
  bus: EventBus;
  media?: MediaEndpoint;
  /** Folder of exported clips, served read-only under /api/clips/. */
  clipDir?: string;
  /** Further token-protected routes under /api/ (map tiles); each returns false when the path is not its own. */
  routes?: Array<(req: IncomingMessage, res: ServerResponse, path: string) => Promise<boolean>>;
  /** Folder of exported reports (audit CSV…), served read-only under /api/exports/. */
  exportDir?: string;
  /** Who may connect and what they may call; without it every holder of the host token may call anything (tests). */
  access?: HostAccess;
  /** Origins (besides the host's own) whose pages may open the API WebSocket. */
  allowedOrigins?: string[];
  /** Serve HTTPS/WSS with this key and certificate (required when listening beyond loopback). */
  tls?: { key: Buffer; cert: Buffer };
  log: Logger;
}

/** Connection-level security: device tokens, sessions and the per-command gate. */
export interface HostAccess {
  gate: CallGate;
  deviceFor(token: string | undefined, hostTokenMatches: boolean): DeviceIdentity | undefined;
  connected(ctx: CallContext, close: (reason: string) => void): void;
  disconnected(ctx: CallContext): void;
  /** May this connection hear this broadcast event? (Site events only reach signed-in people.) */
  receives(ctx: CallContext, event: string): boolean;
}

export interface HostServer {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

const MEDIA_PATH = /^\/media\/([A-Za-z0-9][A-Za-z0-9_-]{0,63})\/(main|sub)\.flv$/;
const HLS_PATH = /^\/media\/([A-Za-z0-9][A-Za-z0-9_-]{0,63})\/(main|sub)\/hls\/([A-Za-z0-9._-]{1,80})$/;
const SNAPSHOT_PATH = /^\/api\/snapshot\/([A-Za-z0-9][A-Za-z0-9_-]{0,63})\.jpg$/;
const CLIP_PATH = /^\/api\/clips\/([A-Za-z0-9][A-Za-z0-9._-]{0,159}\.mp4)$/;
const EXPORT_PATH = /^\/api\/exports\/([A-Za-z0-9][A-Za-z0-9._-]{0,159}\.(?:csv|pdf|json))$/;
/** Wrong tokens from one address before it is refused outright for a while (token guessing). */
const BAD_TOKEN_LIMIT = 20;
const BAD_TOKEN_WINDOW_MS = 60_000;
/** Above this much unsent data a client is too slow for events; they are dropped for it, never queued forever. */
const EVENT_BACKLOG_LIMIT = 4 * 1024 * 1024;

function tokenFrom(req: IncomingMessage, url: URL): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7);
  return url.searchParams.get('token') ?? undefined;
}

function sameToken(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

const DOWNLOAD_TYPES: Record<string, string> = { mp4: 'video/mp4', csv: 'text/csv; charset=utf-8', pdf: 'application/pdf', json: 'application/json' };

async function serveDownload(file: string, res: ServerResponse): Promise<void> {
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('no such file');
    return;
  }
  const type = DOWNLOAD_TYPES[file.split('.').pop() ?? ''] ?? 'application/octet-stream';
  res.writeHead(200, { 'content-type': type, 'content-length': info.size, 'content-disposition': `attachment; filename="${basename(file)}"` });
  createReadStream(file).pipe(res);
}

/** Counts wrong tokens per address; past the limit the address is refused until its window passes. */
class BadTokenCounter {
  private readonly seen = new Map<string, { count: number; since: number }>();
  blocked(addr: string): boolean {
    const e = this.seen.get(addr);
    if (!e) return false;
    if (Date.now() - e.since > BAD_TOKEN_WINDOW_MS) {
      this.seen.delete(addr);
      return false;
    }
    return e.count >= BAD_TOKEN_LIMIT;
  }
  fail(addr: string): void {
    const e = this.seen.get(addr);
    if (!e || Date.now() - e.since > BAD_TOKEN_WINDOW_MS) {
      if (this.seen.size > 10_000) this.seen.clear();
      this.seen.set(addr, { count: 1, since: Date.now() });
    } else e.count++;
  }
}

/** A browser page may open the API socket only from the host's own origin (or one configured); other clients send no Origin. */
function originAllowed(req: IncomingMessage, allowed: string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const host = req.headers.host;
  if (host && (origin === `http://${host}` || origin === `https://${host}`)) return true;
  return allowed.includes(origin);
}

/** The request target as a URL, or undefined when it is not one (e.g. `//[`): such requests get a 400. */
function parseRequestUrl(target: string | undefined): URL | undefined {
  try {
    return new URL(target ?? '/', 'http://host');
  } catch {
    return undefined;
  }
}

function rejectUpgrade(socket: Socket, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
}

/**
 * The host's HTTP + WebSocket server: the typed contract on `/api/ws`, media on `/media/…`,
 * the built renderer everywhere else. Every API and media request needs the per-run token.
 */
export async function startHostServer(opts: HostServerOptions): Promise<HostServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const { log, registry, bus } = opts;
  const apiWss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES * 4 });
  const mediaWss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const clients = new Map<WebSocket, CallContext>();
  const badTokens = new BadTokenCounter();
  const { access } = opts;
  /** The device a request's token identifies, or undefined (wrong token). */
  const identify = (req: IncomingMessage, url: URL): DeviceIdentity | undefined => {
    const given = tokenFrom(req, url);
    const hostMatch = sameToken(given, token);
    if (!access) return hostMatch ? { id: 'local', name: LOCAL_CONSOLE, kind: 'console' } : undefined;
    return access.deviceFor(given, hostMatch);
  };

  const send = (ws: WebSocket, msg: ServerMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
  };

  const offBus = bus.onAny((name, payload) => {
    const text = JSON.stringify({ t: 'event', name, payload } satisfies ServerMessage);
    for (const [ws, ctx] of clients) {
      if (ws.readyState === ws.OPEN && ws.bufferedAmount < EVENT_BACKLOG_LIMIT && (!access || access.receives(ctx, name))) ws.send(text);
    }
  });

  apiWss.on('connection', (ws: WebSocket, req: IncomingMessage, device: DeviceIdentity) => {
    const clientId = randomUUID().slice(0, 8);
    const ctx: CallContext = {
      clientId,
      device,
      remoteAddress: req.socket.remoteAddress ?? '?',
      push: (name, payload) => send(ws, { t: 'event', name, payload }),
    };
    clients.set(ws, ctx);
    access?.connected(ctx, (reason) => ws.close(4001, reason));
    log('info', `client ${clientId} (${device.name}) connected from ${ctx.remoteAddress}`);
    send(ws, { t: 'hello', protocol: PROTOCOL_VERSION, hostTime: Date.now(), clientId });
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        send(ws, { t: 'error', error: { code: 'bad_message', message: 'binary messages are not part of the protocol' } });
        return;
      }
      const raw = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      void dispatch(raw, registry, ctx, log, access?.gate).then((reply) => send(ws, reply));
    });
    ws.on('error', (e) => log('warn', `client ${clientId}: ${e.message}`));
    ws.on('close', () => {
      clients.delete(ws);
      access?.disconnected(ctx);
      log('info', `client ${clientId} disconnected`);
    });
  });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = parseRequestUrl(req.url);
    if (!url) {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end('malformed request path');
      return;
    }
    const path = url.pathname;
    if (path === '/api/health') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, hostTime: Date.now() }));
      return;
    }
    if (path.startsWith('/api/') || path.startsWith('/media/')) {
      const addr = req.socket.remoteAddress ?? '?';
      if (badTokens.blocked(addr)) {
        res.writeHead(429, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '60' }).end('too many wrong tokens; try again later');
        return;
      }
      if (!identify(req, url)) {
        badTokens.fail(addr);
        res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8' }).end('missing or wrong token');
        return;
      }
      const m = MEDIA_PATH.exec(path);
      if (m && opts.media) {
        opts.media.handleHttpFlv(req, res, `${m[1]}/${m[2]}`);
        return;
      }
      const h = HLS_PATH.exec(path);
      if (h && opts.media) {
        opts.media.handleHls(req, res, `${h[1]}/${h[2]}`, h[3]!);
        return;
      }
      const snap = SNAPSHOT_PATH.exec(path);
      if (snap && opts.media) {
        const profile = url.searchParams.get('profile') === 'sub' ? 'sub' : 'main';
        opts.media.handleSnapshot(req, res, `${snap[1]}/${profile}`);
        return;
      }
      const clip = CLIP_PATH.exec(path);
      if (clip && opts.clipDir) {
        await serveDownload(join(opts.clipDir, clip[1]!), res);
        return;
      }
      const exp = EXPORT_PATH.exec(path);
      if (exp && opts.exportDir) {
        await serveDownload(join(opts.exportDir, exp[1]!), res);
        return;
      }
      for (const route of opts.routes ?? []) if (await route(req, res, path)) return;
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`no such endpoint: ${path}`);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    if (!opts.staticDir) {
      res.writeHead(404).end('no renderer is served by this host');
      return;
    }
    await serveStatic(opts.staticDir, req, res, path);
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((e: Error) => {
      log('error', `HTTP ${req.method} ${req.url}: ${e.stack ?? e.message}`);
      if (!res.headersSent) res.writeHead(500).end('internal error');
      else res.destroy();
    });
  };
  const server: Server = opts.tls ? createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert, minVersion: 'TLSv1.2' }, onRequest) : createServer(onRequest);

  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = parseRequestUrl(req.url);
    if (!url) {
      rejectUpgrade(socket, 400, 'Bad Request');
      return;
    }
    const addr = req.socket.remoteAddress ?? '?';
    if (badTokens.blocked(addr)) {
      rejectUpgrade(socket, 429, 'Too Many Requests');
      return;
    }
    const device = identify(req, url);
    if (!device) {
      badTokens.fail(addr);
      log('warn', `WebSocket upgrade to ${url.pathname} from ${addr} refused: missing or wrong token`);
      rejectUpgrade(socket, 401, 'Unauthorized');
      return;
    }
    // The control API only from the host's own pages (cross-site WebSocket hijacking); media streams
    // are read-only and also play in decoders' own pages, so for them the token alone decides.
    if (url.pathname === '/api/ws' && !originAllowed(req, opts.allowedOrigins ?? [])) {
      log('warn', `WebSocket upgrade to ${url.pathname} refused: page origin ${req.headers.origin ?? ''} is not this host`);
      rejectUpgrade(socket, 403, 'Forbidden');
      return;
    }
    if (url.pathname === '/api/ws') {
      apiWss.handleUpgrade(req, socket, head, (ws) => apiWss.emit('connection', ws, req, device));
      return;
    }
    const m = MEDIA_PATH.exec(url.pathname);
    if (m && opts.media) {
      const key = `${m[1]}/${m[2]}`;
      const media = opts.media;
      mediaWss.handleUpgrade(req, socket, head, (ws) => media.attachWebSocket(ws, key));
      return;
    }
    rejectUpgrade(socket, 404, 'Not Found');
  });

  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  return {
    url: `${opts.tls ? 'https' : 'http'}://${shownHost}:${port}`,
    port,
    token,
    close: async () => {
      offBus();
      for (const ws of clients.keys()) ws.terminate();
      for (const ws of mediaWss.clients) ws.terminate();
      apiWss.close();
      mediaWss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

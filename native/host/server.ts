import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { basename, join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_MESSAGE_BYTES, PROTOCOL_VERSION, type ServerMessage } from '../../common/contract';
import { dispatch, type Logger } from './dispatch';
import type { EventBus } from './event-bus';
import type { HandlerRegistry } from './registry';
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
  log: Logger;
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

async function serveClip(file: string, res: ServerResponse): Promise<void> {
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('no such clip');
    return;
  }
  res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': info.size, 'content-disposition': `attachment; filename="${basename(file)}"` });
  createReadStream(file).pipe(res);
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
  const clients = new Set<WebSocket>();

  const send = (ws: WebSocket, msg: ServerMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
  };

  const offBus = bus.onAny((name, payload) => {
    const text = JSON.stringify({ t: 'event', name, payload } satisfies ServerMessage);
    for (const ws of clients) {
      if (ws.readyState === ws.OPEN && ws.bufferedAmount < EVENT_BACKLOG_LIMIT) ws.send(text);
    }
  });

  apiWss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    const clientId = randomUUID().slice(0, 8);
    clients.add(ws);
    log('info', `client ${clientId} connected from ${req.socket.remoteAddress ?? '?'}`);
    send(ws, { t: 'hello', protocol: PROTOCOL_VERSION, hostTime: Date.now() });
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        send(ws, { t: 'error', error: { code: 'bad_message', message: 'binary messages are not part of the protocol' } });
        return;
      }
      const raw = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      void dispatch(raw, registry, { clientId }, log).then((reply) => send(ws, reply));
    });
    ws.on('error', (e) => log('warn', `client ${clientId}: ${e.message}`));
    ws.on('close', () => {
      clients.delete(ws);
      log('info', `client ${clientId} disconnected`);
    });
  });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://host');
    const path = url.pathname;
    if (path === '/api/health') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, hostTime: Date.now() }));
      return;
    }
    if (path.startsWith('/api/') || path.startsWith('/media/')) {
      if (!sameToken(tokenFrom(req, url), token)) {
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
        await serveClip(join(opts.clipDir, clip[1]!), res);
        return;
      }
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

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: Error) => {
      log('error', `HTTP ${req.method} ${req.url}: ${e.stack ?? e.message}`);
      if (!res.headersSent) res.writeHead(500).end('internal error');
      else res.destroy();
    });
  });

  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://host');
    if (!sameToken(tokenFrom(req, url), token)) {
      log('warn', `WebSocket upgrade to ${url.pathname} refused: missing or wrong token`);
      rejectUpgrade(socket, 401, 'Unauthorized');
      return;
    }
    if (url.pathname === '/api/ws') {
      apiWss.handleUpgrade(req, socket, head, (ws) => apiWss.emit('connection', ws, req));
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
    url: `http://${shownHost}:${port}`,
    port,
    token,
    close: async () => {
      offBus();
      for (const ws of clients) ws.terminate();
      for (const ws of mediaWss.clients) ws.terminate();
      apiWss.close();
      mediaWss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

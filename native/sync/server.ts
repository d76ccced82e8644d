import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { recordProblem, type SyncRecord } from '../../common/duty';
import { isHlc, parseHlc } from '../../common/hlc';
import { MAX_BODY_BYTES, PushBody, type CentralStore } from './protocol';

/*
 * The central sync service: HTTP + JSON, per-site bearer tokens, idempotent batches. Stateless
 * apart from its store, so several instances can share one PostgreSQL. Spec: docs/sync.md.
 */

export interface SyncServerOptions {
  store: CentralStore;
  /** Site id → token (or `sha256:<hex>` of it). */
  tokens: Record<string, string>;
  host?: string;
  port?: number;
  /** How far ahead of this server's clock a record's HLC may be, ms. */
  maxDriftMs?: number;
  maxAttachmentBytes?: number;
  log?: (level: 'info' | 'warn', msg: string) => void;
}

export interface RunningSyncServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Parses `SYNC_TOKENS` style text: `site1=token1,site2=sha256:<hex>`. */
export function parseTokens(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(/[,\n]/).map((s) => s.trim()).filter(Boolean)) {
    const i = part.indexOf('=');
    if (i < 1 || i === part.length - 1) throw new Error(`token entry "${part.slice(0, 40)}" is not site=token`);
    out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

export async function startSyncServer(opts: SyncServerOptions): Promise<RunningSyncServer> {
  const { store } = opts;
  const log = opts.log ?? (() => undefined);
  const maxDrift = opts.maxDriftMs ?? 24 * 3600_000;
  const keys = Object.entries(opts.tokens).map(([site, t]) => ({ site, hash: t.startsWith('sha256:') ? Buffer.from(t.slice(7), 'hex') : digest(t) }));

  const siteOf = (req: IncomingMessage): string | null => {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    if (!m) return null;
    const h = digest(m[1]!);
    return keys.find((k) => k.hash.length === h.length && timingSafeEqual(k.hash, h))?.site ?? null;
  };

  const send = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const readBody = (req: IncomingMessage): Promise<string> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let n = 0;
      req.on('data', (c: Buffer) => {
        n += c.length;
        if (n > MAX_BODY_BYTES) {
          reject(Object.assign(new Error(`request body over ${MAX_BODY_BYTES} bytes`), { status: 413 }));
          req.destroy();
        } else chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/v1/health') return send(res, 200, { ok: true, store: store.kind });
    if (url.pathname !== '/v1/push' && url.pathname !== '/v1/pull') return send(res, 404, { error: `no route ${url.pathname}` });
    const site = siteOf(req);
    if (!site) {
      log('warn', `refused ${req.method} ${url.pathname} from ${req.socket.remoteAddress}: wrong or missing token`);
      req.resume();
      return send(res, 401, { error: 'wrong or missing site token' });
    }
    if (url.pathname === '/v1/pull') {
      if (req.method !== 'GET') return send(res, 405, { error: 'use GET' });
      const limit = Math.min(Math.max(Number(url.searchParams.get('limit') ?? 500) || 500, 1), 5000);
      return send(res, 200, await store.pull(site, url.searchParams.get('after') ?? '0', limit));
    }
    if (req.method !== 'POST') return send(res, 405, { error: 'use POST' });
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch (e) {
      const status = (e as { status?: number }).status ?? 400;
      return send(res, status, { error: status === 413 ? (e as Error).message : 'the body is not JSON' });
    }
    const p = PushBody.safeParse(body);
    if (!p.success) return send(res, 400, { error: `not a push batch: ${p.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` });
    const good: SyncRecord[] = [];
    const rejected: { id: string; reason: string }[] = [];
    const now = Date.now();
    p.data.records.forEach((raw, i) => {
      const id = typeof (raw as { id?: unknown })?.id === 'string' ? (raw as { id: string }).id : `#${i}`;
      const problem = recordProblem(raw, opts.maxAttachmentBytes);
      if (problem) return void rejected.push({ id, reason: problem });
      const r = raw as SyncRecord;
      if (isHlc(r.hlc) && parseHlc(r.hlc).wall - now > maxDrift) return void rejected.push({ id, reason: `hlc ${r.hlc} is more than ${maxDrift / 3600_000} h ahead of the centre's clock; check the clock of site ${site}` });
      good.push(r);
    });
    const result = await store.push(site, p.data.batchId, good, rejected);
    if (result.rejected.length) log('warn', `site ${site} batch ${p.data.batchId}: ${result.rejected.length} record(s) rejected, first: ${result.rejected[0]!.reason}`);
    send(res, 200, result);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      log('warn', `sync request failed: ${(e as Error).message}`);
      if (!res.headersSent) send(res, 503, { error: 'the store is not available; retry later' });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

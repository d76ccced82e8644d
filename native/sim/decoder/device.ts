import { timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import {
  DEFAULT_SUB_STREAM_WEIGHT,
  DecoderLayoutSchema,
  DecoderOsdSchema,
  layoutCost,
  LED_OFF,
  LedStateSchema,
  outputsKey,
  type DecoderLayout,
  type DecoderOsdItem,
  type DecoderOutput,
  type DecoderStatus,
  type LedState,
  type ReportedOutput,
} from '../../../common/wall';
import { ledPreviewPage, previewPage } from './page';

/**
 * A simulated networked wall decoder (or LED strip controller): a real HTTP/JSON server speaking
 * docs/decoder-protocol.md. It "decodes" by keeping the layout it was given and reporting it, and
 * serves a preview page that plays its outputs with mpegts.js. Fault injection for tests.
 */

export interface SimDecoderOptions {
  id: string;
  host?: string;
  /** 0 = an ephemeral port (kept across link cuts and reboots). */
  port?: number;
  /** Basic credentials it requires; null = none. */
  credentials?: { user: string; password: string } | null;
  kind?: 'decoder' | 'led';
  maxStreams?: number;
  subStreamWeight?: number;
  output?: { width: number; height: number };
  /** Base for relative stream URLs, e.g. `ws://127.0.0.1:8650/?token=…` (its query is appended). */
  hostMediaBase?: string;
  /** Draws OSD (the PTZ HUD) when the host sends it (default true); false = a model without OSD. */
  osd?: boolean;
  /** How long a reboot takes, ms (default 2000). */
  rebootMs?: number;
  log?: (level: 'debug' | 'info' | 'warn' | 'error', msg: string) => void;
}

export interface SimRequest {
  method: string;
  path: string;
  status: number;
  /** Epoch ms when the request arrived. */
  at: number;
  /** Time to answer, ms (injected delay included). */
  ms: number;
}

export interface SimDecoder {
  readonly id: string;
  readonly kind: 'decoder' | 'led';
  /** Base URL without credentials. */
  readonly url: string;
  /** Base URL with credentials, as the site file's `address` holds it. */
  readonly address: string;
  readonly port: number;
  /** Accepted layout (revision 0 and no outputs after a boot). */
  layout(): DecoderLayout;
  /** The overlay it draws, per output id (empty after a boot). */
  osd(): Map<string, DecoderOsdItem>;
  led(): LedState & { revision: number };
  status(): DecoderStatus;
  /** Recent requests, newest last (at most 500). */
  readonly requests: SimRequest[];
  readonly reachable: boolean;
  /** Link cut (connections refused, state kept) or restored. */
  setReachable(up: boolean): Promise<void>;
  /** Power off: stops answering and forgets its state. */
  kill(): Promise<void>;
  /** Power on after kill(). */
  start(): Promise<void>;
  /** As POST /api/v1/reboot: forgets its state, unreachable for rebootMs. */
  reboot(): Promise<void>;
  /** Answers every request this much later. */
  setDelay(ms: number): void;
  /** Outputs playing this camera report `error` with the message (null clears). */
  failStream(cameraId: string, message: string | null): void;
  /** As if another controller had written this revision. */
  forceRevision(revision: number): void;
  setHostMediaBase(url: string | undefined): void;
  close(): Promise<void>;
}

const MAX_BODY = 256 * 1024;
const mpegtsFile = (() => {
  try {
    return createRequire(import.meta.url).resolve('mpegts.js/dist/mpegts.js');
  } catch {
    return undefined;
  }
})();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startSimDecoder(opts: SimDecoderOptions): Promise<SimDecoder> {
  const host = opts.host ?? '127.0.0.1';
  const kind = opts.kind ?? 'decoder';
  const log = opts.log ?? (() => undefined);
  const output = opts.output ?? { width: 1920, height: 1080 };
  const maxStreams = opts.maxStreams ?? 4;
  const subWeight = opts.subStreamWeight ?? DEFAULT_SUB_STREAM_WEIGHT;
  const creds = opts.credentials === undefined ? { user: 'admin', password: 'skywatch-sim' } : opts.credentials;
  const expectedAuth = creds ? `Basic ${Buffer.from(`${creds.user}:${creds.password}`).toString('base64')}` : undefined;
  const rebootMs = opts.rebootMs ?? 2000;

  let revision = 0;
  let outputs: DecoderOutput[] = [];
  let key = outputsKey([]);
  let osd = new Map<string, DecoderOsdItem>();
  const hasOsd = kind === 'decoder' && opts.osd !== false;
  let led: LedState & { revision: number } = { ...LED_OFF, revision: 0 };
  let bootAt = Date.now();
  let delayMs = 0;
  let mediaBase = opts.hostMediaBase;
  const failed = new Map<string, string>();
  const requests: SimRequest[] = [];
  let server: Server | undefined;
  let port = opts.port ?? 0;
  let reachable = false;
  let rebootTimer: NodeJS.Timeout | undefined;

  const forget = () => {
    revision = 0;
    outputs = [];
    key = outputsKey([]);
    osd = new Map();
    led = { ...LED_OFF, revision: 0 };
    bootAt = Date.now();
  };

  const reported = (): ReportedOutput[] =>
    outputs.map((o) => {
      const err = o.stream ? failed.get(o.stream.cameraId) : undefined;
      return {
        id: o.id,
        cameraId: o.stream?.cameraId ?? null,
        profile: o.stream?.profile ?? null,
        state: !o.stream ? 'idle' : err ? 'error' : 'playing',
        error: err ?? null,
      };
    });

  const status = (): DecoderStatus => ({
    protocol: 1,
    model: kind === 'led' ? 'SW-LED-320' : 'SW-DEC-4H',
    firmware: '1.0.0',
    serial: `SIM-${opts.id}`,
    capacity: { maxStreams, subStreamWeight: subWeight, osd: hasOsd },
    output,
    revision: kind === 'led' ? led.revision : revision,
    uptimeS: Math.round((Date.now() - bootAt) / 1000),
    outputs: kind === 'led' ? [] : reported(),
  });

  const resolveUrl = (url: string): string => {
    if (!url.startsWith('/') || !mediaBase) return url;
    const base = new URL(mediaBase);
    const u = new URL(url, base);
    for (const [k, v] of base.searchParams) if (!u.searchParams.has(k)) u.searchParams.set(k, v);
    return u.toString();
  };

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(body));
  };

  /** PUT /api/v1/layout: full state, idempotent, 409 on a stale revision, 422 with reasons. */
  const putLayout = (body: unknown, res: ServerResponse) => {
    const parsed = DecoderLayoutSchema.safeParse(body);
    if (!parsed.success) {
      json(res, 422, { error: 'layout refused', reasons: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`) });
      return;
    }
    const next = parsed.data;
    const nextKey = outputsKey(next.outputs);
    if (next.revision < revision || (next.revision === revision && nextKey !== key)) {
      json(res, 409, { error: 'stale revision', revision });
      return;
    }
    if (next.revision === revision) {
      json(res, 200, { revision, changed: false });
      return;
    }
    const reasons: string[] = [];
    const ids = new Set<string>();
    for (const o of next.outputs) {
      if (ids.has(o.id)) reasons.push(`duplicate output id ${o.id}`);
      ids.add(o.id);
      if (o.dest.x < 0 || o.dest.y < 0 || o.dest.x + o.dest.w > output.width || o.dest.y + o.dest.h > output.height) {
        reasons.push(`output ${o.id} lies outside the ${output.width}x${output.height} output`);
      }
    }
    const cost = layoutCost(next.outputs, subWeight);
    if (cost > maxStreams + 1e-9) reasons.push(`needs ${cost} HD decodes; this decoder has ${maxStreams}`);
    if (reasons.length) {
      json(res, 422, { error: 'layout refused', reasons });
      return;
    }
    revision = next.revision;
    outputs = next.outputs;
    key = nextKey;
    const shown = new Set(outputs.map((o) => o.id));
    for (const id of osd.keys()) if (!shown.has(id)) osd.delete(id);
    log('debug', `decoder ${opts.id}: revision ${revision}, ${outputs.length} outputs`);
    json(res, 200, { revision, changed: true });
  };

  /** PUT /api/v1/osd: the whole overlay; items for outputs it does not show are ignored. */
  const putOsd = (body: unknown, res: ServerResponse) => {
    const parsed = DecoderOsdSchema.safeParse(body);
    if (!parsed.success) {
      json(res, 422, { error: 'osd refused', reasons: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`) });
      return;
    }
    const shown = new Set(outputs.map((o) => o.id));
    osd = new Map(parsed.data.outputs.filter((o) => shown.has(o.id)).map((o) => [o.id, o]));
    json(res, 200, { outputs: osd.size });
  };

  const putLed = (body: unknown, res: ServerResponse) => {
    const rev = (body as { revision?: unknown } | null)?.revision;
    const parsed = LedStateSchema.safeParse(body);
    if (!parsed.success || typeof rev !== 'number' || !Number.isInteger(rev) || rev < 0) {
      json(res, 422, { error: 'led refused', reasons: parsed.success ? ['revision: must be a whole number ≥ 0'] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
      return;
    }
    const changed = JSON.stringify(parsed.data) !== JSON.stringify({ text: led.text, colour: led.colour, speedPxS: led.speedPxS });
    if (rev < led.revision || (rev === led.revision && changed)) {
      json(res, 409, { error: 'stale revision', revision: led.revision });
      return;
    }
    led = { ...parsed.data, revision: rev };
    json(res, 200, { revision: rev, changed });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (delayMs > 0) await sleep(delayMs);
    const url = new URL(req.url ?? '/', 'http://decoder');
    const path = url.pathname;
    if (expectedAuth && !same(req.headers.authorization ?? '', expectedAuth)) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="decoder"', 'content-type': 'application/json' }).end(JSON.stringify({ error: 'unauthorized' }));
      return;
    }
    const m = req.method ?? 'GET';
    if (m === 'GET' && path === '/api/v1/status') return json(res, 200, kind === 'led' ? { ...status(), led } : status());
    if (m === 'GET' && path === '/api/v1/layout' && kind === 'decoder') return json(res, 200, { revision, outputs });
    if (m === 'GET' && path === '/api/v1/osd' && hasOsd) return json(res, 200, { outputs: [...osd.values()] });
    const put = m !== 'PUT' ? undefined : kind === 'led' ? { '/api/v1/led': putLed }[path] : { '/api/v1/layout': putLayout, ...(hasOsd ? { '/api/v1/osd': putOsd } : {}) }[path];
    if (put) {
      const text = await readBody(req);
      if (text === undefined) return json(res, 413, { error: `body larger than ${MAX_BODY} bytes` });
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return json(res, 422, { error: `${path.slice(8)} refused`, reasons: ['body is not JSON'] });
      }
      return put(body, res);
    }
    if (m === 'POST' && path === '/api/v1/reboot') {
      json(res, 202, { rebooting: true, backInS: rebootMs / 1000 });
      res.once('finish', () => void api.reboot());
      return;
    }
    if (m === 'GET' && path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(kind === 'led' ? ledPreviewPage(opts.id) : previewPage(opts.id, output));
      return;
    }
    if (m === 'GET' && path === '/sim/preview' && kind === 'decoder') {
      return json(res, 200, { revision, output, outputs: outputs.map((o) => (o.stream ? { ...o, stream: { ...o.stream, url: resolveUrl(o.stream.url) } } : o)), osd: [...osd.values()] });
    }
    if (m === 'GET' && path === '/mpegts.js' && mpegtsFile) {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'max-age=3600' });
      createReadStream(mpegtsFile).pipe(res);
      return;
    }
    json(res, 404, { error: `no such endpoint: ${m} ${path}` });
  };

  const listen = async () => {
    const s = createServer((req, res) => {
      const t0 = performance.now();
      const at = Date.now();
      res.once('finish', () => {
        requests.push({ method: req.method ?? '', path: (req.url ?? '').split('?')[0] ?? '', status: res.statusCode, at, ms: performance.now() - t0 });
        if (requests.length > 500) requests.splice(0, requests.length - 500);
      });
      handle(req, res).catch((e: Error) => {
        log('error', `decoder ${opts.id}: ${e.stack ?? e.message}`);
        if (!res.headersSent) json(res, 500, { error: 'internal error' });
        else res.destroy();
      });
    });
    s.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, host, () => {
        s.off('error', reject);
        resolve();
      });
    });
    port = (s.address() as AddressInfo).port;
    server = s;
    reachable = true;
  };

  const unlisten = async () => {
    const s = server;
    server = undefined;
    reachable = false;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  };

  await listen();
  const userinfo = creds ? `${encodeURIComponent(creds.user)}:${encodeURIComponent(creds.password)}@` : '';
  const base = `http://${host}:${port}`;

  const api: SimDecoder = {
    id: opts.id,
    kind,
    url: base,
    address: `http://${userinfo}${host}:${port}`,
    port,
    layout: () => ({ revision, outputs }),
    osd: () => new Map(osd),
    led: () => ({ ...led }),
    status,
    requests,
    get reachable() {
      return reachable;
    },
    async setReachable(up) {
      if (up === reachable) return;
      if (up) await listen();
      else await unlisten();
      log('info', `decoder ${opts.id}: link ${up ? 'restored' : 'cut'}`);
    },
    async kill() {
      clearTimeout(rebootTimer);
      await unlisten();
      forget();
      log('info', `decoder ${opts.id}: powered off`);
    },
    async start() {
      if (reachable) return;
      forget();
      await listen();
      log('info', `decoder ${opts.id}: powered on`);
    },
    async reboot() {
      await unlisten();
      forget();
      log('info', `decoder ${opts.id}: rebooting (${rebootMs} ms)`);
      clearTimeout(rebootTimer);
      rebootTimer = setTimeout(() => {
        forget();
        listen().catch((e: Error) => log('error', `decoder ${opts.id}: cannot come back after reboot: ${e.message}`));
      }, rebootMs);
    },
    setDelay(ms) {
      delayMs = ms;
    },
    failStream(cameraId, message) {
      if (message === null) failed.delete(cameraId);
      else failed.set(cameraId, message);
    },
    forceRevision(r) {
      revision = r;
    },
    setHostMediaBase(url) {
      mediaBase = url;
    },
    async close() {
      clearTimeout(rebootTimer);
      await unlisten();
    },
  };
  return api;
}

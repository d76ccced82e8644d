import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHost } from '../../native/host/start';
import { ensureTestAccounts } from '../accounts';
import { randomString, REPLAY, Rng, wellFormed } from './gen';
import { startFuzzHost } from './host';

/*
 * Random and hostile HTTP requests to every route family: /api/*, /media/*, /api/snapshot/*,
 * /api/clips/*, /api/exports/*, the static renderer; with and without the token, random methods,
 * path traversal, big headers and bodies; then malformed raw requests and WebSocket upgrades.
 * Every request gets an answer within the deadline, never a 5xx, never a file from outside the
 * served folders, and the host is alive afterwards.
 */

const REQUESTS = 2000;
const RAW_REQUESTS = 160;
const UPGRADES = 80;
const TIMEOUT_MS = 5000;
const CANARY = 'FUZZ-CANARY-7c1d0e';

let host: RunningHost;
let dataDir: string;
let staticDir: string;
let staticRoot: string;
/** Contents of every file the host may serve; any other 200 body is a leak. */
const servable = new Set<string>();
/** Markers of files that must never be served. */
const SECRETS = [CANARY, 'scrypt$', 'root:x:0:0', '"format": "skywatch-accounts"', '"format": "skywatch-devices"'];
const crashes: string[] = [];
const onCrash = (e: unknown) => crashes.push(e instanceof Error ? (e.stack ?? e.message) : String(e));

function put(file: string, text: string, served: boolean): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
  if (served) servable.add(text);
}

beforeAll(async () => {
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  const root = mkdtempSync(join(tmpdir(), 'fuzz-static-'));
  staticRoot = root;
  staticDir = join(root, 'www');
  put(join(staticDir, 'index.html'), '<!doctype html><title>FUZZ-INDEX</title>', true);
  put(join(staticDir, 'assets', 'app.js'), 'console.log("FUZZ-APP")', true);
  put(join(staticDir, 'data.json'), '{"fuzz":"FUZZ-DATA"}', true);
  put(join(staticDir, 'sub', 'index.html'), '<!doctype html><title>FUZZ-SUB</title>', true);
  // Beside the served folder: a prefix twin (www-evil) and the parent.
  put(join(root, 'www-evil', 'secret.js'), `${CANARY} www-evil`, false);
  put(join(root, 'canary.html'), `${CANARY} parent`, false);
  ({ host, dataDir } = await startFuzzHost({ staticDir }));
  put(join(dataDir, 'clips', 'clip-1.mp4'), 'FUZZ-CLIP-BYTES', true);
  put(join(dataDir, 'exports', 'report-1.csv'), 'FUZZ-REPORT,1', true);
  put(join(dataDir, 'exports', 'sub', 'inner.csv'), `${CANARY} nested export`, false);
  put(join(dataDir, 'canary.mp4'), `${CANARY} data mp4`, false);
  put(join(dataDir, 'canary.csv'), `${CANARY} data csv`, false);
  put(join(dataDir, 'auth', 'canary.json'), `${CANARY} auth json`, false);
  // Real accounts, so accounts.json (with its scrypt hashes) is there to be leaked, or not.
  await ensureTestAccounts(host);
  console.log(`http fuzz: ${REPLAY}`);
}, 60_000);

afterAll(async () => {
  await host?.close();
  for (const dir of [dataDir, staticRoot]) if (dir) rmSync(dir, { recursive: true, force: true });
  process.off('uncaughtException', onCrash);
  process.off('unhandledRejection', onCrash);
});

// ---------------------------------------------------------------------------------------------
// Requests

interface Req {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  localAddress: string;
}

type Res = { status: number; headers: IncomingHttpHeaders; body: Buffer } | { error: string } | 'timeout' | 'not sent';

function send(port: number, req: Req, timeoutMs = TIMEOUT_MS): Promise<Res> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: Res) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(r);
    };
    const timer = setTimeout(() => {
      finish('timeout');
      cr?.destroy();
    }, timeoutMs);
    let cr: ReturnType<typeof request> | undefined;
    try {
      cr = request({ host: '127.0.0.1', port, method: req.method, path: req.path, headers: req.headers, localAddress: req.localAddress, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= 1 << 20) chunks.push(c);
          else res.destroy();
        });
        const end = () => finish({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
        res.on('end', end);
        res.on('close', end);
        res.on('error', end);
      });
    } catch {
      // The client library refuses it (a header or path it will not send): not sent.
      clearTimeout(timer);
      done = true;
      resolve('not sent');
      return;
    }
    cr.on('error', (e) => finish({ error: e.message }));
    if (req.body) cr.end(req.body);
    else cr.end();
  });
}

const METHODS = ['GET', 'GET', 'GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'PROPFIND', 'FOO', 'get'];

const TRAVERSALS = [
  '/../../../../etc/passwd',
  '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
  '/..%2f..%2f..%2fetc%2fpasswd',
  '/%2e%2e%2fcanary.html',
  '/..%2fcanary.html',
  '/..%5ccanary.html',
  '/..\\canary.html',
  '/assets/..%2f..%2fcanary.html',
  '/x/assets/..%2f..%2f..%2fcanary.html',
  '/decoder/assets/%2e%2e/%2e%2e/canary.html',
  '/..%2fwww-evil%2fsecret.js',
  '/%2e%2e/www-evil/secret.js',
  '/.%2e/canary.html',
  '/%252e%252e%252fcanary.html',
  '/%c0%ae%c0%ae/canary.html',
  '/%00',
  '/index.html%00.js',
  '/%',
  '/%zz',
  '/%e0%a4%a',
  '/api/clips/..%2f..%2fetc%2fpasswd',
  '/api/clips/..%2fcanary.mp4',
  '/api/clips/%2e%2e%2fcanary.mp4',
  '/api/clips/../canary.mp4',
  '/api/clips/....//canary.mp4',
  '/api/clips/a/../../canary.mp4',
  '/api/clips/x%00.mp4',
  '/api/clips/clip-1.mp4%00',
  '/api/clips/.mp4',
  '/api/clips/..mp4',
  '/api/exports/..%2fcanary.csv',
  '/api/exports/sub%2finner.csv',
  '/api/exports/sub/inner.csv',
  '/api/exports/..%2f..%2fauth%2faccounts.json',
  '/api/exports/../auth/accounts.json',
  '/api/exports/a..json',
  '/api/snapshot/..%2f..%2fetc%2fpasswd.jpg',
  '/media/..%2f..%2fetc/main.flv',
  '/media/fz/main/hls/..%2f..%2fcanary.mp4',
  '/media/fz/main/hls/../../../canary.csv',
];

function fakeId(r: Rng): string {
  return r.pick(['fz-cam', 'nope', 'a', 'A_b-9', 'x'.repeat(64), 'x'.repeat(65), '-lead', '.dot', 't99-visible', 'T01-VISIBLE', 'fz%2fcam', '森林', 'fz cam', '']);
}

function randomPath(r: Rng): string {
  const q = () =>
    r.pick(['', '', '?profile=sub', '?profile=main', '?profile=%00', `?profile=${'x'.repeat(r.int(1, 3000))}`, '?a=1&a=2', '?token', '?token=', '?=', '?%zz', '#frag', `?${randomString(r, 200).replace(/[^\x21-\x7e]/g, '')}`]);
  switch (r.int(0, 13)) {
    case 0:
      return `/api/health${q()}`;
    case 1:
      return `/api/${r.pick(['ws', 'v1', 'status', 'clips', 'exports', 'snapshot', '', 'health/', 'HEALTH', 'x'.repeat(r.int(1, 4000))])}${q()}`;
    case 2:
      return `/media/${fakeId(r)}/${r.pick(['main', 'sub', 'third', ''])}.flv${q()}`;
    case 3:
      return `/media/${fakeId(r)}/${r.pick(['main', 'sub'])}/hls/${r.pick(['index.m3u8', 'seg-1.ts', 'x'.repeat(81), '..', '.', 'a.b', '%2e%2e'])}${q()}`;
    case 4:
      return `/api/snapshot/${fakeId(r)}.${r.pick(['jpg', 'png', 'jpeg', ''])}${q()}`;
    case 5:
      return `/api/clips/${r.pick(['clip-1.mp4', 'clip-2.mp4', 'canary.mp4', `${'a'.repeat(r.int(150, 170))}.mp4`, 'clip-1.MP4', 'clip-1.mp4.mp4', 'x.mov', ''])}${q()}`;
    case 6:
      return `/api/exports/${r.pick(['report-1.csv', 'report-2.pdf', 'a.json', 'canary.csv', 'report-1.CSV', 'x.txt', 'x.csv.exe', ''])}${q()}`;
    case 7:
    case 8:
      return r.pick(TRAVERSALS) + q();
    case 9:
      return `${r.pick(['/', '/index.html', '/assets/app.js', '/data.json', '/sub', '/sub/', '/decoder/d08', '/wall/assets/app.js', '/nope.js', '/favicon.ico', '/森林', '/%E6%A3%AE', '/a/b/c/d/e/f'])}${q()}`;
    case 10:
      // Protocol-relative and absolute-looking paths: the URL parser sees an authority.
      return r.pick(['//', '//x', '//x/api/health', '//127.0.0.1/api/clips/clip-1.mp4', '///etc/passwd', '//[', '//[::1', '//%zz/', '//a:b@c/', '//x:99999/', '//host:port/']);
    case 11:
      return `/${'a/'.repeat(r.int(1, 2000))}`;
    case 12: {
      let s = '/';
      for (let i = r.int(1, 40); i > 0; i--) s += String.fromCharCode(r.int(0x21, 0x7e));
      return s;
    }
    default:
      return `/${encodeURIComponent(wellFormed(randomString(r, 3000)))}`;
  }
}

/** Latin-1 printable text a header may carry. */
function headerText(r: Rng, max: number): string {
  let s = '';
  const n = r.int(0, max);
  for (let i = 0; i < n; i++) s += String.fromCharCode(r.bool(0.9) ? r.int(0x20, 0x7e) : r.int(0xa0, 0xff));
  return s;
}

let addressTurn = 0;

function randomRequest(r: Rng): { req: Req; token: 'valid' | 'wrong' | 'none' } {
  const method = r.pick(METHODS);
  let path = randomPath(r);
  const headers: Record<string, string> = {};
  const token = r.pick(['valid', 'valid', 'valid', 'wrong', 'none'] as const);
  if (token === 'valid') {
    // The first `token` parameter counts: after a `?token=` of the path's own, only the header is valid.
    if (r.bool() && !/[?&]token/.test(path)) path += `${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(host.token)}`;
    else headers.authorization = `Bearer ${host.token}`;
  } else if (token === 'wrong') {
    const wrong = r.pick([`${host.token}x`, host.token.slice(1), 'dev_abcdefghijklmnop', '', 'null', host.token.toUpperCase(), 'x'.repeat(r.int(100, 5000))]);
    if (r.bool()) path += `${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(wrong)}`;
    else headers.authorization = r.pick([`Bearer ${wrong}`, `Basic ${wrong}`, `bearer ${host.token}`, 'Bearer', `Bearer  ${host.token}`]);
  }
  for (let i = r.int(0, 6); i > 0; i--) headers[`x-fuzz-${i}`] = headerText(r, 300);
  if (r.bool(0.1)) headers['x-fuzz-big'] = headerText(r, 12_000);
  if (r.bool(0.2)) headers.range = r.pick(['bytes=0-3', 'bytes=-5', 'bytes=999999-', 'bytes=5-1', 'lines=1-2', headerText(r, 40)]);
  if (r.bool(0.1)) headers.origin = r.pick(['http://evil.example', 'null', headerText(r, 80)]);
  if (r.bool(0.1)) headers['if-none-match'] = headerText(r, 80);
  if (r.bool(0.05)) headers.expect = '100-continue';
  if (r.bool(0.05)) headers.host = r.pick(['', 'evil.example', '[::1]', headerText(r, 200)]);
  let body: Buffer | undefined;
  if (method !== 'GET' && method !== 'HEAD' && r.bool(0.6)) {
    body = Buffer.alloc(r.int(0, r.bool(0.1) ? 200_000 : 2000));
    for (let i = 0; i < body.length; i++) body[i] = r.int(0, 255);
    if (r.bool(0.5)) headers['content-type'] = r.pick(['application/json', 'text/plain', 'multipart/form-data; boundary=x', headerText(r, 60)]);
    // Framed explicitly: for GET, DELETE, OPTIONS and TRACE the client library would otherwise send
    // the body with neither Content-Length nor chunking (a malformed pipeline, tested raw below).
    if (r.bool(0.8)) headers['content-length'] = String(body.length);
    else headers['transfer-encoding'] = 'chunked';
  }
  // The token guesser limit is per address: the valid token comes from one address, wrong and
  // missing ones from a rotating pool (so 401s are reached), and some from one that ends up blocked.
  let localAddress = '127.0.0.2';
  if (token !== 'valid') localAddress = r.bool(0.2) ? '127.0.0.3' : `127.0.1.${1 + (Math.floor(addressTurn++ / 10) % 250)}`;
  return { req: { method, path, headers, ...(body ? { body } : {}), localAddress }, token };
}


function leak(body: Buffer): string | undefined {
  const text = body.toString('latin1');
  return SECRETS.find((s) => text.includes(s));
}

const httpStats = { sent: 0, notSent: 0, byStatus: new Map<number, number>(), failures: [] as string[], raw: 0, upgrades: 0 };

function judge(req: Req, res: Res): void {
  const what = `${req.method} ${req.path.slice(0, 160)}${req.path.length > 160 ? '…' : ''}`;
  if (res === 'not sent') {
    httpStats.notSent++;
    return;
  }
  httpStats.sent++;
  if (res === 'timeout') return void httpStats.failures.push(`${what}: no answer within ${TIMEOUT_MS} ms`);
  if ('error' in res) return void httpStats.failures.push(`${what}: no HTTP answer (${res.error})`);
  httpStats.byStatus.set(res.status, (httpStats.byStatus.get(res.status) ?? 0) + 1);
  if (res.status >= 500) {
    httpStats.failures.push(`${what}: ${res.status} ${res.body.toString('utf8').slice(0, 120)}`);
  }
  const leaked = leak(res.body);
  if (leaked) httpStats.failures.push(`${what}: ${res.status} body contains ${JSON.stringify(leaked)}`);
  if (res.status === 200 || res.status === 206) {
    const body = res.body.toString('utf8');
    const isFile = (res.headers['content-type'] ?? '').length > 0 && !String(res.headers['content-type']).startsWith('application/json');
    if (req.method !== 'HEAD' && isFile && body.length > 0 && !servable.has(body) && !servable.has(body.trim())) {
      httpStats.failures.push(`${what}: 200 with a body that is none of the served files: ${body.slice(0, 80)}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Raw requests

/** The first response is all there (a 101 upgrade stays open; a close-delimited body waits for the close). */
function responseComplete(out: string): boolean {
  const end = out.indexOf('\r\n\r\n');
  if (end < 0) return false;
  if (/^HTTP\/1\.1 101/.test(out)) return true;
  const head = out.slice(0, end);
  const body = out.slice(end + 4);
  const length = /\r\ncontent-length: *(\d+)/i.exec(head);
  if (length) return body.length >= Number(length[1]);
  if (/\r\ntransfer-encoding: *chunked/i.test(head)) return /(^|\r\n)0\r\n\r\n/.test(body);
  return false;
}

function rawExchange(port: number, text: string | Buffer, opts: { timeoutMs?: number; localAddress?: string; expectAnswer?: boolean } = {}): Promise<string | 'timeout'> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1', localAddress: opts.localAddress ?? '127.0.0.4' });
    let out = '';
    let done = false;
    const finish = (v: string | 'timeout') => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => finish(opts.expectAnswer === false ? out : out ? out : 'timeout'), opts.timeoutMs ?? TIMEOUT_MS);
    s.on('data', (d) => {
      out += d.toString('latin1');
      if (responseComplete(out)) setTimeout(() => finish(out), 20);
    });
    s.on('close', () => finish(out));
    s.on('error', (e) => finish(out || `socket error: ${e.message}`));
    s.write(text);
  });
}

function rawRequests(r: Rng): { text: string; expectAnswer: boolean }[] {
  const tok = host.token;
  const templates: ((r: Rng) => { text: string; expectAnswer?: boolean })[] = [
    () => ({ text: 'GET /api/health HTTP/1.1\r\n\r\n' }),
    () => ({ text: 'GET /api/health HTTP/1.0\r\n\r\n' }),
    () => ({ text: 'GET /\r\n\r\n' }),
    () => ({ text: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' }),
    () => ({ text: `${headerText(r, 200)}\r\n\r\n` }),
    (r) => ({ text: Buffer.from(Array.from({ length: r.int(1, 500) }, () => r.int(0, 255))).toString('latin1') + '\r\n\r\n' }),
    () => ({ text: `GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n` }),
    () => ({ text: `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n` }),
    () => ({ text: `GET / HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 3000 }, (_, i) => `X-H${i}: v`).join('\r\n')}\r\n\r\n` }),
    () => ({ text: 'POST /api/health HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n' }),
    () => ({ text: 'POST /api/health HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n' }),
    () => ({ text: 'POST /api/health HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!' }),
    () => ({ text: 'POST /api/health HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\nx' }),
    () => ({ text: 'POST /api/health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n' }),
    () => ({ text: 'POST /api/health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n' }),
    () => ({ text: 'POST /api/health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n' }),
    () => ({ text: 'GET /api/health HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\nGET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' }),
    () => ({ text: `GET /api/clips/clip-1.mp4 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${tok}\r\nConnection: close\r\n\r\n` }),
    () => ({ text: `GET /api/clips/..%2f..%2fetc%2fpasswd?token=${tok} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n` }),
    () => ({ text: `GET /../../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n` }),
    () => ({ text: `GET /..\\..\\canary.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n` }),
    () => ({ text: `GET /api/exports/../../canary.csv?token=${tok} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n` }),
    () => ({ text: `GET http://host/api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n` }),
    () => ({ text: `GET * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n` }),
    () => ({ text: `OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n` }),
    // Node's server closes a CONNECT at once (no 'connect' listener): a close, not a status, is the answer.
    () => ({ text: `CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: x\r\n\r\n`, expectAnswer: false }),
    // A body the client does not frame: the rest reads as a second, malformed request.
    () => ({ text: 'DELETE /api/health HTTP/1.1\r\nHost: x\r\n\r\n{"body":"without framing"}' }),
    () => ({ text: `GET /api/health HTTP/9.9\r\nHost: x\r\nConnection: close\r\n\r\n` }),
    () => ({ text: `GET /api/health HTTP/1.1\nHost: x\nConnection: close\n\n` }),
    () => ({ text: `GET /api/health HTTP/1.1\r\nHost: x\r\nBad Header: y\r\nConnection: close\r\n\r\n` }),
    () => ({ text: `GET /api/health HTTP/1.1\r\nHost: x\r\n: empty\r\nConnection: close\r\n\r\n` }),
    () => ({ text: `GET /api/health HTTP/1.1\r\nHost: x\r\nX: a\r\n folded\r\nConnection: close\r\n\r\n` }),
    () => ({ text: `GET /api/he\u0000alth HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n` }),
    () => ({ text: `GET /%e6%a3%ae HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n` }),
    () => ({ text: `GET /森林 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n` }),
    // Incomplete: the host may wait for the rest (its own timeouts apply); no answer is required.
    () => ({ text: 'GET /api/health HTTP/1.1\r\nHost: x\r\n', expectAnswer: false }),
    () => ({ text: 'POST /api/health HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nshort', expectAnswer: false }),
    () => ({ text: 'G', expectAnswer: false }),
  ];
  return Array.from({ length: RAW_REQUESTS }, (_, i) => {
    const t = i < templates.length ? templates[i]! : r.pick(templates);
    const { text, expectAnswer = true } = t(r);
    return { text, expectAnswer };
  });
}

/** Status of the first response in a raw exchange, or undefined. */
function statusOf(text: string): number | undefined {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  return m ? Number(m[1]) : undefined;
}

function upgradeRequest(r: Rng, path: string, tokenOk: boolean): string {
  const token = tokenOk ? host.token : r.pick(['', 'wrong', `${host.token}x`]);
  const sep = path.includes('?') ? '&' : '?';
  const lines = [
    `GET ${path}${r.bool(0.8) ? `${sep}token=${encodeURIComponent(token)}` : ''} HTTP/1.1`,
    `Host: ${r.pick([`127.0.0.1:${host.port}`, 'x', 'evil.example'])}`,
    r.bool(0.8) ? 'Connection: Upgrade' : r.pick(['Connection: upgrade, keep-alive', 'Connection: close']),
    r.bool(0.8) ? 'Upgrade: websocket' : r.pick(['Upgrade: WebSocket', 'Upgrade: h2c', 'Upgrade: ']),
    r.bool(0.8) ? 'Sec-WebSocket-Version: 13' : r.pick(['Sec-WebSocket-Version: 8', 'Sec-WebSocket-Version: x', '']),
    r.bool(0.8) ? 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' : r.pick(['Sec-WebSocket-Key: short', '']),
    r.bool(0.7) ? '' : r.pick(['Origin: http://evil.example', `Origin: http://127.0.0.1:${host.port}`, 'Origin: null']),
    r.pick(['', 'Sec-WebSocket-Protocol: a, b', `Sec-WebSocket-Extensions: permessage-deflate; ${headerText(r, 100)}`]),
  ].filter(Boolean);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

describe('HTTP fuzz', () => {
  it('flags what it must flag (self-check on deliberately bad answers)', () => {
    const req: Req = { method: 'GET', path: '/x', headers: {}, localAddress: '127.0.0.2' };
    const before = httpStats.failures.length;
    judge(req, { status: 500, headers: {}, body: Buffer.from('internal error') });
    judge(req, 'timeout');
    judge(req, { status: 200, headers: { 'content-type': 'text/plain' }, body: Buffer.from(`x ${CANARY}`) });
    judge(req, { status: 200, headers: { 'content-type': 'text/csv' }, body: Buffer.from('a file nobody serves') });
    expect(httpStats.failures.length - before).toBe(5);
    httpStats.failures.length = before;
    httpStats.sent -= 4;
    httpStats.byStatus.clear();
  });

  it(`answers ${REQUESTS} random requests to every route family within ${TIMEOUT_MS} ms, never 5xx, never a file from outside`, async () => {
    const r = Rng.for('http/requests');
    const t0 = Date.now();
    const queue = Array.from({ length: REQUESTS }, () => randomRequest(r));
    // Four in flight at a time.
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < queue.length) {
          const { req } = queue[next++]!;
          judge(req, await send(host.port, req));
        }
      }),
    );
    const statuses = [...httpStats.byStatus].sort(([a], [b]) => a - b).map(([s, n]) => `${s}: ${n}`).join(', ');
    console.log(
      `fuzz: ${httpStats.sent} HTTP requests (${httpStats.notSent} refused by the client library) in ${((Date.now() - t0) / 1000).toFixed(1)} s; ` +
        `${statuses}; ${httpStats.failures.length} failures`,
    );
    expect(httpStats.failures, REPLAY).toEqual([]);
    expect(httpStats.sent).toBeGreaterThanOrEqual(1500);
  }, 120_000);

  it(`answers ${RAW_REQUESTS} malformed raw requests with a 4xx (or waits for the rest), never 5xx`, async () => {
    const r = Rng.for('http/raw');
    const failures: string[] = [];
    const statuses = new Map<number | string, number>();
    for (const { text, expectAnswer } of rawRequests(r)) {
      const out = await rawExchange(host.port, text, { expectAnswer, timeoutMs: expectAnswer ? TIMEOUT_MS : 300 });
      httpStats.raw++;
      const what = JSON.stringify(text.slice(0, 80));
      if (out === 'timeout') {
        failures.push(`${what}: no answer within ${TIMEOUT_MS} ms`);
        continue;
      }
      const status = statusOf(out);
      statuses.set(status ?? 'none', (statuses.get(status ?? 'none') ?? 0) + 1);
      if (expectAnswer && status === undefined) failures.push(`${what}: no HTTP status line (${JSON.stringify(out.slice(0, 80))})`);
      if (status !== undefined && status >= 500) failures.push(`${what}: ${status}`);
      const leaked = leak(Buffer.from(out, 'latin1'));
      if (leaked) failures.push(`${what}: answer contains ${JSON.stringify(leaked)}`);
    }
    console.log(`fuzz: ${httpStats.raw} raw HTTP requests; ${[...statuses].map(([s, n]) => `${s}: ${n}`).join(', ')}; ${failures.length} failures`);
    expect(failures, REPLAY).toEqual([]);
  }, 60_000);

  it(`answers ${UPGRADES} WebSocket upgrades to random paths with 101 or a 4xx`, async () => {
    const r = Rng.for('http/upgrades');
    const failures: string[] = [];
    const statuses = new Map<number | string, number>();
    for (let i = 0; i < UPGRADES; i++) {
      const path = r.bool(0.5) ? r.pick(['/api/ws', '/api/ws/', '/media/fz-cam/main.flv', '/media/t99-visible/sub.flv', '/API/WS']) : randomPath(r);
      const text = upgradeRequest(r, path, r.bool(0.6));
      const out = await rawExchange(host.port, text, { localAddress: `127.0.2.${r.int(1, 250)}` });
      httpStats.upgrades++;
      const what = JSON.stringify(text.split('\r\n')[0]?.slice(0, 100));
      if (out === 'timeout') {
        failures.push(`${what}: no answer within ${TIMEOUT_MS} ms`);
        continue;
      }
      const status = statusOf(out);
      statuses.set(status ?? 'none', (statuses.get(status ?? 'none') ?? 0) + 1);
      if (status === undefined || status >= 500) failures.push(`${what}: ${status ?? `no status line: ${JSON.stringify(out.slice(0, 80))}`}`);
    }
    console.log(`fuzz: ${httpStats.upgrades} WebSocket upgrades; ${[...statuses].map(([s, n]) => `${s}: ${n}`).join(', ')}`);
    expect(failures, REPLAY).toEqual([]);
  }, 60_000);

  // BUG (native/host/server.ts, `handle`): `new URL(req.url, 'http://host')` throws for a request
  // target such as `//[` or `//%zz/` (a protocol-relative URL whose authority is invalid); the
  // throw escapes into the catch-all and the host answers 500 "internal error". Expected: 400.
  // Remove `.fails` once fixed.
  it('answers a request whose path has an unparsable "//" authority with a 4xx', async () => {
    const res = await send(host.port, { method: 'GET', path: '//[', headers: {}, localAddress: '127.0.0.5' });
    expect(res !== 'timeout' && res !== 'not sent' && 'status' in res ? res.status : 0).toBeLessThan(500);
  });

  // BUG (native/host/server.ts, the 'upgrade' listener): the same `new URL(req.url, …)` runs
  // synchronously inside the server's 'upgrade' event listener, outside any try/catch; a WebSocket
  // upgrade to `//[` throws "Invalid URL" as an uncaught exception and the host process exits,
  // before any token check. Reproduction: `printf 'GET //[ HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n
  // Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n' | nc 127.0.0.1 <port>`.
  // Shown on a host in a child process. Remove `.fails` once fixed.
  it('survives a WebSocket upgrade whose path has an unparsable "//" authority', async () => {
    const childData = mkdtempSync(join(tmpdir(), 'fuzz-child-'));
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./host-child.ts', import.meta.url))], {
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, FUZZ_CHILD_DATA_DIR: childData },
    });
    try {
      const info = await new Promise<{ port: number }>((resolve, reject) => {
        let out = '';
        child.stdout?.on('data', (d) => {
          out += String(d);
          const line = out.split('\n').find((l) => l.startsWith('{'));
          if (line) resolve(JSON.parse(line) as { port: number });
        });
        child.once('exit', (code) => reject(new Error(`child host exited (${code}) before it listened`)));
        setTimeout(() => reject(new Error('child host did not start')), 30_000);
      });
      const upgrade = 'GET //[ HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';
      await rawExchange(info.port, upgrade, { timeoutMs: 1500, expectAnswer: false });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(child.exitCode, 'the host process exited').toBeNull();
      const health = await send(info.port, { method: 'GET', path: '/api/health', headers: {}, localAddress: '127.0.0.5' });
      expect(health !== 'timeout' && health !== 'not sent' && 'status' in health ? health.status : 0).toBe(200);
    } finally {
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        await new Promise((resolve) => child.once('exit', resolve));
      }
      rmSync(childData, { recursive: true, force: true });
    }
  }, 60_000);

  it('serves a real snapshot request without a 500 (once: it starts an encoder)', async () => {
    const res = await send(host.port, { method: 'GET', path: `/api/snapshot/t05-thermal.jpg?profile=sub&token=${host.token}`, headers: {}, localAddress: '127.0.0.7' }, 30_000);
    expect(res).not.toBe('timeout');
    const status = res !== 'timeout' && res !== 'not sent' && 'status' in res ? res.status : 0;
    // 200 with a picture, or a typed unavailability (504 no picture in time, 502 decode failed).
    expect([200, 502, 503, 504]).toContain(status);
  }, 40_000);

  it('is alive afterwards: /api/health is 200 and nothing crashed', async () => {
    const health = await send(host.port, { method: 'GET', path: '/api/health', headers: {}, localAddress: '127.0.0.6' });
    expect(health !== 'timeout' && health !== 'not sent' && 'status' in health ? health.status : 0).toBe(200);
    const page = await send(host.port, { method: 'GET', path: '/', headers: {}, localAddress: '127.0.0.6' });
    expect(page !== 'timeout' && page !== 'not sent' && 'status' in page ? page.status : 0).toBe(200);
    console.log(
      `fuzz: ${httpStats.sent} HTTP requests, ${httpStats.raw} raw requests, ${httpStats.upgrades} upgrades; ` +
        `${httpStats.failures.length} failures, ${crashes.length} crashes`,
    );
    expect(crashes, REPLAY).toEqual([]);
  });
});

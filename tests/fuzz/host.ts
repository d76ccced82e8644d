import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { commands, ErrorCode, isCommandName } from '../../common/contract';
import { startHost, type HostOptions, type RunningHost } from '../../native/host/start';

/*
 * A host for the fuzz tests and a contract client that never waits forever: every call and every
 * raw message gets a deadline, and every reply is checked against the wire protocol.
 */

/** One host with a fresh data folder; the built-in simulated site (19 towers, streams only when watched). */
export async function startFuzzHost(over: Partial<HostOptions> = {}): Promise<{ host: RunningHost; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fuzz-host-'));
  const host = await startHost({ port: 0, staticDir: null, dataDir, log: () => undefined, ...over });
  return { host, dataDir };
}

export const TIMEOUT = Symbol('timeout');
export const CLOSED = Symbol('closed');
export type Outcome = unknown | typeof TIMEOUT | typeof CLOSED;

export interface SocketOptions {
  token?: string;
  /** Source address on the loopback network (127.0.0.x), so rate limits per address stay apart. */
  localAddress?: string;
}

/**
 * A contract WebSocket. `call` matches replies by id; `raw` sends anything and waits for the next
 * non-event message (one raw message in flight at a time).
 */
export class FuzzSocket {
  private readonly waiting = new Map<number, (m: unknown) => void>();
  private rawWaiter: ((m: unknown) => void) | undefined;
  private nextId = 1;
  events = 0;
  /** Replies nobody waited for, or that could not be parsed. */
  readonly strays: string[] = [];
  closeCode: number | undefined;
  closed = false;
  clientId = '';

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const text = String(data);
      let m: unknown;
      try {
        m = JSON.parse(text);
      } catch {
        this.strays.push(`unparseable ${isBinary ? 'binary' : 'text'} reply: ${text.slice(0, 200)}`);
        return;
      }
      const t = (m as { t?: unknown } | null)?.t;
      if (t === 'event') {
        this.events++;
        return;
      }
      if (t === 'hello') {
        this.clientId = String((m as { clientId?: unknown }).clientId);
        return;
      }
      const id = (m as { id?: unknown }).id;
      const waiter = t === 'result' && typeof id === 'number' ? this.waiting.get(id) : undefined;
      if (waiter) {
        this.waiting.delete(id as number);
        waiter(m);
      } else if (this.rawWaiter) {
        const w = this.rawWaiter;
        this.rawWaiter = undefined;
        w(m);
      } else this.strays.push(`reply nobody waited for: ${text.slice(0, 200)}`);
    });
    ws.on('close', (code) => {
      this.closed = true;
      this.closeCode = code;
      for (const w of this.waiting.values()) w(CLOSED);
      this.waiting.clear();
      this.rawWaiter?.(CLOSED);
      this.rawWaiter = undefined;
    });
    ws.on('error', () => undefined);
  }

  static async open(host: RunningHost, opts: SocketOptions = {}): Promise<FuzzSocket> {
    const ws = new WebSocket(`${host.url.replace('http', 'ws')}/api/ws?token=${encodeURIComponent(opts.token ?? host.token)}`, {
      ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
    });
    const s = new FuzzSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    return s;
  }

  /** Sends a call; the reply, TIMEOUT after `timeoutMs`, or CLOSED. */
  call(name: string, args: unknown, timeoutMs = 5000): Promise<Outcome> {
    const id = this.nextId++;
    return this.expect(id, JSON.stringify({ t: 'call', id, name, args }), timeoutMs);
  }

  /** The next id `call` will use. */
  peekId(): number {
    return this.nextId;
  }

  private expect(id: number, text: string, timeoutMs: number): Promise<Outcome> {
    if (this.closed) return Promise.resolve(CLOSED);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve(TIMEOUT);
      }, timeoutMs);
      this.waiting.set(id, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      this.ws.send(text);
    });
  }

  /** Sends anything (text, or a binary frame); the next reply that is not an event. */
  raw(data: string | Buffer, opts: { binary?: boolean; timeoutMs?: number } = {}): Promise<Outcome> {
    if (this.closed) return Promise.resolve(CLOSED);
    if (this.rawWaiter) throw new Error('one raw message at a time');
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.rawWaiter = undefined;
        resolve(TIMEOUT);
      }, opts.timeoutMs ?? 5000);
      this.rawWaiter = (m) => {
        clearTimeout(timer);
        resolve(m);
      };
      this.ws.send(data, { binary: opts.binary ?? false });
    });
  }

  /** Resolves when the socket has closed (or after `timeoutMs`). */
  whenClosed(timeoutMs = 5000): Promise<number | undefined> {
    if (this.closed) return Promise.resolve(this.closeCode);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      this.ws.once('close', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
  }

  close(): void {
    this.ws.terminate();
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What is wrong with a typed error, or undefined. */
function errorProblem(e: unknown): string | undefined {
  if (!isObj(e)) return 'error is not an object';
  if (!ErrorCode.safeParse(e.code).success) return `error code ${JSON.stringify(e.code)} is not an ErrorCode`;
  if (typeof e.message !== 'string' || e.message.trim() === '') return 'error message is missing or empty';
  if (e.issues !== undefined) {
    if (!Array.isArray(e.issues)) return 'error issues is not an array';
    for (const i of e.issues) if (!isObj(i) || typeof i.path !== 'string' || typeof i.message !== 'string') return 'an error issue is not {path, message}';
  }
  return undefined;
}

export interface Check {
  /** Problem with the reply's shape (an untyped reply), if any. */
  problem?: string;
  /** The error code when the reply is a typed error. */
  code?: ErrorCode;
  ok?: boolean;
}

/**
 * Checks one reply: `{t:'result', id, ok:true, value}` (value matching the command's result schema)
 * or `{t:'result', id, ok:false, error}` / `{t:'error', error}` with a known code and a message.
 */
export function checkReply(m: Outcome, expect: { id?: number; name?: string; allowProtocolError?: boolean } = {}): Check {
  if (m === TIMEOUT) return { problem: 'no reply within the deadline (hang?)' };
  if (m === CLOSED) return { problem: 'the host closed the connection' };
  if (!isObj(m)) return { problem: `reply is not an object: ${JSON.stringify(m)?.slice(0, 100)}` };
  if (m.t === 'error') {
    if (!expect.allowProtocolError) return { problem: `a protocol error where a result was due: ${JSON.stringify(m).slice(0, 200)}` };
    const p = errorProblem(m.error);
    return p ? { problem: p } : { code: (m.error as { code: ErrorCode }).code, ok: false };
  }
  if (m.t !== 'result') return { problem: `reply t is ${JSON.stringify(m.t)}` };
  if (typeof m.id !== 'number' || !Number.isFinite(m.id)) return { problem: `reply id ${JSON.stringify(m.id)} is not a number` };
  if (expect.id !== undefined && m.id !== expect.id) return { problem: `reply id ${m.id}, expected ${expect.id}` };
  if (m.ok === true) {
    if (!('value' in m)) return { problem: 'ok reply without a value' };
    if (expect.name && isCommandName(expect.name)) {
      const r = commands[expect.name].result.safeParse(m.value);
      if (!r.success) return { problem: `value does not match the result schema of ${expect.name}: ${r.error.issues[0]?.message ?? ''}` };
    }
    return { ok: true };
  }
  if (m.ok !== false) return { problem: `reply ok is ${JSON.stringify(m.ok)}` };
  const p = errorProblem(m.error);
  return p ? { problem: p } : { code: (m.error as { code: ErrorCode }).code, ok: false };
}

/** Short text of a value for a failure report (long strings and big arrays cut). */
export function preview(v: unknown, max = 300): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'string' && x.length > 80 ? `${x.slice(0, 40)}…(${x.length} chars)` : x));
  } catch {
    text = String(v);
  }
  text ??= String(v);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

import { DecoderStatusSchema, type DecoderLayout, type DecoderOsd, type DecoderStatus, type LedState } from '../../../common/wall';
import { DecoderError, type ApplyAck, type DecoderDriver, type LedDriver } from './driver';

/*
 * The host side of docs/decoder-protocol.md: JSON over HTTP, Basic credentials taken from the
 * address' user info, full-state PUTs with a revision.
 */

export interface HttpJsonOptions {
  /** Base URL, optionally with credentials: `http://admin:secret@10.1.20.11:8080`. */
  address: string;
  /** Layout PUT timeout, ms (default 3000). */
  applyTimeoutMs?: number;
  /** Status GET timeout, ms (default 1500). */
  statusTimeoutMs?: number;
}

interface Reply {
  status: number;
  body: unknown;
}

const NET_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'address not found',
  EPIPE: 'connection closed',
  UND_ERR_SOCKET: 'connection closed',
};

/** A JSON-over-HTTP endpoint with the protocol's authentication and error mapping. */
export class HttpJsonEndpoint {
  readonly base: string;
  /** The address without credentials, for messages. */
  readonly label: string;
  private readonly auth: string | undefined;

  constructor(address: string) {
    const url = new URL(address);
    if (url.username) {
      const user = decodeURIComponent(url.username);
      const pass = decodeURIComponent(url.password);
      this.auth = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
      url.username = '';
      url.password = '';
    }
    this.base = url.toString().replace(/\/$/, '');
    this.label = url.host;
  }

  async request(method: 'GET' | 'PUT' | 'POST', path: string, body: unknown, timeoutMs: number): Promise<Reply> {
    let res: Response;
    try {
      res = await fetch(this.base + path, {
        method,
        headers: {
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json; charset=utf-8' } : {}),
          ...(this.auth ? { authorization: this.auth } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      throw this.networkError(e, timeoutMs);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      throw this.networkError(e, timeoutMs);
    }
    let parsed: unknown = null;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new DecoderError('protocol', `${this.label} answered ${method} ${path} with ${res.status} and a body that is not JSON`);
      }
    }
    if (res.status === 401 || res.status === 403) throw new DecoderError('unauthorized', `${this.label} refused the credentials (${res.status})`);
    return { status: res.status, body: parsed };
  }

  private networkError(e: unknown, timeoutMs: number): DecoderError {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return new DecoderError('timeout', `${this.label} did not answer within ${timeoutMs} ms`);
    const code = err.cause?.code ?? '';
    const words = NET_WORDS[code] ?? err.cause?.message ?? err.message;
    return new DecoderError('unreachable', `${this.label}: ${words}`);
  }

  /** Maps a PUT reply (200, 409, 422) to an acknowledgement or a DecoderError. */
  ack(path: string, r: Reply, revision: number): ApplyAck {
    const body = (typeof r.body === 'object' && r.body !== null ? r.body : {}) as { revision?: unknown; changed?: unknown; reasons?: unknown; error?: unknown };
    if (r.status === 200) {
      return { revision: typeof body.revision === 'number' ? body.revision : revision, changed: body.changed !== false };
    }
    if (r.status === 409) {
      const current = typeof body.revision === 'number' ? body.revision : undefined;
      return this.fail(
        new DecoderError('stale', `${this.label} holds revision ${current ?? '?'}, refused ${revision}`, current !== undefined ? { revision: current } : {}),
      );
    }
    if (r.status === 422) {
      const reasons = Array.isArray(body.reasons) ? body.reasons.map(String) : [typeof body.error === 'string' ? body.error : 'refused'];
      return this.fail(new DecoderError('rejected', `${this.label} refused the layout: ${reasons.join('; ')}`, { reasons }));
    }
    return this.fail(new DecoderError('protocol', `${this.label} answered PUT ${path} with ${r.status}${typeof body.error === 'string' ? `: ${body.error}` : ''}`));
  }

  private fail(e: DecoderError): never {
    throw e;
  }
}

/** Drives a decoder that speaks docs/decoder-protocol.md. */
export class HttpJsonDecoderDriver implements DecoderDriver {
  private readonly ep: HttpJsonEndpoint;
  private readonly applyTimeoutMs: number;
  private readonly statusTimeoutMs: number;

  constructor(opts: HttpJsonOptions) {
    this.ep = new HttpJsonEndpoint(opts.address);
    this.applyTimeoutMs = opts.applyTimeoutMs ?? 3000;
    this.statusTimeoutMs = opts.statusTimeoutMs ?? 1500;
  }

  async apply(layout: DecoderLayout): Promise<ApplyAck> {
    const r = await this.ep.request('PUT', '/api/v1/layout', layout, this.applyTimeoutMs);
    return this.ep.ack('/api/v1/layout', r, layout.revision);
  }

  async status(): Promise<DecoderStatus> {
    const r = await this.ep.request('GET', '/api/v1/status', undefined, this.statusTimeoutMs);
    if (r.status !== 200) throw new DecoderError('protocol', `${this.ep.label} answered GET /api/v1/status with ${r.status}`);
    const parsed = DecoderStatusSchema.safeParse(r.body);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new DecoderError('protocol', `${this.ep.label}: status does not follow the protocol (${first?.path.join('.') ?? ''}: ${first?.message ?? ''})`);
    }
    return parsed.data;
  }

  async osd(osd: DecoderOsd): Promise<void> {
    const r = await this.ep.request('PUT', '/api/v1/osd', osd, this.statusTimeoutMs);
    if (r.status !== 200) {
      const error = (r.body as { error?: unknown; reasons?: unknown } | null) ?? {};
      const why = Array.isArray(error.reasons) ? error.reasons.join('; ') : typeof error.error === 'string' ? error.error : '';
      throw new DecoderError(r.status === 422 ? 'rejected' : 'protocol', `${this.ep.label} answered PUT /api/v1/osd with ${r.status}${why ? `: ${why}` : ''}`);
    }
  }

  /** Asks the decoder to reboot (it comes back empty; the controller re-applies). */
  async reboot(): Promise<void> {
    const r = await this.ep.request('POST', '/api/v1/reboot', {}, this.applyTimeoutMs);
    if (r.status !== 202 && r.status !== 200) throw new DecoderError('protocol', `${this.ep.label} answered reboot with ${r.status}`);
  }

  async close(): Promise<void> {
    // fetch keeps no per-driver resources; nothing to close.
  }
}

/** Drives an LED strip controller (`PUT /api/v1/led`). */
export class HttpJsonLedDriver implements LedDriver {
  private readonly ep: HttpJsonEndpoint;

  constructor(
    address: string,
    private readonly timeoutMs = 3000,
  ) {
    this.ep = new HttpJsonEndpoint(address);
  }

  async apply(revision: number, led: LedState): Promise<ApplyAck> {
    const r = await this.ep.request('PUT', '/api/v1/led', { revision, ...led }, this.timeoutMs);
    return this.ep.ack('/api/v1/led', r, revision);
  }

  async close(): Promise<void> {}
}

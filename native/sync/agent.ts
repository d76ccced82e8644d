import type { SyncStatus } from '../../common/contract/duty';
import type { RecordKind } from '../../common/duty';
import type { DutyStore } from '../duty/store';
import type { PullResult, PushResult } from './protocol';

/*
 * The sync agent of a console: pushes the outbox to the central service in batches, pulls changes
 * from it, and repeats. On failure it waits with capped exponential backoff and full jitter; every
 * step it has finished is in the database (outbox rows deleted after the centre acknowledged them,
 * the pull cursor moved in the transaction that applied the pulled records), so after a crash it
 * resumes where it stopped. A replayed batch changes nothing at the centre.
 */

export interface SyncAgentOptions {
  store: DutyStore;
  /** Base URL of the central service, e.g. https://centre.example:8740 */
  url: string;
  token: string;
  batchSize?: number;
  /** Largest push body, bytes; a batch over it is split. */
  maxBatchBytes?: number;
  /** Pause between rounds when all is synced, ms. */
  intervalMs?: number;
  backoff?: { baseMs: number; maxMs: number };
  requestTimeoutMs?: number;
  random?: () => number;
  onStatus?: (s: SyncStatus) => void;
  /** Pulled records changed local data. */
  onPulled?: (kinds: RecordKind[]) => void;
  fetch?: typeof fetch;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The delay before retry `attempt` (1, 2, …): uniform in [0, min(max, base·2^(attempt-1))] ("full jitter"), at least base/4. */
export function backoffDelay(attempt: number, base: number, max: number, random: () => number): number {
  const cap = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  return Math.max(base / 4, Math.round(cap * random()));
}

export class SyncAgent {
  private running = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private failures = 0;
  private st: SyncStatus;
  private readonly batchSize: number;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly opts: SyncAgentOptions) {
    this.batchSize = opts.batchSize ?? 500;
    this.fetchFn = opts.fetch ?? fetch;
    this.st = { state: 'idle', lastSyncAt: null, pending: 0, rejected: 0, error: null, retryAt: null, central: opts.url };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /** Syncs now instead of waiting out the pause or backoff. */
  kick(): void {
    this.wake?.();
  }

  async status(): Promise<SyncStatus> {
    return { ...this.st, pending: await this.opts.store.pendingCount(), rejected: (await this.opts.store.rejections()).length };
  }

  private async publish(patch: Partial<SyncStatus>): Promise<void> {
    this.st = { ...this.st, ...patch };
    try {
      this.opts.onStatus?.(await this.status());
    } catch {
      // the store is closing
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }

  private async request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const res = await this.fetchFn(`${this.opts.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.opts.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(this.opts.requestTimeoutMs ?? 30_000),
    });
    const text = await res.text();
    if (!res.ok) {
      let msg = text.slice(0, 300);
      try {
        msg = (JSON.parse(text) as { error?: string }).error ?? msg;
      } catch {
        // not JSON
      }
      throw new HttpError(res.status, `central service answered ${res.status}: ${msg}`);
    }
    return JSON.parse(text) as T;
  }

  /** One full round: push everything waiting, then pull until caught up. */
  async syncOnce(): Promise<{ pushed: number; pulled: number }> {
    const { store } = this.opts;
    let pushed = 0;
    let limit = this.batchSize;
    let epoch = await store.getState('sync.epoch');
    if (!epoch) await store.setState('sync.epoch', (epoch = Math.random().toString(36).slice(2, 10)));
    for (;;) {
      const batch = await store.outboxBatch(limit);
      if (!batch) break;
      const body = { batchId: `${store.site}-${epoch}-${batch.upTo}-${batch.records.length}`, records: batch.records };
      if (limit > 1 && JSON.stringify(body).length > (this.opts.maxBatchBytes ?? 16 * 1024 * 1024)) {
        limit = Math.max(1, Math.floor(limit / 2));
        continue;
      }
      const res = await this.request<PushResult>('POST', '/v1/push', body);
      await store.outboxDone(batch.upTo, res.rejected);
      pushed += batch.records.length;
      limit = this.batchSize;
    }
    let pulled = 0;
    const kinds = new Set<RecordKind>();
    for (;;) {
      const after = (await store.getState('pull.cursor')) ?? '0';
      const res = await this.request<PullResult>('GET', `/v1/pull?after=${encodeURIComponent(after)}&limit=${this.batchSize}`);
      if (res.records.length) {
        const changed = await store.applyPulled(res.records, res.cursor);
        pulled += changed;
        if (changed) for (const r of res.records) kinds.add(r.kind);
      } else if (res.cursor !== after) await store.setState('pull.cursor', res.cursor);
      if (!res.more) break;
    }
    if (kinds.size) this.opts.onPulled?.([...kinds]);
    return { pushed, pulled };
  }

  private async run(): Promise<void> {
    const { baseMs, maxMs } = this.opts.backoff ?? { baseMs: 1000, maxMs: 60_000 };
    while (this.running) {
      try {
        await this.publish({ state: 'syncing', retryAt: null });
        await this.syncOnce();
        this.failures = 0;
        await this.publish({ state: 'idle', lastSyncAt: Date.now(), error: null });
        if (!this.running) break;
        await this.sleep(this.opts.intervalMs ?? 5000);
      } catch (e) {
        if (!this.running) break;
        this.failures++;
        const delay = backoffDelay(this.failures, baseMs, maxMs, this.opts.random ?? Math.random);
        const err = e as Error & { cause?: { code?: string } };
        const offline = !(e instanceof HttpError);
        const detail = e instanceof HttpError ? e.message : `central service not reachable (${err.cause?.code ?? err.name}: ${err.message})`;
        await this.publish({ state: offline ? 'offline' : 'error', error: detail, retryAt: Date.now() + delay });
        await this.sleep(delay);
      }
    }
  }
}

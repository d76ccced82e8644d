/**
 * A token bucket per key (a client address, a user name): up to `capacity` attempts at once, then
 * `refillPerSecond` more each second. Sign-in uses it in front of the account lockout, so one
 * client guessing across many user names is slowed down too, and each guess costs a scrypt hash.
 */

export interface RateLimiterOptions {
  /** Attempts allowed in a burst; a key not seen before starts full. */
  capacity: number;
  /** Attempts regained per second, up to `capacity`. */
  refillPerSecond: number;
  /** Keys tracked at most; past it the longest-idle key is forgotten. */
  maxKeys?: number;
  /** Clock in ms; tests move it. */
  now?: () => number;
}

export type TakeResult = { ok: true } | { ok: false; retryAfterMs: number };

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date. */
  at: number;
}

export const DEFAULT_MAX_KEYS = 10_000;

export class RateLimiter {
  private readonly capacity: number;
  private readonly refillPerMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;
  /** Least recently used first: Map keeps insertion order and `take` re-inserts. */
  private readonly buckets = new Map<string, Bucket>();

  constructor({ capacity, refillPerSecond, maxKeys = DEFAULT_MAX_KEYS, now = Date.now }: RateLimiterOptions) {
    if (!Number.isFinite(capacity) || capacity < 1) throw new RangeError(`RateLimiter: capacity must be at least 1, got ${capacity}`);
    if (!Number.isFinite(refillPerSecond) || refillPerSecond <= 0) {
      throw new RangeError(`RateLimiter: refillPerSecond must be above 0, got ${refillPerSecond}`);
    }
    if (!Number.isInteger(maxKeys) || maxKeys < 1) throw new RangeError(`RateLimiter: maxKeys must be a whole number of at least 1, got ${maxKeys}`);
    this.capacity = capacity;
    this.refillPerMs = refillPerSecond / 1000;
    this.maxKeys = maxKeys;
    this.now = now;
  }

  /** Spends one attempt for `key`, or says how long until one is available. */
  take(key: string): TakeResult {
    const now = this.now();
    this.forgetIdle(now);
    const bucket = this.refilled(key, now);
    // Re-insert so the Map stays ordered by last use.
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    this.evictOverflow();
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil((1 - bucket.tokens) / this.refillPerMs) };
  }

  /** Keys currently tracked (for tests and health). */
  get size(): number {
    return this.buckets.size;
  }

  private refilled(key: string, now: number): Bucket {
    const b = this.buckets.get(key);
    if (!b) return { tokens: this.capacity, at: now };
    // max(0, …): a clock stepped back must not drain the bucket.
    const elapsed = Math.max(0, now - b.at);
    return { tokens: Math.min(this.capacity, b.tokens + elapsed * this.refillPerMs), at: now };
  }

  /**
   * A key whose bucket has filled up again behaves exactly like a key never seen, so it can go.
   * Only the longest-idle keys are looked at, which keeps each call cheap.
   */
  private forgetIdle(now: number): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + Math.max(0, now - b.at) * this.refillPerMs < this.capacity) return;
      this.buckets.delete(key);
    }
  }

  /** Bounded memory however many distinct keys arrive: the longest-idle one goes first. */
  private evictOverflow(): void {
    while (this.buckets.size > this.maxKeys) {
      const oldest = this.buckets.keys().next();
      if (oldest.done) return;
      this.buckets.delete(oldest.value);
    }
  }
}

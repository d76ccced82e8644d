import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit';

function limiter(opts: { capacity?: number; refillPerSecond?: number; maxKeys?: number } = {}) {
  const clock = { t: 1_000_000 };
  const rl = new RateLimiter({ capacity: 3, refillPerSecond: 0.5, ...opts, now: () => clock.t });
  return { rl, clock };
}

describe('RateLimiter', () => {
  it('allows a burst of `capacity`, then says when the next attempt is due', () => {
    const { rl, clock } = limiter();
    expect([rl.take('10.0.0.5'), rl.take('10.0.0.5'), rl.take('10.0.0.5')]).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(rl.take('10.0.0.5')).toEqual({ ok: false, retryAfterMs: 2000 });
    clock.t += 1500;
    expect(rl.take('10.0.0.5')).toEqual({ ok: false, retryAfterMs: 500 });
    clock.t += 500;
    expect(rl.take('10.0.0.5')).toEqual({ ok: true });
    expect(rl.take('10.0.0.5').ok).toBe(false);
  });

  it('keeps keys apart', () => {
    const { rl } = limiter({ capacity: 1 });
    expect(rl.take('alice').ok).toBe(true);
    expect(rl.take('alice').ok).toBe(false);
    expect(rl.take('bob').ok).toBe(true);
  });

  it('refills no further than capacity, and a clock stepped back does not drain', () => {
    const { rl, clock } = limiter();
    rl.take('k');
    clock.t += 3_600_000;
    for (let i = 0; i < 3; i++) expect(rl.take('k').ok).toBe(true);
    expect(rl.take('k').ok).toBe(false);
    clock.t -= 10_000;
    expect(rl.take('k')).toEqual({ ok: false, retryAfterMs: 2000 });
  });

  it('forgets keys whose bucket has filled up again', () => {
    const { rl, clock } = limiter();
    rl.take('a');
    rl.take('b');
    expect(rl.size).toBe(2);
    clock.t += 1000; // half a token back: not yet full
    rl.take('c');
    expect(rl.size).toBe(3);
    clock.t += 60_000;
    rl.take('d');
    expect(rl.size).toBe(1);
  });

  it('tracks at most maxKeys, forgetting the longest idle, which then starts full', () => {
    const { rl } = limiter({ capacity: 1, maxKeys: 3 });
    for (const k of ['a', 'b', 'c']) rl.take(k);
    expect(rl.take('a').ok).toBe(false); // a is now the most recent
    rl.take('d'); // evicts b
    expect(rl.size).toBe(3);
    expect(rl.take('c').ok).toBe(false);
    expect(rl.take('b').ok).toBe(true); // forgotten, so full again
    expect(rl.take('d').ok).toBe(false);
    for (let i = 0; i < 20_000; i++) rl.take(`ip-${i}`);
    expect(rl.size).toBe(3);
  });

  it('refuses nonsense settings, naming the value', () => {
    expect(() => new RateLimiter({ capacity: 0, refillPerSecond: 1 })).toThrow(/capacity.*got 0/);
    expect(() => new RateLimiter({ capacity: 5, refillPerSecond: -1 })).toThrow(/refillPerSecond.*got -1/);
    expect(() => new RateLimiter({ capacity: 5, refillPerSecond: 1, maxKeys: 0 })).toThrow(/maxKeys.*got 0/);
  });
});

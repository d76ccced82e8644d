import { describe, expect, it } from 'vitest';
import { WallLock } from './lock';

describe('WallLock', () => {
  it('lets one client edit, refuses others with the holder, lapses after inactivity', () => {
    let now = 1000;
    const lock = new WallLock({ now: () => now, idleMs: 60_000 });
    expect(lock.acquire('alice')).toEqual({ ok: true, fresh: true, hold: { clientId: 'alice', since: 1000, until: 61_000 } });
    now = 30_000;
    expect(lock.acquire('bob')).toEqual({ ok: false, holder: { clientId: 'alice', since: 1000, until: 61_000 } });
    // Every edit renews.
    expect(lock.acquire('alice')).toMatchObject({ ok: true, fresh: false, hold: { until: 90_000 } });
    now = 90_000;
    expect(lock.expired()).toBe(true);
    expect(lock.expired()).toBe(false);
    expect(lock.acquire('bob')).toMatchObject({ ok: true, fresh: true });
    expect(lock.release('alice')).toBe(false);
    expect(lock.release('bob')).toBe(true);
    expect(lock.holder()).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { PtzArbiter } from './arbitration';

describe('PtzArbiter', () => {
  it('holds a head 30 s after the last command, refusing others with the holder', () => {
    let t = 1000;
    const arb = new PtzArbiter({ now: () => t });
    expect(arb.acquire('t01', 'alice')).toMatchObject({ ok: true, fresh: true, hold: { clientId: 'alice', since: 1000, until: 31_000 } });
    t = 20_000;
    expect(arb.acquire('t01', 'bob')).toEqual({ ok: false, holder: { clientId: 'alice', priority: 'operator', since: 1000, until: 31_000 } });
    // Alice's next command renews her hold, quietly.
    expect(arb.acquire('t01', 'alice')).toMatchObject({ ok: true, fresh: false, hold: { since: 1000, until: 50_000 } });
    // Other heads are independent.
    expect(arb.acquire('t02', 'bob').ok).toBe(true);
    t = 49_999;
    expect(arb.wouldAllow('t01', 'bob')).toBe(false);
    t = 50_000;
    expect(arb.holder('t01')).toBeUndefined();
    expect(arb.acquire('t01', 'bob')).toMatchObject({ ok: true, fresh: true, hold: { clientId: 'bob', since: 50_000 } });
  });

  it('lets a higher priority take over, and not an equal or lower one', () => {
    let t = 0;
    const arb = new PtzArbiter({ now: () => t, holdMs: 10_000 });
    arb.acquire('t01', 'op1');
    expect(arb.acquire('t01', 'op2', 'operator').ok).toBe(false);
    const lead = arb.acquire('t01', 'lead', 'leader');
    expect(lead).toMatchObject({ ok: true, tookFrom: { clientId: 'op1' }, hold: { clientId: 'lead', priority: 'leader' } });
    t = 1000;
    expect(arb.acquire('t01', 'op1', 'operator')).toMatchObject({ ok: false, holder: { clientId: 'lead', priority: 'leader' } });
    expect(arb.acquire('t01', 'lead2', 'leader').ok).toBe(false);
    // The leader's plain commands keep the leader priority.
    expect(arb.acquire('t01', 'lead', 'operator')).toMatchObject({ ok: true, hold: { priority: 'leader' } });
    expect(arb.acquire('t01', 'alarm-svc', 'alarm')).toMatchObject({ ok: true, tookFrom: { clientId: 'lead' } });
    expect(arb.acquire('t01', 'lead', 'leader').ok).toBe(false);
  });

  it('releases only for the holder and reports expiries once', () => {
    let t = 0;
    const arb = new PtzArbiter({ now: () => t, holdMs: 5000 });
    arb.acquire('t01', 'a');
    arb.acquire('t02', 'b');
    expect(arb.release('t01', 'b')).toBeUndefined();
    expect(arb.release('t01', 'a')).toMatchObject({ clientId: 'a' });
    expect(arb.holder('t01')).toBeUndefined();
    t = 5000;
    expect(arb.expire()).toEqual(['t02']);
    expect(arb.expire()).toEqual([]);
    expect(arb.held()).toEqual([]);
  });
});

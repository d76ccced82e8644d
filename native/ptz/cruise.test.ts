import { describe, expect, it } from 'vitest';
import { CruisePlan } from '../../common/contract/ptz';
import { degPerSecForVelocity } from '../../common/ptz';
import { CruiseScheduler, type CruiseAction } from './cruise';

/** Runs the scheduler on a fake clock, ticking every 250 ms, collecting timed actions. */
function run(
  s: CruiseScheduler,
  from: number,
  to: number,
  opts: { held?: (t: number) => boolean; arriveAfterMs?: number; travelSince?: number } = {},
) {
  const out: [number, CruiseAction][] = [];
  let travelSince = opts.travelSince;
  for (let t = from; t <= to; t += 250) {
    if (travelSince !== undefined && opts.arriveAfterMs !== undefined && t - travelSince >= opts.arriveAfterMs) {
      for (const a of s.arrived(t)) out.push([t, a]);
      travelSince = undefined;
    }
    for (const a of s.tick(t, opts.held?.(t) ?? false)) {
      out.push([t, a]);
      if (a.kind === 'goto' || a.kind === 'view') travelSince = t;
    }
  }
  return out;
}

describe('preset cruise', () => {
  const plan = CruisePlan.parse({ mode: 'presets', steps: [{ preset: 1, dwellS: 10 }, { preset: 2, dwellS: 20 }], homePreset: 9, homeAfterS: 30 });

  it('visits each preset, dwelling from arrival, round and round', () => {
    const s = new CruiseScheduler(plan);
    expect(s.start(0)).toEqual([{ kind: 'goto', preset: 1 }]);
    // Arrival 3 s after each goto: goto 1 at 0, arrive 3, goto 2 at 13, arrive 16, goto 1 at 36, …
    const acts = run(s, 250, 80_000, { arriveAfterMs: 3000, travelSince: 0 });
    expect(acts.map(([t, a]) => [t, a.kind === 'goto' && a.preset])).toEqual([
      [13_000, 2],
      [36_000, 1],
      [49_000, 2],
      [72_000, 1],
    ]);
    expect(s.state).toBe('running');
    expect(s.step).toBe(0);
  });

  it('starts the dwell after 30 s when the head never reports arrival', () => {
    const s = new CruiseScheduler(plan);
    s.start(0);
    expect(run(s, 250, 41_000).map(([t, a]) => [t, a.kind === 'goto' && a.preset])).toEqual([[40_000, 2]]);
  });

  it('dwells exactly from the arrival report', () => {
    const s = new CruiseScheduler(plan);
    s.start(0);
    expect(s.arrived(200)).toEqual([]); // too early: the head may not have started moving
    s.arrived(3000);
    expect(s.tick(12_999, false)).toEqual([]);
    expect(s.tick(13_000, false)).toEqual([{ kind: 'goto', preset: 2 }]);
    s.arrived(16_000);
    expect(s.tick(35_999, false)).toEqual([]);
    expect(s.tick(36_000, false)).toEqual([{ kind: 'goto', preset: 1 }]);
  });

  it('pauses on operator activity and resumes the interrupted step 60 s after the last command, once free', () => {
    const s = new CruiseScheduler(plan);
    s.start(0);
    s.arrived(3000);
    s.tick(13_000, false); // goto 2
    expect(s.interrupt(14_000)).toEqual([]);
    expect(s.state).toBe('paused');
    expect(s.step).toBe(1);
    s.interrupt(20_000); // the operator keeps working
    expect(s.resumesAt).toBe(80_000);
    expect(s.tick(79_999, false)).toEqual([]);
    // Still held (e.g. a leader took control and is idle but within the hold): stays paused.
    expect(s.tick(80_000, true)).toEqual([]);
    expect(s.tick(85_000, false)).toEqual([{ kind: 'goto', preset: 2 }]);
    expect(s.state).toBe('running');
  });

  it('goes home after idle when stopped, once', () => {
    const s = new CruiseScheduler(plan);
    s.start(0);
    expect(s.stop(1000)).toEqual([]);
    expect(s.tick(30_999, false)).toEqual([]);
    expect(s.tick(31_000, true)).toEqual([]);
    expect(s.tick(32_000, false)).toEqual([{ kind: 'goto', preset: 9 }]);
    expect(s.tick(99_000, false)).toEqual([]);
    s.interrupt(100_000);
    expect(s.tick(130_000, false)).toEqual([{ kind: 'goto', preset: 9 }]);
  });
});

describe('scan cruise', () => {
  it('sets the view, then pans at a speed that closes the circle within the period, with keep-alives', () => {
    const plan = CruisePlan.parse({ mode: 'scan', periodS: 300, tilt: -2, zoom: 2 });
    const s = new CruiseScheduler(plan, { keepAliveMs: 1000 });
    expect(s.start(0)).toEqual([{ kind: 'view', tilt: -2, zoom: 2 }]);
    const [move] = s.arrived(2000);
    expect(move?.kind).toBe('move');
    const v = move?.kind === 'move' ? move.pan : 0;
    expect(v).toBeGreaterThan(0);
    const degPerSec = degPerSecForVelocity(v);
    expect(360 / degPerSec).toBeLessThanOrEqual(300);
    expect(360 / degPerSec).toBeGreaterThan(270);
    const acts = run(s, 2250, 10_000);
    expect(acts.map(([t]) => t)).toEqual([3000, 4000, 5000, 6000, 7000, 8000, 9000, 10_000]);
    expect(s.interrupt(10_100)).toEqual([{ kind: 'stop' }]);
    expect(s.tick(70_099, false)).toEqual([]);
    expect(s.tick(70_100, false)).toEqual([{ kind: 'view', tilt: -2, zoom: 2 }]);
  });

  it('scans anticlockwise straight away without a view', () => {
    const s = new CruiseScheduler(CruisePlan.parse({ mode: 'scan', periodS: 12, clockwise: false }));
    const [a] = s.start(0);
    expect(a).toEqual({ kind: 'move', pan: -1 });
    expect(s.stop(5000)).toEqual([{ kind: 'stop' }]);
    expect(s.state).toBe('stopped');
  });

  it('refuses a scan slower than 5 minutes a circle', () => {
    expect(CruisePlan.safeParse({ mode: 'scan', periodS: 301 }).success).toBe(false);
  });
});

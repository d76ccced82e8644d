import { describe, expect, it } from 'vitest';
import { addWorkingHours, availabilityPct, deadlinesFor, DEFAULT_HEALTH_CONFIG, escalated, missedDeadline, sumTimes, timeInStates, zonedMs } from './health';

const TZ = 'Asia/Shanghai';
const H = 3_600_000;
const wh = DEFAULT_HEALTH_CONFIG.workingHours; // 08:30–17:30, Mon–Fri

describe('availability', () => {
  it('counts up and degraded as serving, down against it, and leaves unobserved time out', () => {
    const from = 0;
    const to = 100 * H;
    const t = timeInStates(
      [
        { device: 'a', at: -5, state: 'up' },
        { device: 'a', at: 10 * H, state: 'down' },
        { device: 'a', at: 11 * H, state: 'degraded' },
        { device: 'a', at: 12 * H, state: 'up' },
        { device: 'a', at: 90 * H, state: 'unknown' },
      ],
      from,
      to,
    );
    expect(t).toEqual({ up: 88 * H, degraded: H, down: H, unknown: 10 * H });
    expect(availabilityPct(t)).toBeCloseTo(100 * (89 / 90), 6);
    expect(availabilityPct({ up: 0, degraded: 0, down: 0, unknown: 5 })).toBeNull();
  });

  it('sums devices of a tower by device-time', () => {
    const a = { up: 99, degraded: 0, down: 1, unknown: 0 };
    const b = { up: 100, degraded: 0, down: 0, unknown: 0 };
    expect(availabilityPct(sumTimes([a, b]))).toBeCloseTo(99.5, 6);
  });
});

describe('working hours', () => {
  it('adds hours within one working day', () => {
    const mon9 = zonedMs(2026, 11, 23, 9, 0, TZ); // Monday
    expect(addWorkingHours(mon9, 6, wh, TZ)).toBe(zonedMs(2026, 11, 23, 15, 0, TZ));
  });
  it('carries over the night and the weekend', () => {
    const fri16 = zonedMs(2026, 11, 27, 16, 0, TZ); // Friday 16:00: 1.5 h left today
    expect(addWorkingHours(fri16, 6, wh, TZ)).toBe(zonedMs(2026, 11, 30, 13, 0, TZ)); // Monday 08:30 + 4.5 h
  });
  it('starts at the opening when the fault comes at night', () => {
    const tue2 = zonedMs(2026, 11, 24, 2, 0, TZ);
    expect(addWorkingHours(tue2, 12, wh, TZ)).toBe(zonedMs(2026, 11, 25, 11, 30, TZ)); // 9 h Tue + 3 h Wed
  });
});

describe('ticket levels', () => {
  it('level 1 repairs in clock hours, levels 2 and 3 in working hours', () => {
    const sat10 = zonedMs(2026, 11, 28, 10, 0, TZ);
    expect(deadlinesFor(1, sat10, wh, TZ)).toEqual({ respondBy: sat10 + H, repairBy: sat10 + 6 * H });
    expect(deadlinesFor(2, sat10, wh, TZ).repairBy).toBe(zonedMs(2026, 11, 30, 14, 30, TZ));
    expect(deadlinesFor(3, sat10, wh, TZ).respondBy).toBe(sat10 + 2 * H);
  });
  it('names the missed deadline and escalates one level at a time', () => {
    const t = { respondedAt: null, respondBy: 10, repairBy: 100, closedAt: null };
    expect(missedDeadline(t, 5)).toBeNull();
    expect(missedDeadline(t, 11)).toBe('respond');
    expect(missedDeadline({ ...t, respondedAt: 9 }, 50)).toBeNull();
    expect(missedDeadline({ ...t, respondedAt: 9 }, 101)).toBe('repair');
    expect(missedDeadline({ ...t, closedAt: 50 }, 500)).toBeNull();
    expect(escalated(3)).toBe(2);
    expect(escalated(2)).toBe(1);
    expect(escalated(1)).toBe(1);
  });
});

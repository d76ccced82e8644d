import { describe, expect, it } from 'vitest';
import { localParts, nextOccurrence, occurrences, SceneScheduler, zonedInstant } from './schedule';

const SH = 'Asia/Shanghai';
// 2025-03-10 is a Monday.
const at = (iso: string) => Date.parse(iso);

describe('time of day in the site time zone', () => {
  it('converts local wall-clock times to instants and back', () => {
    expect(zonedInstant({ y: 2025, m: 3, d: 10 }, 7, 0, SH)).toBe(at('2025-03-09T23:00:00Z'));
    expect(localParts(at('2025-03-09T23:00:00Z'), SH)).toMatchObject({ y: 2025, m: 3, d: 10, hh: 7, mm: 0 });
  });

  it('handles daylight saving where the site has it', () => {
    // Berlin moved from +01:00 to +02:00 on 2025-03-30.
    expect(zonedInstant({ y: 2025, m: 3, d: 31 }, 7, 0, 'Europe/Berlin')).toBe(at('2025-03-31T05:00:00Z'));
    expect(zonedInstant({ y: 2025, m: 3, d: 29 }, 7, 0, 'Europe/Berlin')).toBe(at('2025-03-29T06:00:00Z'));
  });
});

describe('scene schedule', () => {
  const dayNight = [
    { time: '07:00', scene: '白天' },
    { time: '19:00', scene: '夜间' },
  ];

  it('lists what falls in a span, oldest first', () => {
    const r = occurrences(dayNight, at('2025-03-10T00:00:00+08:00'), at('2025-03-11T08:00:00+08:00'), SH);
    expect(r.map((o) => [new Date(o.at).toISOString(), o.scene])).toEqual([
      ['2025-03-09T23:00:00.000Z', '白天'],
      ['2025-03-10T11:00:00.000Z', '夜间'],
      ['2025-03-10T23:00:00.000Z', '白天'],
    ]);
  });

  it('respects days of the week', () => {
    const weekend = [{ time: '09:00', scene: '周末', days: [0, 6] }];
    expect(nextOccurrence(weekend, at('2025-03-10T12:00:00+08:00'), SH)).toEqual({ at: at('2025-03-15T09:00:00+08:00'), scene: '周末' });
  });

  it('fires once at the time with an injected clock, and only the latest after a jump', () => {
    let now = at('2025-03-10T06:59:00+08:00');
    const s = new SceneScheduler(dayNight, SH, now);
    expect(s.due(now)).toBeNull();
    now += 60_000;
    expect(s.due(now)).toEqual({ at: now, scene: '白天' });
    expect(s.due(now + 1000)).toBeNull();
    // The host slept from 08:00 to the next day 08:00: 19:00 and 07:00 passed, only 07:00 counts.
    expect(s.due(at('2025-03-11T08:00:00+08:00'))?.scene).toBe('白天');
    expect(s.next(at('2025-03-11T08:00:00+08:00'))).toEqual({ at: at('2025-03-11T19:00:00+08:00'), scene: '夜间' });
  });
});

import { describe, expect, it } from 'vitest';
import { durationText, MIN_VIDEO_KBPS, nextVideoKbps } from './conference';

describe('conference bitrate adaptation', () => {
  it('backs off quickly on loss or a long round trip, earns it back slowly on a clean link, within bounds', () => {
    expect(nextVideoKbps(1000, 0.08, 0.05, 1200)).toBe(700);
    expect(nextVideoKbps(1000, 0, 0.6, 1200)).toBe(700);
    expect(nextVideoKbps(160, 0.2, 0.05, 1200)).toBe(MIN_VIDEO_KBPS);
    expect(nextVideoKbps(1000, 0.005, 0.05, 1200)).toBe(1100);
    expect(nextVideoKbps(1150, 0, 0.01, 1200)).toBe(1200);
    expect(nextVideoKbps(800, 0.03, 0.05, 1200)).toBe(800);
    // A link that loses 10 % for ten intervals ends at the floor, never below.
    let k = 1200;
    for (let i = 0; i < 10; i++) k = nextVideoKbps(k, 0.1, 0.1, 1200);
    expect(k).toBe(MIN_VIDEO_KBPS);
  });
  it('says how long someone stayed', () => {
    expect(durationText(42_400)).toBe('42秒');
    expect(durationText(13 * 60_000 + 29_000)).toBe('13分29秒');
    expect(durationText(2 * 3600_000 + 5 * 60_000)).toBe('2小时5分');
  });
});

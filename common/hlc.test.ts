import { describe, expect, it } from 'vitest';
import { compareHlc, formatHlc, HlcClock, HlcError, isHlc, parseHlc } from './hlc';

describe('hybrid logical clock', () => {
  it('formats so that text order is timestamp order', () => {
    const ts = [
      { wall: 5, counter: 0, node: 'b' },
      { wall: 5, counter: 1, node: 'a' },
      { wall: 1_780_000_000_000, counter: 0, node: 'a' },
      { wall: 5, counter: 0, node: 'a' },
      { wall: 5, counter: 255, node: 'a' },
    ];
    const byText = [...ts].sort((a, b) => (formatHlc(a) < formatHlc(b) ? -1 : 1));
    expect(byText).toEqual([...ts].sort(compareHlc));
    for (const t of ts) expect(parseHlc(formatHlc(t))).toEqual(t);
  });

  it('issues strictly increasing timestamps while the physical clock stands still or goes back', () => {
    let pt = 1000;
    const c = new HlcClock('s1', () => pt);
    const seen: string[] = [];
    for (let i = 0; i < 5; i++) seen.push(c.now());
    pt = 400; // the clock was stepped back
    for (let i = 0; i < 5; i++) seen.push(c.now());
    expect([...seen].sort()).toEqual(seen);
    expect(new Set(seen).size).toBe(seen.length);
    expect(parseHlc(seen.at(-1)!).wall).toBe(1000);
  });

  it('orders local events after a received remote timestamp from a clock 10 minutes ahead', () => {
    const a = new HlcClock('a', () => 1_000_000);
    const b = new HlcClock('b', () => 1_000_000 + 600_000);
    const remote = b.now();
    a.receive(remote);
    const mine = a.now();
    expect(mine > remote).toBe(true);
    expect(parseHlc(mine)).toMatchObject({ wall: 1_600_000, counter: 2, node: 'a' });
  });

  it('refuses a remote timestamp far beyond the allowed drift and names the node', () => {
    const a = new HlcClock('a', () => 0, 60_000);
    expect(() => a.receive(formatHlc({ wall: 3_600_000, counter: 0, node: 'bad' }))).toThrow(/60 min ahead.*bad/);
  });

  it('rejects malformed timestamps and node ids', () => {
    expect(isHlc('000000000000005-000000-a')).toBe(true);
    expect(isHlc('5-0-a')).toBe(false);
    expect(() => parseHlc('nonsense')).toThrow(HlcError);
    expect(() => new HlcClock('has space')).toThrow(/node id/);
  });

  it('continues after a restart from the greatest stored timestamp', () => {
    const c = new HlcClock('s', () => 10);
    c.seed(formatHlc({ wall: 500, counter: 7, node: 's' }));
    expect(parseHlc(c.now())).toMatchObject({ wall: 500, counter: 8 });
  });
});

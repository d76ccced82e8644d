import { describe, expect, it } from 'vitest';
import { FrameWatchdog } from './frame-watchdog';

const limits = { stallMs: 2000, busyStallMs: 8000, firstFrameMs: 6000, busyFirstFrameMs: 15000 };

describe('frame watchdog', () => {
  it('reports progress while frames advance and a stall 2 s after they stop with no bytes', () => {
    const w = new FrameWatchdog(limits);
    w.reset(0, 10);
    expect(w.check(250, 12)).toBe('progress');
    expect(w.check(1000, 12)).toBe('waiting');
    expect(w.check(2200, 12)).toBe('waiting');
    expect(w.check(2300, 12)).toBe('stalled');
  });

  it('gives a decoder that falls behind while bytes still arrive longer before a restart', () => {
    const w = new FrameWatchdog(limits);
    w.reset(0, 0);
    expect(w.check(100, 1)).toBe('progress');
    for (let t = 500; t <= 8000; t += 500) {
      w.bytes(t);
      expect(w.check(t, 1), `at ${t} ms`).toBe('waiting');
    }
    w.bytes(8200);
    expect(w.check(8200, 1)).toBe('stalled');
  });

  it('falls back to the short limit once the bytes stop too', () => {
    const w = new FrameWatchdog(limits);
    w.reset(0, 0);
    w.check(100, 1);
    w.bytes(1000);
    expect(w.check(2500, 1)).toBe('waiting');
    // Bytes last seen at 1 s: by 3.1 s the link is quiet and the frames have been still for 3 s.
    expect(w.check(3100, 1)).toBe('stalled');
  });

  it('waits for a first frame 6 s, or 15 s while bytes arrive', () => {
    const quiet = new FrameWatchdog(limits);
    quiet.reset(1000, 5);
    expect(quiet.check(6900, 5)).toBe('waiting');
    expect(quiet.check(7100, 5)).toBe('stalled');

    const busy = new FrameWatchdog(limits);
    busy.reset(1000, 5);
    busy.bytes(6500);
    expect(busy.check(7100, 5)).toBe('waiting');
    busy.bytes(15500);
    expect(busy.check(15900, 5)).toBe('waiting');
    busy.bytes(16100);
    expect(busy.check(16100, 5)).toBe('stalled');
  });

  it('counts frames from the restart, not from the element', () => {
    const w = new FrameWatchdog(limits);
    w.reset(0, 100);
    expect(w.check(500, 100)).toBe('waiting');
    expect(w.check(700, 101)).toBe('progress');
  });
});

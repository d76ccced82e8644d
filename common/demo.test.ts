import { describe, expect, it } from 'vitest';
import { checkTour, IDLE, playerGoto, playerNext, playerPause, playerPrev, playerResume, playerStart, playerTick, TOUR_FORMAT, TourSchema, type TourInput } from './demo';

const tourInput = (over: Partial<TourInput> = {}): TourInput => ({
  format: TOUR_FORMAT,
  version: 1,
  name: '测试',
  steps: [
    { title: '一', durationS: 10, map: { center: { lat: 31.2, lon: 119.4 }, zoom: 11, towers: ['t01'] } },
    { title: '二', cameras: [{ cameraId: 't01-thermal', pan: 90 }] },
    { title: '三', durationS: 5, wall: { scene: '白天' }, led: '欢迎' },
  ],
  ...over,
});
const tour = TourSchema.parse(tourInput());
const ctx = { towers: new Set(['t01', 't02']), cameras: new Set(['t01-visible', 't01-thermal']) };

describe('tour files', () => {
  it('loads a good tour with its defaults', () => {
    const r = checkTour(tourInput(), ctx);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.tour.loop).toBe(false);
      expect(r.tour.steps[0]!.narration).toBe('');
      expect(r.tour.steps[1]!.durationS).toBeUndefined();
    }
  });

  it('refuses a bad field naming the step a person counts and the field', () => {
    const bad = tourInput();
    (bad.steps[1] as Record<string, unknown>).map = { center: { lat: 31.2, lon: 119.4 }, zoom: 42 };
    const r = checkTour(bad, ctx);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reasons.join('\n')).toMatch(/第2步 steps\[1\]\.map\.zoom: must be at most 20/);
  });

  it('refuses unknown towers and cameras, every one', () => {
    const r = checkTour(tourInput({ steps: [{ title: 'x', cameras: [{ cameraId: 'nope', preset: 1 }], map: { center: { lat: 0, lon: 0 }, towers: ['t99'] } }] }), ctx);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reasons).toHaveLength(2);
      expect(r.reasons[0]).toMatch(/第1步 .*unknown camera nope/);
      expect(r.reasons[1]).toMatch(/unknown tower t99/);
    }
  });

  it('refuses a wall step with both a scene and windows, a camera with neither preset nor pan, and an unknown key', () => {
    const r = checkTour(tourInput({ steps: [{ title: 'x', wall: { scene: 'a', windows: [] }, cameras: [{ cameraId: 't01-visible' }], extra: 1 } as never] }));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      const all = r.reasons.join('\n');
      expect(all).toMatch(/wall: needs either a scene or windows/);
      expect(all).toMatch(/cameras\[0\]: needs a preset or a pan/);
      expect(all).toMatch(/extra/);
    }
  });

  it('refuses a file of another format and an empty tour', () => {
    expect(checkTour({ ...tourInput(), format: 'x' }).ok).toBe(false);
    const r = checkTour(tourInput({ steps: [] }));
    expect(!r.ok && r.reasons[0]).toMatch(/steps: needs at least one step/);
  });
});

describe('the player', () => {
  it('starts, times a step out, waits on a manual step, ends on the last', () => {
    let s = playerStart(tour, 1000);
    expect(s).toMatchObject({ status: 'playing', index: 0, dueAt: 11_000 });
    expect(playerTick(s, tour, 10_999)).toBe(s);
    s = playerTick(s, tour, 11_000);
    expect(s).toMatchObject({ index: 1, dueAt: null });
    // A manual step never moves by itself.
    expect(playerTick(s, tour, 1e12)).toBe(s);
    s = playerNext(s, tour, 20_000);
    expect(s).toMatchObject({ index: 2, dueAt: 25_000 });
    s = playerTick(s, tour, 25_000);
    expect(s).toMatchObject({ index: 2, ended: true, dueAt: null });
  });

  it('loops for unattended display, both ways', () => {
    let s = playerStart(tour, 0, { loop: true, at: 2 });
    s = playerNext(s, tour, 1);
    expect(s).toMatchObject({ index: 0, ended: false });
    s = playerPrev(s, tour, 2);
    expect(s.index).toBe(2);
    const once = playerStart(tour, 0);
    expect(playerPrev(once, tour, 1).index).toBe(0);
  });

  it('pauses with the time left and resumes with it; an alert takes over a presenter pause', () => {
    let s = playerStart(tour, 0);
    s = playerPause(s, 'presenter', 4000);
    expect(s).toMatchObject({ status: 'paused', pausedBy: 'presenter', remainingMs: 6000, dueAt: null });
    expect(playerTick(s, tour, 1e9)).toBe(s);
    s = playerPause(s, 'alert', 5000);
    expect(s.pausedBy).toBe('alert');
    s = playerResume(s, 100_000);
    expect(s).toMatchObject({ status: 'playing', pausedBy: null, dueAt: 106_000 });
  });

  it('steps while paused stay paused with the new step full time; idle ignores everything', () => {
    let s = playerPause(playerStart(tour, 0), 'blank', 1000);
    s = playerGoto(s, tour, 2, 2000);
    expect(s).toMatchObject({ status: 'paused', index: 2, remainingMs: 5000 });
    expect(playerNext(IDLE, tour, 0)).toBe(IDLE);
    expect(playerResume(IDLE, 0)).toBe(IDLE);
    expect(playerPause(IDLE, 'alert', 0)).toBe(IDLE);
  });
});

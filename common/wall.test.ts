import { describe, expect, it } from 'vitest';
import {
  alarmWindow,
  tourDraftOf,
  tourSources,
  bezelGapPx,
  checkScene,
  clampRect,
  groupTour,
  isCovered,
  layoutCost,
  nextWindowId,
  normalizePanes,
  panelRect,
  panelRegions,
  panelsOf,
  panelsRect,
  paneRects,
  planWall,
  raiseWindow,
  SCENE_FORMAT,
  snapRect,
  tourCamera,
  tourPosition,
  validateWindows,
  wallGeometry,
  wallRect,
  type DecoderBudget,
  type PaneVideo,
  type PlannedWindow,
  type WallWindow,
} from './wall';

const WALL = { rows: 3, columns: 5, panel: { width: 1920, height: 1080, bezelMm: 3.5, diagonalInch: 55 } };
const g = wallGeometry(WALL);
const decoders: DecoderBudget[] = [];
for (let row = 0; row < 3; row++) for (let column = 0; column < 5; column++) decoders.push({ id: `d${row * 5 + column + 1}`, row, column, maxStreams: 4 });
const cam = (cameraId: string, profile?: 'main' | 'sub'): PaneVideo => ({ cameraId, ...(profile ? { profile } : {}) });
const win = (id: string, rect: ReturnType<typeof wallRect>, split: number, cams: (string | null)[]): PlannedWindow => ({
  id,
  rect,
  split,
  panes: normalizePanes(
    cams.map((c) => (c ? { kind: 'camera' as const, cameraId: c } : null)),
    split,
  ).map((p) => (p?.kind === 'camera' ? cam(p.cameraId) : null)),
});
const planOf = (plan: ReturnType<typeof planWall>, id: string) => plan.decoders.find((d) => d.decoderId === id)!;
const known = new Set(['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9']);
const ctx = { knownCamera: (id: string) => known.has(id) };

describe('geometry', () => {
  it('lays panels side by side, with bezel pixels only when compensating', () => {
    expect([g.width, g.height]).toEqual([9600, 3240]);
    expect(panelRect(g, 2, 4)).toEqual({ x: 7680, y: 2160, w: 1920, h: 1080 });
    // 55" 16:9 panel: 1217.7 mm wide, 0.634 mm pitch → a 3.5 mm bezel hides about 6 pixels.
    expect(bezelGapPx(WALL.panel)).toBe(6);
    const gb = wallGeometry(WALL, { bezelCompensation: true });
    expect([gb.width, gb.height]).toEqual([9600 + 4 * 6, 3240 + 2 * 6]);
    expect(panelRect(gb, 1, 1)).toEqual({ x: 1926, y: 1086, w: 1920, h: 1080 });
    expect(panelsRect(gb, 0, 0, 2, 2)).toEqual({ x: 0, y: 0, w: 3846, h: 2166 });
  });

  it('splits a window into 1, 4 or 9 panes row by row', () => {
    const panes = paneRects(wallRect(0, 0, 1920, 1080), 4);
    expect(panes).toEqual([wallRect(0, 0, 960, 540), wallRect(960, 0, 960, 540), wallRect(0, 540, 960, 540), wallRect(960, 540, 960, 540)]);
    expect(paneRects(wallRect(0, 0, 900, 900), 9)[4]).toEqual(wallRect(300, 300, 300, 300));
  });

  it('finds the panels a rectangle covers (touching an edge is not covering)', () => {
    expect(panelsOf(g, wallRect(1920, 0, 1920, 1080))).toEqual([{ row: 0, column: 1 }]);
    expect(panelsOf(g, wallRect(1900, 1000, 100, 100))).toEqual([
      { row: 0, column: 0 },
      { row: 0, column: 1 },
      { row: 1, column: 0 },
      { row: 1, column: 1 },
    ]);
  });

  it('knows when a rectangle is hidden by others', () => {
    const a = wallRect(0, 0, 100, 100);
    expect(isCovered(a, [wallRect(0, 0, 50, 100), wallRect(50, 0, 50, 100)])).toBe(true);
    expect(isCovered(a, [wallRect(0, 0, 50, 100), wallRect(50, 0, 50, 99)])).toBe(false);
    expect(isCovered(a, [wallRect(-10, -10, 200, 200)])).toBe(true);
  });
});

describe('panel regions', () => {
  it('a 4-split window on one panel: four quadrants, whole pictures', () => {
    const plan = planWall(g, [win('w1', panelRect(g, 1, 2), 4, ['c1', 'c2', 'c3', 'c4'])], decoders);
    expect(plan.ok).toBe(true);
    const d8 = planOf(plan, 'd8');
    expect(d8.outputs.map((o) => [o.pane, o.dest, o.crop, o.video?.cameraId, o.profile])).toEqual([
      [0, { x: 0, y: 0, w: 960, h: 540 }, { x: 0, y: 0, w: 1, h: 1 }, 'c1', 'main'],
      [1, { x: 960, y: 0, w: 960, h: 540 }, { x: 0, y: 0, w: 1, h: 1 }, 'c2', 'main'],
      [2, { x: 0, y: 540, w: 960, h: 540 }, { x: 0, y: 0, w: 1, h: 1 }, 'c3', 'main'],
      [3, { x: 960, y: 540, w: 960, h: 540 }, { x: 0, y: 0, w: 1, h: 1 }, 'c4', 'main'],
    ]);
    expect(d8.cost).toBe(4);
    expect(plan.decoders.filter((d) => d.outputs.length > 0).map((d) => d.decoderId)).toEqual(['d8']);
  });

  it('one picture over 2x2 panels: each decoder shows its quarter of it', () => {
    const plan = planWall(g, [win('big', panelsRect(g, 0, 0, 2, 2), 1, ['c1'])], decoders);
    const pieces = ['d1', 'd2', 'd6', 'd7'].map((id) => planOf(plan, id).outputs);
    for (const p of pieces) {
      expect(p).toHaveLength(1);
      expect(p[0]!.dest).toEqual({ x: 0, y: 0, w: 1920, h: 1080 });
      expect(p[0]!.video?.cameraId).toBe('c1');
    }
    expect(pieces.map((p) => p[0]!.crop)).toEqual([
      { x: 0, y: 0, w: 0.5, h: 0.5 },
      { x: 0.5, y: 0, w: 0.5, h: 0.5 },
      { x: 0, y: 0.5, w: 0.5, h: 0.5 },
      { x: 0.5, y: 0.5, w: 0.5, h: 0.5 },
    ]);
    // One pane on four panels costs a decode on each of the four decoders.
    expect(pieces.length).toBe(4);
    expect(['d1', 'd2', 'd6', 'd7'].map((id) => planOf(plan, id).cost)).toEqual([1, 1, 1, 1]);
  });

  it('a window straddling a panel edge off-centre: dest and crop add up to the pane', () => {
    const plan = planWall(g, [win('w', wallRect(1440, 0, 1920, 1080), 1, ['c1'])], decoders);
    const [a] = planOf(plan, 'd1').outputs;
    const [b] = planOf(plan, 'd2').outputs;
    expect(a!.dest).toEqual({ x: 1440, y: 0, w: 480, h: 1080 });
    expect(a!.crop).toEqual({ x: 0, y: 0, w: 0.25, h: 1 });
    expect(b!.dest).toEqual({ x: 0, y: 0, w: 1440, h: 1080 });
    expect(b!.crop).toEqual({ x: 0.25, y: 0, w: 0.75, h: 1 });
  });

  it('a 9-split window over 2x2 panels puts the centre pane on all four decoders', () => {
    const plan = planWall(g, [win('w', panelsRect(g, 0, 0, 2, 2), 9, ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9'])], decoders);
    for (const id of ['d1', 'd2', 'd6', 'd7']) expect(planOf(plan, id).outputs.some((o) => o.pane === 4)).toBe(true);
    expect(planOf(plan, 'd1').outputs.map((o) => o.pane)).toEqual([0, 1, 3, 4]);
    expect(planOf(plan, 'd1').cost).toBe(4);
    expect(plan.ok).toBe(true);
    const centre = planOf(plan, 'd7').outputs.find((o) => o.pane === 4)!;
    expect(centre.dest).toEqual({ x: 0, y: 0, w: 640, h: 360 });
    expect(centre.crop).toEqual({ x: 0.5, y: 0.5, w: 0.5, h: 0.5 });
  });

  it('overlapping windows: a hidden part costs nothing, a partly hidden one stays, higher z on top', () => {
    const under = win('under', panelRect(g, 0, 0), 4, ['c1', 'c2', 'c3', 'c4']);
    // Covers the top-left quadrant entirely and half of the top-right one.
    const over = win('over', wallRect(0, 0, 1440, 540), 1, ['c5']);
    const regions = panelRegions(g, [under, over]).get('0,0')!;
    expect(regions.map((r) => `${r.windowId}.${r.pane}@${r.z}`)).toEqual(['under.1@0', 'under.2@0', 'under.3@0', 'over.0@1']);
    const plan = planWall(g, [under, over], decoders);
    expect(planOf(plan, 'd1').cost).toBe(4);
    // Raising the lower window hides the other one where they overlap.
    const raised = panelRegions(g, [over, under]).get('0,0')!;
    expect(raised.map((r) => r.windowId)).toEqual(['under', 'under', 'under', 'under']);
  });

  it('empty panes are drawn (they hide what is under them) but cost nothing', () => {
    const plan = planWall(g, [win('w', panelRect(g, 0, 0), 4, ['c1', null, null, null])], decoders);
    expect(planOf(plan, 'd1').outputs).toHaveLength(4);
    expect(planOf(plan, 'd1').outputs.map((o) => o.profile)).toEqual(['main', null, null, null]);
    expect(planOf(plan, 'd1').cost).toBe(1);
  });
});

describe('decode budget', () => {
  const crowded = () => [
    win('a', panelRect(g, 0, 0), 4, ['c1', 'c2', 'c3', 'c4']),
    win('b', wallRect(480, 270, 960, 540), 4, ['c5', 'c6', 'c7', 'c8']),
  ];

  it('refuses a layout over a decoder budget, naming the decoder and the panes', () => {
    const plan = planWall(g, crowded(), decoders);
    expect(plan.ok).toBe(false);
    expect(plan.problems).toHaveLength(1);
    expect(plan.problems[0]).toMatch(/^decoder d1 \(row 1, column 1\) would decode 8 HD streams but can decode 4: a pane 1 \(c1\)/);
  });

  it('degrades to sub streams where allowed, smallest panes first, whole panes on every decoder', () => {
    const plan = planWall(g, crowded(), decoders, { overBudget: 'degrade' });
    expect(plan.ok).toBe(true);
    expect(planOf(plan, 'd1').cost).toBeLessThanOrEqual(4);
    // The four small panes of `b` go first.
    expect(plan.degraded.slice(0, 4).map((p) => p.windowId)).toEqual(['b', 'b', 'b', 'b']);
    expect(planOf(plan, 'd1').outputs.filter((o) => o.windowId === 'b').every((o) => o.profile === 'sub')).toBe(true);
  });

  it('keeps pinned main streams and then refuses even with sub streams', () => {
    const pinned = crowded().map((w) => ({ ...w, panes: w.panes.map((p) => (p ? cam(p.cameraId, 'main') : null)) }));
    const plan = planWall(g, pinned, decoders, { overBudget: 'degrade' });
    expect(plan.ok).toBe(false);
    expect(plan.problems[0]).toContain('even with sub streams');
  });

  it('a pane on two panels costs a decode on both decoders', () => {
    // 4 full-panel windows on d1 and d2 each, plus one window straddling both: 5 decodes each.
    const plan = planWall(
      g,
      [
        win('l', panelRect(g, 0, 0), 4, ['c1', 'c2', 'c3', 'c4']),
        win('r', panelRect(g, 0, 1), 4, ['c5', 'c6', 'c7', 'c8']),
        win('x', wallRect(1800, 900, 240, 135), 1, ['c9']),
      ],
      decoders,
    );
    expect(plan.problems.map((p) => p.slice(0, 10))).toEqual(['decoder d1', 'decoder d2']);
  });

  it('sheds the lowest regions when even sub streams do not fit (alarms are never refused)', () => {
    const pinned = crowded().map((w) => ({ ...w, panes: w.panes.map((p) => (p ? cam(p.cameraId, 'main') : null)) }));
    const alarm = { ...win('alarm', wallRect(960, 0, 960, 540), 1, []), panes: [cam('c9', 'main')] };
    const plan = planWall(g, [...pinned, alarm], decoders, { overBudget: 'shed' });
    expect(plan.ok).toBe(true);
    expect(planOf(plan, 'd1').cost).toBeLessThanOrEqual(4);
    // a.1 and b.1 lie under the alarm window (free); of the 7 visible, the lowest three go.
    expect(plan.shed.map((s) => `${s.windowId}.${s.pane}`)).toEqual(['a.0', 'a.2', 'a.3']);
    expect(planOf(plan, 'd1').outputs.find((o) => o.windowId === 'alarm')?.profile).toBe('main');
  });

  it('costs sub streams at a quarter of an HD decode', () => {
    const plan = planWall(g, [{ ...win('w', panelRect(g, 0, 0), 9, []), panes: Array.from({ length: 9 }, (_, i) => cam(`c${i + 1}`, 'sub')) }], decoders);
    expect(planOf(plan, 'd1').cost).toBe(2.25);
    expect(layoutCost([{ id: 'a', z: 0, dest: { x: 0, y: 0, w: 1, h: 1 } as never, crop: { x: 0, y: 0, w: 1, h: 1 }, stream: { cameraId: 'c', profile: 'sub', url: 'x' } }])).toBe(0.25);
  });
});

describe('snapping', () => {
  it('snaps each edge to the nearest panel edge within the tolerance when resizing', () => {
    expect(snapRect(g, wallRect(1900, 30, 1960, 1040), 40)).toEqual(wallRect(1920, 0, 1920, 1080));
    // 100 px off is beyond a 40 px tolerance: that edge stays.
    expect(snapRect(g, wallRect(1820, 30, 1990, 1040), 40)).toEqual(wallRect(1820, 0, 2020, 1080));
  });

  it('keeps the size when moving, using the smaller snap on each axis', () => {
    expect(snapRect(g, wallRect(1890, 1070, 1000, 500), 40, 'move')).toEqual(wallRect(1920, 1080, 1000, 500));
    expect(snapRect(g, wallRect(2850, 20, 1000, 500), 40, 'move')).toEqual(wallRect(2840, 0, 1000, 500));
  });

  it('keeps a window inside the wall', () => {
    expect(clampRect(g, wallRect(9000, -100, 1920, 1080))).toEqual(wallRect(7680, 0, 1920, 1080));
    expect(clampRect(g, wallRect(-5, 0, 20_000, 100))).toEqual(wallRect(0, 0, 9600, 100));
  });

  it('snaps to both sides of a bezel when compensating', () => {
    const gb = wallGeometry(WALL, { bezelCompensation: true });
    expect(snapRect(gb, wallRect(1930, 10, 1900, 1060), 20)).toEqual(wallRect(1926, 0, 1920, 1080));
  });
});

describe('validation', () => {
  const w = (over: Partial<WallWindow>): WallWindow => ({ id: 'w1', rect: panelRect(g, 0, 0), split: 1, panes: [{ kind: 'camera', cameraId: 'c1' }], ...over });

  it('accepts a good window', () => {
    expect(validateWindows(g, [w({})], ctx)).toEqual([]);
  });

  it('says why a window cannot go on the wall', () => {
    const issues = validateWindows(
      g,
      [
        w({ rect: wallRect(8000, 0, 1920, 1080) }),
        w({ id: 'w2', split: 6, panes: [] }),
        w({ id: 'w3', panes: [{ kind: 'camera', cameraId: 'nope' }] }),
        w({ id: 'w4', panes: [{ kind: 'map' }] }),
        w({ id: 'w4', panes: [{ kind: 'tour', cameras: ['c1', 'zz'], dwellS: 10 }] }),
        w({ id: 'w6', split: 9, rect: wallRect(0, 0, 90, 90) }),
        w({ id: 'w7', split: 1, panes: [null, null] }),
      ],
      ctx,
    );
    expect(issues).toEqual([
      { path: 'windows[0].rect', message: 'window w1 lies outside the wall (9600 x 3240 px): its right edge is at 9920 px' },
      { path: 'windows[1].split', message: 'split 6 is not supported; use 1, 4, 9' },
      { path: 'windows[2].panes[0].cameraId', message: 'unknown camera "nope"' },
      { path: 'windows[3].panes[0].kind', message: 'pane source "map" is not yet available' },
      { path: 'windows[4].id', message: 'duplicate window id "w4"' },
      { path: 'windows[4].panes[0].cameras[1]', message: 'unknown camera "zz"' },
      { path: 'windows[5].rect', message: 'window w6 is too small for 9 panes: each pane would be 30 x 30 px, at least 32 x 18' },
      { path: 'windows[6].panes', message: 'window w7 has 2 pane sources for 1 panes' },
    ]);
  });

  it('edits: ids, raise, pane padding', () => {
    expect(nextWindowId([{ id: 'w1' }, { id: 'w3' }])).toBe('w2');
    expect(raiseWindow([{ id: 'a' }, { id: 'b' }, { id: 'c' }], 'a').map((x) => x.id)).toEqual(['b', 'c', 'a']);
    expect(normalizePanes([{ kind: 'camera', cameraId: 'c1' }], 4)).toEqual([{ kind: 'camera', cameraId: 'c1' }, null, null, null]);
  });
});

describe('tours', () => {
  it('steps on the dwell and says when the next step comes', () => {
    expect(tourPosition(1000, 10, 1000)).toEqual({ step: 0, nextAt: 11_000 });
    expect(tourPosition(1000, 10, 10_999)).toEqual({ step: 0, nextAt: 11_000 });
    expect(tourPosition(1000, 10, 11_000)).toEqual({ step: 1, nextAt: 21_000 });
    expect(tourCamera({ kind: 'tour', cameras: ['a', 'b', 'c'], dwellS: 5 }, 4)).toBe('b');
  });

  it('pages a list of cameras through the panes of a window in groups', () => {
    const t = groupTour(['a', 'b', 'c', 'd', 'e', 'f'], 4, 10);
    expect(t.map((x) => x.cameras)).toEqual([
      ['a', 'e'],
      ['b', 'f'],
      ['c', 'a'],
      ['d', 'b'],
    ]);
    expect(t.every((x) => x.sync)).toBe(true);
  });
});

describe('alarm window', () => {
  it('grows from 1 to 4 to 9 panes with the alarm cameras, newest kept', () => {
    const r = panelsRect(g, 0, 3, 2, 2);
    expect(alarmWindow(r, ['a']).split).toBe(1);
    expect(alarmWindow(r, ['a', 'b']).panes).toEqual([{ kind: 'camera', cameraId: 'a' }, { kind: 'camera', cameraId: 'b' }, null, null]);
    const many = alarmWindow(r, Array.from({ length: 11 }, (_, i) => `c${i}`));
    expect(many.split).toBe(9);
    expect(many.panes[0]).toEqual({ kind: 'camera', cameraId: 'c2' });
  });
});

describe('scenes', () => {
  const scene = (over: Record<string, unknown> = {}) => ({
    format: SCENE_FORMAT,
    version: 1,
    name: '白天',
    savedAt: 1,
    wall: { rows: 3, columns: 5, panelWidth: 1920, panelHeight: 1080 },
    windows: [{ id: 'w1', rect: { x: 0, y: 0, w: 1920, h: 1080 }, split: 1, panes: [{ kind: 'camera', cameraId: 'c1' }] }],
    ...over,
  });

  it('loads a scene for this wall', () => {
    const r = checkScene(scene(), g, ctx);
    expect(r.ok).toBe(true);
  });

  it('refuses a scene from a different wall size', () => {
    const r = checkScene(scene({ wall: { rows: 2, columns: 4, panelWidth: 1920, panelHeight: 1080 } }), g, ctx);
    expect(r).toEqual({ ok: false, reasons: ['scene "白天" is for a 2 x 4 wall of 1920x1080 panels; this wall is 3 x 5 of 1920x1080'] });
  });

  it('refuses a scene with unknown cameras, naming them', () => {
    const windows = [{ id: 'w1', rect: { x: 0, y: 0, w: 1920, h: 1080 }, split: 4, panes: [{ kind: 'camera', cameraId: 'x1' }, { kind: 'camera', cameraId: 'x2' }, null, null] }];
    const r = checkScene(scene({ windows }), g, ctx);
    expect(r).toEqual({ ok: false, reasons: ['unknown cameras "x1", "x2"'] });
  });

  it('refuses a malformed document with the paths', () => {
    const r = checkScene({ format: 'nope', windows: 3 }, g, ctx);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reasons).toContain(`format: must be "${SCENE_FORMAT}"`);
      expect(r.reasons.some((x) => x.startsWith('windows:'))).toBe(true);
    }
  });
});

describe('tour drafts (the console tour editor)', () => {
  const list = ['t01-visible', 't02-visible', 't03-visible', 't04-visible', 't05-visible', 't06-visible'];
  it('reads a 4-pane synchronised tour back as the list it was built from, for any length', () => {
    for (let n = 1; n <= list.length; n++) {
      const panes = groupTour(list.slice(0, n), 4, 15, 'sub');
      expect(tourDraftOf(panes, 2)).toEqual({ cameras: list.slice(0, n), dwellS: 15, sync: true, profile: 'sub' });
    }
  });
  it('reads a single pane tour as its own list and keeps the other panes when writing it back', () => {
    const cam = { kind: 'camera' as const, cameraId: 't09-visible' };
    const panes = [cam, { kind: 'tour' as const, cameras: ['t02-visible', 't01-visible'], dwellS: 8 }, null];
    expect(tourDraftOf(panes, 1)).toEqual({ cameras: ['t02-visible', 't01-visible'], dwellS: 8, sync: false });
    expect(tourDraftOf(panes, 0)).toBeNull();
    const out = tourSources({ cameras: ['t03-visible', 't04-visible'], dwellS: 20, sync: false, profile: 'main' }, panes, 4, 2);
    expect(out).toEqual([cam, panes[1], { kind: 'tour', cameras: ['t03-visible', 't04-visible'], dwellS: 20, profile: 'main' }, null]);
    expect(tourSources({ cameras: list, dwellS: 20, sync: true }, panes, 4, 2)).toEqual(groupTour(list, 4, 20));
  });
});

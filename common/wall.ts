import { z } from 'zod';

/*
 * The video wall, as pure data and geometry: panels, windows in wall pixels that may span several
 * panels and overlap, panes (1/4/9 split) with their sources, and what each decoder must draw — the
 * part of each pane that falls on its panel, with the crop of the source picture. Also the decode
 * budget per decoder, snapping, validation, scenes, tours and the decoder protocol's JSON shapes.
 * Spec: docs/wall.md, docs/decoder-protocol.md.
 */

// ---------------------------------------------------------------------------------------------
// Units

/** A coordinate or length in wall pixels: panels side by side, (0,0) top-left of the whole wall. */
export const WallPxSchema = z.number().brand<'WallPx'>();
export type WallPx = z.infer<typeof WallPxSchema>;
/** A coordinate or length in one panel's own pixels, (0,0) top-left of that panel. */
export const PanelPxSchema = z.number().int().brand<'PanelPx'>();
export type PanelPx = z.infer<typeof PanelPxSchema>;

export const wallPx = (n: number): WallPx => n as WallPx;
export const panelPx = (n: number): PanelPx => n as PanelPx;

const positiveWallPx = z.number().positive('must be positive').brand<'WallPx'>();

/** A rectangle in wall pixels. */
export const WallRectSchema = z.object({ x: WallPxSchema, y: WallPxSchema, w: positiveWallPx, h: positiveWallPx }).strict();
export type WallRect = z.infer<typeof WallRectSchema>;

/** A rectangle in a panel's pixels (what a decoder draws into). */
export const PanelRectSchema = z
  .object({ x: PanelPxSchema, y: PanelPxSchema, w: z.number().int().positive().brand<'PanelPx'>(), h: z.number().int().positive().brand<'PanelPx'>() })
  .strict();
export type PanelRect = z.infer<typeof PanelRectSchema>;

const unit = z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');
/** A rectangle in fractions (0…1) of a source picture: which part of it a decoder shows. */
export const NormRectSchema = z.object({ x: unit, y: unit, w: unit, h: unit }).strict();
export type NormRect = z.infer<typeof NormRectSchema>;

export const wallRect = (x: number, y: number, w: number, h: number): WallRect => ({ x: wallPx(x), y: wallPx(y), w: wallPx(w), h: wallPx(h) });

// ---------------------------------------------------------------------------------------------
// Sources, windows, layouts

export const CameraIdSchema = z.string().min(1, 'must not be empty').max(64);
export const StreamProfileSchema = z.enum(['main', 'sub']);
export type Profile = z.infer<typeof StreamProfileSchema>;

/** Shortest and longest dwell of a tour step, seconds. */
export const TOUR_DWELL_S = { min: 3, max: 3600 } as const;

/** A live camera. Without `profile` the host picks main and may degrade to sub to fit a decoder's budget. */
export const CameraPaneSchema = z
  .object({ kind: z.literal('camera'), cameraId: CameraIdSchema, profile: StreamProfileSchema.optional() })
  .strict();
/**
 * A tour: the pane shows `cameras` in turn, `dwellS` each. With `sync`, all synchronised tours of a
 * window share one clock and switch at the same instant (see groupTour for a 4-pane paging tour).
 */
export const TourPaneSchema = z
  .object({
    kind: z.literal('tour'),
    cameras: z.array(CameraIdSchema).min(1, 'a tour needs at least one camera').max(256, 'at most 256 cameras'),
    dwellS: z.number().min(TOUR_DWELL_S.min, `must be at least ${TOUR_DWELL_S.min} s`).max(TOUR_DWELL_S.max, `must be at most ${TOUR_DWELL_S.max} s`),
    sync: z.boolean().optional(),
    profile: StreamProfileSchema.optional(),
  })
  .strict();
/**
 * Kinds the contract already names so the renderer and scenes can carry them, but that the host
 * does not show yet: the controller refuses them with "not yet available" rather than accepting a
 * pane it would leave black.
 */
export const FUTURE_PANE_KINDS = ['map', 'alert', 'conference'] as const;
/** A conference pane's `ref`: the room id (the conference domain's room ids). */
export const CONFERENCE_ROOM_REF = /^[A-Za-z0-9_-]{1,40}$/;
export const FuturePaneSchema = z.object({ kind: z.enum(FUTURE_PANE_KINDS), ref: z.string().max(128).optional() }).strict();
/** What a pane shows. */
export const PaneSourceSchema = z.discriminatedUnion('kind', [CameraPaneSchema, TourPaneSchema, FuturePaneSchema]);
export type PaneSource = z.infer<typeof PaneSourceSchema>;
export type CameraPane = z.infer<typeof CameraPaneSchema>;
export type TourPane = z.infer<typeof TourPaneSchema>;

export const WindowIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1–32 letters, digits, "-" or "_"');
/** Splits the host supports unless told otherwise: 1, 2x2, 3x3. */
export const DEFAULT_SPLITS: readonly number[] = [1, 4, 9];
export const MAX_WINDOWS = 64;
/** Smallest pane, wall pixels (a 9-split window is at least three times this). */
export const MIN_PANE = { w: 32, h: 18 } as const;

/** A window: a rectangle of the wall split into panes, each with a source (or empty). */
export const WallWindowSchema = z
  .object({
    id: WindowIdSchema,
    rect: WallRectSchema,
    split: z.number().int('must be a whole number').min(1).max(16),
    /** One source per pane, row by row; `null` is an empty pane. */
    panes: z.array(PaneSourceSchema.nullable()).max(16),
    title: z.string().max(64).optional(),
  })
  .strict();
export type WallWindow = z.infer<typeof WallWindowSchema>;

/** The windows of the wall, bottom first (array order is z-order). */
export const WallWindowsSchema = z.array(WallWindowSchema).max(MAX_WINDOWS, `at most ${MAX_WINDOWS} windows`);

// ---------------------------------------------------------------------------------------------
// Geometry

/** The wall's pixel space. */
export interface WallGeometry {
  rows: number;
  columns: number;
  panelWidth: PanelPx;
  panelHeight: PanelPx;
  /** Wall pixels hidden under the bezel between two panels (0 without bezel compensation). */
  gapX: WallPx;
  gapY: WallPx;
  width: WallPx;
  height: WallPx;
}

/** The wall part of a site file (or anything shaped like it). */
export interface WallShape {
  rows: number;
  columns: number;
  panel: { width: number; height: number; bezelMm?: number; diagonalInch?: number };
}

/** Width of the bezel between two panels in panel pixels, from the panel's size and pixel pitch. */
export function bezelGapPx(panel: WallShape['panel']): number {
  const bezel = panel.bezelMm ?? 0;
  const diagonal = panel.diagonalInch ?? 0;
  if (bezel <= 0 || diagonal <= 0) return 0;
  const widthMm = (diagonal * 25.4 * panel.width) / Math.hypot(panel.width, panel.height);
  return Math.round(bezel / (widthMm / panel.width));
}

/**
 * The wall's pixel space. With bezel compensation the bezels count as hidden pixels, so a window
 * spanning two panels shows straight lines across the gap (the part under the bezel is not shown).
 */
export function wallGeometry(wall: WallShape, opts: { bezelCompensation?: boolean } = {}): WallGeometry {
  const gap = opts.bezelCompensation ? bezelGapPx(wall.panel) : 0;
  return {
    rows: wall.rows,
    columns: wall.columns,
    panelWidth: panelPx(wall.panel.width),
    panelHeight: panelPx(wall.panel.height),
    gapX: wallPx(gap),
    gapY: wallPx(gap),
    width: wallPx(wall.columns * wall.panel.width + (wall.columns - 1) * gap),
    height: wallPx(wall.rows * wall.panel.height + (wall.rows - 1) * gap),
  };
}

/** The rectangle of one panel in wall pixels. */
export function panelRect(g: WallGeometry, row: number, column: number): WallRect {
  return wallRect(column * (g.panelWidth + g.gapX), row * (g.panelHeight + g.gapY), g.panelWidth, g.panelHeight);
}

/** The rectangle covering panels `row…row+rows-1` × `column…column+columns-1` exactly. */
export function panelsRect(g: WallGeometry, row: number, column: number, rows = 1, columns = 1): WallRect {
  const a = panelRect(g, row, column);
  const b = panelRect(g, row + rows - 1, column + columns - 1);
  return wallRect(a.x, a.y, b.x + b.w - a.x, b.y + b.h - a.y);
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The overlap of two rectangles, or null when they share no area. */
export function intersect<R extends Box>(a: R, b: Box): R | null {
  const x0 = Math.max(a.x, b.x);
  const y0 = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.w, b.x + b.w);
  const y1 = Math.min(a.y + a.h, b.y + b.h);
  if (x1 - x0 <= 1e-9 || y1 - y0 <= 1e-9) return null;
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 } as R;
}

/** `a` minus `b`, as up to four rectangles. */
function subtract(a: Box, b: Box): Box[] {
  const i = intersect(a, b);
  if (!i) return [a];
  const out: Box[] = [];
  if (i.y > a.y) out.push({ x: a.x, y: a.y, w: a.w, h: i.y - a.y });
  if (i.y + i.h < a.y + a.h) out.push({ x: a.x, y: i.y + i.h, w: a.w, h: a.y + a.h - (i.y + i.h) });
  if (i.x > a.x) out.push({ x: a.x, y: i.y, w: i.x - a.x, h: i.h });
  if (i.x + i.w < a.x + a.w) out.push({ x: i.x + i.w, y: i.y, w: a.x + a.w - (i.x + i.w), h: i.h });
  return out;
}

/** True when `covers` hide all of `a` (less than half a pixel left visible). */
export function isCovered(a: Box, covers: readonly Box[]): boolean {
  let rest: Box[] = [a];
  for (const c of covers) {
    rest = rest.flatMap((r) => subtract(r, c));
    if (rest.length === 0) return true;
  }
  return rest.every((r) => r.w < 0.5 || r.h < 0.5);
}

/** Panes per side of a split (2 for 4), or undefined for a split that is not a square. */
export function splitSide(split: number): number | undefined {
  const k = Math.round(Math.sqrt(split));
  return k >= 1 && k * k === split ? k : undefined;
}

/** The panes of a window, row by row. */
export function paneRects(rect: WallRect, split: number): WallRect[] {
  const k = splitSide(split) ?? Math.ceil(Math.sqrt(split));
  const out: WallRect[] = [];
  for (let i = 0; i < split; i++) {
    const r = Math.floor(i / k);
    const c = i % k;
    const x0 = rect.x + (c * rect.w) / k;
    const x1 = rect.x + ((c + 1) * rect.w) / k;
    const y0 = rect.y + (r * rect.h) / k;
    const y1 = rect.y + ((r + 1) * rect.h) / k;
    out.push(wallRect(x0, y0, x1 - x0, y1 - y0));
  }
  return out;
}

/** The panels a rectangle covers (with some area), row by row. */
export function panelsOf(g: WallGeometry, rect: Box): { row: number; column: number }[] {
  const out: { row: number; column: number }[] = [];
  for (let row = 0; row < g.rows; row++) {
    for (let column = 0; column < g.columns; column++) {
      if (intersect(panelRect(g, row, column), rect)) out.push({ row, column });
    }
  }
  return out;
}

export const panelKey = (row: number, column: number) => `${row},${column}`;

/** What a pane plays once tours are resolved: a camera, or nothing. */
export interface PaneVideo {
  cameraId: string;
  /** Pinned profile; without it the planner picks main and may degrade to sub. */
  profile?: Profile;
}

/** A window as the planner sees it: panes already resolved to cameras (tours at their current step). */
export interface PlannedWindow {
  id: string;
  rect: WallRect;
  split: number;
  panes: ReadonlyArray<PaneVideo | null>;
}

/** The part of one pane that falls on one panel. */
export interface OutputRegion {
  windowId: string;
  pane: number;
  /** Index of the window in z-order, 0 at the bottom. */
  z: number;
  /** Where on the panel, panel pixels. */
  dest: PanelRect;
  /** Which part of the pane's picture, fractions of it. */
  crop: NormRect;
  video: PaneVideo | null;
  /** Area of the whole pane, wall px² (small panes are degraded first). */
  paneArea: number;
}

const round6 = (n: number) => Math.round(n * 1e6) / 1e6;
const clampUnit = (n: number) => Math.min(1, Math.max(0, round6(n)));

/**
 * Cuts every window into what each panel shows: per panel, the regions of the panes on it, bottom
 * first. A region entirely hidden under higher windows is left out (it costs no decode).
 */
export function panelRegions(g: WallGeometry, windows: readonly PlannedWindow[]): Map<string, OutputRegion[]> {
  const out = new Map<string, OutputRegion[]>();
  windows.forEach((win, z) => {
    const above = windows.slice(z + 1).map((w) => w.rect);
    const panes = paneRects(win.rect, win.split);
    panes.forEach((pane, p) => {
      for (const { row, column } of panelsOf(g, pane)) {
        const panel = panelRect(g, row, column);
        const part = intersect(pane, panel);
        if (!part || isCovered(part, above.map((a) => intersect(a, part)).filter((a): a is WallRect => a !== null))) continue;
        const x0 = Math.round(part.x - panel.x);
        const y0 = Math.round(part.y - panel.y);
        const x1 = Math.round(part.x + part.w - panel.x);
        const y1 = Math.round(part.y + part.h - panel.y);
        if (x1 <= x0 || y1 <= y0) continue;
        const region: OutputRegion = {
          windowId: win.id,
          pane: p,
          z,
          dest: { x: panelPx(x0), y: panelPx(y0), w: panelPx(x1 - x0), h: panelPx(y1 - y0) },
          crop: {
            x: clampUnit((part.x - pane.x) / pane.w),
            y: clampUnit((part.y - pane.y) / pane.h),
            w: clampUnit(part.w / pane.w),
            h: clampUnit(part.h / pane.h),
          },
          video: win.panes[p] ?? null,
          paneArea: pane.w * pane.h,
        };
        const key = panelKey(row, column);
        const list = out.get(key);
        if (list) list.push(region);
        else out.set(key, [region]);
      }
    });
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Decode budget

/** A decoder as the planner needs it. */
export interface DecoderBudget {
  id: string;
  row: number;
  column: number;
  /** HD streams it decodes at once. */
  maxStreams: number;
}

/** What to do when a layout needs more decodes than a decoder has. */
export type OverBudget =
  /** Refuse the layout, naming the decoder. */
  | 'refuse'
  /** Switch panes without a pinned profile to sub streams (smallest panes first), then refuse. */
  | 'degrade'
  /** Degrade, then blank the lowest regions on the decoder (alarm takeovers must not be refused). */
  | 'shed';

export interface PlanOptions {
  /** Cost of a sub stream in HD decodes (default 0.25: four D1/720p streams per 1080p decode). */
  subStreamWeight?: number;
  overBudget?: OverBudget;
}

export interface PlannedOutput extends OutputRegion {
  /** Profile actually sent; null for an empty region. */
  profile: Profile | null;
}

export interface DecoderPlan {
  decoderId: string;
  row: number;
  column: number;
  maxStreams: number;
  /** HD decodes the outputs need. */
  cost: number;
  outputs: PlannedOutput[];
}

export interface PaneRef {
  windowId: string;
  pane: number;
}

export interface WallPlan {
  ok: boolean;
  decoders: DecoderPlan[];
  /** Panes switched to their sub stream to fit a budget. */
  degraded: PaneRef[];
  /** Regions blanked to fit a budget (`shed` only). */
  shed: (PaneRef & { decoderId: string })[];
  /** Why the plan is refused, one line per decoder over budget. */
  problems: string[];
}

export const DEFAULT_SUB_STREAM_WEIGHT = 0.25;
const EPS = 1e-9;

const paneId = (r: PaneRef) => `${r.windowId}.${r.pane}`;
const fmtCost = (n: number) => (Math.round(n * 100) / 100).toString();

/**
 * Decides what every decoder shows and checks each decoder's decode budget. A pane that appears on
 * two panels costs a decode on each of the two decoders. Panels without a decoder show nothing.
 */
export function planWall(g: WallGeometry, windows: readonly PlannedWindow[], decoders: readonly DecoderBudget[], opts: PlanOptions = {}): WallPlan {
  const weight = opts.subStreamWeight ?? DEFAULT_SUB_STREAM_WEIGHT;
  const policy = opts.overBudget ?? 'refuse';
  const regions = panelRegions(g, windows);
  const sub = new Set<string>();
  const blanked = new Set<OutputRegion>();
  const profileOf = (r: OutputRegion): Profile | null => {
    if (!r.video || blanked.has(r)) return null;
    return r.video.profile ?? (sub.has(paneId(r)) ? 'sub' : 'main');
  };
  const costOf = (list: readonly OutputRegion[]) =>
    list.reduce((sum, r) => {
      const p = profileOf(r);
      return sum + (p === 'main' ? 1 : p === 'sub' ? weight : 0);
    }, 0);

  const plans = decoders.map((d) => ({ d, list: regions.get(panelKey(d.row, d.column)) ?? [] }));
  const over = () => plans.filter((p) => costOf(p.list) > p.d.maxStreams + EPS);
  const degraded: PaneRef[] = [];
  const shed: (PaneRef & { decoderId: string })[] = [];

  if (policy !== 'refuse') {
    for (let guard = 0; guard < 10_000; guard++) {
      const worst = over().sort((a, b) => costOf(b.list) - b.d.maxStreams - (costOf(a.list) - a.d.maxStreams))[0];
      if (!worst) break;
      const candidates = worst.list
        .filter((r) => r.video && !r.video.profile && profileOf(r) === 'main')
        .sort((a, b) => a.paneArea - b.paneArea || a.z - b.z || a.pane - b.pane);
      const pick = candidates[0];
      if (!pick) break;
      sub.add(paneId(pick));
      degraded.push({ windowId: pick.windowId, pane: pick.pane });
    }
    if (policy === 'shed') {
      for (const p of over()) {
        const byZ = p.list.filter((r) => profileOf(r) !== null).sort((a, b) => a.z - b.z || a.pane - b.pane);
        for (const r of byZ) {
          if (costOf(p.list) <= p.d.maxStreams + EPS) break;
          blanked.add(r);
          shed.push({ decoderId: p.d.id, windowId: r.windowId, pane: r.pane });
        }
      }
    }
  }

  const problems = over().map((p) => {
    const panes = p.list
      .filter((r) => profileOf(r) !== null)
      .map((r) => `${r.windowId} pane ${r.pane + 1} (${r.video?.cameraId ?? ''}${profileOf(r) === 'sub' ? ', sub' : ''})`);
    return (
      `decoder ${p.d.id} (row ${p.d.row + 1}, column ${p.d.column + 1}) would decode ${fmtCost(costOf(p.list))} HD streams ` +
      `but can decode ${p.d.maxStreams}${policy === 'refuse' ? '' : ' even with sub streams'}: ${panes.join(', ')}`
    );
  });

  return {
    ok: problems.length === 0,
    degraded,
    shed,
    problems,
    decoders: plans.map(({ d, list }) => ({
      decoderId: d.id,
      row: d.row,
      column: d.column,
      maxStreams: d.maxStreams,
      cost: costOf(list),
      outputs: list.map((r) => ({ ...r, profile: profileOf(r), video: blanked.has(r) ? null : r.video })),
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// Snapping and clamping

function edges(count: number, size: number, gap: number, total: number): number[] {
  const set = new Set<number>([0, total]);
  for (let i = 0; i < count; i++) {
    set.add(i * (size + gap));
    set.add(i * (size + gap) + size);
  }
  return [...set].sort((a, b) => a - b);
}

const nearest = (v: number, lines: readonly number[], tol: number): number | undefined => {
  let best: number | undefined;
  for (const l of lines) if (Math.abs(l - v) <= tol && (best === undefined || Math.abs(l - v) < Math.abs(best - v))) best = l;
  return best;
};

/** Keeps a rectangle inside the wall: moved in if it sticks out, shrunk only if it is larger than the wall. */
export function clampRect(g: WallGeometry, r: WallRect): WallRect {
  const w = Math.min(r.w, g.width);
  const h = Math.min(r.h, g.height);
  return wallRect(Math.min(Math.max(0, r.x), g.width - w), Math.min(Math.max(0, r.y), g.height - h), w, h);
}

/**
 * Snaps a rectangle to panel edges within `tolerance` wall pixels. `resize` snaps each edge on its
 * own (drawing or resizing a window); `move` shifts the whole rectangle by the smallest snap on
 * each axis and keeps its size. It does not clamp: a drag clamps with clampRect, an explicit
 * rectangle outside the wall is refused by validateWindows.
 */
export function snapRect(g: WallGeometry, r: WallRect, tolerance: number, mode: 'move' | 'resize' = 'resize'): WallRect {
  const xs = edges(g.columns, g.panelWidth, g.gapX, g.width);
  const ys = edges(g.rows, g.panelHeight, g.gapY, g.height);
  if (mode === 'move') {
    const shift = (a: number, b: number, lines: number[]) => {
      const da = nearest(a, lines, tolerance);
      const db = nearest(b, lines, tolerance);
      const ds = [da === undefined ? undefined : da - a, db === undefined ? undefined : db - b].filter((d): d is number => d !== undefined);
      return ds.sort((p, q) => Math.abs(p) - Math.abs(q))[0] ?? 0;
    };
    const dx = shift(r.x, r.x + r.w, xs);
    const dy = shift(r.y, r.y + r.h, ys);
    return wallRect(r.x + dx, r.y + dy, r.w, r.h);
  }
  const x0 = nearest(r.x, xs, tolerance) ?? r.x;
  const x1 = nearest(r.x + r.w, xs, tolerance) ?? r.x + r.w;
  const y0 = nearest(r.y, ys, tolerance) ?? r.y;
  const y1 = nearest(r.y + r.h, ys, tolerance) ?? r.y + r.h;
  return x1 > x0 && y1 > y0 ? wallRect(x0, y0, x1 - x0, y1 - y0) : r;
}

/** Whole wall pixels, so decoders and scenes get exact numbers. */
export const roundRect = (r: WallRect): WallRect => {
  const x = Math.round(r.x);
  const y = Math.round(r.y);
  return wallRect(x, y, Math.max(1, Math.round(r.x + r.w) - x), Math.max(1, Math.round(r.y + r.h) - y));
};

// ---------------------------------------------------------------------------------------------
// Validation and editing helpers

/** One problem with a layout, with the path of the offending value. */
export interface WallIssue {
  path: string;
  message: string;
}

export interface LayoutContext {
  knownCamera(id: string): boolean;
  /** Supported splits; default 1, 4, 9. */
  splits?: readonly number[];
}

/** The panes of a window padded with empty panes (or cut) to its split. */
export function normalizePanes(panes: readonly (PaneSource | null)[], split: number): (PaneSource | null)[] {
  return Array.from({ length: split }, (_, i) => panes[i] ?? null);
}

/** Every reason a list of windows cannot go on the wall; empty when it can. */
export function validateWindows(g: WallGeometry, windows: readonly WallWindow[], ctx: LayoutContext): WallIssue[] {
  const issues: WallIssue[] = [];
  const splits = ctx.splits ?? DEFAULT_SPLITS;
  const seen = new Set<string>();
  if (windows.length > MAX_WINDOWS) issues.push({ path: 'windows', message: `${windows.length} windows; at most ${MAX_WINDOWS}` });
  windows.forEach((w, i) => {
    const at = `windows[${i}]`;
    if (seen.has(w.id)) issues.push({ path: `${at}.id`, message: `duplicate window id "${w.id}"` });
    seen.add(w.id);
    const { x, y } = w.rect;
    const right = x + w.rect.w;
    const bottom = y + w.rect.h;
    const wallSize = `${g.width} x ${g.height} px`;
    if (x < 0 || y < 0 || right > g.width + EPS || bottom > g.height + EPS) {
      const why = [
        x < 0 ? `its left edge is at ${x} px` : '',
        y < 0 ? `its top edge is at ${y} px` : '',
        right > g.width + EPS ? `its right edge is at ${right} px` : '',
        bottom > g.height + EPS ? `its bottom edge is at ${bottom} px` : '',
      ].filter(Boolean);
      issues.push({ path: `${at}.rect`, message: `window ${w.id} lies outside the wall (${wallSize}): ${why.join(', ')}` });
    }
    const side = splitSide(w.split);
    if (!splits.includes(w.split) || side === undefined) {
      issues.push({ path: `${at}.split`, message: `split ${w.split} is not supported; use ${splits.join(', ')}` });
    } else if (w.rect.w / side < MIN_PANE.w || w.rect.h / side < MIN_PANE.h) {
      issues.push({
        path: `${at}.rect`,
        message: `window ${w.id} is too small for ${w.split} panes: each pane would be ${Math.floor(w.rect.w / side)} x ${Math.floor(w.rect.h / side)} px, at least ${MIN_PANE.w} x ${MIN_PANE.h}`,
      });
    }
    if (w.panes.length > w.split) issues.push({ path: `${at}.panes`, message: `window ${w.id} has ${w.panes.length} pane sources for ${w.split} panes` });
    w.panes.forEach((s, p) => {
      if (!s) return;
      const pp = `${at}.panes[${p}]`;
      if (s.kind === 'camera') {
        if (!ctx.knownCamera(s.cameraId)) issues.push({ path: `${pp}.cameraId`, message: `unknown camera "${s.cameraId}"` });
      } else if (s.kind === 'tour') {
        s.cameras.forEach((c, ci) => {
          if (!ctx.knownCamera(c)) issues.push({ path: `${pp}.cameras[${ci}]`, message: `unknown camera "${c}"` });
        });
      } else if (s.kind === 'conference') {
        // conference: the room's participant grid; software decoders (the decoder page) show it.
        if (!s.ref || !CONFERENCE_ROOM_REF.test(s.ref)) issues.push({ path: `${pp}.ref`, message: 'a conference pane needs the room id in "ref"' });
      } else {
        issues.push({ path: `${pp}.kind`, message: `pane source "${s.kind}" is not yet available` });
      }
    });
  });
  return issues;
}

/** The next free window id (`w1`, `w2`, …). */
export function nextWindowId(windows: readonly { id: string }[]): string {
  const used = new Set(windows.map((w) => w.id));
  for (let n = 1; ; n++) if (!used.has(`w${n}`)) return `w${n}`;
}

/** Moves a window to the top of the z-order. */
export function raiseWindow<W extends { id: string }>(windows: readonly W[], id: string): W[] {
  const w = windows.find((x) => x.id === id);
  return w ? [...windows.filter((x) => x.id !== id), w] : [...windows];
}

// ---------------------------------------------------------------------------------------------
// Tours

/** Where a tour started at `epochMs` stands at `nowMs`: its step and when the next one starts. */
export function tourPosition(epochMs: number, dwellS: number, nowMs: number): { step: number; nextAt: number } {
  const dwell = dwellS * 1000;
  const step = Math.max(0, Math.floor((nowMs - epochMs) / dwell));
  return { step, nextAt: epochMs + (step + 1) * dwell };
}

/** The camera a tour shows at a step. */
export const tourCamera = (tour: TourPane, step: number): string => tour.cameras[step % tour.cameras.length] ?? tour.cameras[0] ?? '';

/**
 * Tour sources for the panes of a window that page through `cameras` in groups: pane i shows the
 * i-th camera of each group, and all switch together (synchronised) every `dwellS`.
 */
export function groupTour(cameras: readonly string[], panes: number, dwellS: number, profile?: Profile): TourPane[] {
  const groups = Math.max(1, Math.ceil(cameras.length / panes));
  return Array.from({ length: panes }, (_, i) => ({
    kind: 'tour' as const,
    cameras: Array.from({ length: groups }, (_, g) => cameras[(g * panes + i) % cameras.length] ?? ''),
    dwellS,
    sync: true,
    ...(profile ? { profile } : {}),
  }));
}

/** A tour as an operator edits it: the camera list, the dwell, the stream, and whether all panes page together. */
export interface TourDraft {
  cameras: string[];
  dwellS: number;
  profile?: Profile;
  /** The window's panes page through `cameras` together (groupTour). */
  sync: boolean;
}

/**
 * The tour a pane of a window runs, as the editor shows it: a synchronised tour over every pane of
 * the window is read back as the one list it was built from (groupTour inverted: group by group,
 * pane by pane, without the wrap-around that fills the last group); otherwise the pane's own tour.
 */
export function tourDraftOf(panes: readonly (PaneSource | null)[], pane: number): TourDraft | null {
  const own = panes[pane];
  if (!own || own.kind !== 'tour') return null;
  const profile = own.profile ? { profile: own.profile } : {};
  const tours = panes.filter((p): p is TourPane => p?.kind === 'tour' && p.sync === true);
  const groups = own.cameras.length;
  if (own.sync && panes.length > 1 && tours.length === panes.length && tours.every((t) => t.cameras.length === groups && t.dwellS === own.dwellS)) {
    const flat = Array.from({ length: groups * panes.length }, (_, k) => tours[k % panes.length]!.cameras[Math.floor(k / panes.length)]!);
    // The shortest list whose groupTour gives these panes back.
    for (let n = Math.max(1, flat.length - panes.length + 1); n <= flat.length; n++) {
      const cameras = flat.slice(0, n);
      const again = groupTour(cameras, panes.length, own.dwellS);
      if (again.every((t, i) => t.cameras.join() === tours[i]!.cameras.join())) return { cameras, dwellS: own.dwellS, sync: true, ...profile };
    }
  }
  return { cameras: [...own.cameras], dwellS: own.dwellS, sync: false, ...profile };
}

/** The pane sources a draft gives a window of `split` panes, pane `pane` edited (others kept unless synchronised). */
export function tourSources(draft: TourDraft, panes: readonly (PaneSource | null)[], split: number, pane: number): (PaneSource | null)[] {
  if (draft.sync) return groupTour(draft.cameras, split, draft.dwellS, draft.profile);
  const out = normalizePanes(panes, split);
  out[pane] = { kind: 'tour', cameras: [...draft.cameras], dwellS: draft.dwellS, ...(draft.profile ? { profile: draft.profile } : {}) };
  return out;
}

// ---------------------------------------------------------------------------------------------
// Alarm region

/** Most alarm cameras the alarm region shows at once (3x3). */
export const MAX_ALARM_CAMERAS = 9;
export const ALARM_WINDOW_ID = 'alarm';

/** The window the alarm region becomes while alarms hold it: 1, 4 or 9 panes for the cameras. */
export function alarmWindow(region: WallRect, cameraIds: readonly string[]): WallWindow {
  const cams = cameraIds.slice(-MAX_ALARM_CAMERAS);
  const split = cams.length <= 1 ? 1 : cams.length <= 4 ? 4 : 9;
  return {
    id: ALARM_WINDOW_ID,
    rect: region,
    split,
    panes: normalizePanes(
      cams.map((cameraId) => ({ kind: 'camera' as const, cameraId })),
      split,
    ),
    title: '报警',
  };
}

// ---------------------------------------------------------------------------------------------
// Scenes

export const SCENE_FORMAT = 'skywatch-wall-scene';
export const SceneNameSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  // eslint-disable-next-line no-control-regex
  .refine((s) => !/[\u0000-\u001f\\/]/.test(s), 'must not contain control characters or slashes');

/** Size of the wall a scene was made for. */
export const WallSizeSchema = z.object({
  rows: z.number().int().positive(),
  columns: z.number().int().positive(),
  panelWidth: z.number().int().positive(),
  panelHeight: z.number().int().positive(),
});
export type WallSize = z.infer<typeof WallSizeSchema>;

/** A saved wall (预案): every window with its sources, for one wall size. Also the export file format. */
export const SceneSchema = z.object({
  format: z.literal(SCENE_FORMAT, `must be "${SCENE_FORMAT}"`),
  version: z.literal(1, 'must be 1'),
  name: SceneNameSchema,
  savedAt: z.number(),
  wall: WallSizeSchema,
  windows: WallWindowsSchema,
});
export type Scene = z.infer<typeof SceneSchema>;

export const wallSizeOf = (g: WallGeometry): WallSize => ({ rows: g.rows, columns: g.columns, panelWidth: g.panelWidth, panelHeight: g.panelHeight });

const fmtPath = (path: readonly PropertyKey[]) =>
  path.reduce<string>((out, seg) => (typeof seg === 'number' ? `${out}[${seg}]` : out ? `${out}.${String(seg)}` : String(seg)), '') || '(root)';

/**
 * Checks a scene document (a parsed file) against this wall: its shape, the wall size it was made
 * for, the cameras it names, and every window. Returns the scene or every reason it cannot load.
 */
export function checkScene(raw: unknown, g: WallGeometry, ctx: LayoutContext): { ok: true; scene: Scene } | { ok: false; reasons: string[] } {
  const parsed = SceneSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, reasons: parsed.error.issues.map((i) => `${fmtPath(i.path)}: ${i.message}`) };
  const scene = parsed.data;
  const here = wallSizeOf(g);
  const s = scene.wall;
  if (s.rows !== here.rows || s.columns !== here.columns || s.panelWidth !== here.panelWidth || s.panelHeight !== here.panelHeight) {
    return {
      ok: false,
      reasons: [
        `scene "${scene.name}" is for a ${s.rows} x ${s.columns} wall of ${s.panelWidth}x${s.panelHeight} panels; ` +
          `this wall is ${here.rows} x ${here.columns} of ${here.panelWidth}x${here.panelHeight}`,
      ],
    };
  }
  const issues = validateWindows(g, scene.windows, ctx);
  const unknown = [...new Set(issues.filter((i) => i.message.startsWith('unknown camera')).map((i) => i.message.slice('unknown camera '.length)))];
  const reasons = [
    ...(unknown.length ? [`unknown camera${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`] : []),
    ...issues.filter((i) => !i.message.startsWith('unknown camera')).map((i) => `${i.path}: ${i.message}`),
  ];
  return reasons.length ? { ok: false, reasons } : { ok: true, scene };
}

// ---------------------------------------------------------------------------------------------
// LED strip

/** What the LED text strip shows; an empty text is a dark strip. */
export const LedStateSchema = z.object({
  text: z.string().max(200, 'must be at most 200 characters'),
  colour: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #ff3b30'),
  /** Scroll speed, pixels per second; 0 is static text. */
  speedPxS: z.number().min(0).max(400),
});
export type LedState = z.infer<typeof LedStateSchema>;
export const LED_OFF: LedState = { text: '', colour: '#ff3b30', speedPxS: 60 };

// ---------------------------------------------------------------------------------------------
// Decoder protocol (docs/decoder-protocol.md)

export const DecoderStreamSchema = z.object({ cameraId: CameraIdSchema, profile: StreamProfileSchema, url: z.string().min(1).max(2048) });
/** One rectangle a decoder draws. */
export const DecoderOutputSchema = z.object({
  /** `<windowId>.<pane>`, stable while the window moves. */
  id: z.string().min(1).max(48),
  z: z.number().int().min(0),
  dest: PanelRectSchema,
  crop: NormRectSchema,
  stream: DecoderStreamSchema.nullable(),
  label: z.string().max(64).optional(),
  /** A video conference's participant grid instead of a stream (software decoders join the room receive-only). */
  conference: z.object({ roomId: z.string().regex(CONFERENCE_ROOM_REF) }).optional(),
});
export type DecoderOutput = z.infer<typeof DecoderOutputSchema>;

/** The full desired state of one decoder (`PUT /api/v1/layout`). */
export const DecoderLayoutSchema = z.object({
  revision: z.number().int().min(0),
  outputs: z.array(DecoderOutputSchema).max(64),
});
export type DecoderLayout = z.infer<typeof DecoderLayoutSchema>;

export const DecoderOutputStateSchema = z.enum(['idle', 'connecting', 'playing', 'error']);
export type DecoderOutputState = z.infer<typeof DecoderOutputStateSchema>;

/** What a decoder reports it shows, per output. */
export const ReportedOutputSchema = z.object({
  id: z.string(),
  cameraId: z.string().nullable(),
  profile: StreamProfileSchema.nullable(),
  state: DecoderOutputStateSchema,
  error: z.string().nullable(),
});
export type ReportedOutput = z.infer<typeof ReportedOutputSchema>;

/** `GET /api/v1/status`. */
export const DecoderStatusSchema = z.object({
  protocol: z.number().int(),
  model: z.string(),
  firmware: z.string(),
  serial: z.string().optional(),
  capacity: z.object({
    maxStreams: z.number().positive(),
    subStreamWeight: z.number().min(0).max(1).default(DEFAULT_SUB_STREAM_WEIGHT),
    /** It draws OSD text and an aiming mark over its outputs (`PUT /api/v1/osd`): the PTZ HUD. */
    osd: z.boolean().default(false),
  }),
  output: z.object({ width: z.number().int().positive(), height: z.number().int().positive() }),
  revision: z.number().int().min(0),
  uptimeS: z.number().min(0),
  outputs: z.array(ReportedOutputSchema),
});
export type DecoderStatus = z.infer<typeof DecoderStatusSchema>;

/** One output's overlay: text lines at the top right of the whole picture, the aiming mark at its centre. */
export const DecoderOsdItemSchema = z.object({
  /** The output (`<windowId>.<pane>`) it belongs to; an output the decoder does not show is ignored. */
  id: z.string().min(1).max(48),
  lines: z.array(z.string().max(64)).max(4),
  mark: z.boolean(),
});
export type DecoderOsdItem = z.infer<typeof DecoderOsdItemSchema>;

/** The full overlay of a decoder (`PUT /api/v1/osd`): outputs not listed show none. */
export const DecoderOsdSchema = z.object({ outputs: z.array(DecoderOsdItemSchema).max(64) });
export type DecoderOsd = z.infer<typeof DecoderOsdSchema>;

/** Cost in HD decodes of a decoder layout, as a decoder checks it against its capacity. */
export function layoutCost(outputs: readonly DecoderOutput[], subStreamWeight = DEFAULT_SUB_STREAM_WEIGHT): number {
  return outputs.reduce((s, o) => s + (o.stream ? (o.stream.profile === 'main' ? 1 : subStreamWeight) : 0), 0);
}

/** Canonical text of a decoder's outputs: equal text, equal layout (the revision aside). */
export const outputsKey = (outputs: readonly DecoderOutput[]): string => JSON.stringify(outputs);

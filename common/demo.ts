import { z } from 'zod';
import { AlertKindSchema } from './alerts';
import { LedStateSchema, SceneNameSchema, WallWindowsSchema } from './wall';

/*
 * Leadership demonstration mode (领导参观演示): a tour is a list of steps, each of which may set the
 * wall, the map, camera poses, the console layout, the LED strip and a caption. Tours are files in
 * the host's data folder, checked here on load; the player's rules (next, previous, pause, timing,
 * loop) are pure functions of the state and a clock. Spec: docs/demo-tours.md.
 */

export const TOUR_FORMAT = 'skywatch-demo-tour';
/** Largest tour file imported, characters. */
export const TOUR_FILE_MAX_CHARS = 256 * 1024;
export const MAX_TOUR_STEPS = 100;
/** Shortest and longest time a step stays up before the tour moves on by itself, seconds. */
export const STEP_DURATION_S = { min: 2, max: 3600 } as const;

/** A tour's name: the same rules as a wall scene's (it names a file too). */
export const TourNameSchema = SceneNameSchema;

const Lat = z.number().min(-90, 'must be between -90 and 90').max(90, 'must be between -90 and 90');
const Lon = z.number().min(-180, 'must be between -180 and 180').max(180, 'must be between -180 and 180');
const Id = z.string().min(1, 'must not be empty').max(64);

/** Which console workspace a step shows (the admin workspace is never part of a tour). */
export const DemoWorkspaceSchema = z.enum(['video', 'wall', 'map', 'duty', 'alerts', 'health', 'conference']);
export type DemoWorkspace = z.infer<typeof DemoWorkspaceSchema>;

/** Where the map looks: a centre (or bounds to fit), zoom, pitch, bearing, and towers picked out. */
export const DemoMapViewSchema = z
  .object({
    center: z.object({ lat: Lat, lon: Lon }).strict().optional(),
    /** Fitted instead of centre and zoom when given. */
    bounds: z.object({ south: Lat, west: Lon, north: Lat, east: Lon }).strict().refine((b) => b.north > b.south, 'north must be above south').optional(),
    zoom: z.number().min(1, 'must be at least 1').max(20, 'must be at most 20').optional(),
    pitch: z.number().min(0, 'must be at least 0').max(85, 'must be at most 85').default(0),
    bearing: z.number().min(-360).max(360).default(0),
    /** Tower ids drawn highlighted. */
    towers: z.array(Id).max(64).default([]),
  })
  .strict()
  .refine((m) => m.center !== undefined || m.bounds !== undefined, 'needs a centre or bounds');
export type DemoMapView = z.infer<typeof DemoMapViewSchema>;

/** A camera head sent to a preset or to a pose (pan from the head's zero, tilt, zoom). */
export const DemoCameraSchema = z
  .object({
    cameraId: Id,
    preset: z.number().int('must be a whole number').min(0).max(255).optional(),
    pan: z.number().min(0).max(360).optional(),
    tilt: z.number().min(-90).max(90).optional(),
    zoom: z.number().min(1).max(100).optional(),
  })
  .strict()
  .refine((c) => c.preset !== undefined || c.pan !== undefined, 'needs a preset or a pan');
export type DemoCamera = z.infer<typeof DemoCameraSchema>;

/** The wall: a saved scene (预案) by name, or the windows themselves (what "capture step" records). */
export const DemoWallSchema = z
  .object({ scene: SceneNameSchema.optional(), windows: WallWindowsSchema.optional() })
  .strict()
  .refine((w) => (w.scene === undefined) !== (w.windows === undefined), 'needs either a scene or windows, not both');
export type DemoWall = z.infer<typeof DemoWallSchema>;

/** The console's own layout: workspace and video grid. */
export const DemoConsoleSchema = z
  .object({
    workspace: DemoWorkspaceSchema.optional(),
    layout: z.union([z.literal(1), z.literal(4), z.literal(9), z.literal(16)], { error: 'must be 1, 4, 9 or 16' }).optional(),
    tiles: z.array(Id.nullable()).max(16).optional(),
  })
  .strict();
export type DemoConsole = z.infer<typeof DemoConsoleSchema>;

/**
 * A fire drill (演练): the detectors of these towers report a simulated fire at `target`, each head
 * first turned to it so that the bearings cross. The alerts it raises are marked as a drill
 * everywhere (pop, duty log) and do not pause the tour; real alerts still do.
 */
export const DemoDrillSchema = z
  .object({
    target: z.object({ lat: Lat, lon: Lon }).strict(),
    towers: z.array(Id).min(1).max(4),
    kind: AlertKindSchema.default('smoke'),
    camera: z.enum(['visible', 'thermal']).default('visible'),
  })
  .strict();
export type DemoDrill = z.infer<typeof DemoDrillSchema>;

export const DemoStepSchema = z
  .object({
    /** Caption title, large type. */
    title: z.string().trim().min(1, 'must not be empty').max(80, 'must be at most 80 characters'),
    /** Narration under the title (讲解词). */
    narration: z.string().max(2000, 'must be at most 2000 characters').default(''),
    /** Seconds before the tour moves on by itself; without it the presenter advances. */
    durationS: z
      .number()
      .min(STEP_DURATION_S.min, `must be at least ${STEP_DURATION_S.min} s`)
      .max(STEP_DURATION_S.max, `must be at most ${STEP_DURATION_S.max} s`)
      .optional(),
    wall: DemoWallSchema.optional(),
    led: LedStateSchema.shape.text.optional(),
    map: DemoMapViewSchema.optional(),
    cameras: z.array(DemoCameraSchema).max(32).default([]),
    console: DemoConsoleSchema.optional(),
    drill: DemoDrillSchema.optional(),
  })
  .strict();
export type DemoStep = z.infer<typeof DemoStepSchema>;
export type DemoStepInput = z.input<typeof DemoStepSchema>;

/** A tour file. */
export const TourSchema = z
  .object({
    format: z.literal(TOUR_FORMAT, `must be "${TOUR_FORMAT}"`),
    version: z.literal(1, 'must be 1'),
    name: TourNameSchema,
    description: z.string().max(500).default(''),
    /** Starts again after the last step (unattended display). */
    loop: z.boolean().default(false),
    steps: z.array(DemoStepSchema).min(1, 'needs at least one step').max(MAX_TOUR_STEPS, `at most ${MAX_TOUR_STEPS} steps`),
  })
  .strict();
export type Tour = z.infer<typeof TourSchema>;
export type TourInput = z.input<typeof TourSchema>;

/** What a tour may name, for the checks beyond the file's shape. */
export interface TourContext {
  towers: ReadonlySet<string>;
  cameras: ReadonlySet<string>;
}

/** `steps[2].map.zoom` → `第3步 (steps[2]) map.zoom`: the step a person counts, and the field. */
function where(path: readonly PropertyKey[]): string {
  const dotted = path.reduce<string>((out, seg) => (typeof seg === 'number' ? `${out}[${seg}]` : out ? `${out}.${String(seg)}` : String(seg)), '') || '(root)';
  return path[0] === 'steps' && typeof path[1] === 'number' ? `第${path[1] + 1}步 ${dotted}` : dotted;
}

/** Checks a parsed tour document: its shape, then the towers and cameras it names. Returns the tour or every reason it is refused. */
export function checkTour(raw: unknown, ctx?: TourContext): { ok: true; tour: Tour } | { ok: false; reasons: string[] } {
  const parsed = TourSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, reasons: parsed.error.issues.map((i) => `${where(i.path)}: ${i.message}`) };
  const tour = parsed.data;
  if (!ctx) return { ok: true, tour };
  const reasons: string[] = [];
  tour.steps.forEach((s, i) => {
    const at = (field: string) => where(['steps', i, ...field.split('.')]);
    s.cameras.forEach((c, j) => {
      if (!ctx.cameras.has(c.cameraId)) reasons.push(`${at(`cameras`)}[${j}].cameraId: unknown camera ${c.cameraId}`);
    });
    s.map?.towers.forEach((t, j) => {
      if (!ctx.towers.has(t)) reasons.push(`${at('map.towers')}[${j}]: unknown tower ${t}`);
    });
    s.drill?.towers.forEach((t, j) => {
      if (!ctx.towers.has(t)) reasons.push(`${at('drill.towers')}[${j}]: unknown tower ${t}`);
    });
    s.console?.tiles?.forEach((c, j) => {
      if (c !== null && !ctx.cameras.has(c)) reasons.push(`${at('console.tiles')}[${j}]: unknown camera ${c}`);
    });
    s.wall?.windows?.forEach((w, j) =>
      w.panes.forEach((p, k) => {
        const ids = p?.kind === 'camera' ? [p.cameraId] : p?.kind === 'tour' ? p.cameras : [];
        for (const id of ids) if (!ctx.cameras.has(id)) reasons.push(`${at('wall.windows')}[${j}].panes[${k}]: unknown camera ${id}`);
      }),
    );
  });
  return reasons.length ? { ok: false, reasons } : { ok: true, tour };
}

/** A tour as a file: YAML-free JSON, so the same text imports anywhere. */
export const tourFileName = (name: string): string => `${name.replace(/[^\p{L}\p{N}_-]+/gu, '_')}.tour.json`;

// ---------------------------------------------------------------------------------------------
// The player: a pure state machine. The host drives it with a clock and applies what it says.

export const DemoStatusSchema = z.enum(['idle', 'playing', 'paused']);
export type DemoStatus = z.infer<typeof DemoStatusSchema>;
/** Why a tour is paused: the presenter (B / 暂停), the screen blanked (B on a clicker), or a real alert. */
export const PauseReasonSchema = z.enum(['presenter', 'blank', 'alert']);
export type PauseReason = z.infer<typeof PauseReasonSchema>;

export interface PlayerState {
  status: DemoStatus;
  tour: string | null;
  index: number;
  count: number;
  loop: boolean;
  /** Rehearsal: plays on this console only; the wall, the LED and the heads are not touched. */
  rehearsal: boolean;
  pausedBy: PauseReason | null;
  /** When the current step moves on by itself (playing), or how long it still had (paused, ms). */
  dueAt: number | null;
  remainingMs: number | null;
  /** The last step was shown and the tour does not loop. */
  ended: boolean;
}

export const IDLE: PlayerState = { status: 'idle', tour: null, index: 0, count: 0, loop: false, rehearsal: false, pausedBy: null, dueAt: null, remainingMs: null, ended: false };

const due = (step: Pick<DemoStep, 'durationS'> | undefined, now: number) => (step?.durationS !== undefined ? now + step.durationS * 1000 : null);

/** Starts a tour at a step (0 by default). */
export function playerStart(tour: Tour, now: number, o: { loop?: boolean; at?: number; rehearsal?: boolean } = {}): PlayerState {
  const index = Math.min(Math.max(0, o.at ?? 0), tour.steps.length - 1);
  return { ...IDLE, status: 'playing', tour: tour.name, index, count: tour.steps.length, loop: o.loop ?? tour.loop, rehearsal: o.rehearsal ?? false, dueAt: due(tour.steps[index], now) };
}

/** Moves to a step (clamped; wraps when looping). Paused tours stay paused on the new step with its full time. */
export function playerGoto(s: PlayerState, tour: Tour, index: number, now: number): PlayerState {
  if (s.status === 'idle') return s;
  const n = tour.steps.length;
  let i = index;
  let ended = false;
  if (i >= n) {
    if (s.loop) i = 0;
    else {
      i = n - 1;
      ended = true;
    }
  }
  if (i < 0) i = s.loop ? n - 1 : 0;
  const step = tour.steps[i];
  if (s.status === 'paused') return { ...s, index: i, count: n, ended, dueAt: null, remainingMs: step?.durationS !== undefined ? step.durationS * 1000 : null };
  return { ...s, index: i, count: n, ended, dueAt: ended ? null : due(step, now), remainingMs: null };
}

export const playerNext = (s: PlayerState, tour: Tour, now: number) => playerGoto(s, tour, s.index + 1, now);
export const playerPrev = (s: PlayerState, tour: Tour, now: number) => playerGoto(s, tour, s.index - 1, now);

/** Pauses; an alert pause takes over a presenter pause (so resuming is a conscious act after the alert). */
export function playerPause(s: PlayerState, reason: PauseReason, now: number): PlayerState {
  if (s.status === 'idle') return s;
  if (s.status === 'paused') return reason === 'alert' ? { ...s, pausedBy: 'alert' } : s;
  return { ...s, status: 'paused', pausedBy: reason, dueAt: null, remainingMs: s.dueAt !== null ? Math.max(0, s.dueAt - now) : null };
}

export function playerResume(s: PlayerState, now: number): PlayerState {
  if (s.status !== 'paused') return s;
  return { ...s, status: 'playing', pausedBy: null, dueAt: s.remainingMs !== null ? now + s.remainingMs : null, remainingMs: null };
}

/** The clock: a playing step whose time is up moves on. Returns the same object when nothing changes. */
export function playerTick(s: PlayerState, tour: Tour, now: number): PlayerState {
  if (s.status !== 'playing' || s.dueAt === null || now < s.dueAt) return s;
  return playerNext(s, tour, now);
}

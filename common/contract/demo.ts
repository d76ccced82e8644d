import { z } from 'zod';
import { DemoCameraSchema, DemoStatusSchema, DemoStepSchema, PauseReasonSchema, TOUR_FILE_MAX_CHARS, TourNameSchema, TourSchema } from '../demo';
import { SceneNameSchema, WallWindowsSchema } from '../wall';
import { command } from './define';

/*
 * Leadership demonstration mode (领导参观演示): tours stored as files on the host, played on the wall,
 * the LED strip, the heads and every console; alerts pause a tour. Spec: docs/demo-tours.md.
 */

export const DemoTour = TourSchema;
export type DemoTour = z.infer<typeof DemoTour>;

/** One tour in the list. */
export const TourInfo = z.object({
  name: z.string(),
  description: z.string(),
  steps: z.number().int(),
  loop: z.boolean(),
  /** Shipped with the application: can be played and exported, not changed or deleted. */
  builtIn: z.boolean(),
});
export type TourInfo = z.infer<typeof TourInfo>;

/** The player, as every console and touch controller sees it. */
export const DemoState = z.object({
  status: DemoStatusSchema,
  tour: z.string().nullable(),
  index: z.number().int(),
  count: z.number().int(),
  loop: z.boolean(),
  /** Rehearsal: the console that started it plays alone; wall, LED and heads untouched. */
  rehearsal: z.boolean(),
  pausedBy: PauseReasonSchema.nullable(),
  /** Host time the step moves on by itself (null: the presenter advances, or paused). */
  dueAt: z.number().nullable(),
  ended: z.boolean(),
  /** The step on show. */
  step: DemoStepSchema.nullable(),
  /** Host time the demonstration began (kept when switching tours): a console that reloads keeps its snapshot of before. */
  since: z.number().nullable(),
  /** The client that started it (a rehearsal shows only there). */
  startedBy: z.string().nullable(),
  /** The alert that paused it, when an alert did. */
  alertId: z.string().nullable(),
  /** What the last step could not do (a missing scene, a head that did not answer): for the operator, not the audience. */
  problems: z.array(z.string()),
});
export type DemoState = z.infer<typeof DemoState>;

/** What "capture step" takes from the host: the wall and the heads' poses now. */
export const DemoCapture = z.object({
  wall: z.object({ scene: SceneNameSchema.nullable(), windows: WallWindowsSchema }).nullable(),
  led: z.string(),
  cameras: z.array(DemoCameraSchema),
});
export type DemoCapture = z.infer<typeof DemoCapture>;

export const DemoAction = z.enum(['next', 'prev', 'pause', 'blank', 'resume', 'toggle', 'goto', 'stop']);
export type DemoAction = z.infer<typeof DemoAction>;

const Empty = z.object({}).strict();
const Name = { name: TourNameSchema };

export const demoCommands = {
  /** Tours that loaded, and the files refused with the reason (field and step). */
  'demo:list': command(Empty, z.object({ tours: z.array(TourInfo), rejected: z.array(z.object({ file: z.string(), reasons: z.array(z.string()) })) })),
  'demo:get': command(z.object(Name).strict(), TourSchema),
  /**
   * Saves an authored tour; refuses an existing name unless `overwrite`, and never the built-in tour's.
   * `tour` is checked by the host like a file, so the reasons name the step and the field.
   */
  'demo:save': command(z.object({ tour: z.unknown(), overwrite: z.boolean().default(false) }).strict(), TourInfo),
  'demo:delete': command(z.object(Name).strict(), z.object({ name: z.string() })),
  /** Stores a tour file (JSON or YAML text); refused with every reason. */
  'demo:import': command(
    z.object({ text: z.string().max(TOUR_FILE_MAX_CHARS, `a tour file is at most ${TOUR_FILE_MAX_CHARS / 1024} KiB`), overwrite: z.boolean().default(false) }).strict(),
    TourInfo,
  ),
  'demo:export': command(z.object(Name).strict(), z.object({ fileName: z.string(), json: z.string() })),
  /** Starts a tour (at a step): snapshots the wall and LED first, so that stop restores them. */
  'demo:start': command(
    z.object({ ...Name, at: z.number().int().min(0).max(999).default(0), loop: z.boolean().optional(), rehearsal: z.boolean().default(false), paused: z.boolean().default(false) }).strict(),
    DemoState,
  ),
  /** Presenter controls: next, previous, pause, blank, resume, toggle (pause/resume), goto `index`, stop (restores). */
  'demo:control': command(z.object({ action: DemoAction, index: z.number().int().min(0).max(999).optional() }).strict(), DemoState),
  'demo:state': command(Empty, DemoState),
  /** The wall and the heads now, for "capture step". */
  'demo:capture': command(Empty, DemoCapture),
} as const;

export const demoEvents = {
  /** The player changed: step, pause, stop. Consoles apply the map view, layout and caption. */
  'demo:state': DemoState,
} as const;

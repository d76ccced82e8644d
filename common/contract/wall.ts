import { z } from 'zod';
import {
  DecoderLayoutSchema,
  DecoderOutputSchema,
  LedStateSchema,
  PaneSourceSchema,
  ReportedOutputSchema,
  SceneNameSchema,
  WallRectSchema,
  WallWindowSchema,
  WindowIdSchema,
} from '../wall';
import { command } from './define';

/*
 * The video wall: windows in wall pixels over a splice wall of panels, panes with sources, scenes
 * (预案), the alarm region, the LED strip and the edit lock. The host keeps the desired state and
 * drives the decoders toward it; what each decoder reports is kept apart (`reported`), and the mirror
 * shows that. Spec: docs/wall.md; decoder protocol: docs/decoder-protocol.md.
 */

/** What a pane shows: a camera, a tour, or a kind not yet available (map, alert, conference). */
export const PaneSource = PaneSourceSchema;
export type PaneSource = z.infer<typeof PaneSource>;
/** A rectangle in wall pixels. */
export const WallRect = WallRectSchema;
export type WallRect = z.infer<typeof WallRect>;
export const WallWindow = WallWindowSchema;
export type WallWindow = z.infer<typeof WallWindow>;
export const LedState = LedStateSchema;
export type LedState = z.infer<typeof LedState>;

const CameraId = z.string().min(1).max(64);
const Split = z.number().int('must be a whole number').min(1).max(16);
const Time = z.number();

/** Who edits the wall, and until when unless they go on editing. */
export const WallLockInfo = z.object({ clientId: z.string(), since: Time, until: Time }).nullable();
export type WallLockInfo = z.infer<typeof WallLockInfo>;

/** A pane of a window. */
export const PaneRef = z.object({ windowId: z.string(), pane: z.number().int() });
export type PaneRef = z.infer<typeof PaneRef>;

/** One camera holding the alarm region. */
export const AlarmHold = z.object({ cameraId: z.string(), reason: z.string(), since: Time });
/** The alarm region and the alarms that hold it (newest last). */
export const WallAlarm = z.object({ region: WallRectSchema.nullable(), active: z.array(AlarmHold) });
export type WallAlarm = z.infer<typeof WallAlarm>;

/** A tour pane and what it shows now. */
export const TourNow = z.object({ windowId: z.string(), pane: z.number().int(), cameraId: z.string(), step: z.number().int(), nextAt: Time });

/** One decoder: what it was asked to show and what it reports. */
export const WallDecoderView = z.object({
  id: z.string(),
  row: z.number().int(),
  column: z.number().int(),
  driver: z.string(),
  /** null until the first answer. */
  online: z.boolean().nullable(),
  /** Why it is offline or refused the layout, in words an operator can act on. */
  error: z.string().nullable(),
  maxStreams: z.number(),
  /** HD decodes the desired layout needs. */
  cost: z.number(),
  desiredRevision: z.number().int(),
  /** Last revision the decoder acknowledged, and the one its last status reported. */
  ackRevision: z.number().int().nullable(),
  reportedRevision: z.number().int().nullable(),
  lastSeen: Time.nullable(),
  /** How long the last layout took to be acknowledged, ms. */
  lastApplyMs: z.number().nullable(),
  model: z.string().nullable(),
  desired: z.array(DecoderOutputSchema),
  reported: z.array(ReportedOutputSchema),
});
export type WallDecoderView = z.infer<typeof WallDecoderView>;

/** The whole wall: desired layout, alarm, LED, lock, and every decoder's desired and reported state. */
export const WallState = z.object({
  geometry: z.object({
    rows: z.number().int(),
    columns: z.number().int(),
    panelWidth: z.number().int(),
    panelHeight: z.number().int(),
    gapX: z.number(),
    gapY: z.number(),
    width: z.number(),
    height: z.number(),
  }),
  /** Counts every change of the desired state. */
  version: z.number().int(),
  /** Bottom first. The alarm window, while alarms hold the region, is not among them (see `alarm`). */
  windows: z.array(WallWindowSchema),
  alarm: WallAlarm,
  led: LedStateSchema,
  lock: WallLockInfo,
  canUndo: z.boolean(),
  canRedo: z.boolean(),
  /** The scene last recalled, until the wall is edited. */
  scene: z.string().nullable(),
  degraded: z.array(PaneRef),
  tours: z.array(TourNow),
  decoders: z.array(WallDecoderView),
  splits: z.array(z.number().int()),
});
export type WallState = z.infer<typeof WallState>;

/** What an edit answers. */
export const WallEditResult = z.object({
  version: z.number().int(),
  /** The window created or changed, if any. */
  windowId: z.string().nullable(),
  /** Its rectangle after snapping and clamping. */
  rect: WallRectSchema.nullable(),
  /** Panes switched to sub streams to fit the decoders. */
  degraded: z.array(PaneRef),
});
export type WallEditResult = z.infer<typeof WallEditResult>;

export const SceneInfo = z.object({ name: z.string(), savedAt: Time, windows: z.number().int(), cameras: z.number().int() });
export type SceneInfo = z.infer<typeof SceneInfo>;

/** Time of day, site time zone. */
const TimeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day like 07:30');
export const ScheduleEntry = z
  .object({
    time: TimeOfDay,
    scene: SceneNameSchema,
    /** Days of the week, 0 = Sunday; every day without it. */
    days: z.array(z.number().int().min(0).max(6)).min(1).max(7).optional(),
  })
  .strict();
export type ScheduleEntry = z.infer<typeof ScheduleEntry>;
export const SceneSchedule = z.object({
  timeZone: z.string(),
  entries: z.array(ScheduleEntry),
  /** The next entry to fire. */
  next: z.object({ at: Time, scene: z.string() }).nullable(),
});
export type SceneSchedule = z.infer<typeof SceneSchedule>;

export const SceneList = z.object({
  scenes: z.array(SceneInfo),
  /** Scene files that could not be loaded, and why. */
  rejected: z.array(z.object({ file: z.string(), reasons: z.array(z.string()) })),
  schedule: SceneSchedule,
});
export type SceneList = z.infer<typeof SceneList>;

/** `wall:decoder`: a decoder went online or offline, or acknowledged a revision. */
export const WallDecoderEvent = z.object({
  decoderId: z.string(),
  online: z.boolean().nullable(),
  error: z.string().nullable(),
  desiredRevision: z.number().int(),
  ackRevision: z.number().int().nullable(),
  reportedRevision: z.number().int().nullable(),
  at: Time,
});
export type WallDecoderEvent = z.infer<typeof WallDecoderEvent>;

const Empty = z.object({}).strict();
const Win = { windowId: WindowIdSchema };

/** Largest scene file imported, characters: well inside one contract message (256 KiB) even in CJK; a 15-panel scene is a few KiB. */
export const SCENE_FILE_MAX_CHARS = 64 * 1024;

export const wallCommands = {
  /** Everything about the wall, for a client that has just connected. */
  'wall:get': command(Empty, WallState),
  /** Opens a window (on top). Snaps to panel edges unless `snap` is false. */
  'wall:openWindow': command(
    z
      .object({
        rect: WallRectSchema,
        split: Split.default(1),
        panes: z.array(PaneSourceSchema.nullable()).max(16).default([]),
        title: z.string().max(64).optional(),
        snap: z.boolean().default(true),
      })
      .strict(),
    WallEditResult,
  ),
  /** Moves or resizes a window (`mode` decides how it snaps). */
  'wall:moveWindow': command(
    z.object({ ...Win, rect: WallRectSchema, snap: z.boolean().default(true), mode: z.enum(['move', 'resize']).default('move') }).strict(),
    WallEditResult,
  ),
  'wall:closeWindow': command(z.object(Win).strict(), WallEditResult),
  /** Changes the split; panes keep their sources in order, extra ones are dropped. */
  'wall:setSplit': command(z.object({ ...Win, split: Split }).strict(), WallEditResult),
  /** Sets (or with null empties) one pane's source; pane counts from 0, row by row. */
  'wall:setPaneSource': command(z.object({ ...Win, pane: z.number().int().min(0).max(15), source: PaneSourceSchema.nullable() }).strict(), WallEditResult),
  /**
   * Sets every pane of a window at once, in one edit (one undo step): e.g. a 4-pane synchronised tour
   * whose panes must start on one clock. More sources than the window has panes are refused.
   */
  'wall:setPanes': command(z.object({ ...Win, panes: z.array(PaneSourceSchema.nullable()).min(1).max(16) }).strict(), WallEditResult),
  'wall:raiseWindow': command(z.object(Win).strict(), WallEditResult),
  'wall:clear': command(Empty, WallEditResult),
  'wall:undo': command(Empty, WallEditResult),
  'wall:redo': command(Empty, WallEditResult),

  'wall:sceneList': command(Empty, SceneList),
  /** Saves the current windows under a name; refuses an existing name unless `overwrite`. */
  'wall:sceneSave': command(z.object({ name: SceneNameSchema, overwrite: z.boolean().default(false) }).strict(), SceneInfo),
  'wall:sceneRecall': command(z.object({ name: SceneNameSchema }).strict(), WallEditResult),
  'wall:sceneRename': command(z.object({ name: SceneNameSchema, to: SceneNameSchema }).strict(), SceneInfo),
  'wall:sceneDelete': command(z.object({ name: SceneNameSchema }).strict(), z.object({ name: z.string() })),
  /** The scene as a JSON file for download. */
  'wall:sceneExport': command(z.object({ name: SceneNameSchema }).strict(), z.object({ fileName: z.string(), json: z.string() })),
  /** Stores a scene file; refused with the reasons when it is for another wall or names unknown cameras. */
  'wall:sceneImport': command(
    z.object({ json: z.string().max(SCENE_FILE_MAX_CHARS, `a scene file is at most ${SCENE_FILE_MAX_CHARS / 1024} KiB`), name: SceneNameSchema.optional(), overwrite: z.boolean().default(false) }).strict(),
    SceneInfo,
  ),
  /** Replaces the time-of-day schedule of scenes (e.g. 07:00 day, 19:00 night), site time zone. */
  'wall:sceneSchedule': command(z.object({ entries: z.array(ScheduleEntry).max(48) }).strict(), SceneSchedule),

  /** Marks (or with null unmarks) the region alarms may take over. */
  'wall:alarmRegion': command(z.object({ rect: WallRectSchema.nullable(), snap: z.boolean().default(true) }).strict(), WallAlarm),
  /** An alarm takes the alarm region over with its camera; what was there comes back on release. */
  'wall:alarmTakeover': command(z.object({ cameraId: CameraId, reason: z.string().min(1).max(200) }).strict(), WallAlarm),
  /** Gives the region back: one camera's alarm, or every alarm without `cameraId`. */
  'wall:alarmRelease': command(z.object({ cameraId: CameraId.optional() }).strict(), WallAlarm),

  /** Sets the LED strip; an empty text clears it. */
  'wall:led': command(
    z
      .object({
        text: LedStateSchema.shape.text,
        colour: LedStateSchema.shape.colour.optional(),
        speedPxS: LedStateSchema.shape.speedPxS.optional(),
      })
      .strict(),
    LedStateSchema,
  ),

  /** What the LED strip shows now, for an LED output page (no person signed in on it). */
  'wall:ledState': command(Empty, LedStateSchema),

  /** Takes the edit lock (renewed by every edit); `conflict` with the holder when another console has it. */
  'wall:lock': command(Empty, WallLockInfo),
  'wall:unlock': command(Empty, WallLockInfo),

  /** A software decoder page reports what it actually plays (its status, for the controller). */
  'wall:decoderReport': command(
    z.object({ decoderId: z.string().min(1).max(64), revision: z.number().int().min(0), outputs: z.array(ReportedOutputSchema).max(64) }).strict(),
    z.object({ desiredRevision: z.number().int() }),
  ),
  /** The layout a (software) decoder should show now, for a page that has just opened. */
  'wall:decoderLayout': command(z.object({ decoderId: z.string().min(1).max(64) }).strict(), DecoderLayoutSchema),
} as const;

export const wallEvents = {
  /** The whole wall state, coalesced (at most every ~100 ms). */
  'wall:state': WallState,
  'wall:decoder': WallDecoderEvent,
  /** The desired layout of a software decoder, for the page that shows that panel. */
  'wall:decoderState': z.object({ decoderId: z.string(), layout: DecoderLayoutSchema }),
  /** The LED strip changed: for LED output pages, which get no `wall:state`. */
  'wall:ledState': LedStateSchema,
} as const;

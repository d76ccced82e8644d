import { z } from 'zod';
import { PTZ_LIMITS } from '../ptz';
import { command } from './define';

/*
 * PTZ is addressed by camera, owned by head: commands name either camera of a tower (the tile
 * the operator is looking at), the host resolves the head that carries it, and poses, control
 * and faults are reported per head with the cameras it carries. Spec: docs/ptz.md.
 */

const CameraId = z.string().min(1).max(64);
const Velocity = z.number().min(-1, 'must be between -1 and 1').max(1, 'must be between -1 and 1');
/** Pan accepts any turn within one revolution either way; the host folds it into 0…360. */
const Pan = z.number().min(-360, 'must be between -360 and 360').max(360, 'must be between -360 and 360');
const Tilt = z
  .number()
  .min(PTZ_LIMITS.tiltMin, `must be between ${PTZ_LIMITS.tiltMin} and ${PTZ_LIMITS.tiltMax}`)
  .max(PTZ_LIMITS.tiltMax, `must be between ${PTZ_LIMITS.tiltMin} and ${PTZ_LIMITS.tiltMax}`);
const Zoom = z
  .number()
  .min(PTZ_LIMITS.zoomMin, `must be between ${PTZ_LIMITS.zoomMin} and ${PTZ_LIMITS.zoomMax}`)
  .max(PTZ_LIMITS.zoomMax, `must be between ${PTZ_LIMITS.zoomMin} and ${PTZ_LIMITS.zoomMax}`);
/** Focus position: 0 nearest, 1 infinity. */
const Focus = z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');
/** Pan/tilt speed, °/s; the head rounds it to the nearest of its 64 levels. */
const Speed = z
  .number()
  .min(PTZ_LIMITS.speedMin, `must be between ${PTZ_LIMITS.speedMin} and ${PTZ_LIMITS.speedMax} °/s`)
  .max(PTZ_LIMITS.speedMax, `must be between ${PTZ_LIMITS.speedMin} and ${PTZ_LIMITS.speedMax} °/s`);
export const PresetNumber = z
  .number()
  .int('must be a whole number')
  .min(PTZ_LIMITS.presetMin, `must be between ${PTZ_LIMITS.presetMin} and ${PTZ_LIMITS.presetMax}`)
  .max(PTZ_LIMITS.presetMax, `must be between ${PTZ_LIMITS.presetMin} and ${PTZ_LIMITS.presetMax}`);
const PresetName = z.string().trim().min(1, 'must not be empty').max(32, 'must be at most 32 characters');

/** Who may take a head from whom: a higher level takes over a lower one. */
export const PtzPriority = z.enum(['operator', 'leader', 'alarm']);
export type PtzPriority = z.infer<typeof PtzPriority>;

/** Where a head points, as read back from it. */
export const PtzPose = z.object({
  headId: z.string(),
  cameraIds: z.array(z.string()),
  /** Head pan, degrees 0…360 from the head's zero. */
  pan: z.number(),
  /** True bearing of the optical axis (pan + tower north offset), degrees 0…360. */
  bearing: z.number(),
  /** Degrees, positive up. */
  tilt: z.number(),
  /** Zoom factor of the visible camera, 1…32. */
  zoom: z.number(),
  /** Focus position 0…1, or null when the head does not report it. */
  focus: z.number().nullable(),
  moving: z.boolean(),
  /** Host time of the reading, ms. */
  at: z.number(),
});
export type PtzPose = z.infer<typeof PtzPose>;

/** Who holds a head and until when; `holder` null when free. */
export const PtzControl = z.object({
  headId: z.string(),
  cameraIds: z.array(z.string()),
  holder: z
    .object({
      clientId: z.string(),
      /** The person holding it (display name), when one is signed in. */
      who: z.string().optional(),
      priority: PtzPriority,
      since: z.number(),
      until: z.number(),
    })
    .nullable(),
});
export type PtzControl = z.infer<typeof PtzControl>;

/** Link state of a head's PTZ connection. */
export const PtzLinkState = z.enum(['connecting', 'online', 'unreachable', 'unauthorized', 'timeout', 'error']);
export type PtzLinkState = z.infer<typeof PtzLinkState>;

/** A PTZ fault raised or cleared; `message` says what is wrong in words an operator can act on. */
export const PtzFault = z.object({
  headId: z.string(),
  cameraIds: z.array(z.string()),
  state: PtzLinkState,
  message: z.string().nullable(),
  cleared: z.boolean(),
  at: z.number(),
});
export type PtzFault = z.infer<typeof PtzFault>;

export const PtzPreset = z.object({
  preset: z.number().int(),
  name: z.string(),
  pan: z.number().nullable(),
  tilt: z.number().nullable(),
  zoom: z.number().nullable(),
});
export type PtzPreset = z.infer<typeof PtzPreset>;

/** A cruise: presets visited in turn, or a continuous 360° scan. */
export const CruisePlan = z.discriminatedUnion('mode', [
  z.object({
    mode: z.literal('presets'),
    steps: z
      .array(z.object({ preset: PresetNumber, dwellS: z.number().min(1, 'must be at least 1 s').max(3600, 'must be at most 3600 s') }).strict())
      .min(1, 'needs at least one step')
      .max(64, 'at most 64 steps'),
    /** Pause after the last operator command before the cruise resumes, s. */
    resumeAfterS: z.number().min(5).max(3600).default(60),
    /** Preset to return to when the cruise is stopped and the head has been idle `homeAfterS`. */
    homePreset: PresetNumber.optional(),
    homeAfterS: z.number().min(5).max(3600).default(60),
  }).strict(),
  z.object({
    mode: z.literal('scan'),
    /** Time for one full circle, s: 12 s at 30 °/s up to the 5 minutes the tender allows. */
    periodS: z.number().min(12, 'must be at least 12 s (30 °/s)').max(300, 'must be at most 300 s (one circle in 5 minutes)'),
    tilt: Tilt.optional(),
    zoom: Zoom.optional(),
    /** Clockwise (pan increasing) unless false. */
    clockwise: z.boolean().default(true),
    resumeAfterS: z.number().min(5).max(3600).default(60),
    homePreset: PresetNumber.optional(),
    homeAfterS: z.number().min(5).max(3600).default(60),
  }).strict(),
]);
export type CruisePlan = z.infer<typeof CruisePlan>;

export const CruiseState = z.enum(['stopped', 'running', 'paused']);
export type CruiseState = z.infer<typeof CruiseState>;

export const CruiseInfo = z.object({
  headId: z.string(),
  cameraIds: z.array(z.string()),
  plan: CruisePlan.nullable(),
  state: CruiseState,
  /** Index of the current step of a preset cruise. */
  step: z.number().int().nullable(),
  /** When a paused cruise resumes, host ms. */
  resumesAt: z.number().nullable(),
});
export type CruiseInfo = z.infer<typeof CruiseInfo>;

/** One recorded PTZ action (the duty log and audit will persist these). */
export const PtzAction = z.object({
  at: z.number(),
  headId: z.string(),
  cameraId: z.string().nullable(),
  clientId: z.string(),
  action: z.string(),
  detail: z.string(),
  outcome: z.enum(['ok', 'conflict', 'failed']),
});
export type PtzAction = z.infer<typeof PtzAction>;

/** Everything about one head at once, for a client that has just connected (events only carry changes). */
export const PtzHeadInfo = z.object({
  headId: z.string(),
  towerId: z.string(),
  cameraIds: z.array(z.string()),
  link: PtzLinkState,
  /** Why the link is not online, in words an operator can act on. */
  message: z.string().nullable(),
  /** Manufacturer and model as the head reports them. */
  model: z.string().nullable(),
  /** Focus can be moved and read back. */
  focus: z.boolean(),
  pose: PtzPose.nullable(),
  control: PtzControl,
  cruise: CruiseInfo,
});
export type PtzHeadInfo = z.infer<typeof PtzHeadInfo>;

/** What a motion command answers: the head and how long the caller now holds it. */
export const PtzAck = z.object({ headId: z.string(), heldUntil: z.number() });
export type PtzAck = z.infer<typeof PtzAck>;

const Cam = { cameraId: CameraId };

export const ptzCommands = {
  /** Continuous move: hold to move; repeat at least every second while held, or the head stops. */
  'ptz:move': command(z.object({ ...Cam, pan: Velocity, tilt: Velocity, zoom: Velocity.default(0) }).strict(), PtzAck),
  'ptz:stop': command(z.object(Cam).strict(), PtzAck),
  /** Direct numeric setting: pan/tilt in degrees, zoom factor, optional focus. */
  'ptz:absolute': command(
    z.object({ ...Cam, pan: Pan, tilt: Tilt, zoom: Zoom.optional(), focus: Focus.optional(), speed: Speed.optional() }).strict(),
    PtzAck,
  ),
  /** Turn by degrees (e.g. click-to-centre); `zoomBy` multiplies the zoom factor. */
  'ptz:relative': command(
    z
      .object({
        ...Cam,
        pan: Pan,
        tilt: z.number().min(-90, 'must be between -90 and 90').max(90, 'must be between -90 and 90'),
        zoomBy: z.number().min(1 / 32, 'must be between 1/32 and 32').max(32, 'must be between 1/32 and 32').optional(),
        speed: Speed.optional(),
      })
      .strict(),
    PtzAck,
  ),
  'ptz:focus': command(z.object({ ...Cam, action: z.enum(['near', 'far', 'stop', 'auto']), speed: z.number().min(0.05).max(1).default(0.5) }).strict(), PtzAck),
  'ptz:gotoPreset': command(z.object({ ...Cam, preset: PresetNumber, speed: Speed.optional() }).strict(), PtzAck),
  'ptz:setPreset': command(z.object({ ...Cam, preset: PresetNumber, name: PresetName }).strict(), PtzPreset),
  'ptz:removePreset': command(z.object({ ...Cam, preset: PresetNumber }).strict(), PtzAck),
  'ptz:presets': command(z.object(Cam).strict(), z.object({ headId: z.string(), presets: z.array(PtzPreset) })),
  'ptz:status': command(z.object(Cam).strict(), PtzPose),
  /** Claims the head without moving it; a higher priority takes it from a lower one. */
  'ptz:takeControl': command(z.object({ ...Cam, priority: PtzPriority.default('operator') }).strict(), PtzControl),
  'ptz:releaseControl': command(z.object(Cam).strict(), PtzControl),
  'ptz:controlList': command(z.object({}).strict(), z.array(PtzControl)),
  /** Snapshot of every head: link, pose, control and cruise. */
  'ptz:heads': command(z.object({}).strict(), z.array(PtzHeadInfo)),
  /** For a wall decoder's HUD: the last pose of every head whose camera one of its outputs shows. */
  'ptz:decoderPoses': command(z.object({ decoderId: z.string().min(1).max(64) }).strict(), z.array(PtzPose)),
  'ptz:cruiseList': command(z.object({}).strict(), z.array(CruiseInfo)),
  /** Sets (or with `plan: null` clears) the cruise of the head carrying the camera. */
  'ptz:cruiseSet': command(z.object({ ...Cam, plan: CruisePlan.nullable() }).strict(), CruiseInfo),
  'ptz:cruiseStart': command(z.object(Cam).strict(), CruiseInfo),
  'ptz:cruiseStop': command(z.object(Cam).strict(), CruiseInfo),
} as const;

export const ptzEvents = {
  /** Head pose, coalesced in the host: while moving at most every ~150 ms, idle only on change. */
  'ptz:pose': PtzPose,
  'ptz:control': PtzControl,
  'ptz:fault': PtzFault,
  'ptz:cruise': CruiseInfo,
  'ptz:action': PtzAction,
} as const;

import { z } from 'zod';
import { fixFromBearings, type LatLon } from './geo';
import { normalizeSigned } from './ptz';

/*
 * Fire alerts: what a detector reports, what an alert is, and the pure rules that act on them —
 * deduplication of repeated alarms, linking of one fire seen by two towers, the verification and
 * observation lifecycle, the follow-up schedule. No I/O; the host's `native/alerts` stores and
 * drives them. Ingest format: docs/alerts.md.
 */

export const AlertKindSchema = z.enum(['smoke', 'fire']);
export type AlertKind = z.infer<typeof AlertKindSchema>;

/** A detection box on the snapshot, as fractions of the picture (0…1). */
export const AlertBoxSchema = z
  .object({ x: z.number().min(0).max(1), y: z.number().min(0).max(1), w: z.number().gt(0).max(1), h: z.number().gt(0).max(1), score: z.number().min(0).max(1).optional() })
  .strict()
  .refine((b) => b.x + b.w <= 1.0001 && b.y + b.h <= 1.0001, 'box must lie within the picture');
export type AlertBox = z.infer<typeof AlertBoxSchema>;

/** Largest snapshot a detector may send, bytes (decoded). */
export const MAX_SNAPSHOT_BYTES = 4 * 1024 * 1024;

/** One alarm as a detector posts it (`POST /api/alerts/ingest`). */
export const DetectorAlarmSchema = z
  .object({
    /** The detector's id from the site file. */
    detectorId: z.string().min(1).max(64),
    /** Which of the tower's cameras saw it. */
    cameraId: z.string().min(1).max(64),
    kind: AlertKindSchema,
    /** 0…1. */
    confidence: z.number().min(0).max(1),
    /** When it saw it: epoch ms or an ISO 8601 time. */
    at: z.union([z.number().int().positive(), z.iso.datetime({ offset: true })]),
    /** The head's pose at detection: pan from the head's zero, tilt, zoom. */
    pose: z.object({ pan: z.number().min(-360).max(720), tilt: z.number().min(-90).max(90), zoom: z.number().min(1).max(100) }).strict(),
    preset: z.number().int().min(0).max(255).optional(),
    boxes: z.array(AlertBoxSchema).max(32).default([]),
    /** JPEG, base64. */
    snapshot: z.string().min(100).max(Math.ceil((MAX_SNAPSHOT_BYTES * 4) / 3) + 4),
    /** A fire drill (演练, e.g. a demonstration's simulated fire): handled like an alarm, marked as a drill everywhere. */
    drill: z.boolean().optional(),
  })
  .strict();
export type DetectorAlarm = z.infer<typeof DetectorAlarmSchema>;

export const AlertStatusSchema = z.enum([
  /** Waiting for a person to verify it. */
  'new',
  /** 确认火情: confirmed, under observation until closed. */
  'confirmed',
  /** 误报. */
  'false_alarm',
  /** 重复: another alert covers it. */
  'duplicate',
  /** 警讯确认解除: a confirmed fire closed by a person. */
  'closed',
]);
export type AlertStatus = z.infer<typeof AlertStatusSchema>;

export const FALSE_ALARM_REASONS = ['cloud', 'fog', 'dust', 'lights', 'sun_glare', 'chimney', 'vehicle', 'other'] as const;
export const FalseAlarmReasonSchema = z.enum(FALSE_ALARM_REASONS);
export type FalseAlarmReason = z.infer<typeof FalseAlarmReasonSchema>;

export const PositionSchema = z.object({
  lat: z.number(),
  lon: z.number(),
  /** How it was found: two or more towers' bearings, or one camera's ray on the terrain. */
  method: z.enum(['triangulated', 'terrain']),
  /** 95 % radius of the uncertainty, metres. */
  uncertaintyM: z.number().nonnegative(),
  /** Who located it on the map (一张图) and when; absent when the host worked it out. Not overwritten by later automatic fixes. */
  by: z.string().optional(),
  at: z.number().optional(),
});
export type Position = z.infer<typeof PositionSchema>;

export const FollowUpSchema = z.object({
  seq: z.number().int().positive(),
  at: z.number(),
  snapshot: z.string().nullable(),
  pose: z.object({ bearing: z.number(), tilt: z.number(), zoom: z.number() }).nullable(),
  position: PositionSchema.nullable(),
  remark: z.string().max(500).optional(),
});
export type FollowUp = z.infer<typeof FollowUpSchema>;

export const NotificationSchema = z.object({
  /** 0 = the first report, n = follow-up n, ESCALATION_REPORT = the escalation notice. */
  report: z.number().int().min(-1),
  recipient: z.string(),
  state: z.enum(['sending', 'sent', 'failed']),
  attempts: z.number().int().min(0),
  lastError: z.string().nullable(),
  at: z.number(),
});
export type Notification = z.infer<typeof NotificationSchema>;
/** `report` of the notice sent when an alert escalates (to recipients that receive escalations). */
export const ESCALATION_REPORT = -1;

export const AlertSchema = z.object({
  id: z.string(),
  towerId: z.string(),
  cameraId: z.string(),
  detectorId: z.string(),
  kind: AlertKindSchema,
  confidence: z.number(),
  /** First and latest alarm merged into it, epoch ms (detector time). */
  firstAt: z.number(),
  lastAt: z.number(),
  /** When the host received the first alarm. */
  receivedAt: z.number(),
  /** Alarms merged into it. */
  count: z.number().int().positive(),
  /** True bearing (pan + the tower's north offset), tilt and zoom at the first detection. */
  bearing: z.number(),
  tilt: z.number(),
  zoom: z.number(),
  preset: z.number().int().nullable(),
  boxes: z.array(AlertBoxSchema),
  /** Snapshot file names, newest last (`/api/alerts/snapshots/<name>`). */
  snapshots: z.array(z.string()),
  status: AlertStatusSchema,
  /** First person to open it. */
  acknowledged: z.object({ by: z.string(), at: z.number() }).nullable(),
  /** Unacknowledged past the escalation time: louder, and to the shift leader. */
  escalatedAt: z.number().nullable(),
  decision: z
    .object({ by: z.string(), at: z.number(), reason: FalseAlarmReasonSchema.nullable(), note: z.string().max(500), duplicateOf: z.string().nullable() })
    .nullable(),
  /** Alerts of other towers taken for the same fire. */
  linked: z.array(z.string()),
  position: PositionSchema.nullable(),
  /** Observation after confirmation: until when, and its follow-up reports. */
  observation: z.object({ startedAt: z.number(), until: z.number(), followUps: z.array(FollowUpSchema) }).nullable(),
  closed: z.object({ by: z.string(), at: z.number(), note: z.string().max(500) }).nullable(),
  /** Each report (the first on confirmation, then one per follow-up) to each recipient. */
  notifications: z.array(NotificationSchema),
  /** The evidence clip around the alarm (`/api/clips/<name>`): what the stream buffer held from 30 s before to 30 s after. */
  clip: z.object({ name: z.string(), startedAt: z.number(), durationS: z.number() }).nullable().default(null),
  /** A fire drill (演练): never merged or linked with real alarms. */
  drill: z.boolean().optional(),
});
export type Alert = z.infer<typeof AlertSchema>;

/** Timing and matching rules of a site (site file `alerts`). */
export const AlertPolicySchema = z
  .object({
    /** Alarms of one camera within this many degrees and seconds merge into one alert. */
    mergeBearingDeg: z.number().min(0).max(45).default(3),
    mergeWindowS: z.number().min(1).max(3600).default(300),
    /** Alerts of two towers this close in time whose bearings meet are linked as one fire. */
    linkWindowS: z.number().min(1).max(3600).default(600),
    /** Farthest a linked fire may lie from each tower, metres (the detectors' range). */
    linkRangeM: z.number().min(500).max(50_000).default(8000),
    /** Bearing error of a detection, degrees (1σ), for the uncertainty of a triangulated position. */
    bearingSigmaDeg: z.number().min(0.01).max(10).default(0.5),
    /** Unacknowledged this long → escalated. */
    escalateAfterS: z.number().min(10).max(3600).default(60),
    /** Observation after confirmation ("警讯后20分钟人工持续观察"). */
    observeMinutes: z.number().min(1).max(24 * 60).default(20),
    /** A follow-up report every this many minutes ("首次推送后每5分钟发送一次"). */
    followUpMinutes: z.number().min(1).max(120).default(5),
  })
  .strict();
export type AlertPolicy = z.infer<typeof AlertPolicySchema>;
export const DEFAULT_ALERT_POLICY: AlertPolicy = AlertPolicySchema.parse({});

/** Open alerts: waiting for a decision, or confirmed and not yet closed. */
export const isOpen = (a: Pick<Alert, 'status'>): boolean => a.status === 'new' || a.status === 'confirmed';

/** The open alert of the same camera and direction that a new alarm belongs to, if any. */
export function mergeTarget(alerts: readonly Alert[], alarm: { cameraId: string; bearing: number; at: number }, policy: AlertPolicy): Alert | undefined {
  return alerts
    .filter(
      (a) =>
        isOpen(a) &&
        a.cameraId === alarm.cameraId &&
        Math.abs(normalizeSigned(alarm.bearing - a.bearing)) <= policy.mergeBearingDeg &&
        Math.abs(alarm.at - a.lastAt) <= policy.mergeWindowS * 1000,
    )
    .sort((x, y) => y.lastAt - x.lastAt)[0];
}

/** Where each tower stands, for linking and triangulation. */
export type TowerPlaces = ReadonlyMap<string, LatLon>;

/**
 * Open alerts of other towers that see the same fire as `a`: close in time, and whose bearing lines
 * meet within the detectors' range of both towers. With them, the triangulated position of the fire.
 */
export function linkAlerts(a: Alert, alerts: readonly Alert[], towers: TowerPlaces, policy: AlertPolicy): { linked: Alert[]; position: Position | null } {
  const here = towers.get(a.towerId);
  if (!here) return { linked: [], position: null };
  const linked: Alert[] = [];
  for (const b of alerts) {
    if (b.id === a.id || b.towerId === a.towerId || !isOpen(b) || Math.abs(b.lastAt - a.lastAt) > policy.linkWindowS * 1000) continue;
    const there = towers.get(b.towerId);
    if (!there) continue;
    const fix = fixFromBearings([
      { from: here, bearing: a.bearing },
      { from: there, bearing: b.bearing },
    ], policy.bearingSigmaDeg);
    if (fix && fix.legs.every((l) => l.distance <= policy.linkRangeM)) linked.push(b);
  }
  if (!linked.length) return { linked, position: null };
  const lines = [a, ...linked].map((x) => ({ from: towers.get(x.towerId)!, bearing: x.bearing }));
  const fix = fixFromBearings(lines, policy.bearingSigmaDeg);
  if (!fix) return { linked, position: null };
  return {
    linked,
    position: { lat: fix.point.lat, lon: fix.point.lon, method: 'triangulated', uncertaintyM: Math.round(2.4477 * fix.ellipse.major) },
  };
}

/**
 * 95 % radius of a single-tower fix, metres: the bearing error across the line of sight, and the
 * tilt error (taken equal) along it, which grows as the ray grazes the ground (small drop over distance).
 */
export function terrainFixUncertainty(distanceM: number, dropM: number, sigmaDeg: number): number {
  const s = (sigmaDeg * Math.PI) / 180;
  const across = distanceM * s;
  const grazing = Math.max(Math.abs(dropM) / Math.max(distanceM, 1), 0.005);
  const along = Math.min(distanceM, (distanceM * s) / grazing);
  return Math.round(2.4477 * Math.hypot(across, along));
}

/** When the next follow-up report of a confirmed alert is due, or null when none is. */
export function nextFollowUpAt(a: Alert, policy: AlertPolicy): number | null {
  if (a.status !== 'confirmed' || !a.observation) return null;
  const due = a.observation.startedAt + (a.observation.followUps.length + 1) * policy.followUpMinutes * 60_000;
  return due <= a.observation.until ? due : null;
}

/** Severity order of the queue: fire before smoke, escalated before not, then oldest first. */
export function queueOrder(x: Alert, y: Alert): number {
  const rank = (a: Alert) => (a.status === 'new' ? 0 : 1) * 4 + (a.escalatedAt ? 0 : 1) * 2 + (a.kind === 'fire' ? 0 : 1);
  return rank(x) - rank(y) || x.receivedAt - y.receivedAt;
}


import { z } from 'zod';
import { AlertSchema, FalseAlarmReasonSchema } from '../alerts';
import { command } from './define';

const Id = z.string().min(1).max(64);
const Note = z.string().max(500);

/** Counts of a period, for the statistics view. */
export const AlertStats = z.object({
  since: z.number(),
  total: z.number().int(),
  byTower: z.array(z.object({ towerId: z.string(), total: z.number().int(), confirmed: z.number().int(), falseAlarms: z.number().int() })),
  byStatus: z.record(z.string(), z.number().int()),
  falseAlarmReasons: z.record(z.string(), z.number().int()),
  /** Share of decided alerts that were false alarms, 0…1 (null before any decision). */
  falseAlarmRate: z.number().nullable(),
  /** Seconds from arrival to first acknowledgement: median and 95th percentile. */
  ackMedianS: z.number().nullable(),
  ackP95S: z.number().nullable(),
});
export type AlertStats = z.infer<typeof AlertStats>;

export const alertCommands = {
  /** Open alerts and the recent closed ones, newest first. */
  'alert:list': command(z.object({ limit: z.number().int().min(1).max(1000).default(200) }).strict(), z.object({ alerts: z.array(AlertSchema) })),
  /** The operator has seen it (stops escalation). */
  'alert:acknowledge': command(z.object({ id: Id }).strict(), AlertSchema),
  /** 确认火情 / 误报 (with a reason) / 重复 (of another alert). */
  'alert:decide': command(
    z
      .object({ id: Id, verdict: z.enum(['confirmed', 'false_alarm', 'duplicate']), reason: FalseAlarmReasonSchema.optional(), note: Note.default(''), duplicateOf: Id.optional() })
      .strict(),
    AlertSchema,
  ),
  /** A remark on a confirmed alert, kept with its latest follow-up. */
  'alert:remark': command(z.object({ id: Id, text: z.string().min(1).max(500) }).strict(), AlertSchema),
  /** The fire's position as an operator located it on the map (bearing lines crossed, or one camera's ray on the terrain). */
  'alert:locate': command(
    z
      .object({
        id: Id,
        lat: z.number().min(-90).max(90),
        lon: z.number().min(-180).max(180),
        method: z.enum(['triangulated', 'terrain']),
        uncertaintyM: z.number().min(0).max(100_000),
      })
      .strict(),
    AlertSchema,
  ),
  /** 警讯确认解除: ends the observation of a confirmed fire. */
  'alert:close': command(z.object({ id: Id, note: Note.default('') }).strict(), AlertSchema),
  'alert:stats': command(z.object({ days: z.number().int().min(1).max(366).default(30) }).strict(), AlertStats),
} as const;

export const alertEvents = {
  /** An alert was raised or changed (merged alarm, decision, follow-up, link, escalation). */
  'alert:changed': AlertSchema,
} as const;

import { z } from 'zod';
import { DeviceKind, DeviceState, TicketLevel } from '../health';
import { command } from './define';

/*
 * Operations and maintenance (运维): device and link health, availability against the target,
 * fault tickets with their levels and deadlines, inspections and the asset register. Spec: docs/health.md.
 */

const Id = z.string().min(1).max(120);
const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');
const Text = z.string().max(4000);

/** The current state of one device or link. */
export const DeviceHealth = z.object({
  /** `cam:<cameraId>`, `ptz:<tower>`, `link:<tower>`, `switch:<tower>`, `power:<tower>`, `detector:<tower>`, `decoder:<id>`, `host:<cpu|memory|disk>`. */
  id: z.string(),
  towerId: z.string().nullable(),
  kind: DeviceKind,
  name: z.string(),
  state: DeviceState,
  /** When it entered this state. */
  since: z.number(),
  checkedAt: z.number().nullable(),
  detail: z.string(),
  latencyMs: z.number().nullable().optional(),
  lossPct: z.number().nullable().optional(),
  bitrateKbps: z.number().nullable().optional(),
});
export type DeviceHealth = z.infer<typeof DeviceHealth>;

/** A link latency sample for the sparkline. */
export const LinkSample = z.object({ at: z.number(), latencyMs: z.number().nullable(), lossPct: z.number() });
export type LinkSample = z.infer<typeof LinkSample>;

export const TicketNote = z.object({ at: z.number(), by: z.string(), text: z.string() });

/** The closing report (故障种类、故障原因、解决方法、故障损失). */
export const TicketReport = z.object({
  kind: z.string().trim().min(1, 'say what kind of fault it was').max(200),
  cause: z.string().trim().min(1, 'say what caused it').max(2000),
  method: z.string().trim().min(1, 'say how it was fixed').max(2000),
  loss: z.string().max(2000).default(''),
});

/** A fault ticket. */
export const Ticket = z.object({
  id: z.string(),
  deviceId: z.string().nullable(),
  towerId: z.string().nullable(),
  title: z.string(),
  level: TicketLevel,
  origin: z.enum(['auto', 'manual']),
  status: z.enum(['open', 'closed']),
  openedAt: z.number(),
  openedBy: z.string(),
  assignee: z.string(),
  respondedAt: z.number().nullable(),
  /** When the current level started (opening or the last escalation); deadlines count from it. */
  levelSince: z.number(),
  respondBy: z.number(),
  repairBy: z.number(),
  escalations: z.array(z.object({ at: z.number(), from: TicketLevel, to: TicketLevel, missed: z.enum(['respond', 'repair']) })),
  /** Level 1 deadline passed: there is no level above. */
  overdue: z.boolean(),
  notes: z.array(TicketNote),
  closedAt: z.number().nullable(),
  closedBy: z.string(),
  report: TicketReport.nullable(),
});
export type Ticket = z.infer<typeof Ticket>;

export const InspectionPeriod = z.enum(['weekly', 'monthly', 'quarterly']);
export type InspectionPeriod = z.infer<typeof InspectionPeriod>;

export const InspectionItem = z.object({
  key: z.string(),
  label: z.string(),
  hint: z.string(),
  result: z.enum(['ok', 'fault', 'na']).nullable(),
  note: z.string(),
  photo: z.string().nullable(),
  by: z.string(),
  at: z.number().nullable(),
});
/** A weekly, monthly or quarterly inspection from the checklist template. */
export const Inspection = z.object({ id: z.string(), period: InspectionPeriod, periodKey: z.string(), title: z.string(), items: z.array(InspectionItem) });
export type Inspection = z.infer<typeof Inspection>;

/** A row of the asset register. */
export const Asset = z.object({
  deviceId: z.string().min(1).max(120),
  towerId: z.string().max(64),
  kind: z.string().max(64),
  model: z.string().max(200),
  serial: z.string().max(200),
  installDate: z.string().max(10),
  location: z.string().max(200),
  spares: z.string().max(500),
});
export type Asset = z.infer<typeof Asset>;

const AvailabilityFigure = z.object({ id: z.string(), name: z.string(), pct: z.number().nullable(), downMs: z.number() });
export const AvailabilityReport = z.object({
  period: z.enum(['day', 'week', 'month']),
  from: z.number(),
  to: z.number(),
  targetPct: z.number(),
  site: z.number().nullable(),
  towers: z.array(AvailabilityFigure),
  devices: z.array(AvailabilityFigure),
});
export type AvailabilityReport = z.infer<typeof AvailabilityReport>;

export const healthCommands = {
  /** Every device's current state, the target and each link's recent latency. */
  'health:state': command(z.object({}).strict(), z.object({ devices: z.array(DeviceHealth), targetPct: z.number(), links: z.record(z.string(), z.array(LinkSample)) })),
  /** Availability per device, tower and site over the day, ISO week or month containing `date` (default today). */
  'health:availability': command(z.object({ period: z.enum(['day', 'week', 'month']), date: Day.optional() }).strict(), AvailabilityReport),
  'health:history': command(
    z.object({ deviceId: Id, from: z.number().int().nonnegative().optional(), to: z.number().int().nonnegative().optional() }).strict(),
    z.array(z.object({ at: z.number(), state: DeviceState, detail: z.string() })),
  ),
  'health:tickets': command(z.object({ status: z.enum(['open', 'closed', 'all']).default('all') }).strict(), z.array(Ticket)),
  'health:ticketOpen': command(
    z.object({ title: z.string().trim().min(1, 'describe the fault').max(300), level: TicketLevel, deviceId: Id.optional(), towerId: z.string().max(64).optional(), note: Text.default('') }).strict(),
    Ticket,
  ),
  /** Someone is on it (on site or on the phone): the response deadline is met. */
  'health:ticketRespond': command(z.object({ id: Id }).strict(), Ticket),
  'health:ticketAssign': command(z.object({ id: Id, assignee: z.string().trim().min(1).max(64) }).strict(), Ticket),
  'health:ticketNote': command(z.object({ id: Id, text: z.string().trim().min(1, 'write a note').max(4000) }).strict(), Ticket),
  'health:ticketClose': command(z.object({ id: Id }).merge(TicketReport).strict(), Ticket),
  /** The inspection of the period containing `date` (default today), created from the template. */
  'health:inspection': command(z.object({ period: InspectionPeriod, date: Day.optional() }).strict(), Inspection),
  'health:inspectionSet': command(
    z
      .object({
        id: Id,
        key: z.string().min(1).max(90),
        result: z.enum(['ok', 'fault', 'na']),
        note: z.string().max(1000).default(''),
        photo: z.object({ name: z.string().min(1).max(200), mime: z.string().max(100), dataBase64: z.string().max(8_000_000) }).optional(),
      })
      .strict(),
    Inspection,
  ),
  /** The inspection report of a period: availability, tickets and inspections, as CSV or PDF. */
  'health:report': command(
    z.object({ period: z.enum(['week', 'month', 'quarter']), date: Day.optional(), format: z.enum(['csv', 'pdf']) }).strict(),
    z.object({ name: z.string(), mime: z.string(), dataBase64: z.string() }),
  ),
  'health:assets': command(z.object({}).strict(), z.array(Asset)),
  /** Imports an asset CSV: the good rows are stored, each bad row is named with its line and reason. */
  'health:assetImport': command(
    z.object({ csv: z.string().max(5_000_000) }).strict(),
    z.object({ imported: z.number(), errors: z.array(z.object({ line: z.number(), reason: z.string() })) }),
  ),
  'health:assetExport': command(z.object({}).strict(), z.object({ name: z.string(), csv: z.string(), rows: z.number() })),
} as const;

export const healthEvents = {
  /** Devices whose state changed (sent within 2 s of the probe that saw it). */
  'health:changed': z.object({ devices: z.array(DeviceHealth), links: z.record(z.string(), z.array(LinkSample)).optional() }),
  /** A ticket was opened, escalated, assigned, noted or closed. */
  'health:ticket': Ticket,
} as const;

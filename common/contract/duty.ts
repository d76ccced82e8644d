import { z } from 'zod';
import { EntryCategory, MaintenancePeriod, RecordKind, SyncRecord } from '../duty';
import { command } from './define';

/*
 * Duty management (值班管理): roster and sign-on/off, the duty log, open items and handover
 * (交接班), the daily check (每日检查), maintenance checklists, reports, and the state of the sync
 * with the central service. Records cross the boundary as stored (`SyncRecord`: each field with
 * its clock); `dataOf` reads them. Spec: docs/sync.md.
 */

export const DutyRecord = SyncRecord;
export type DutyRecord = z.infer<typeof DutyRecord>;

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');
const Slot = z.number().int().min(0).max(2);
const Id = z.string().min(1).max(120);
const ShiftRef = z.object({ date: Day, slot: Slot });

/** An attachment as the console uploads it. */
export const AttachmentUpload = z.object({ name: z.string().min(1).max(200), mime: z.string().max(100), dataBase64: z.string() });

/** State of the sync agent, for the status bar. */
export const SyncStatus = z.object({
  /** `off`: no central service configured. */
  state: z.enum(['off', 'idle', 'syncing', 'offline', 'error']),
  lastSyncAt: z.number().nullable(),
  pending: z.number().int(),
  rejected: z.number().int(),
  error: z.string().nullable(),
  /** When the next attempt is due after a failure. */
  retryAt: z.number().nullable(),
  central: z.string().nullable(),
});
export type SyncStatus = z.infer<typeof SyncStatus>;

/** Today's shift at a glance. */
export const DutyOverview = z.object({
  shift: ShiftRef,
  next: ShiftRef,
  roster: z.array(DutyRecord),
  /** People signed on to the current shift and not off again. */
  onDuty: z.array(z.object({ person: z.string(), since: z.number() })),
  openItems: z.array(DutyRecord),
  /** Handovers to this shift still waiting for the incoming operator. */
  pendingHandovers: z.array(DutyRecord),
  entries: z.array(DutyRecord),
  check: DutyRecord.nullable(),
  notices: z.array(DutyRecord),
});
export type DutyOverview = z.infer<typeof DutyOverview>;

export const ReportKind = z.enum(['daily', 'weekly', 'monthly']);
export type ReportKind = z.infer<typeof ReportKind>;

const Report = z.object({ kind: ReportKind, date: Day });

export const dutyCommands = {
  'duty:overview': command(z.object({}).strict(), DutyOverview),
  /** The signed-in person starts (or ends) their duty on the current shift. */
  'duty:signOn': command(z.object({}).strict(), DutyRecord),
  'duty:signOff': command(z.object({}).strict(), DutyRecord),
  'duty:entryAdd': command(
    z
      .object({
        category: EntryCategory,
        text: z.string().trim().min(1, 'write what happened').max(4000),
        tower: z.string().max(64).default(''),
        at: z.number().int().positive().optional(),
        attachments: z.array(AttachmentUpload).max(10).default([]),
      })
      .strict(),
    DutyRecord,
  ),
  'duty:attachment': command(z.object({ id: Id }).strict(), z.object({ name: z.string(), mime: z.string(), dataBase64: z.string() })),
  /** Everything of one shift in time order: entries, sign-on/off, items opened, handovers. */
  'duty:timeline': command(ShiftRef.strict(), z.array(DutyRecord)),
  'duty:search': command(
    z
      .object({
        text: z.string().max(200).optional(),
        from: Day.optional(),
        to: Day.optional(),
        category: EntryCategory.optional(),
        tower: z.string().max(64).optional(),
        kinds: z.array(RecordKind).max(9).optional(),
        limit: z.number().int().min(1).max(2000).optional(),
      })
      .strict(),
    z.array(DutyRecord),
  ),
  'duty:roster': command(z.object({ from: Day, to: Day }).strict(), z.array(DutyRecord)),
  'duty:rosterSet': command(
    z.object({ date: Day, slot: Slot, operator: z.string().max(64), leader: z.string().max(64).default(''), note: z.string().max(4000).default('') }).strict(),
    DutyRecord,
  ),
  'duty:itemOpen': command(z.object({ text: z.string().trim().min(1).max(4000), tower: z.string().max(64).default('') }).strict(), DutyRecord),
  'duty:itemClose': command(z.object({ id: Id, note: z.string().max(4000).default('') }).strict(), DutyRecord),
  /** The outgoing operator hands over the current shift with its open items. */
  'duty:handoverCreate': command(z.object({ to: z.string().trim().min(1).max(64), summary: z.string().max(4000) }).strict(), DutyRecord),
  /** The incoming operator (signed in) acknowledges a handover and takes over its open items. */
  'duty:handoverAck': command(z.object({ id: Id }).strict(), DutyRecord),
  'duty:handovers': command(z.object({ from: Day, to: Day }).strict(), z.array(DutyRecord)),
  /** The daily check of a shift, filled in from the live state of the system (refreshed while unconfirmed). */
  'duty:check': command(z.object({ date: Day.optional(), slot: Slot.optional() }).strict(), DutyRecord),
  'duty:checkConfirm': command(
    z
      .object({
        id: Id,
        lines: z.record(z.string().max(90), z.object({ result: z.enum(['ok', 'fault']), note: z.string().max(1000).default('') })),
      })
      .strict(),
    DutyRecord,
  ),
  'duty:maintenance': command(z.object({ period: MaintenancePeriod, date: Day.optional() }).strict(), DutyRecord),
  'duty:maintenanceTick': command(z.object({ id: Id, task: z.string().max(90), done: z.boolean(), note: z.string().max(1000).default('') }).strict(), DutyRecord),
  /** A printable report as a complete HTML page. */
  'duty:report': command(Report.strict(), z.object({ title: z.string(), html: z.string() })),
  /** The same report as PDF, printed by Chromium; also saved in the host's export folder. */
  'duty:reportPdf': command(Report.strict(), z.object({ file: z.string(), bytes: z.number(), dataBase64: z.string() })),
  'duty:exportCsv': command(z.object({ from: Day, to: Day }).strict(), z.object({ name: z.string(), csv: z.string(), rows: z.number() })),
  /** A notice to every site (a county or city centre's console issues it; it reaches the sites by sync). */
  'duty:noticeAdd': command(
    z.object({ title: z.string().trim().min(1).max(200), text: z.string().max(4000).default(''), untilDays: z.number().int().min(1).max(366).nullable().default(7) }).strict(),
    DutyRecord,
  ),
  'duty:syncStatus': command(z.object({}).strict(), SyncStatus),
  'duty:syncNow': command(z.object({}).strict(), SyncStatus),
  'duty:backupNow': command(z.object({}).strict(), z.object({ file: z.string(), bytes: z.number() })),
} as const;

export const dutyEvents = {
  /** The sync agent's state changed. */
  'duty:sync': SyncStatus,
  /** Records changed (a local write or a pull from the centre): views reload. */
  'duty:changed': z.object({ kinds: z.array(RecordKind) }),
} as const;

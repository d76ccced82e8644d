import { z } from 'zod';
import { compareHlcText, isHlc } from './hlc';

/*
 * Duty records (值班记录) as they are stored and synchronised. Every record has a globally unique id,
 * the site that created it and, per field, the hybrid logical clock of its last write. Log entries,
 * attendance and attachments are append-only; rosters, open items, handovers, daily checks,
 * maintenance checklists and notices are edited, and merge field by field, last writer by HLC wins.
 * Pure: the same merge runs in the console, in the central service and in tests. Spec: docs/sync.md.
 */

export const RECORD_KINDS = ['roster', 'attendance', 'entry', 'attachment', 'item', 'handover', 'check', 'maintenance', 'notice'] as const;
export const RecordKind = z.enum(RECORD_KINDS);
export type RecordKind = z.infer<typeof RecordKind>;

/** Kinds written once and never changed. */
export const APPEND_ONLY: ReadonlySet<RecordKind> = new Set(['attendance', 'entry', 'attachment']);

/** Largest attachment (a snapshot, a scanned form), bytes. */
export const MAX_ATTACHMENT_BYTES = 4 * 1024 * 1024;

/** The three shifts of a day: 早班 08–16, 中班 16–24, 夜班 00–08. */
export const SHIFTS = [
  { slot: 0, startHour: 8, endHour: 16, zh: '早班', en: 'Day' },
  { slot: 1, startHour: 16, endHour: 24, zh: '中班', en: 'Evening' },
  { slot: 2, startHour: 0, endHour: 8, zh: '夜班', en: 'Night' },
] as const;

export const ENTRY_CATEGORIES = ['patrol', 'alarm', 'fault', 'call', 'visit', 'maintenance', 'handover', 'other'] as const;
export const EntryCategory = z.enum(ENTRY_CATEGORIES);
export type EntryCategory = z.infer<typeof EntryCategory>;

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');
const Slot = z.number().int().min(0).max(2);
const Ms = z.number().int().nonnegative();
const Name = z.string().max(64);
const Text = z.string().max(4000);
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in hex');

export const AttachmentRef = z.object({ id: z.string().min(1).max(80), name: z.string().min(1).max(200), mime: z.string().max(100), size: Ms, sha256: Sha256 });
export type AttachmentRef = z.infer<typeof AttachmentRef>;

/** What a daily-check line found: `auto` from the live system, `result` as the operator confirmed it. */
export const CheckLine = z.object({
  group: z.enum(['picture', 'network', 'ptz', 'server']),
  label: z.string().max(200),
  auto: z.enum(['ok', 'fault', 'unknown']),
  detail: z.string().max(400),
  result: z.enum(['ok', 'fault']).nullable(),
  note: z.string().max(1000),
});
export type CheckLine = z.infer<typeof CheckLine>;

/** A task of a maintenance checklist and who did it. */
export const MaintenanceTask = z.object({ label: z.string().max(200), done: z.boolean(), by: Name, at: Ms.nullable(), note: z.string().max(1000) });
export type MaintenanceTask = z.infer<typeof MaintenanceTask>;

export const MaintenancePeriod = z.enum(['weekly', 'monthly', 'quarterly']);
export type MaintenancePeriod = z.infer<typeof MaintenancePeriod>;

const CHECK_LINE_KEY = /^line:[A-Za-z0-9_.-]{1,80}$/;
const TASK_KEY = /^task:[A-Za-z0-9_.-]{1,80}$/;

/** The fields of each kind; checks and checklists also have one field per line / task. */
export const RECORD_DATA = {
  roster: z.object({ date: Day, slot: Slot, operator: Name, leader: Name, note: Text }).strict(),
  attendance: z.object({ date: Day, slot: Slot, person: Name.min(1), action: z.enum(['on', 'off']), at: Ms }).strict(),
  entry: z
    .object({ at: Ms, category: EntryCategory, text: Text.min(1), author: Name.min(1), tower: Name, attachments: z.array(AttachmentRef).max(20) })
    .strict(),
  attachment: z.object({ name: z.string().min(1).max(200), mime: z.string().max(100), size: Ms, sha256: Sha256, data: z.string() }).strict(),
  item: z
    .object({ text: Text.min(1), tower: Name, openedAt: Ms, openedBy: Name, status: z.enum(['open', 'closed']), closedAt: Ms.nullable(), closedBy: Name, note: Text })
    .strict(),
  handover: z
    .object({
      date: Day,
      slot: Slot,
      from: Name,
      to: Name,
      summary: Text,
      items: z.array(z.string().max(80)).max(200),
      handedAt: Ms,
      acknowledgedBy: Name,
      acknowledgedAt: Ms.nullable(),
    })
    .strict(),
  check: z.object({ date: Day, slot: Slot, by: Name, confirmedAt: Ms.nullable() }).catchall(CheckLine),
  maintenance: z.object({ period: MaintenancePeriod, periodKey: z.string().regex(/^\d{4}-(W\d{2}|\d{2}|Q[1-4])$/), title: Name }).catchall(MaintenanceTask),
  notice: z.object({ title: z.string().min(1).max(200), text: Text, issuer: Name, issuedAt: Ms, until: Ms.nullable() }).strict(),
} satisfies Record<RecordKind, z.ZodType>;

export type RecordData<K extends RecordKind> = z.infer<(typeof RECORD_DATA)[K]>;

/** One field: its value and the HLC of its last write. */
export const FieldValue = z.object({ v: z.unknown(), t: z.string() });
export type FieldValue = z.infer<typeof FieldValue>;

/** A record as stored and sent: identity, origin and each field with its clock. */
export const SyncRecord = z.object({
  id: z.string().regex(/^[A-Za-z0-9_.:-]{1,120}$/, 'an id of 1–120 letters, digits or _.:-'),
  kind: RecordKind,
  site: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/),
  /** The greatest field clock. */
  hlc: z.string(),
  fields: z.record(z.string().max(90), FieldValue),
});
export type SyncRecord = z.infer<typeof SyncRecord>;

/** The record's fields as plain data. */
export function dataOf(r: SyncRecord): Record<string, unknown> {
  return Object.fromEntries(Object.entries(r.fields).map(([k, f]) => [k, f.v]));
}

/** Builds a record whose every field carries the clock `hlc`. */
export function makeRecord(id: string, kind: RecordKind, site: string, hlc: string, data: Record<string, unknown>): SyncRecord {
  return { id, kind, site, hlc, fields: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, { v, t: hlc }])) };
}

/** Why a record cannot be accepted, or null when it can. */
export function recordProblem(raw: unknown, maxAttachmentBytes = MAX_ATTACHMENT_BYTES): string | null {
  const p = SyncRecord.safeParse(raw);
  if (!p.success) return p.error.issues.map((i) => `${i.path.join('.') || 'record'}: ${i.message}`).join('; ');
  const r = p.data;
  if (!isHlc(r.hlc)) return `hlc: not a hybrid logical clock timestamp`;
  let max = '';
  for (const [k, f] of Object.entries(r.fields)) {
    if (!isHlc(f.t)) return `fields.${k}.t: not a hybrid logical clock timestamp`;
    if (f.t > max) max = f.t;
  }
  if (max !== r.hlc) return `hlc: must equal the latest field clock (${max || 'none'})`;
  if (APPEND_ONLY.has(r.kind) && Object.values(r.fields).some((f) => f.t !== r.hlc)) return `${r.kind} records are written once: every field has the record's clock`;
  if (r.kind === 'check') for (const k of Object.keys(r.fields)) if (!['date', 'slot', 'by', 'confirmedAt'].includes(k) && !CHECK_LINE_KEY.test(k)) return `fields.${k}: a check line is named line:<key>`;
  if (r.kind === 'maintenance') for (const k of Object.keys(r.fields)) if (!['period', 'periodKey', 'title'].includes(k) && !TASK_KEY.test(k)) return `fields.${k}: a checklist task is named task:<key>`;
  const d = RECORD_DATA[r.kind].safeParse(dataOf(r));
  if (!d.success) return d.error.issues.map((i) => `${r.kind}.${i.path.join('.')}: ${i.message}`).join('; ');
  if (r.kind === 'attachment') {
    const a = d.data as RecordData<'attachment'>;
    if (a.size > maxAttachmentBytes) return `attachment ${a.name} is ${a.size} bytes; the limit is ${maxAttachmentBytes} bytes (${(maxAttachmentBytes / 1048576).toFixed(0)} MiB)`;
    if (Math.ceil(a.size / 3) * 4 < a.data.length - 4 || a.data.length < Math.floor(a.size / 3) * 4) return `attachment ${a.name}: data does not match its size`;
  }
  return null;
}

/** JSON with keys in sorted order: the same bytes for the same content on every side. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
    .join(',')}}`;
}

/**
 * Merges a record received from elsewhere into the one held (if any), field by field: the later
 * clock wins; equal clocks (the same write seen twice) keep the greater value's JSON so every side
 * picks the same. Commutative, associative and idempotent, so the order and repetition of syncs
 * do not matter. `changed` says whether the held record differs afterwards.
 */
export function mergeRecord(held: SyncRecord | undefined, incoming: SyncRecord): { record: SyncRecord; changed: boolean } {
  if (!held) return { record: incoming, changed: true };
  if (held.id !== incoming.id) throw new Error(`cannot merge ${incoming.id} into ${held.id}`);
  if (held.kind !== incoming.kind) throw new Error(`record ${held.id} is a ${held.kind}, not a ${incoming.kind}`);
  const fields: Record<string, FieldValue> = { ...held.fields };
  let changed = false;
  for (const [k, f] of Object.entries(incoming.fields)) {
    const mine = fields[k];
    const c = mine ? compareHlcText(f.t, mine.t) : 1;
    if (c > 0 || (c === 0 && mine && canonicalJson(f.v) > canonicalJson(mine.v))) {
      fields[k] = f;
      changed = true;
    }
  }
  // Two sites may create the same derived id (a shared roster slot): the lesser origin is kept on every side.
  const site = held.site <= incoming.site ? held.site : incoming.site;
  if (!changed && site === held.site) return { record: held, changed: false };
  const hlc = Object.values(fields).reduce((m, f) => (f.t > m ? f.t : m), '');
  return { record: { id: held.id, kind: held.kind, site, hlc, fields }, changed: true };
}

/** The fields of `next` that differ from `prev`, each stamped with `hlc`: an edit. */
export function editRecord(prev: SyncRecord, next: Record<string, unknown>, hlc: string): SyncRecord {
  const fields = { ...prev.fields };
  let touched = false;
  for (const [k, v] of Object.entries(next)) {
    if (v === undefined) continue;
    if (fields[k] && canonicalJson(fields[k].v) === canonicalJson(v)) continue;
    fields[k] = { v, t: hlc };
    touched = true;
  }
  return touched ? { ...prev, hlc, fields } : prev;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
/** Intl formatters are costly to build (tens of µs): one per zone and shape. */
function formatter(timeZone: string, withHour: boolean): Intl.DateTimeFormat {
  const key = `${timeZone}|${withHour}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', ...(withHour ? { hour: '2-digit', hourCycle: 'h23' } : {}) });
    formatters.set(key, f);
  }
  return f;
}

/** Which shift (date and slot) a moment falls in, in the site's time zone. The night shift belongs to its own calendar date. */
export function shiftAt(ms: number, timeZone: string): { date: string; slot: number } {
  const parts = formatter(timeZone, true).formatToParts(new Date(ms));
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  const hour = Number(get('hour'));
  const slot = SHIFTS.find((s) => hour >= s.startHour && hour < s.endHour)!.slot;
  return { date: `${get('year')}-${get('month')}-${get('day')}`, slot };
}

/** The shift after `date`/`slot`: 早班 → 中班 → next day's 夜班 → 早班. */
export function nextShift(date: string, slot: number): { date: string; slot: number } {
  if (slot === 2) return { date, slot: 0 };
  if (slot === 0) return { date, slot: 1 };
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return { date: d.toISOString().slice(0, 10), slot: 2 };
}

/** The calendar date `ms` falls on in `timeZone`. */
export function dayOf(ms: number, timeZone: string): string {
  return formatter(timeZone, false).format(new Date(ms));
}

/** The period key of a maintenance checklist for a date: 2026-W47, 2026-11, 2026-Q4. */
export function periodKey(period: MaintenancePeriod, date: string): string {
  const [y, m] = date.split('-').map(Number) as [number, number];
  if (period === 'monthly') return `${y}-${String(m).padStart(2, '0')}`;
  if (period === 'quarterly') return `${y}-Q${Math.floor((m - 1) / 3) + 1}`;
  // ISO week: the Thursday of the week decides the year.
  const d = new Date(`${date}T00:00:00Z`);
  const dow = (d.getUTCDay() + 6) % 7;
  d.setUTCDate(d.getUTCDate() - dow + 3);
  const week = Math.ceil(((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86400000 + 1) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

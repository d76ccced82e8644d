import { createHash } from 'node:crypto';
import { HostFailure } from '../../common/contract/errors';
import type { dutyCommands, DutyRecord, SyncStatus } from '../../common/contract/duty';
import {
  dataOf,
  dayOf,
  MAX_ATTACHMENT_BYTES,
  nextShift,
  periodKey,
  shiftAt,
  type CheckLine,
  type MaintenancePeriod,
  type RecordKind,
  type SyncRecord,
} from '../../common/duty';
import type { CallContext, DomainHandlers } from '../host/registry';
import { MAINTENANCE_TEMPLATES } from './checklists';
import { dailyReportCsv, renderReport, type ReportInput } from './report';
import { RecordRefused, type DutyStore } from './store';

/** Every `duty:*` handler; assignable to the host's `HandlerMap`. */
export type DutyHandlers = DomainHandlers<typeof dutyCommands>;

/** What the daily check reads from the running system (the composition root wires the domains that know). */
export interface LiveState {
  cameras(): { cameraId: string; name: string; towerName: string; online: boolean | null; reason: string | null }[];
  towers(): { towerId: string; name: string; link: string; online: boolean | null; detail: string }[];
  heads(): Promise<{ headId: string; towerName: string; online: boolean | null; detail: string }[]>;
  servers(): Promise<{ key: string; label: string; ok: boolean | null; detail: string }[]>;
}

export interface DutyDomainOptions {
  store: DutyStore;
  siteName: string;
  live: LiveState;
  /** Prints an HTML page to PDF (Chromium); absent where no browser is available. */
  printPdf?: (html: string, name: string) => Promise<{ file: string; bytes: Buffer }>;
  backupNow(): Promise<{ file: string; bytes: number }>;
  sync: { status(): Promise<SyncStatus>; kick(): Promise<SyncStatus> };
  /** Records changed: kinds touched. */
  changed(kinds: RecordKind[]): void;
  maxAttachmentBytes?: number;
}

const who = (ctx: CallContext): string => ctx.session?.user.displayName ?? ctx.device.name;

const refused = <T>(p: Promise<T>): Promise<T> =>
  p.catch((e: unknown) => {
    if (e instanceof RecordRefused) throw new HostFailure('invalid_args', e.message);
    throw e;
  });

/** The duty domain: records in the duty store, the `duty:*` commands. */
export function createDutyDomain(opts: DutyDomainOptions): { handlers: DutyHandlers } {
  const { store, live } = opts;
  const tz = store.timeZone;
  const maxBytes = opts.maxAttachmentBytes ?? MAX_ATTACHMENT_BYTES;
  const current = () => shiftAt(store.now(), tz);

  /** Runs a write; views are told only when it wrote something (an edit to the same values writes nothing). */
  const write = async (kinds: RecordKind[], p: Promise<SyncRecord>, before = store.clock.peek()): Promise<SyncRecord> => {
    const r = await refused(p);
    if (r.hlc > before) opts.changed(kinds);
    return r;
  };
  const must = async (id: string, kind: RecordKind): Promise<SyncRecord> => {
    const r = await store.get(id);
    if (!r || r.kind !== kind) throw new HostFailure('not_found', `no ${kind} record ${id}`);
    return r;
  };

  const shiftRecords = async (date: string, slot: number) => {
    const [attendance, handovers, day] = await Promise.all([
      store.byKind('attendance', "AND day = ? AND json_extract(fields, '$.slot.v') = ?", [date, slot]),
      store.byKind('handover', "AND day = ? AND json_extract(fields, '$.slot.v') = ?", [date, slot]),
      store.byKind('entry', 'AND day = ?', [date]),
    ]);
    // Entries belong to the shift their time falls in (a shift never spans two calendar dates).
    const inShift = day.filter((e) => shiftAt(dataOf(e).at as number, tz).slot === slot);
    return { attendance, entries: inShift, handovers };
  };

  const onDutyOf = (attendance: SyncRecord[]) => {
    const state = new Map<string, number | null>();
    for (const a of [...attendance].sort((x, y) => (dataOf(x).at as number) - (dataOf(y).at as number))) {
      const d = dataOf(a) as { person: string; action: string; at: number };
      state.set(d.person, d.action === 'on' ? d.at : null);
    }
    return [...state].flatMap(([person, since]) => (since === null ? [] : [{ person, since }]));
  };

  const openItems = () => store.byKind('item', "AND json_extract(fields, '$.status.v') = 'open'");

  const checkId = (date: string, slot: number) => `check-${store.site}-${date}-${slot}`;

  /** The daily-check lines from the live system, keyed `line:<group>.<id>`. */
  const liveLines = async (): Promise<Record<string, CheckLine>> => {
    const lines: Record<string, CheckLine> = {};
    const auto = (v: boolean | null) => (v === null ? 'unknown' : v ? 'ok' : 'fault');
    const key = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 70);
    for (const c of live.cameras())
      lines[`line:picture.${key(c.cameraId)}`] = { group: 'picture', label: `${c.towerName} ${c.name} 画面`, auto: auto(c.online), detail: c.online ? '画面在线' : (c.reason ?? '未检测'), result: null, note: '' };
    for (const t of live.towers())
      lines[`line:network.${key(t.towerId)}`] = { group: 'network', label: `${t.name} 链路（${t.link}）`, auto: auto(t.online), detail: t.detail, result: null, note: '' };
    for (const h of await live.heads())
      lines[`line:ptz.${key(h.headId)}`] = { group: 'ptz', label: `${h.towerName} 云台`, auto: auto(h.online), detail: h.detail, result: null, note: '' };
    for (const s of await live.servers()) lines[`line:server.${key(s.key)}`] = { group: 'server', label: s.label, auto: auto(s.ok), detail: s.detail, result: null, note: '' };
    return lines;
  };

  const reportInput = async (kind: 'daily' | 'weekly' | 'monthly', date: string): Promise<ReportInput> => {
    const from = kind === 'daily' ? date : kind === 'weekly' ? addDays(date, -6) : `${date.slice(0, 7)}-01`;
    const to = kind === 'monthly' ? lastOfMonth(date) : date;
    const inRange = (k: RecordKind) => store.byKind(k, 'AND day BETWEEN ? AND ?', [from, to]);
    const [entries, attendance, handovers, checks, roster, items] = await Promise.all([
      inRange('entry'),
      inRange('attendance'),
      inRange('handover'),
      inRange('check'),
      inRange('roster'),
      store.byKind('item'),
    ]);
    const maint = kind === 'daily' ? [] : (await store.byKind('maintenance')).filter((m) => {
      const d = dataOf(m);
      return d.periodKey === periodKey(d.period as MaintenancePeriod, to) || (kind === 'monthly' && d.period === 'weekly' && String(d.periodKey).startsWith(to.slice(0, 4)));
    });
    return { kind, siteName: opts.siteName, timeZone: tz, from, to, entries, attendance, handovers, checks, roster, items, maintenance: maint, generatedAt: store.now() };
  };

  const handlers: DutyHandlers = {
    'duty:overview': async () => {
      const shift = current();
      const next = nextShift(shift.date, shift.slot);
      const { attendance, entries } = await shiftRecords(shift.date, shift.slot);
      const roster = await store.byKind('roster', 'AND day IN (?, ?)', [shift.date, next.date]);
      const pending = (await store.byKind('handover', "AND json_extract(fields, '$.acknowledgedAt.v') IS NULL")).filter((h) => {
        const n = nextShift(dataOf(h).date as string, dataOf(h).slot as number);
        return n.date === shift.date && n.slot === shift.slot;
      });
      const notices = (await store.byKind('notice')).filter((n) => {
        const until = dataOf(n).until as number | null;
        return until === null || until > store.now();
      });
      return {
        shift,
        next,
        roster,
        onDuty: onDutyOf(attendance),
        openItems: await openItems(),
        pendingHandovers: pending,
        entries,
        check: (await store.get(checkId(shift.date, shift.slot))) ?? null,
        notices,
      };
    },
    'duty:signOn': async (_a, ctx) => {
      const s = current();
      return write(['attendance'], store.create('attendance', { ...s, person: who(ctx), action: 'on', at: store.now() }));
    },
    'duty:signOff': async (_a, ctx) => {
      const s = current();
      const { attendance } = await shiftRecords(s.date, s.slot);
      if (!onDutyOf(attendance).some((p) => p.person === who(ctx))) throw new HostFailure('conflict', `${who(ctx)} is not signed on to this shift`);
      return write(['attendance'], store.create('attendance', { ...s, person: who(ctx), action: 'off', at: store.now() }));
    },
    'duty:entryAdd': async ({ category, text, tower, at, attachments }, ctx) => {
      const refs = [];
      const blobs = [];
      for (const a of attachments) {
        const bytes = Buffer.from(a.dataBase64, 'base64');
        if (bytes.length > maxBytes) throw new HostFailure('invalid_args', `attachment ${a.name} is ${bytes.length} bytes; the limit is ${maxBytes} bytes (${(maxBytes / 1048576).toFixed(0)} MiB)`);
        const sha256 = createHash('sha256').update(bytes).digest('hex');
        const id = store.newId('attachment');
        blobs.push({ kind: 'attachment' as const, id, data: { name: a.name, mime: a.mime, size: bytes.length, sha256, data: bytes.toString('base64') } });
        refs.push({ id, name: a.name, mime: a.mime, size: bytes.length, sha256 });
      }
      const when = at ?? store.now();
      if (when > store.now() + 60_000) throw new HostFailure('invalid_args', 'an entry cannot be dated in the future');
      const entry = { kind: 'entry' as const, data: { at: when, category, text, author: who(ctx), tower, attachments: refs } };
      const written = await refused(store.createMany([...blobs, entry]));
      opts.changed(blobs.length ? ['attachment', 'entry'] : ['entry']);
      return written.at(-1)!;
    },
    'duty:attachment': async ({ id }) => {
      const d = dataOf(await must(id, 'attachment'));
      return { name: d.name as string, mime: d.mime as string, dataBase64: d.data as string };
    },
    'duty:timeline': async ({ date, slot }) => {
      const { attendance, entries, handovers } = await shiftRecords(date, slot);
      const items = (await store.byKind('item', 'AND day = ?', [date])).filter((i) => {
        const s = shiftAt(dataOf(i).openedAt as number, tz);
        return s.slot === slot;
      });
      const at = (r: SyncRecord) => {
        const d = dataOf(r);
        return (d.at ?? d.openedAt ?? d.handedAt ?? 0) as number;
      };
      // Same moment: the order they were written in (the clock of a record's first fields).
      const born = (r: SyncRecord) => Object.values(r.fields).reduce((m, f) => (f.t < m ? f.t : m), r.hlc);
      return [...attendance, ...entries, ...handovers, ...items].sort((a, b) => at(a) - at(b) || (born(a) < born(b) ? -1 : 1));
    },
    'duty:search': async (q) => {
      const { limit, ...rest } = q;
      return store.search({ ...stripUndefined(rest), ...(limit ? { limit } : {}) });
    },
    'duty:roster': async ({ from, to }) => store.byKind('roster', 'AND day BETWEEN ? AND ?', [from, to]),
    'duty:rosterSet': async ({ date, slot, operator, leader, note }) =>
      write(['roster'], store.edit(`roster-${store.site}-${date}-${slot}`, { date, slot, operator, leader, note }, { kind: 'roster', data: {} })),
    'duty:itemOpen': async ({ text, tower }, ctx) =>
      write(['item'], store.create('item', { text, tower, openedAt: store.now(), openedBy: who(ctx), status: 'open', closedAt: null, closedBy: '', note: '' })),
    'duty:itemClose': async ({ id, note }, ctx) => {
      const r = await must(id, 'item');
      if (dataOf(r).status === 'closed') throw new HostFailure('conflict', `item ${id} is already closed`);
      return write(['item'], store.edit(id, { status: 'closed', closedAt: store.now(), closedBy: who(ctx), ...(note ? { note } : {}) }));
    },
    'duty:handoverCreate': async ({ to, summary }, ctx) => {
      const s = current();
      const items = (await openItems()).map((i) => i.id);
      return write(
        ['handover'],
        store.create('handover', { ...s, from: who(ctx), to, summary, items, handedAt: store.now(), acknowledgedBy: '', acknowledgedAt: null }),
      );
    },
    'duty:handoverAck': async ({ id }, ctx) => {
      const h = await must(id, 'handover');
      const d = dataOf(h);
      if (d.acknowledgedAt !== null) throw new HostFailure('conflict', `this handover was already acknowledged by ${String(d.acknowledgedBy)}`);
      if (d.from === who(ctx)) throw new HostFailure('forbidden', 'the incoming operator acknowledges a handover, not the one who wrote it');
      return write(['handover'], store.edit(id, { acknowledgedBy: who(ctx), acknowledgedAt: store.now() }));
    },
    'duty:handovers': async ({ from, to }) => store.byKind('handover', 'AND day BETWEEN ? AND ?', [from, to]),
    'duty:check': async ({ date, slot }, ctx) => {
      const s = date !== undefined && slot !== undefined ? { date, slot } : current();
      const id = checkId(s.date, s.slot);
      const held = await store.get(id);
      if (held && dataOf(held).confirmedAt !== null) return held;
      // Unconfirmed: the automatic findings follow the live system; the operator's results stay.
      const fresh = await liveLines();
      const patch: Record<string, unknown> = { ...s, by: held ? dataOf(held).by : who(ctx), confirmedAt: null };
      for (const [k, line] of Object.entries(fresh)) {
        const prev = held?.fields[k]?.v as CheckLine | undefined;
        // Only a change of state is a new write (details such as memory in use change on every look).
        if (prev && prev.auto === line.auto) continue;
        patch[k] = prev ? { ...line, result: prev.result, note: prev.note } : line;
      }
      return write(['check'], store.edit(id, patch, { kind: 'check', data: {} }));
    },
    'duty:checkConfirm': async ({ id, lines }, ctx) => {
      const r = await must(id, 'check');
      if (dataOf(r).confirmedAt !== null) throw new HostFailure('conflict', 'this daily check is already confirmed');
      const patch: Record<string, unknown> = { by: who(ctx), confirmedAt: store.now() };
      for (const [k, f] of Object.entries(r.fields)) {
        if (!k.startsWith('line:')) continue;
        const line = f.v as CheckLine;
        const given = lines[k];
        // A line the operator did not mark takes what the system found; an unknown one must be looked at.
        const result = given?.result ?? (line.auto === 'unknown' ? null : line.auto);
        if (result === null) throw new HostFailure('invalid_args', `${line.label}: the system could not tell; mark it ok or fault`);
        patch[k] = { ...line, result, note: given?.note ?? line.note };
      }
      for (const k of Object.keys(lines)) if (!r.fields[k]) throw new HostFailure('invalid_args', `no check line ${k}`);
      return write(['check'], store.edit(id, patch));
    },
    'duty:maintenance': async ({ period, date }) => {
      const key = periodKey(period, date ?? dayOf(store.now(), tz));
      const id = `maintenance-${store.site}-${key}`;
      const held = await store.get(id);
      if (held) return held;
      const t = MAINTENANCE_TEMPLATES[period];
      const data: Record<string, unknown> = { period, periodKey: key, title: t.title };
      for (const task of t.tasks) data[`task:${task.key}`] = { label: task.label, done: false, by: '', at: null, note: '' };
      return write(['maintenance'], store.edit(id, {}, { kind: 'maintenance', data }));
    },
    'duty:maintenanceTick': async ({ id, task, done, note }, ctx) => {
      const r = await must(id, 'maintenance');
      const key = task.startsWith('task:') ? task : `task:${task}`;
      const prev = r.fields[key]?.v as { label: string } | undefined;
      if (!prev) throw new HostFailure('invalid_args', `checklist ${id} has no task ${task}`);
      return write(['maintenance'], store.edit(id, { [key]: { label: prev.label, done, by: done ? who(ctx) : '', at: done ? store.now() : null, note } }));
    },
    'duty:report': async ({ kind, date }) => renderReport(await reportInput(kind, date)),
    'duty:reportPdf': async ({ kind, date }) => {
      if (!opts.printPdf) throw new HostFailure('unavailable', 'no Chromium to print PDF with on this host; open the printable report and print it');
      const { title, html } = renderReport(await reportInput(kind, date));
      const out = await opts.printPdf(html, `${title}.pdf`);
      return { file: out.file, bytes: out.bytes.length, dataBase64: out.bytes.toString('base64') };
    },
    'duty:exportCsv': async ({ from, to }) => {
      if (to < from) throw new HostFailure('invalid_args', 'the end date is before the start date');
      const rows = await store.search({ kinds: ['entry', 'attendance', 'item', 'handover'], from, to, limit: 2000 });
      return { name: `duty-${from}_${to}.csv`, csv: dailyReportCsv(rows, tz), rows: rows.length };
    },
    'duty:noticeAdd': async ({ title, text, untilDays }, ctx) =>
      write(['notice'], store.create('notice', { title, text, issuer: who(ctx), issuedAt: store.now(), until: untilDays === null ? null : store.now() + untilDays * 86400_000 })),
    'duty:syncStatus': async () => opts.sync.status(),
    'duty:syncNow': async () => opts.sync.kick(),
    'duty:backupNow': async () => opts.backupNow(),
  };
  return { handlers };
}

function stripUndefined<T extends Record<string, unknown>>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}

export function addDays(date: string, n: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

function lastOfMonth(date: string): string {
  const d = new Date(`${date.slice(0, 7)}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + 1, 0);
  return d.toISOString().slice(0, 10);
}

export type { DutyRecord };

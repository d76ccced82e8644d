import { z } from 'zod';

/*
 * Operations and maintenance (运维): device states, availability against the contract's target,
 * working hours and the fault levels with their response and repair deadlines. Pure: data and a
 * clock in, numbers out. Spec: docs/health.md.
 */

/** State of a device or link: `degraded` still serves (slow link, low bitrate, busy host). */
export const DeviceState = z.enum(['up', 'degraded', 'down', 'unknown']);
export type DeviceState = z.infer<typeof DeviceState>;

/** What a board cell shows: the kinds of device a tower has, and the centre's. */
export const DeviceKind = z.enum(['camera', 'thermal', 'ptz', 'detector', 'switch', 'link', 'power', 'decoder', 'host']);
export type DeviceKind = z.infer<typeof DeviceKind>;

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time as HH:MM');

/** The `health` section of the site file (docs/site-file.md#health). */
export const HealthConfigSchema = z
  .object({
    /** Availability the contract asks for, percent. */
    targetPct: z.number().min(50).max(100).default(99),
    /** Seconds between two probes of each kind. */
    intervals: z
      .object({ camera: z.number().min(1).max(3600).default(15), link: z.number().min(1).max(3600).default(15), ptz: z.number().min(1).max(3600).default(15), decoder: z.number().min(1).max(3600).default(15), host: z.number().min(1).max(3600).default(30) })
      .prefault({}),
    timeoutSeconds: z.number().min(0.2).max(60).default(3),
    ping: z
      .object({
        payloadBytes: z.number().int().min(0).max(65000).default(20000),
        count: z.number().int().min(1).max(10).default(3),
        /** Above this the link is degraded (contract: under 200 ms for 20 000-byte pings). */
        latencyLimitMs: z.number().positive().default(200),
        lossLimitPct: z.number().min(0).max(100).default(5),
      })
      .prefault({}),
    /** A device down this long gets a fault ticket. */
    ticketAfterMinutes: z.number().min(0).max(1440).default(5),
    workingHours: z
      .object({ start: HHMM.default('08:30'), end: HHMM.default('17:30'), days: z.array(z.number().int().min(0).max(6)).min(1).default([1, 2, 3, 4, 5]) })
      .prefault({}),
    /** Weekly/monthly/quarterly checklist template (YAML), relative to the site file. */
    checklists: z.string().min(1).optional(),
    host: z.object({ cpuLimitPct: z.number().min(1).max(100).default(90), memoryLimitPct: z.number().min(1).max(100).default(90), diskFreeMinGb: z.number().min(0).default(5) }).prefault({}),
  })
  .strict();
export type HealthConfig = z.infer<typeof HealthConfigSchema>;
export const DEFAULT_HEALTH_CONFIG: HealthConfig = HealthConfigSchema.parse({});

/** One stored state change. */
export interface StateChange {
  device: string;
  at: number;
  state: DeviceState;
}

/** Time a device spent in each state between `from` and `to`, ms; `unknown` counts time with no probe (host not running). */
export function timeInStates(changes: readonly StateChange[], from: number, to: number): Record<DeviceState, number> {
  const out: Record<DeviceState, number> = { up: 0, degraded: 0, down: 0, unknown: 0 };
  const sorted = [...changes].sort((a, b) => a.at - b.at);
  let state: DeviceState = 'unknown';
  let since = from;
  for (const c of sorted) {
    if (c.at <= from) {
      state = c.state;
      continue;
    }
    if (c.at >= to) break;
    out[state] += c.at - since;
    state = c.state;
    since = c.at;
  }
  out[state] += Math.max(0, to - since);
  return out;
}

/**
 * Availability, percent: time serving (up or degraded) over time observed. Time with no probe
 * result (the host was off) is left out rather than counted either way; null when nothing was observed.
 */
export function availabilityPct(t: Record<DeviceState, number>): number | null {
  const observed = t.up + t.degraded + t.down;
  return observed > 0 ? (100 * (t.up + t.degraded)) / observed : null;
}

/** Sums of several devices' times (a tower, the site): availability over all device-time. */
export function sumTimes(list: readonly Record<DeviceState, number>[]): Record<DeviceState, number> {
  const out: Record<DeviceState, number> = { up: 0, degraded: 0, down: 0, unknown: 0 };
  for (const t of list) for (const k of DeviceState.options) out[k] += t[k];
  return out;
}

// ---- time zones and working hours ------------------------------------------------------------

/** Wall-clock parts of an instant in a time zone. */
export function localParts(ms: number, timeZone: string): { y: number; mo: number; d: number; h: number; mi: number; s: number; wd: number } {
  const f = new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', weekday: 'short', hourCycle: 'h23' });
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  const wd = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(p.weekday ?? 'Sun');
  return { y: Number(p.year), mo: Number(p.month), d: Number(p.day), h: Number(p.hour), mi: Number(p.minute), s: Number(p.second), wd };
}

/** The instant of a wall-clock time in a time zone. */
export function zonedMs(y: number, mo: number, d: number, h: number, mi: number, timeZone: string): number {
  const guess = Date.UTC(y, mo - 1, d, h, mi);
  let t = guess;
  for (let i = 0; i < 3; i++) {
    const p = localParts(t, timeZone);
    const shown = Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi, p.s);
    t += guess - shown;
  }
  return t;
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** The instant `hours` working hours after `start` (working days and hours of the site, its time zone). */
export function addWorkingHours(start: number, hours: number, wh: HealthConfig['workingHours'], timeZone: string): number {
  let left = hours * 3_600_000;
  const s = minutesOf(wh.start);
  const e = minutesOf(wh.end);
  if (e <= s) throw new Error('working hours: end must be after start');
  let p = localParts(start, timeZone);
  let cursor = start;
  for (let guard = 0; guard < 800; guard++) {
    const dayStart = zonedMs(p.y, p.mo, p.d, Math.floor(s / 60), s % 60, timeZone);
    const dayEnd = zonedMs(p.y, p.mo, p.d, Math.floor(e / 60), e % 60, timeZone);
    if (wh.days.includes(p.wd)) {
      const from = Math.max(cursor, dayStart);
      if (from < dayEnd) {
        if (from + left <= dayEnd) return from + left;
        left -= dayEnd - from;
      }
    }
    // Next calendar day at 00:00 local (noon UTC of the next date avoids DST edges).
    const next = new Date(Date.UTC(p.y, p.mo - 1, p.d + 1, 12));
    cursor = zonedMs(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), 0, 0, timeZone);
    p = localParts(cursor, timeZone);
  }
  throw new Error('working hours: no working day found (check health.workingHours.days)');
}

// ---- fault levels -----------------------------------------------------------------------------

export const TicketLevel = z.union([z.literal(1), z.literal(2), z.literal(3)]);
export type TicketLevel = z.infer<typeof TicketLevel>;

/** Response and repair deadlines of each level (the service contract's table). */
export const LEVEL_TERMS: Readonly<Record<TicketLevel, { respondH: number; repairH: number; repairWorking: boolean; zh: string; en: string }>> = {
  1: { respondH: 1, repairH: 6, repairWorking: false, zh: '一级（重大）', en: 'Level 1 (major)' },
  2: { respondH: 1, repairH: 6, repairWorking: true, zh: '二级（主要）', en: 'Level 2 (main)' },
  3: { respondH: 2, repairH: 12, repairWorking: true, zh: '三级（次要）', en: 'Level 3 (minor)' },
};

/** Deadlines of a ticket that got its level at `since`. */
export function deadlinesFor(level: TicketLevel, since: number, wh: HealthConfig['workingHours'], timeZone: string): { respondBy: number; repairBy: number } {
  const t = LEVEL_TERMS[level];
  return {
    respondBy: since + t.respondH * 3_600_000,
    repairBy: t.repairWorking ? addWorkingHours(since, t.repairH, wh, timeZone) : since + t.repairH * 3_600_000,
  };
}

/** Which deadline a ticket has missed at `now`, if any (the response counts only until someone responded). */
export function missedDeadline(t: { respondedAt: number | null; respondBy: number; repairBy: number; closedAt: number | null }, now: number): 'respond' | 'repair' | null {
  if (t.closedAt !== null) return null;
  if (t.respondedAt === null && now > t.respondBy) return 'respond';
  if (now > t.repairBy) return 'repair';
  return null;
}

/** The level one above (1 is the highest). */
export const escalated = (level: TicketLevel): TicketLevel => (level === 3 ? 2 : 1);

/** Level of an automatic ticket: a device or link down is level 2 (service kept, redundancy lost); degraded, level 3; most towers down, level 1. */
export function autoLevel(state: DeviceState, towersDownFraction: number): TicketLevel {
  if (towersDownFraction > 0.5) return 1;
  return state === 'down' ? 2 : 3;
}

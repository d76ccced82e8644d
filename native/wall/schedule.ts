/*
 * Scenes by time of day in the site's time zone (e.g. 07:00 day, 19:00 night). Pure: a clock and
 * the entries in, the entries due out. Time zones through Intl, so daylight saving is handled
 * (a time skipped by a clock change fires at the first minute that exists after it).
 */

export interface ScheduleItem {
  /** `HH:MM`, 24 h. */
  time: string;
  scene: string;
  /** 0 = Sunday … 6; every day without it. */
  days?: number[];
}

export interface Occurrence {
  at: number;
  scene: string;
}

interface LocalDate {
  y: number;
  m: number;
  d: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock date and time of an instant in a time zone. */
export function localParts(ms: number, timeZone: string): LocalDate & { hh: number; mm: number; ss: number } {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { y: parts.year ?? 0, m: parts.month ?? 1, d: parts.day ?? 1, hh: (parts.hour ?? 0) % 24, mm: parts.minute ?? 0, ss: parts.second ?? 0 };
}

/** Offset of a time zone from UTC at an instant, ms. */
function offsetAt(ms: number, timeZone: string): number {
  const p = localParts(ms, timeZone);
  return Date.UTC(p.y, p.m - 1, p.d, p.hh, p.mm, p.ss) - Math.floor(ms / 1000) * 1000;
}

/** The instant a local date and time happens in a time zone. */
export function zonedInstant(date: LocalDate, hh: number, mm: number, timeZone: string): number {
  const guess = Date.UTC(date.y, date.m - 1, date.d, hh, mm);
  let at = guess - offsetAt(guess, timeZone);
  // Near a clock change the offset at the result can differ from the one at the guess.
  at = guess - offsetAt(at, timeZone);
  return at;
}

const addDays = (d: LocalDate, n: number): LocalDate => {
  const t = new Date(Date.UTC(d.y, d.m - 1, d.d + n));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
};
const dayIndex = (d: LocalDate) => Date.UTC(d.y, d.m - 1, d.d) / 86_400_000;
const weekday = (d: LocalDate) => new Date(Date.UTC(d.y, d.m - 1, d.d)).getUTCDay();

/** Every entry that falls in (fromMs, toMs], oldest first. Looks back at most 8 days. */
export function occurrences(items: readonly ScheduleItem[], fromMs: number, toMs: number, timeZone: string): Occurrence[] {
  if (toMs <= fromMs || items.length === 0) return [];
  const from = Math.max(fromMs, toMs - 8 * 86_400_000);
  const out: Occurrence[] = [];
  const last = localParts(toMs, timeZone);
  for (let day: LocalDate = localParts(from, timeZone); dayIndex(day) <= dayIndex(last); day = addDays(day, 1)) {
    for (const it of items) {
      if (it.days && !it.days.includes(weekday(day))) continue;
      const [hh, mm] = it.time.split(':').map(Number);
      const at = zonedInstant(day, hh ?? 0, mm ?? 0, timeZone);
      if (at > from && at <= toMs) out.push({ at, scene: it.scene });
    }
  }
  return out.sort((a, b) => a.at - b.at);
}

/** The next entry after `afterMs`, or null for an empty schedule. */
export function nextOccurrence(items: readonly ScheduleItem[], afterMs: number, timeZone: string): Occurrence | null {
  return occurrences(items, afterMs, afterMs + 8 * 86_400_000, timeZone)[0] ?? null;
}

/**
 * Remembers when it last looked and says which scene is due now: only the latest one, when the
 * clock jumped over several (a host that slept recalls the scene that should be on now).
 */
export class SceneScheduler {
  private last: number;

  constructor(
    private items: readonly ScheduleItem[],
    private readonly timeZone: string,
    now: number,
  ) {
    this.last = now;
  }

  set(items: readonly ScheduleItem[], now: number): void {
    this.items = items;
    this.last = now;
  }

  get entries(): readonly ScheduleItem[] {
    return this.items;
  }

  due(now: number): Occurrence | null {
    const fired = occurrences(this.items, this.last, now, this.timeZone);
    this.last = Math.max(this.last, now);
    return fired[fired.length - 1] ?? null;
  }

  next(now: number): Occurrence | null {
    return nextOccurrence(this.items, now, this.timeZone);
  }
}

import type { AuditRecord } from '../../common/contract/auth';

/*
 * CSV for people: opened in Excel on Chinese Windows, so UTF-8 with a BOM (without it Excel
 * guesses GBK and the Chinese turns to mojibake), CRLF line ends and RFC 4180 quoting.
 */

export const CSV_BOM = '\ufeff';
export const CSV_HEADER = 'seq,time,actor,role,source,action,target,outcome,detail,hash';

/** A leading = + - @ makes Excel evaluate the cell (CSV/formula injection, OWASP). */
const FORMULA_START = /^[=+\-@]/;

/**
 * One CSV field: neutralises formula injection with a leading single quote, then quotes the
 * field when it holds a comma, quote or line break. A lone "-" (the system actor) is left alone:
 * Excel cannot evaluate it, and "'-" on every system row would only be noise.
 */
export function csvField(value: string): string {
  const safe = FORMULA_START.test(value) && value !== '-' ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const QUARTER_HOUR_MS = 900_000;

/**
 * Formats times as ISO 8601 with the site's offset, e.g. 2024-05-01T08:30:00.000+08:00, so the
 * export reads in local time yet stays unambiguous.
 */
export function isoInZone(timeZone: string): (at: number) => string {
  const fmt = zoneFormatter(timeZone);
  // Intl is slow (microseconds a call), and a zone's offset only changes at transitions, which
  // fall on quarter hours. Exports run oldest first, so the last quarter's offset nearly always hits.
  let quarter = Number.NaN;
  let offset = { text: '+00:00', ms: 0 };
  return (at) => {
    const q = Math.floor(at / QUARTER_HOUR_MS);
    if (q !== quarter) {
      quarter = q;
      offset = zoneOffset(fmt, at);
    }
    return `${new Date(at + offset.ms).toISOString().slice(0, 23)}${offset.text}`;
  };
}

/** The zone's UTC offset at a time, as "+08:00" and in ms. */
function zoneOffset(fmt: Intl.DateTimeFormat, at: number): { text: string; ms: number } {
  const name = fmt.formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  // 'longOffset' gives "GMT+08:00", or plain "GMT" in some ICU versions for a zero offset.
  const m = /^GMT([+-])(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(name);
  if (!m) return { text: '+00:00', ms: 0 };
  const sign = m[1] === '-' ? -1 : 1;
  const ms = sign * ((Number(m[2]) * 60 + Number(m[3])) * 60 + Number(m[4] ?? 0)) * 1000;
  return { text: name.slice(3), ms };
}

/** Throws a clear error for an unknown zone (Intl's own says only "Invalid time zone"). */
export function zoneFormatter(timeZone: string): Intl.DateTimeFormat {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
  } catch (err) {
    throw new RangeError(`audit trail: unknown time zone "${timeZone}" (use an IANA name such as "Asia/Shanghai"): ${(err as Error).message}`);
  }
}

/** One data row, without its line end. */
export function csvRow(r: AuditRecord, time: (at: number) => string): string {
  return [String(r.seq), time(r.at), r.actor, r.role, r.source, r.action, r.target, r.outcome, r.detail, r.hash].map(csvField).join(',');
}

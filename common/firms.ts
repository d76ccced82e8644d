/**
 * Parser of NASA FIRMS active-fire CSV (MODIS / VIIRS "standard" column set). Good rows are
 * imported, bad rows are counted with their line number and what is wrong, so an operator can
 * see why a download gave fewer hotspots than expected. Tolerates a BOM, CRLF and quoted fields.
 */

/** One hotspot as FIRMS publishes it. */
export interface FirmsHotspot {
  latitude: number;
  longitude: number;
  /** Brightness temperature (MODIS channel 21/22, VIIRS I-4), K. */
  brightness: number | null;
  scan: number | null;
  track: number | null;
  /** `YYYY-MM-DD`, UTC. */
  acqDate: string;
  /** `HHMM`, UTC. */
  acqTime: string;
  /** Acquisition instant, ms since the epoch. */
  at: number;
  satellite: string | null;
  /** MODIS gives 0–100, VIIRS `l`/`n`/`h`: kept as published. */
  confidence: string | null;
  version: string | null;
  brightT31: number | null;
  /** Fire radiative power, MW. */
  frp: number | null;
  daynight: 'D' | 'N' | null;
}

export interface FirmsRowError {
  /** 1-based line number in the file (the header is line 1). */
  line: number;
  reason: string;
}

export interface FirmsResult {
  hotspots: FirmsHotspot[];
  rejected: FirmsRowError[];
}

export const FIRMS_REQUIRED = ['latitude', 'longitude', 'acq_date', 'acq_time'] as const;
export const FIRMS_COLUMNS = [
  'latitude', 'longitude', 'brightness', 'scan', 'track', 'acq_date', 'acq_time', 'satellite',
  'confidence', 'version', 'bright_t31', 'frp', 'daynight',
] as const;

/** Thrown when the file is not a FIRMS CSV at all (no header or required columns missing). */
export class FirmsFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FirmsFormatError';
  }
}

function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.map((f) => f.trim());
}

export function parseFirmsCsv(text: string): FirmsResult {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n|\r/);
  const headerIdx = lines.findIndex((l) => l.trim() !== '');
  if (headerIdx < 0) throw new FirmsFormatError('empty file: no header line');
  const header = splitCsvLine(lines[headerIdx] ?? '').map((h) => h.toLowerCase());
  const missing = FIRMS_REQUIRED.filter((c) => !header.includes(c));
  if (missing.length > 0) throw new FirmsFormatError(`not a FIRMS CSV: missing required column(s) ${missing.join(', ')} (header: ${header.join(',')})`);
  const col = (name: string) => header.indexOf(name);
  const idx = Object.fromEntries(FIRMS_COLUMNS.map((c) => [c, col(c)])) as Record<(typeof FIRMS_COLUMNS)[number], number>;
  const hotspots: FirmsHotspot[] = [];
  const rejected: FirmsRowError[] = [];
  for (let i = headerIdx + 1; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    if (raw.trim() === '') continue;
    const line = i + 1;
    const f = splitCsvLine(raw);
    if (f.length !== header.length) {
      rejected.push({ line, reason: `expected ${header.length} fields, found ${f.length}` });
      continue;
    }
    const get = (c: (typeof FIRMS_COLUMNS)[number]): string => (idx[c] >= 0 ? (f[idx[c]] ?? '') : '');
    const problems: string[] = [];
    const num = (c: (typeof FIRMS_COLUMNS)[number], required = false): number | null => {
      const v = get(c);
      if (v === '') {
        if (required) problems.push(`${c} is empty`);
        return null;
      }
      const n = Number(v);
      if (!Number.isFinite(n)) {
        problems.push(`${c} is not a number: "${v}"`);
        return null;
      }
      return n;
    };
    const latitude = num('latitude', true);
    const longitude = num('longitude', true);
    if (latitude !== null && (latitude < -90 || latitude > 90)) problems.push(`latitude out of range: ${latitude}`);
    if (longitude !== null && (longitude < -180 || longitude > 180)) problems.push(`longitude out of range: ${longitude}`);
    const acqDate = get('acq_date');
    const dm = /^(\d{4})-(\d{2})-(\d{2})$/.exec(acqDate);
    if (!dm) problems.push(`acq_date is not YYYY-MM-DD: "${acqDate}"`);
    // FIRMS writes acq_time as HHMM, sometimes without leading zeros (e.g. 512 for 05:12).
    const rawTime = get('acq_time');
    const acqTime = /^\d{1,4}$/.test(rawTime) ? rawTime.padStart(4, '0') : '';
    const hh = Number(acqTime.slice(0, 2)), mm = Number(acqTime.slice(2));
    if (!acqTime || hh > 23 || mm > 59) problems.push(`acq_time is not HHMM: "${rawTime}"`);
    const at = dm && acqTime ? Date.UTC(Number(dm[1]), Number(dm[2]) - 1, Number(dm[3]), hh, mm) : NaN;
    if (dm && acqTime && (Number.isNaN(at) || new Date(at).getUTCDate() !== Number(dm[3]))) problems.push(`acq_date is not a real date: "${acqDate}"`);
    const brightness = num('brightness'), scan = num('scan'), track = num('track'), brightT31 = num('bright_t31'), frp = num('frp');
    const dn = get('daynight').toUpperCase();
    if (dn !== '' && dn !== 'D' && dn !== 'N') problems.push(`daynight is not D or N: "${get('daynight')}"`);
    if (problems.length > 0 || latitude === null || longitude === null) {
      rejected.push({ line, reason: problems.join('; ') });
      continue;
    }
    hotspots.push({
      latitude, longitude, brightness, scan, track, acqDate, acqTime, at,
      satellite: get('satellite') || null,
      confidence: get('confidence') || null,
      version: get('version') || null,
      brightT31, frp,
      daynight: dn === '' ? null : (dn as 'D' | 'N'),
    });
  }
  return { hotspots, rejected };
}

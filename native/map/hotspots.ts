import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { HostEvents, Hotspot, HotspotImport, HotspotState } from '../../common/contract';
import { FirmsFormatError, parseFirmsCsv, type FirmsHotspot } from '../../common/firms';
import { fetchFailure } from './fetch-error';
import type { Logger } from '../host/dispatch';

/**
 * Satellite hotspots (卫星热点): FIRMS rows imported from files or a scheduled download, kept
 * de-duplicated (same place, minute and satellite) in a JSON file so a restart keeps them.
 */

/** The newest this many hotspots are kept; older ones go first. */
const MAX_HOTSPOTS = 50_000;
const KEEP_IMPORTS = 20;
const KEEP_ERRORS = 20;
const SAVE_DELAY_MS = 2000;

/** Confidence class: MODIS 0–100 (below 30 low, from 80 high), VIIRS l / n / h. */
export function confidenceLevel(c: string | null): Hotspot['level'] {
  if (c === null) return 'nominal';
  const v = c.trim().toLowerCase();
  if (v === 'l' || v === 'low') return 'low';
  if (v === 'h' || v === 'high') return 'high';
  const n = Number(v);
  if (v !== '' && Number.isFinite(n)) return n < 30 ? 'low' : n >= 80 ? 'high' : 'nominal';
  return 'nominal';
}

const toHotspot = (h: FirmsHotspot, source: string): Hotspot => ({
  id: `${h.latitude.toFixed(4)},${h.longitude.toFixed(4)},${h.at},${h.satellite ?? ''}`,
  lat: h.latitude,
  lon: h.longitude,
  at: h.at,
  satellite: h.satellite,
  confidence: h.confidence,
  level: confidenceLevel(h.confidence),
  frp: h.frp,
  brightness: h.brightness,
  daynight: h.daynight,
  source,
});

export interface HotspotStoreOptions {
  file: string;
  /** Scheduled download; nothing is fetched without it. */
  url?: string | undefined;
  intervalMinutes?: number;
  /** What changed, for the consoles (a full state of 10 000 hotspots per import would be megabytes). */
  onChange(change: HostEvents['map:hotspots']): void;
  log: Logger;
  now?: () => number;
  fetchText?: (url: string) => Promise<string>;
}

export interface HotspotStore {
  state(): HotspotState;
  importText(source: string, text: string, firstLine?: number): HotspotImport;
  clear(): number;
  /** Runs the scheduled download now (tests; the schedule calls it too). */
  download(): Promise<HotspotImport | undefined>;
  close(): void;
}

const defaultFetch = async (url: string): Promise<string> => {
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.text();
};

export function createHotspotStore(opts: HotspotStoreOptions): HotspotStore {
  const now = opts.now ?? Date.now;
  const byId = new Map<string, Hotspot>();
  let imports: HotspotImport[] = [];
  let lastAt: number | null = null;
  let nextAt: number | null = null;
  try {
    const saved = JSON.parse(readFileSync(opts.file, 'utf8')) as { hotspots?: Hotspot[]; imports?: HotspotImport[] };
    for (const h of saved.hotspots ?? []) byId.set(h.id, h);
    imports = saved.imports ?? [];
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') opts.log('warn', `hotspots: ${opts.file} cannot be read (${(e as Error).message}); starting empty`);
  }
  const state = (): HotspotState => ({
    hotspots: [...byId.values()],
    imports,
    schedule: opts.url ? { intervalMinutes: opts.intervalMinutes ?? 30, lastAt, nextAt } : null,
  });
  const save = () => {
    mkdirSync(dirname(opts.file), { recursive: true });
    const tmp = `${opts.file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ hotspots: [...byId.values()], imports }));
    renameSync(tmp, opts.file);
  };
  // Writing 50 000 hotspots takes a while: imports arriving in quick succession are saved together.
  let saveTimer: ReturnType<typeof setTimeout> | undefined;
  const saveSoon = () => {
    if (saveTimer) return;
    saveTimer = setTimeout(() => {
      saveTimer = undefined;
      try {
        save();
      } catch (e) {
        opts.log('error', `hotspots: cannot save ${opts.file}: ${(e as Error).message}`);
      }
    }, SAVE_DELAY_MS);
  };
  const persist = (added: Hotspot[], removed: string[], cleared: boolean) => {
    saveSoon();
    const s = state();
    opts.onChange({ added, removed, cleared, imports: s.imports, schedule: s.schedule });
  };
  const record = (r: HotspotImport, added: Hotspot[] = []) => {
    imports = [r, ...imports].slice(0, KEEP_IMPORTS);
    const removed: string[] = [];
    if (byId.size > MAX_HOTSPOTS) {
      const oldest = [...byId.values()].sort((a, b) => a.at - b.at).slice(0, byId.size - MAX_HOTSPOTS);
      for (const h of oldest) {
        byId.delete(h.id);
        removed.push(h.id);
      }
    }
    persist(added, removed, false);
    return r;
  };

  const importText = (source: string, text: string, firstLine = 1): HotspotImport => {
    const base = { source, at: now(), imported: 0, duplicates: 0, rejected: 0, errors: [] as HotspotImport['errors'] };
    if (text.includes('\uFFFD') || text.includes('\u0000')) {
      return record({ ...base, message: 'the file is not UTF-8 text (wrong encoding or not a CSV file); save it from FIRMS as CSV and import again' });
    }
    let parsed;
    try {
      parsed = parseFirmsCsv(text);
    } catch (e) {
      if (e instanceof FirmsFormatError) return record({ ...base, message: e.message });
      throw e;
    }
    let duplicates = 0;
    const added: Hotspot[] = [];
    for (const h of parsed.hotspots) {
      const hs = toHotspot(h, source);
      if (byId.has(hs.id)) duplicates++;
      else {
        byId.set(hs.id, hs);
        added.push(hs);
      }
    }
    const shift = firstLine - 1;
    return record(
      {
        ...base,
        imported: added.length,
        duplicates,
        rejected: parsed.rejected.length,
        errors: parsed.rejected.slice(0, KEEP_ERRORS).map((r) => ({ line: r.line + shift, reason: r.reason })),
      },
      added,
    );
  };

  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const download = async (): Promise<HotspotImport | undefined> => {
    if (!opts.url) return undefined;
    const url = opts.url;
    const shown = new URL(url).host;
    lastAt = now();
    try {
      const text = await (opts.fetchText ?? defaultFetch)(url);
      const r = importText(`${shown} (定时下载)`, text);
      opts.log('info', `hotspots: downloaded from ${shown}: ${r.imported} new, ${r.duplicates} known, ${r.rejected} rejected${r.message ? ` — ${r.message}` : ''}`);
      return r;
    } catch (e) {
      const why = fetchFailure(e, 30);
      opts.log('warn', `hotspots: download from ${shown} failed: ${why}`);
      return record({ source: `${shown} (定时下载)`, at: now(), imported: 0, duplicates: 0, rejected: 0, errors: [], message: `download from ${shown} failed: ${why}` });
    }
  };
  const schedule = () => {
    if (!opts.url || closed) return;
    const ms = (opts.intervalMinutes ?? 30) * 60_000;
    nextAt = now() + ms;
    timer = setTimeout(() => void download().finally(schedule), ms);
    timer.unref();
  };
  if (opts.url) {
    // The first download shortly after start, then on the interval.
    nextAt = now() + 5000;
    timer = setTimeout(() => void download().finally(schedule), 5000);
    timer.unref();
  }

  return {
    state,
    importText,
    clear() {
      const n = byId.size;
      byId.clear();
      imports = [];
      persist([], [], true);
      return n;
    },
    download,
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      if (saveTimer) {
        clearTimeout(saveTimer);
        saveTimer = undefined;
        try {
          save();
        } catch (e) {
          opts.log('error', `hotspots: cannot save ${opts.file}: ${(e as Error).message}`);
        }
      }
    },
  };
}

import { useRef, useState } from 'react';
import type { Hotspot, HotspotImport, SiteView } from '../../common/contract';
import { formatLatLonDecimal, latLon, type LatLon } from '../../common/geo';
import { host } from '../app/connection';
import { useAppStore } from '../app/store';
import { useT } from '../i18n';
import { nearestTowers } from './map-data';

/** Largest part of a CSV sent in one command (the contract's message limit is 256 KiB). */
const PART_BYTES = 200 * 1024;

/** Text of a picked file: UTF-8 (with or without BOM) or UTF-16 with BOM; anything else is refused by name. */
export function decodeCsv(bytes: ArrayBuffer): string {
  const b = new Uint8Array(bytes);
  if (b[0] === 0xff && b[1] === 0xfe) return new TextDecoder('utf-16le').decode(b);
  if (b[0] === 0xfe && b[1] === 0xff) return new TextDecoder('utf-16be').decode(b);
  return new TextDecoder('utf-8', { fatal: true }).decode(b);
}

/** Splits CSV text into parts of at most `max` characters at line ends, each starting with the header; with the line number each part starts at. */
export function splitCsv(text: string, max = PART_BYTES): { text: string; firstLine: number }[] {
  const lines = text.split(/\r?\n/);
  const header = lines[0] ?? '';
  const parts: { text: string; firstLine: number }[] = [];
  let cur: string[] = [];
  let size = 0;
  let start = 2;
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i] ?? '';
    if (cur.length && size + l.length + 1 > max - header.length - 1) {
      parts.push({ text: [header, ...cur].join('\n'), firstLine: start - 1 });
      cur = [];
      size = 0;
      start = i + 1;
    }
    cur.push(l);
    size += l.length + 1;
  }
  parts.push({ text: [header, ...cur].join('\n'), firstLine: start - 1 });
  return parts;
}

async function importFile(file: File): Promise<HotspotImport> {
  const base: HotspotImport = { source: file.name, at: Date.now(), imported: 0, duplicates: 0, rejected: 0, errors: [] };
  let text: string;
  try {
    text = decodeCsv(await file.arrayBuffer());
  } catch {
    return { ...base, message: 'the file is not UTF-8 text (wrong encoding or not a CSV file); save it from FIRMS as CSV and import again' };
  }
  const total = { ...base };
  for (const part of splitCsv(text)) {
    // The host numbers lines from the part's header line; firstLine shifts them to the whole file.
    const r = await host().call('map:importHotspots', { source: file.name, text: part.text, firstLine: part.firstLine });
    if (r.message) return { ...total, message: r.message };
    total.imported += r.imported;
    total.duplicates += r.duplicates;
    total.rejected += r.rejected;
    total.errors = [...total.errors, ...r.errors].slice(0, 20);
  }
  return total;
}

const AGES: ReadonlyArray<number | null> = [6, 24, 72, 168, null];

/** The side panel's hotspot section: import, filters, what the last import did. */
export function HotspotPanel() {
  const t = useT();
  const state = useAppStore((s) => s.mapHotspots);
  const report = useAppStore((s) => s.mapHotspotImport);
  const filter = useAppStore((s) => s.mapHotspotFilter);
  const setFilter = useAppStore((s) => s.setHotspotFilter);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const pick = async (file: File | undefined) => {
    if (!file) return;
    setBusy(true);
    try {
      useAppStore.setState({ mapHotspotImport: await importFile(file) });
    } catch (e) {
      useAppStore.setState({ mapHotspotImport: { source: file.name, at: Date.now(), imported: 0, duplicates: 0, rejected: 0, errors: [], message: (e as Error).message } });
    } finally {
      setBusy(false);
      if (input.current) input.current.value = '';
    }
  };
  const now = Date.now();
  const shown = (state?.hotspots ?? []).filter((h) => filter.maxAgeHours === null || now - h.at <= filter.maxAgeHours * 3_600_000).length;
  const sched = state?.schedule;
  const lastDownload = state?.imports.find((i) => i.source.endsWith('(定时下载)'));
  return (
    <div className="map-hotspots" data-testid="map-hotspots">
      <div className="map-row">
        <button type="button" data-testid="map-hotspot-import" disabled={busy} onClick={() => input.current?.click()}>
          {busy ? t('map.hotspotImporting') : t('map.hotspotImport')}
        </button>
        <input ref={input} type="file" accept=".csv,text/csv" hidden data-testid="map-hotspot-file" onChange={(e) => void pick(e.target.files?.[0])} />
        <span className="map-dim" data-testid="map-hotspot-count">
          {t('map.hotspotCount', { shown, total: state?.hotspots.length ?? 0 })}
        </span>
      </div>
      <div className="map-row">
        <select value={String(filter.maxAgeHours)} aria-label={t('map.hotspotAge')} data-testid="map-hotspot-age" onChange={(e) => setFilter({ maxAgeHours: e.target.value === 'null' ? null : Number(e.target.value) })}>
          {AGES.map((a) => (
            <option key={String(a)} value={String(a)}>
              {a === null ? t('map.hotspotAgeAll') : t('map.hotspotAgeHours', { h: a })}
            </option>
          ))}
        </select>
        <select value={filter.minLevel} aria-label={t('map.hotspotConfidence')} data-testid="map-hotspot-level" onChange={(e) => setFilter({ minLevel: e.target.value as 'low' | 'nominal' | 'high' })}>
          <option value="low">{t('map.conf.all')}</option>
          <option value="nominal">{t('map.conf.nominal')}</option>
          <option value="high">{t('map.conf.high')}</option>
        </select>
      </div>
      <div className="map-legend">
        <span className="lg lg-0">{t('map.age.fresh')}</span>
        <span className="lg lg-6">6h</span>
        <span className="lg lg-24">24h</span>
        <span className="lg lg-72">72h+</span>
      </div>
      {report && (
        <div className={`map-report${report.message ? ' bad' : ''}`} data-testid="map-hotspot-report">
          <div>
            {report.source}：
            {report.message ? report.message : t('map.hotspotReport', { imported: report.imported, duplicates: report.duplicates, rejected: report.rejected })}
          </div>
          {report.errors.length > 0 && (
            <ul>
              {report.errors.slice(0, 5).map((e) => (
                <li key={e.line}>{t('map.hotspotBadLine', { line: e.line, reason: e.reason })}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      {sched && (
        <div className="map-dim" data-testid="map-hotspot-schedule">
          {t('map.hotspotSchedule', { min: sched.intervalMinutes, next: sched.nextAt ? new Date(sched.nextAt).toLocaleTimeString() : '–' })}
          {lastDownload?.message && <div className="map-bad">{lastDownload.message}</div>}
        </div>
      )}
    </div>
  );
}

const LEVEL_KEY = { low: 'map.conf.low', nominal: 'map.conf.nominalOnly', high: 'map.conf.highOnly' } as const;

/** A clicked hotspot: when and how sure, the nearest towers with their bearings to it, and "look here". */
export function HotspotCard({ site, hotspot, x, y, onLook, onClose }: { site: SiteView; hotspot: Hotspot; x: number; y: number; onLook(towerId: string, at: LatLon): void; onClose(): void }) {
  const t = useT();
  const at = latLon(hotspot.lat, hotspot.lon);
  const near = nearestTowers(site, at, 3);
  const ageH = (Date.now() - hotspot.at) / 3_600_000;
  return (
    <div className="map-card pinned map-hotspot-card" style={{ left: x + 12, top: y + 12 }} data-testid="map-hotspot-card">
      <div className="map-card-title">
        {t('map.hotspot')} · {t(LEVEL_KEY[hotspot.level])}
        <button type="button" className="map-x" aria-label={t('map.close')} onClick={onClose}>
          ×
        </button>
      </div>
      <div className="map-mono">{formatLatLonDecimal(at, 5)}</div>
      <div className="map-dim">
        {new Date(hotspot.at).toLocaleString()}（{ageH < 48 ? t('map.hoursAgo', { h: ageH.toFixed(1) }) : t('map.daysAgo', { d: (ageH / 24).toFixed(1) })}）
        {hotspot.satellite ? ` · ${hotspot.satellite}` : ''}
        {hotspot.frp !== null ? ` · FRP ${hotspot.frp} MW` : ''}
      </div>
      <ul className="map-near" data-testid="map-hotspot-near">
        {near.map((n) => (
          <li key={n.tower.id}>
            <span>{t('map.leg', { tower: n.tower.name, dist: (n.distance / 1000).toFixed(2), bearing: n.bearing.toFixed(1) })}</span>
            {n.tower.cameras.some((c) => c.hasPtz) && (
              <button type="button" data-testid={`map-hotspot-look-${n.tower.id}`} onClick={() => onLook(n.tower.id, at)}>
                {t('map.look')}
              </button>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

import { useMemo, useState } from 'react';
import type { SiteView } from '../../common/contract';
import { useT } from '../i18n';
import { searchMap, type measureGeoJson } from './map-data';

export type MeasureMode = 'distance' | 'area' | null;

/** Top-left tools: distance and area measure, and search of towers, places and coordinates with fly-to. */
export function MapTools({
  site,
  mode,
  onMode,
  measure,
  points,
  onFlyTo,
}: {
  site: SiteView;
  mode: MeasureMode;
  onMode(m: MeasureMode): void;
  measure: ReturnType<typeof measureGeoJson>;
  points: number;
  onFlyTo(lat: number, lon: number): void;
}) {
  const t = useT();
  const [query, setQuery] = useState('');
  const [open, setOpen] = useState(false);
  const hits = useMemo(() => searchMap(site, query), [site, query]);
  const go = (h: (typeof hits)[number]) => {
    onFlyTo(h.lat, h.lon);
    setOpen(false);
    setQuery(h.name);
  };
  return (
    <div className="map-tools">
      <div className="map-search">
        <input
          value={query}
          placeholder={t('map.search')}
          aria-label={t('map.search')}
          data-testid="map-search"
          onChange={(e) => {
            setQuery(e.target.value);
            setOpen(true);
          }}
          onFocus={() => setOpen(true)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && hits[0]) go(hits[0]);
          }}
        />
        {open && query.trim() !== '' && (
          <ul className="map-search-hits" data-testid="map-search-hits">
            {hits.length === 0 && <li className="map-dim">{t('map.searchNone')}</li>}
            {hits.map((h) => (
              <li key={`${h.kind}-${h.name}`}>
                <button type="button" onClick={() => go(h)}>
                  <span className="map-hit-kind">{t(`map.hit.${h.kind}`)}</span> {h.name}
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
      {(['distance', 'area'] as const).map((m) => (
        <button key={m} type="button" className={mode === m ? 'active' : ''} aria-pressed={mode === m} data-testid={m === 'distance' ? 'map-measure' : 'map-measure-area'} onClick={() => onMode(mode === m ? null : m)}>
          {t(m === 'distance' ? 'map.measure' : 'map.measureArea')}
        </button>
      ))}
      {mode === 'distance' && points >= 2 && <span data-testid="map-measure-total">{t('map.measureTotal', { km: (measure.total / 1000).toFixed(2) })}</span>}
      {mode === 'area' && points >= 3 && (
        <span data-testid="map-measure-area-total">
          {t('map.measureAreaTotal', { km2: (measure.area / 1e6).toFixed(3), ha: (measure.area / 1e4).toFixed(1), km: (measure.total / 1000).toFixed(2) })}
        </span>
      )}
    </div>
  );
}

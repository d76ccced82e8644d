import { useEffect, useRef, useState } from 'react';
import type { SiteView } from '../../common/contract';
import { ELLIPSE_95, formatLatLonDecimal, formatLatLonDms, inverse, latLon } from '../../common/geo';
import { useAppStore } from '../app/store';
import { useT } from '../i18n';
import { terrainFixUncertainty } from '../../common/alerts';
import { FixActions } from './FixActions';
import { HotspotPanel } from './HotspotPanel';
import { compassWord } from '../../common/ptz';
import { nearestPlaces, towerFov, towerPoint, towerPose, type bearingsGeoJson } from './map-data';
import { OFFLINE_BASEMAP, type MapRenderScale } from './map-slice';
import { webglRenderer } from './software-gl';

/** The layer panel's basemap choice: the built-in offline map and the site's, each saying whether it can be shown. */
function BasemapList({ site }: { site: SiteView }) {
  const t = useT();
  const current = useAppStore((s) => s.mapBasemap);
  const checks = useAppStore((s) => s.mapBasemapChecks);
  const choose = useAppStore((s) => s.setMapBasemap);
  const options = [{ id: OFFLINE_BASEMAP, name: t('map.basemapOffline'), crs: 'wgs84' as const }, ...site.basemaps];
  return (
    <div className="map-basemaps" data-testid="map-basemaps">
      {options.map((b) => {
        const check = checks[b.id];
        return (
          <div key={b.id} className="map-basemap-row">
            <label className="map-check">
              <input type="radio" name="map-basemap" checked={current === b.id} data-testid={`map-basemap-${b.id}`} onChange={() => choose(b.id)} />
              {b.name}
              {b.crs === 'gcj02' && <span className="map-tag">GCJ-02</span>}
            </label>
            {check && current === b.id && b.id !== OFFLINE_BASEMAP && (
              <div className={`map-basemap-state ${check.state}`} data-testid={`map-basemap-state-${b.id}`} data-state={check.state}>
                {check.state === 'checking' ? t('map.basemapChecking') : check.state === 'ok' ? t('map.basemapOk') : t('map.basemapFailed', { why: check.message ?? '' })}
              </div>
            )}
          </div>
        );
      })}
    </div>
  );
}

/** The selected tower's camera as the map sees it: true bearing, tilt, zoom and field of view, live. */
function MapHud({ site }: { site: SiteView }) {
  const t = useT();
  const towerId = useAppStore((s) => s.mapSelectedTower);
  const tower = site.towers.find((x) => x.id === towerId);
  const text = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!tower) return;
    // Poses arrive several times a second: written into the element, not through React state.
    const draw = () => {
      const s = useAppStore.getState();
      const pose = towerPose(tower, s.ptzCameraHead, s.ptzPoses);
      if (!text.current) return;
      text.current.textContent = pose
        ? t('map.hudLine', { bearing: pose.bearing.toFixed(1), tilt: pose.tilt.toFixed(1), zoom: pose.zoom.toFixed(1), fov: towerFov(tower, pose).toFixed(1) })
        : t('map.noPose');
      text.current.dataset.bearing = pose ? pose.bearing.toFixed(1) : '';
    };
    draw();
    return useAppStore.subscribe((s, prev) => {
      if (s.ptzPoses !== prev.ptzPoses) draw();
    });
  }, [tower, t]);
  if (!tower) return <div className="map-hud map-dim" data-testid="map-hud">{t('map.hudNone')}</div>;
  return (
    <div className="map-hud" data-testid="map-hud">
      <div className="map-hud-title">
        {tower.name}
        <button type="button" className="map-x" aria-label={t('map.close')} onClick={() => useAppStore.getState().selectMapTower(null)}>
          ×
        </button>
      </div>
      <div className="map-hud-line" ref={text} data-testid="map-hud-line" />
    </div>
  );
}

/** "3.2 km north-east of 上沛村" for the places nearest to a fix; one line each, and as one text for the duty log. */
function usePlacesNear(site: SiteView, lat: number, lon: number): string[] {
  const t = useT();
  const lang = useAppStore((s) => s.lang);
  return nearestPlaces(site, latLon(lat, lon), 3).map((p) =>
    t('map.placeNear', { place: p.name, dir: compassWord(p.bearing, lang === 'en' ? 'en' : 'zh'), km: (p.distance / 1000).toFixed(1) }),
  );
}

function PlacesNear({ lines }: { lines: string[] }) {
  const t = useT();
  if (!lines.length) return null;
  return (
    <div className="map-dim map-places" data-testid="map-fix-places">
      {t('map.placesNear')} {lines.join('；')}
    </div>
  );
}

/** Result of the single-tower fix: where the camera axis meets the ground, or why it does not. */
function GroundFixBox({ site }: { site: SiteView }) {
  const t = useT();
  const g = useAppStore((s) => s.mapGroundFix);
  const sigma = useAppStore((s) => s.mapBearingSigma);
  if (!site.terrain || !g) return null;
  const tower = site.towers.find((x) => x.id === g.towerId);
  const hit = g.hit;
  return (
    <div className="map-fix map-groundfix" data-testid="map-groundfix">
      <div className="map-card-title">
        {t('map.groundFixTitle', { tower: tower?.name ?? g.towerId })}
        <button type="button" className="map-x" aria-label={t('map.close')} onClick={() => useAppStore.setState({ mapGroundFix: null })}>
          ×
        </button>
      </div>
      {hit.ok && hit.lat !== undefined && hit.lon !== undefined ? (
        <>
          <div className="map-fix-dec">{formatLatLonDecimal(latLon(hit.lat, hit.lon))}</div>
          <div className="map-fix-dms">{formatLatLonDms(latLon(hit.lat, hit.lon))}</div>
          <GroundFixFacts site={site} towerId={g.towerId} lat={hit.lat} lon={hit.lon} distance={hit.distance} height={hit.height} sigma={sigma} />
        </>
      ) : (
        <div className="map-bad">{hit.message}</div>
      )}
    </div>
  );
}

function GroundFixFacts({ site, towerId, lat, lon, distance, height, sigma }: { site: SiteView; towerId: string; lat: number; lon: number; distance?: number; height?: number; sigma: number }) {
  const t = useT();
  const tower = site.towers.find((x) => x.id === towerId);
  const dist = distance ?? (tower ? inverse(towerPoint(tower), latLon(lat, lon)).distance : 0);
  const drop = tower ? tower.groundElevation + tower.mastHeight - (height ?? 0) : 0;
  const detail = t('map.groundFixLeg', { dist: (dist / 1000).toFixed(2), height: (height ?? 0).toFixed(0) });
  const places = usePlacesNear(site, lat, lon);
  return (
    <>
      <div className="map-dim">{detail}</div>
      <PlacesNear lines={places} />
      <FixActions
        fix={{ lat, lon, method: 'terrain', uncertaintyM: terrainFixUncertainty(dist, drop, sigma), detail: [`${tower?.name ?? towerId}：${detail}`, ...places].join('；') }}
      />
    </>
  );
}

function TriangulatedFix({ site, fix }: { site: SiteView; fix: NonNullable<ReturnType<typeof bearingsGeoJson>['result']> }) {
  const t = useT();
  const legs = fix.legs.map((leg) => t('map.leg', { tower: leg.towerName, dist: (leg.distance / 1000).toFixed(2), bearing: leg.bearing.toFixed(1) }));
  const places = usePlacesNear(site, fix.fix.point.lat, fix.fix.point.lon);
  return (
    <>
      <ul>
        {legs.map((l, i) => (
          <li key={i}>{l}</li>
        ))}
      </ul>
      <PlacesNear lines={places} />
      <FixActions
        fix={{ lat: fix.fix.point.lat, lon: fix.fix.point.lon, method: 'triangulated', uncertaintyM: fix.fix.ellipse.major * ELLIPSE_95, detail: [...legs, ...places].join('；') }}
      />
    </>
  );
}

export function MapSidePanel({ site, fix }: { site: SiteView; fix: ReturnType<typeof bearingsGeoJson>['result'] }) {
  const t = useT();
  const layers = useAppStore((s) => s.mapLayers);
  const toggle = useAppStore((s) => s.toggleMapLayer);
  const lines = useAppStore((s) => s.mapBearings);
  const add = useAppStore((s) => s.addBearingLine);
  const remove = useAppStore((s) => s.removeBearingLine);
  const clear = useAppStore((s) => s.clearBearingLines);
  const sigma = useAppStore((s) => s.mapBearingSigma);
  const setSigma = useAppStore((s) => s.setMapBearingSigma);
  const [towerId, setTowerId] = useState(site.towers[0]?.id ?? '');
  const [degrees, setDegrees] = useState('');
  const names = new Map(site.towers.map((x) => [x.id, x.name]));
  const typed = Number(degrees);
  const validTyped = degrees.trim() !== '' && Number.isFinite(typed) && typed >= 0 && typed <= 360;
  const addCurrent = () => {
    const s = useAppStore.getState();
    const tower = site.towers.find((x) => x.id === towerId);
    const pose = tower ? towerPose(tower, s.ptzCameraHead, s.ptzPoses) : undefined;
    if (pose) add(towerId, pose.bearing);
  };
  return (
    <aside className="map-panel" data-testid="map-panel">
      <MapHud site={site} />
      <h3>{t('map.basemaps')}</h3>
      <BasemapList site={site} />
      <h3>{t('map.layers')}</h3>
      {(['cones', 'rings', 'bearings', 'hotspots', 'weather', ...(site.terrain ? (['terrain'] as const) : [])] as const).map((k) => (
        <label key={k} className="map-check">
          <input type="checkbox" checked={layers[k]} data-testid={`map-layer-${k}`} onChange={() => toggle(k)} /> {t(`map.layer.${k}`)}
        </label>
      ))}

      <h3>{t('map.bearings')}</h3>
      <div className="map-row">
        <select value={towerId} onChange={(e) => setTowerId(e.target.value)} data-testid="map-bearing-tower" aria-label={t('map.tower')}>
          {site.towers.map((x) => (
            <option key={x.id} value={x.id}>
              {x.name}
            </option>
          ))}
        </select>
        <input
          className="map-deg"
          value={degrees}
          inputMode="decimal"
          placeholder={t('map.degrees')}
          aria-label={t('map.degrees')}
          data-testid="map-bearing-degrees"
          onChange={(e) => setDegrees(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && validTyped) {
              add(towerId, typed);
              setDegrees('');
            }
          }}
        />
      </div>
      <div className="map-row">
        <button
          type="button"
          data-testid="map-bearing-add"
          disabled={!validTyped}
          onClick={() => {
            add(towerId, typed);
            setDegrees('');
          }}
        >
          {t('map.addTyped')}
        </button>
        <button type="button" data-testid="map-bearing-current" onClick={addCurrent}>
          {t('map.addCurrent')}
        </button>
      </div>
      <ul className="map-lines" data-testid="map-lines">
        {lines.map((l) => (
          <li key={l.id}>
            <span>
              {names.get(l.towerId)} · {l.bearing.toFixed(1)}°
            </span>
            <button type="button" className="map-x" aria-label={t('map.remove')} onClick={() => remove(l.id)}>
              ×
            </button>
          </li>
        ))}
      </ul>
      <label className="map-row map-sigma">
        {t('map.bearingSigma')}
        <input
          type="number"
          min={0.05}
          max={5}
          step={0.05}
          value={sigma}
          data-testid="map-bearing-sigma"
          onChange={(e) => Number.isFinite(e.target.valueAsNumber) && setSigma(e.target.valueAsNumber)}
        />
        °
      </label>
      <RenderScale />
      {lines.length > 0 && (
        <button type="button" className="map-clear" onClick={clear}>
          {t('map.clear')}
        </button>
      )}

      <GroundFixBox site={site} />
      <h3>{t('map.fix')}</h3>
      {fix ? (
        <div className="map-fix" data-testid="map-fix">
          <div className="map-fix-dec" data-testid="map-fix-decimal">
            {formatLatLonDecimal(fix.fix.point)}
          </div>
          <div className="map-fix-dms" data-testid="map-fix-dms">
            {formatLatLonDms(fix.fix.point)}
          </div>
          <div className="map-dim">{t('map.ellipse', { major: Math.round(fix.fix.ellipse.major * ELLIPSE_95), minor: Math.round(fix.fix.ellipse.minor * ELLIPSE_95) })}</div>
          <TriangulatedFix site={site} fix={fix} />
        </div>
      ) : (
        <div className="map-dim" data-testid="map-fix-none">
          {t('map.fixNone')}
        </div>
      )}
      <h3>{t('map.hotspots')}</h3>
      <HotspotPanel />
    </aside>
  );
}

/** Map resolution: automatic (half where WebGL is drawn in software), full, or half. */
function RenderScale() {
  const t = useT();
  const scale = useAppStore((s) => s.mapRenderScale);
  const setScale = useAppStore((s) => s.setMapRenderScale);
  const gl = webglRenderer();
  return (
    <label className="map-row map-sigma" title={gl.renderer}>
      {t('map.renderScale')}
      <select value={scale} data-testid="map-render-scale" onChange={(e) => setScale(e.target.value as MapRenderScale)}>
        {(['auto', 'full', 'half'] as const).map((k) => (
          <option key={k} value={k}>
            {t(`map.renderScale.${k}`)}
          </option>
        ))}
      </select>
      {gl.software && scale === 'auto' && <span className="map-note" data-testid="map-software-gl">{t('map.softwareGl')}</span>}
    </label>
  );
}

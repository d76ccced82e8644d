import maplibregl from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { SiteView, TowerView } from '../../common/contract';
import { ELLIPSE_95, formatLatLonDecimal, formatLatLonDms, latLon, type LatLon } from '../../common/geo';
import { useAppStore } from '../app/store';
import { useT } from '../i18n';
import { absolute, takeControl } from '../ptz/ptz-client';
import { bearingsGeoJson, conesGeoJson, graticuleGeoJson, measureGeoJson, planSlew, ringsGeoJson, siteBounds, towerPose, type Collection, type SlewPlan } from './map-data';
import { offlineStyle } from './offline-style';

/** Cones are redrawn at most this often (poses arrive ~7/s per moving head). */
const CONE_INTERVAL_MS = 200;

type Source = maplibregl.GeoJSONSource;

function setSource(map: maplibregl.Map, id: string, data: Collection): void {
  // The style may not be loaded yet; the load handler draws everything once it is.
  const src = map.getSource(id) as Source | undefined;
  src?.setData(data as unknown as Parameters<Source['setData']>[0]);
}

function towerState(t: TowerView, status: Record<string, { online: boolean } | undefined>): 'online' | 'offline' | 'unknown' {
  const cams = t.cameras.map((c) => status[c.id]);
  if (cams.some((s) => s?.online)) return 'online';
  if (cams.some((s) => s && !s.online)) return 'offline';
  return 'unknown';
}

/** Workspace tab of the top bar that shows the map ("一张图"). */
export function MapTabButton() {
  const t = useT();
  const on = useAppStore((s) => s.workspace === 'map');
  const setWorkspace = useAppStore((s) => s.setWorkspace);
  return (
    <button role="tab" aria-selected={on} className={on ? 'active' : ''} onClick={() => setWorkspace('map')} data-testid="tab-map">
      {t('map.tab')}
    </button>
  );
}

/** The "一张图" workspace: towers, live view cones, bearing lines and their fix, slew-to-cue. */
export function MapWorkspace() {
  const site = useAppStore((s) => s.site);
  if (!site) return <section className="map-work" data-testid="map-work" />;
  return <MapView site={site} />;
}

function MapView({ site }: { site: SiteView }) {
  const t = useT();
  const holder = useRef<HTMLDivElement>(null);
  const mapRef = useRef<maplibregl.Map | null>(null);
  const markers = useRef(new Map<string, HTMLElement>());
  const cursorRef = useRef<HTMLDivElement>(null);
  const [loaded, setLoaded] = useState(false);
  const [hover, setHover] = useState<{ towerId: string; pinned: boolean } | null>(null);
  const [menu, setMenu] = useState<{ x: number; y: number; at: LatLon; plan: SlewPlan | undefined } | null>(null);
  const [slewInfo, setSlewInfo] = useState<string | null>(null);
  const [measuring, setMeasuring] = useState(false);
  const [measurePts, setMeasurePts] = useState<LatLon[]>([]);
  const measuringRef = useRef(false);
  measuringRef.current = measuring;
  const layers = useAppStore((s) => s.mapLayers);
  const range = useAppStore((s) => s.mapRange);
  const lines = useAppStore((s) => s.mapBearings);
  const cameraStatus = useAppStore((s) => s.cameraStatus);

  // The map itself, created once per site.
  useEffect(() => {
    if (!holder.current) return;
    const bounds = siteBounds(site);
    const map = new maplibregl.Map({
      container: holder.current,
      style: offlineStyle(),
      bounds,
      fitBoundsOptions: { padding: 40 },
      attributionControl: false,
      dragRotate: false,
      pitchWithRotate: false,
      maxZoom: 16,
    });
    map.touchZoomRotate.disableRotation();
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
    map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
    mapRef.current = map;
    for (const tower of site.towers) {
      const el = document.createElement('div');
      el.className = 'map-tower';
      el.setAttribute('data-testid', `map-tower-${tower.id}`);
      el.dataset.tower = tower.id;
      const dot = document.createElement('span');
      dot.className = 'map-tower-dot';
      const label = document.createElement('span');
      label.className = 'map-tower-label';
      label.textContent = tower.name;
      el.append(dot, label);
      el.addEventListener('mouseenter', () => setHover((h) => (h?.pinned ? h : { towerId: tower.id, pinned: false })));
      el.addEventListener('mouseleave', () => setHover((h) => (h?.pinned ? h : null)));
      el.addEventListener('click', (e) => {
        e.stopPropagation();
        setHover({ towerId: tower.id, pinned: true });
      });
      markers.current.set(tower.id, el);
      new maplibregl.Marker({ element: el, anchor: 'left', offset: [-6, 0] }).setLngLat([tower.lon, tower.lat]).addTo(map);
    }
    map.on('load', () => {
      // Well past the towers, so panning never runs off the grid.
      setSource(map, 'graticule', graticuleGeoJson([[bounds[0][0] - 0.6, bounds[0][1] - 0.5], [bounds[1][0] + 0.6, bounds[1][1] + 0.5]]));
      setLoaded(true);
    });
    let raf = 0;
    map.on('mousemove', (e) => {
      cancelAnimationFrame(raf);
      raf = requestAnimationFrame(() => {
        const p = latLon(e.lngLat.lat, e.lngLat.lng);
        if (cursorRef.current) cursorRef.current.textContent = `${formatLatLonDecimal(p, 5)}  ${formatLatLonDms(p)}`;
      });
    });
    map.on('click', (e) => {
      setMenu(null);
      setHover(null);
      if (measuringRef.current) setMeasurePts((pts) => [...pts, latLon(e.lngLat.lat, e.lngLat.lng)]);
    });
    map.on('contextmenu', (e) => {
      const at = latLon(e.lngLat.lat, e.lngLat.lng);
      setMenu({ x: e.point.x, y: e.point.y, at, plan: planSlew(useAppStore.getState().site, at) });
    });
    const owned = markers.current;
    return () => {
      cancelAnimationFrame(raf);
      map.remove();
      mapRef.current = null;
      owned.clear();
      setLoaded(false);
    };
  }, [site]);

  // Live cones from the poses, throttled; each tower marker carries the bearing drawn.
  useEffect(() => {
    const map = mapRef.current;
    if (!map || !loaded) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let last = 0;
    const draw = () => {
      timer = undefined;
      last = performance.now();
      const s = useAppStore.getState();
      const cones = conesGeoJson(s.site, s.ptzCameraHead, s.ptzPoses, s.mapRange);
      setSource(map, 'cones', cones);
      for (const f of cones.features) {
        const el = markers.current.get(String(f.properties.towerId));
        if (el) el.dataset.bearing = String(f.properties.bearing);
      }
    };
    const schedule = () => {
      if (timer) return;
      timer = setTimeout(draw, Math.max(0, CONE_INTERVAL_MS - (performance.now() - last)));
    };
    draw();
    const unsub = useAppStore.subscribe((s, prev) => {
      if (s.ptzPoses !== prev.ptzPoses || s.mapRange !== prev.mapRange || s.ptzCameraHead !== prev.ptzCameraHead) schedule();
    });
    return () => {
      unsub();
      if (timer) clearTimeout(timer);
    };
  }, [loaded]);

  // Tower states.
  useEffect(() => {
    for (const tower of site.towers) {
      const el = markers.current.get(tower.id);
      if (el) el.dataset.state = towerState(tower, cameraStatus);
    }
  }, [site, cameraStatus, loaded]);

  // Layer visibility, rings, bearing lines and the fix.
  const bearings = useMemo(() => bearingsGeoJson(site, lines), [site, lines]);
  useEffect(() => {
    const map = mapRef.current;
    if (!map || !loaded) return;
    const vis = (on: boolean) => (on ? 'visible' : 'none');
    map.setLayoutProperty('cones-fill', 'visibility', vis(layers.cones));
    map.setLayoutProperty('cones-line', 'visibility', vis(layers.cones));
    map.setLayoutProperty('rings', 'visibility', vis(layers.rings));
    for (const id of ['bearings', 'fix-ellipse', 'fix-ellipse-line', 'fix-point']) map.setLayoutProperty(id, 'visibility', vis(layers.bearings));
    setSource(map, 'rings', ringsGeoJson(site, range));
    setSource(map, 'bearings', bearings.lines);
    setSource(map, 'fix', bearings.fix);
  }, [loaded, layers, range, site, bearings]);

  // Distance measure: clicks add vertices while the tool is on; Escape ends it.
  const measure = useMemo(() => measureGeoJson(measurePts), [measurePts]);
  useEffect(() => {
    const map = mapRef.current;
    if (map && loaded) setSource(map, 'measure', measure.data);
  }, [loaded, measure]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      setMenu(null);
      setHover(null);
      setMeasuring(false);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const lookHere = async (plan: SlewPlan) => {
    setMenu(null);
    const ok = await absolute(plan.cameraId, { pan: Math.round(plan.pan * 100) / 100, tilt: Math.round(plan.tilt * 100) / 100 });
    if (!ok) return;
    useAppStore.getState().openCamera(plan.cameraId);
    setSlewInfo(t('map.slewed', { tower: plan.tower.name, bearing: plan.bearing.toFixed(1), dist: (plan.distance / 1000).toFixed(2), tilt: plan.tilt.toFixed(1) }));
  };

  const hoverTower = hover ? site.towers.find((x) => x.id === hover.towerId) : undefined;
  const hoverPos = hoverTower && mapRef.current ? mapRef.current.project([hoverTower.lon, hoverTower.lat]) : undefined;

  return (
    <section className="map-work" data-testid="map-work">
      <div className="map-canvas" ref={holder} data-testid="map-canvas" data-loaded={loaded} />
      <div className="map-cursor" ref={cursorRef} data-testid="map-cursor" />
      <div className="map-measure">
        <button
          type="button"
          className={measuring ? 'active' : ''}
          aria-pressed={measuring}
          data-testid="map-measure"
          onClick={() => {
            setMeasurePts([]);
            setMeasuring(!measuring);
          }}
        >
          {t('map.measure')}
        </button>
        {measurePts.length >= 2 && (
          <span data-testid="map-measure-total">{t('map.measureTotal', { km: (measure.total / 1000).toFixed(2) })}</span>
        )}
      </div>
      <MapSidePanel site={site} fix={bearings.result} />
      {slewInfo && (
        <div className="map-toast" data-testid="map-slew" onClick={() => setSlewInfo(null)}>
          {slewInfo}
        </div>
      )}
      {hoverTower && hoverPos && <TowerCard tower={hoverTower} x={hoverPos.x} y={hoverPos.y} pinned={hover?.pinned ?? false} onClose={() => setHover(null)} />}
      {menu && (
        <div className="map-menu" style={{ left: menu.x, top: menu.y }} data-testid="map-menu" onContextMenu={(e) => e.preventDefault()}>
          <div className="map-menu-coord">{formatLatLonDms(menu.at)}</div>
          {menu.plan ? (
            <button type="button" data-testid="map-look-here" onClick={() => void lookHere(menu.plan as SlewPlan)}>
              {t('map.lookHere', { tower: menu.plan.tower.name, dist: (menu.plan.distance / 1000).toFixed(1) })}
            </button>
          ) : (
            <div className="map-menu-none">{t('map.noPtz')}</div>
          )}
        </div>
      )}
    </section>
  );
}

function TowerCard({ tower, x, y, pinned, onClose }: { tower: TowerView; x: number; y: number; pinned: boolean; onClose(): void }) {
  const t = useT();
  const status = useAppStore((s) => s.cameraStatus);
  // The card is open for a moment only, so reading the pose through a selector here is fine.
  const pose = useAppStore((s) => towerPose(tower, s.ptzCameraHead, s.ptzPoses));
  const addLine = useAppStore((s) => s.addBearingLine);
  const visible = tower.cameras.find((c) => c.kind === 'visible') ?? tower.cameras[0];
  const openVideo = () => {
    if (!visible) return;
    const s = useAppStore.getState();
    s.openCamera(visible.id);
    if (visible.hasPtz) void takeControl(visible.id, 'operator');
    s.setWorkspace('video');
    onClose();
  };
  return (
    <div className={`map-card${pinned ? ' pinned' : ''}`} style={{ left: x + 14, top: y + 14 }} data-testid="map-card">
      <div className="map-card-title">{tower.name}</div>
      <ul>
        {tower.cameras.map((c) => (
          <li key={c.id} data-state={status[c.id]?.online ? 'online' : status[c.id] ? 'offline' : 'unknown'}>
            {c.name} · {t(c.kind === 'visible' ? 'camera.visible' : 'camera.thermal')} · {status[c.id]?.online ? t('tree.online') : status[c.id] ? t('tree.offline') : t('tree.unknown')}
          </li>
        ))}
      </ul>
      <div className="map-card-pose" data-testid="map-card-pose">
        {pose ? t('map.pose', { bearing: pose.bearing.toFixed(1), tilt: pose.tilt.toFixed(1), zoom: pose.zoom.toFixed(1) }) : t('map.noPose')}
      </div>
      {pinned && (
        <div className="map-card-actions">
          <button type="button" data-testid="map-open-video" disabled={!visible} onClick={openVideo}>
            {t('map.openVideo')}
          </button>
          <button type="button" data-testid="map-card-bearing" disabled={!pose} onClick={() => pose && addLine(tower.id, pose.bearing)}>
            {t('map.addCurrent')}
          </button>
        </div>
      )}
    </div>
  );
}

function MapSidePanel({ site, fix }: { site: SiteView; fix: ReturnType<typeof bearingsGeoJson>['result'] }) {
  const t = useT();
  const layers = useAppStore((s) => s.mapLayers);
  const toggle = useAppStore((s) => s.toggleMapLayer);
  const lines = useAppStore((s) => s.mapBearings);
  const add = useAppStore((s) => s.addBearingLine);
  const remove = useAppStore((s) => s.removeBearingLine);
  const clear = useAppStore((s) => s.clearBearingLines);
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
      <h3>{t('map.layers')}</h3>
      {(['cones', 'rings', 'bearings'] as const).map((k) => (
        <label key={k} className="map-check">
          <input type="checkbox" checked={layers[k]} data-testid={`map-layer-${k}`} onChange={() => toggle(k)} /> {t(`map.layer.${k}`)}
        </label>
      ))}
      <div className="map-basemap">{t('map.basemap')}</div>

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
      {lines.length > 0 && (
        <button type="button" className="map-clear" onClick={clear}>
          {t('map.clear')}
        </button>
      )}

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
          <ul>
            {fix.legs.map((leg, i) => (
              <li key={i}>{t('map.leg', { tower: leg.towerName, dist: (leg.distance / 1000).toFixed(2), bearing: leg.bearing.toFixed(1) })}</li>
            ))}
          </ul>
        </div>
      ) : (
        <div className="map-dim" data-testid="map-fix-none">
          {t('map.fixNone')}
        </div>
      )}
    </aside>
  );
}

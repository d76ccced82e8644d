import maplibregl from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Hotspot, SiteView, TowerView } from '../../common/contract';
import { gcj02ToWgs84, lonLatToGcj02 } from '../../common/gcj02';
import { formatLatLonDecimal, formatLatLonDms, latLon, type LatLon } from '../../common/geo';
import { useAppStore } from '../app/store';
import { towerHealth } from '../health/health-slice';
import { host, hostAddr } from '../app/connection';
import { useT } from '../i18n';
import { absolute, takeControl } from '../ptz/ptz-client';
import { BASEMAP_SOURCE, basemapLayers, basemapSource, isBasemapLayer, TERRAIN_SOURCE } from './basemap-layers';
import { HotspotCard } from './HotspotPanel';
import { MapSidePanel } from './MapSidePanel';
import { MapTools, type MeasureMode } from './MapTools';
import {
  bearingsGeoJson,
  conesGeoJson,
  graticuleGeoJson,
  hotspotsGeoJson,
  measureGeoJson,
  planSlew,
  ringsGeoJson,
  siteBounds,
  toGcj02,
  towerPose,
  type Collection,
  type SlewPlan,
} from './map-data';
import { mapPixelRatio, OFFLINE_BASEMAP } from './map-slice';
import { webglRenderer } from './software-gl';
import { offlineStyle } from './offline-style';
import { fillWeather } from './weather-marker';
import { useDemoMap } from '../demo/use-demo-map';

/** Cones are redrawn at most this often (poses arrive ~7/s per moving head). */
const CONE_INTERVAL_MS = 200;
/** Hotspot ages are recomputed this often (their colour follows the age). */
const HOTSPOT_AGE_REFRESH_MS = 60_000;

type Source = maplibregl.GeoJSONSource;
type Crs = 'wgs84' | 'gcj02';

function towerState(t: TowerView, status: Record<string, { online: boolean } | undefined>): 'online' | 'offline' | 'unknown' {
  const cams = t.cameras.map((c) => status[c.id]);
  if (cams.some((s) => s?.online)) return 'online';
  if (cams.some((s) => s && !s.online)) return 'offline';
  return 'unknown';
}

/** URL of a host tile route for maplibre (the token travels in the query, as for media). */
export function hostTileUrl(path: string): string {
  const a = hostAddr();
  return `${a.httpBase}${path}/{z}/{x}/{y}?token=${encodeURIComponent(a.token)}`;
}

/** Slew-to-cue with the target's ground height from the elevation model where the site has one. */
export async function planSlewWithTerrain(site: SiteView, at: LatLon, towerId?: string): Promise<{ plan: SlewPlan | undefined; note?: string }> {
  if (!site.terrain) return { plan: planSlew(site, at, 30_000, undefined, towerId) };
  try {
    const r = await host().call('map:elevation', { points: [{ lat: at.lat, lon: at.lon }] });
    const h = r.heights[0];
    if (h === null || h === undefined) return { plan: planSlew(site, at, 30_000, undefined, towerId), ...(r.message ? { note: r.message } : {}) };
    return { plan: planSlew(site, at, 30_000, h, towerId) };
  } catch (e) {
    return { plan: planSlew(site, at, 30_000, undefined, towerId), note: (e as Error).message };
  }
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

/** The "一张图" workspace: basemaps, towers, live view cones, bearings and fixes, hotspots, weather, tools. */
export function MapWorkspace() {
  const site = useAppStore((s) => s.site);
  if (!site) return <section className="map-work" data-testid="map-work" />;
  return <MapView site={site} />;
}

interface Menu {
  x: number;
  y: number;
  at: LatLon;
  plan: SlewPlan | undefined;
  note?: string;
}

function MapView({ site }: { site: SiteView }) {
  const t = useT();
  const holder = useRef<HTMLDivElement>(null);
  const mapRef = useRef<maplibregl.Map | null>(null);
  const markers = useRef(new Map<string, { el: HTMLElement; marker: maplibregl.Marker }>());
  const cursorRef = useRef<HTMLDivElement>(null);
  const crsRef = useRef<Crs>('wgs84');
  /** The WGS84 data last given to each GeoJSON source, so a datum switch can redraw it. */
  const lastData = useRef(new Map<string, Collection>());
  const [loaded, setLoaded] = useState(false);
  /** The datum shown (crsRef is what the handlers read; this is for the DOM). */
  const [shownCrs, setShownCrs] = useState<Crs>('wgs84');
  const [hover, setHover] = useState<{ towerId: string; pinned: boolean } | null>(null);
  const [menu, setMenu] = useState<Menu | null>(null);
  const [slewInfo, setSlewInfo] = useState<string | null>(null);
  const [measureMode, setMeasureMode] = useState<MeasureMode>(null);
  const [measurePts, setMeasurePts] = useState<LatLon[]>([]);
  const [hotspotPick, setHotspotPick] = useState<{ hotspot: Hotspot; x: number; y: number } | null>(null);
  const [, setViewTick] = useState(0);
  const measureRef = useRef<MeasureMode>(null);
  measureRef.current = measureMode;
  const layers = useAppStore((s) => s.mapLayers);
  const range = useAppStore((s) => s.mapRange);
  const lines = useAppStore((s) => s.mapBearings);
  const cameraStatus = useAppStore((s) => s.cameraStatus);
  const healthDevices = useAppStore((s) => s.healthDevices);
  const basemapId = useAppStore((s) => s.mapBasemap);
  const hotspots = useAppStore((s) => s.mapHotspots);
  const hotspotFilter = useAppStore((s) => s.mapHotspotFilter);
  const weather = useAppStore((s) => s.mapWeather);
  const dangerLevels = useAppStore((s) => s.mapDangerLevels);
  const groundFix = useAppStore((s) => s.mapGroundFix);

  /** WGS84 → the basemap's datum, [lon, lat]. */
  const toMap = useCallback((lat: number, lon: number): [number, number] => (crsRef.current === 'gcj02' ? lonLatToGcj02([lon, lat]) : [lon, lat]), []);
  /** A map position (the basemap's datum) → WGS84. */
  const fromMap = useCallback((ll: { lat: number; lng: number }): LatLon => {
    if (crsRef.current !== 'gcj02') return latLon(ll.lat, ll.lng);
    const w = gcj02ToWgs84(ll.lat, ll.lng);
    return latLon(w.lat, w.lon);
  }, []);
  const put = useCallback((id: string, data: Collection) => {
    lastData.current.set(id, data);
    // The style may not be loaded yet; the load handler draws everything once it is.
    const src = mapRef.current?.getSource(id) as Source | undefined;
    src?.setData((crsRef.current === 'gcj02' ? toGcj02(data) : data) as unknown as Parameters<Source['setData']>[0]);
  }, []);

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
      pixelRatio: mapPixelRatio(useAppStore.getState().mapRenderScale, window.devicePixelRatio, webglRenderer().software),
    });
    map.getCanvas().dataset.pixelRatio = String(map.getPixelRatio());
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
      const wx = document.createElement('span');
      wx.className = 'map-wx';
      wx.setAttribute('data-testid', `map-weather-${tower.id}`);
      el.append(dot, label, wx);
      el.addEventListener('mouseenter', () => setHover((h) => (h?.pinned ? h : { towerId: tower.id, pinned: false })));
      el.addEventListener('mouseleave', () => setHover((h) => (h?.pinned ? h : null)));
      el.addEventListener('click', (e) => {
        e.stopPropagation();
        setHover({ towerId: tower.id, pinned: true });
        useAppStore.getState().selectMapTower(tower.id);
      });
      const marker = new maplibregl.Marker({ element: el, anchor: 'left', offset: [-6, 0] }).setLngLat([tower.lon, tower.lat]).addTo(map);
      markers.current.set(tower.id, { el, marker });
    }
    map.on('load', () => {
      map.setGlobalStateProperty('now', Date.now());
      // Well past the towers, so panning never runs off the grid.
      put('graticule', graticuleGeoJson([[bounds[0][0] - 0.6, bounds[0][1] - 0.5], [bounds[1][0] + 0.6, bounds[1][1] + 0.5]]));
      setLoaded(true);
    });
    let raf = 0;
    map.on('mousemove', (e) => {
      cancelAnimationFrame(raf);
      raf = requestAnimationFrame(() => {
        const p = fromMap(e.lngLat);
        if (cursorRef.current) cursorRef.current.textContent = `${formatLatLonDecimal(p, 5)}  ${formatLatLonDms(p)}`;
      });
    });
    map.on('click', (e) => {
      setMenu(null);
      setHover(null);
      if (measureRef.current) {
        setMeasurePts((pts) => [...pts, fromMap(e.lngLat)]);
        return;
      }
      const hit = map.getLayer('hotspots') ? map.queryRenderedFeatures(e.point, { layers: ['hotspots'] })[0] : undefined;
      const hs = hit ? useAppStore.getState().mapHotspots?.hotspots.find((h) => h.id === hit.properties?.id) : undefined;
      setHotspotPick(hs ? { hotspot: hs, x: e.point.x, y: e.point.y } : null);
    });
    map.on('mousemove', 'hotspots', () => (map.getCanvas().style.cursor = 'pointer'));
    map.on('mouseleave', 'hotspots', () => (map.getCanvas().style.cursor = ''));
    map.on('move', () => setViewTick((n) => n + 1));
    map.on('contextmenu', (e) => {
      const at = fromMap(e.lngLat);
      const s = useAppStore.getState().site;
      setMenu({ x: e.point.x, y: e.point.y, at, plan: planSlew(s, at) });
      // The tilt is refined with the ground height there once the host answers.
      if (s?.terrain)
        void planSlewWithTerrain(s, at).then((r) => setMenu((m) => (m && m.at === at ? { ...m, plan: r.plan, ...(r.note ? { note: r.note } : {}) } : m)));
    });
    const owned = markers.current;
    const data = lastData.current;
    return () => {
      cancelAnimationFrame(raf);
      map.remove();
      mapRef.current = null;
      owned.clear();
      data.clear();
      shownHotspots.current = null;
      setLoaded(false);
    };
  }, [site, put, fromMap]);

  // The basemap: the built-in offline map, or one of the site's, checked with the host first.
  // A GCJ-02 basemap moves every overlay and marker onto its datum.
  const setCheck = useAppStore((s) => s.setBasemapCheck);
  useEffect(() => {
    const map = mapRef.current;
    if (!map || !loaded) return;
    let cancelled = false;
    const b = site.basemaps.find((x) => x.id === basemapId);
    const crs: Crs = b?.crs ?? 'wgs84';
    for (const l of map.getStyle().layers) if (isBasemapLayer(l.id)) map.removeLayer(l.id);
    if (map.getSource(BASEMAP_SOURCE)) map.removeSource(BASEMAP_SOURCE);
    setShownCrs(crs);
    if (crs !== crsRef.current) {
      crsRef.current = crs;
      for (const [id, data] of lastData.current) put(id, data);
      for (const tower of site.towers) markers.current.get(tower.id)?.marker.setLngLat(toMap(tower.lat, tower.lon));
    }
    if (!b || basemapId === OFFLINE_BASEMAP) return;
    setCheck(b.id, { state: 'checking' });
    host()
      .call('map:basemapStatus', { id: b.id })
      .then((st) => {
        if (cancelled) return;
        if (!st.ok) {
          setCheck(b.id, { state: 'failed', message: st.message ?? '' });
          return;
        }
        setCheck(b.id, { state: 'ok' });
        map.addSource(BASEMAP_SOURCE, basemapSource(b, st, hostTileUrl(`/api/map/tiles/${encodeURIComponent(b.id)}`)));
        const before = map.getLayer('hillshade') ? 'hillshade' : 'graticule';
        for (const l of basemapLayers(st)) map.addLayer(l, before);
      })
      .catch((e: Error) => !cancelled && setCheck(b.id, { state: 'failed', message: e.message }));
    // Tiles that fail while the map is in use (the server stops answering): the host's reason, in the panel.
    const onError = (e: maplibregl.ErrorEvent & { sourceId?: string }) => {
      if (e.sourceId !== BASEMAP_SOURCE) return;
      const body = (e.error as { body?: Blob }).body;
      const say = (text: string) => !cancelled && setCheck(b.id, { state: 'failed', message: text || e.error.message });
      if (body && typeof body.text === 'function') void body.text().then(say, () => say(e.error.message));
      else say(e.error.message);
    };
    map.on('error', onError);
    return () => {
      cancelled = true;
      map.off('error', onError);
    };
  }, [loaded, basemapId, site, put, toMap, setCheck]);

  // Hillshade from the elevation model, beneath the overlays.
  useEffect(() => {
    const map = mapRef.current;
    if (!map || !loaded || !site.terrain) return;
    let cancelled = false;
    void host()
      .call('map:terrainStatus', {})
      .then((st) => {
        if (cancelled || !st.ok || map.getSource(TERRAIN_SOURCE)) return;
        map.addSource(TERRAIN_SOURCE, { type: 'raster-dem', tiles: [hostTileUrl('/api/map/terrain')], tileSize: 256, encoding: 'mapbox', minzoom: st.minzoom, maxzoom: st.maxzoom, ...(st.bounds ? { bounds: st.bounds } : {}) });
        map.addLayer(
          { id: 'hillshade', type: 'hillshade', source: TERRAIN_SOURCE, paint: { 'hillshade-shadow-color': '#000000', 'hillshade-highlight-color': '#4a5a6c', 'hillshade-accent-color': '#1b2633', 'hillshade-exaggeration': 0.45 } },
          'graticule',
        );
        map.setLayoutProperty('hillshade', 'visibility', useAppStore.getState().mapLayers.terrain ? 'visible' : 'none');
      })
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [loaded, site]);

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
      put('cones', cones);
      for (const f of cones.features) {
        if (f.properties.kind !== 'visible') continue;
        const m = markers.current.get(String(f.properties.towerId));
        if (m) m.el.dataset.bearing = String(f.properties.bearing);
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
  }, [loaded, put]);

  // Tower states.
  useEffect(() => {
    for (const tower of site.towers) {
      const m = markers.current.get(tower.id);
      // The health board's state when the host runs probes (a slow link shows as degraded), else the cameras'.
      const h = towerHealth(healthDevices, tower.id);
      if (m) m.el.dataset.state = h === 'unknown' ? towerState(tower, cameraStatus) : { up: 'online', degraded: 'degraded', down: 'offline' }[h];
    }
  }, [site, cameraStatus, healthDevices, loaded]);

  // Weather beside each tower: wind arrow, temperature, humidity, fire-danger colour.
  useEffect(() => {
    const byTower = new Map(weather.map((w) => [w.towerId, w]));
    for (const tower of site.towers) {
      const m = markers.current.get(tower.id);
      const wx = m?.el.querySelector<HTMLElement>('.map-wx');
      if (wx) fillWeather(wx, layers.weather ? byTower.get(tower.id) : undefined, dangerLevels);
    }
  }, [site, weather, dangerLevels, layers.weather, loaded]);

  // The canvas's resolution follows the render setting (see mapRenderScale).
  const renderScale = useAppStore((s) => s.mapRenderScale);
  useEffect(() => {
    const map = mapRef.current;
    if (!map) return;
    const ratio = mapPixelRatio(renderScale, window.devicePixelRatio, webglRenderer().software);
    if (map.getPixelRatio() !== ratio) map.setPixelRatio(ratio);
    map.getCanvas().dataset.pixelRatio = String(map.getPixelRatio());
  }, [renderScale]);

  // Layer visibility, rings, bearing lines and the fix.
  const sigma = useAppStore((s) => s.mapBearingSigma);
  const bearings = useMemo(() => bearingsGeoJson(site, lines, undefined, sigma), [site, lines, sigma]);
  useEffect(() => {
    const map = mapRef.current;
    if (!map || !loaded) return;
    const vis = (on: boolean) => (on ? 'visible' : 'none');
    map.setLayoutProperty('cones-fill', 'visibility', vis(layers.cones));
    map.setLayoutProperty('cones-line', 'visibility', vis(layers.cones));
    map.setLayoutProperty('rings', 'visibility', vis(layers.rings));
    map.setLayoutProperty('hotspots', 'visibility', vis(layers.hotspots));
    if (map.getLayer('hillshade')) map.setLayoutProperty('hillshade', 'visibility', vis(layers.terrain));
    for (const id of ['bearings', 'fix-ellipse', 'fix-ellipse-line', 'fix-point']) map.setLayoutProperty(id, 'visibility', vis(layers.bearings));
    put('rings', ringsGeoJson(site, range));
    put('bearings', bearings.lines);
    put('fix', bearings.fix);
  }, [loaded, layers, range, site, bearings, put]);

  // Hotspots, coloured by age and sized by confidence. New ones are added to the source as they
  // come (10 000 points are not resent for three new ones); a filter change, a clear or the age window
  // moving on redraws them all.
  const [ageClock, setAgeClock] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setAgeClock(Date.now()), HOTSPOT_AGE_REFRESH_MS);
    return () => clearInterval(id);
  }, []);
  useEffect(() => {
    if (loaded) mapRef.current?.setGlobalStateProperty('now', ageClock);
  }, [loaded, ageClock]);
  const shownHotspots = useRef<{ ids: Set<string>; filter: unknown; clock: number } | null>(null);
  useEffect(() => {
    const map = mapRef.current;
    if (!loaded || !map) return;
    const data = hotspotsGeoJson(hotspots?.hotspots ?? [], ageClock, hotspotFilter);
    const shown = shownHotspots.current;
    const fresh = shown && shown.filter === hotspotFilter && (hotspotFilter.maxAgeHours === null || shown.clock === ageClock) ? data.features.filter((f) => !shown.ids.has(String(f.properties.id))) : undefined;
    const src = map.getSource('hotspots') as Source | undefined;
    if (fresh && shown && data.features.length === shown.ids.size + fresh.length) {
      if (fresh.length === 0) return;
      for (const f of fresh) shown.ids.add(String(f.properties.id));
      lastData.current.set('hotspots', data);
      const add = crsRef.current === 'gcj02' ? toGcj02({ type: 'FeatureCollection', features: fresh }).features : fresh;
      src?.updateData({ add: add as unknown as NonNullable<Parameters<Source['updateData']>[0]['add']> });
      return;
    }
    shownHotspots.current = { ids: new Set(data.features.map((f) => String(f.properties.id))), filter: hotspotFilter, clock: ageClock };
    put('hotspots', data);
  }, [loaded, hotspots, hotspotFilter, ageClock, put]);

  // Single-tower fix point.
  useEffect(() => {
    if (!loaded) return;
    const hit = groundFix?.hit;
    put('groundfix', {
      type: 'FeatureCollection',
      features: hit?.ok && hit.lat !== undefined && hit.lon !== undefined ? [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [hit.lon, hit.lat] } }] : [],
    });
  }, [loaded, groundFix, put]);

  // Measure: clicks add vertices while a tool is on; Escape ends it.
  const measure = useMemo(() => measureGeoJson(measurePts, measureMode === 'area'), [measurePts, measureMode]);
  useEffect(() => {
    if (loaded) put('measure', measure.data);
  }, [loaded, measure, put]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      setMenu(null);
      setHover(null);
      setHotspotPick(null);
      setMeasureMode(null);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const flyTo = useCallback(
    (lat: number, lon: number, zoom = 13) => {
      const map = mapRef.current;
      if (!map) return;
      map.flyTo({ center: toMap(lat, lon), zoom: Math.max(map.getZoom(), zoom), duration: 900 });
      put('search', { type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [lon, lat] } }] });
    },
    [put, toMap],
  );

  // A place asked for elsewhere (an alert's "一张图"): flown to once the map has loaded.
  const flyRequest = useAppStore((s) => s.mapFlyRequest);
  useEffect(() => {
    if (loaded && flyRequest) flyTo(flyRequest.lat, flyRequest.lon, flyRequest.zoom);
  }, [loaded, flyRequest, flyTo]);

  // demo: a tour step's map view and highlighted towers.
  useDemoMap(mapRef, loaded, toMap, fromMap);

  const lookHere = async (plan: SlewPlan) => {
    setMenu(null);
    setHotspotPick(null);
    const ok = await absolute(plan.cameraId, { pan: Math.round(plan.pan * 100) / 100, tilt: Math.round(plan.tilt * 100) / 100 });
    if (!ok) {
      // The refusal (held by someone else, head offline, …) is said here: the PTZ panel may show another camera.
      const notice = useAppStore.getState().ptzNotice;
      setSlewInfo(t('map.slewFailed', { tower: plan.tower.name, reason: notice?.cameraId === plan.cameraId ? notice.text : '' }));
      return;
    }
    useAppStore.getState().openCamera(plan.cameraId);
    useAppStore.getState().selectMapTower(plan.tower.id);
    setSlewInfo(t('map.slewed', { tower: plan.tower.name, bearing: plan.bearing.toFixed(1), dist: (plan.distance / 1000).toFixed(2), tilt: plan.tilt.toFixed(1) }));
  };

  const project = (lat: number, lon: number) => mapRef.current?.project(toMap(lat, lon));
  const hoverTower = hover ? site.towers.find((x) => x.id === hover.towerId) : undefined;
  const hoverPos = hoverTower ? project(hoverTower.lat, hoverTower.lon) : undefined;

  return (
    <section className="map-work" data-testid="map-work">
      <div className="map-canvas" ref={holder} data-testid="map-canvas" data-loaded={loaded} data-crs={shownCrs} />
      <div className="map-cursor" ref={cursorRef} data-testid="map-cursor" />
      <MapTools
        site={site}
        mode={measureMode}
        onMode={(m) => {
          setMeasurePts([]);
          setMeasureMode(m);
        }}
        measure={measure}
        points={measurePts.length}
        onFlyTo={flyTo}
      />
      <MapSidePanel site={site} fix={bearings.result} />
      {slewInfo && (
        <div className="map-toast" data-testid="map-slew" onClick={() => setSlewInfo(null)}>
          {slewInfo}
        </div>
      )}
      {hoverTower && hoverPos && <TowerCard tower={hoverTower} x={hoverPos.x} y={hoverPos.y} pinned={hover?.pinned ?? false} onClose={() => setHover(null)} />}
      {hotspotPick && <HotspotCard site={site} hotspot={hotspotPick.hotspot} x={hotspotPick.x} y={hotspotPick.y} onLook={(towerId, at) => void planSlewWithTerrain(site, at, towerId).then((r) => r.plan && lookHere(r.plan))} onClose={() => setHotspotPick(null)} />}
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
          {menu.note && <div className="map-menu-note">{t('map.flatTilt', { why: menu.note })}</div>}
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
  const hasTerrain = useAppStore((s) => s.site?.terrain ?? false);
  const visible = tower.cameras.find((c) => c.kind === 'visible') ?? tower.cameras[0];
  const openVideo = () => {
    if (!visible) return;
    const s = useAppStore.getState();
    s.openCamera(visible.id);
    if (visible.hasPtz) void takeControl(visible.id, 'operator');
    s.setWorkspace('video');
    onClose();
  };
  const groundFix = async () => {
    if (!pose) return;
    const hit = await host().call('map:groundFix', { towerId: tower.id, bearing: pose.bearing, tilt: pose.tilt }).catch((e: Error) => ({ ok: false, message: e.message }));
    useAppStore.setState({ mapGroundFix: { towerId: tower.id, hit } });
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
          {hasTerrain && (
            <button type="button" data-testid="map-card-groundfix" disabled={!pose} onClick={() => void groundFix()}>
              {t('map.groundFix')}
            </button>
          )}
        </div>
      )}
    </div>
  );
}

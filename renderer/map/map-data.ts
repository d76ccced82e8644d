/**
 * GeoJSON for the map's layers, built from the site, the poses and the operator's bearing lines.
 * Pure functions of their inputs, so the map component only calls `setData`.
 */
import type { Hotspot, PtzPose, SiteView, TowerView } from '../../common/contract';
import { lonLatToGcj02 } from '../../common/gcj02';
import { circleRing, destination, fixFromBearings, latLon, ELLIPSE_95, ellipseRing, inverse, polygonArea, tiltToTarget, type Fix, type LatLon } from '../../common/geo';
import { normalizeBearing, PTZ_LIMITS } from '../../common/ptz';
import { fovOf, lensOf } from '../ptz/lens';
import type { HotspotFilter, MapBearingLine } from './map-slice';

type Ring = [number, number][];
export interface Feature<G> {
  type: 'Feature';
  properties: Record<string, string | number | boolean>;
  geometry: G;
}
export interface Collection<G = Geometry> {
  type: 'FeatureCollection';
  features: Feature<G>[];
}
export type Geometry = { type: 'Polygon'; coordinates: Ring[] } | { type: 'LineString'; coordinates: Ring } | { type: 'Point'; coordinates: [number, number] };

const collection = <G>(features: Feature<G>[]): Collection<G> => ({ type: 'FeatureCollection', features });
export const towerPoint = (t: Pick<TowerView, 'lat' | 'lon'>): LatLon => latLon(t.lat, t.lon);
/** Height of the camera above sea level, m. */
export const cameraHeight = (t: TowerView): number => t.groundElevation + t.mastHeight;

/** The pose of a tower's head (the head carrying its visible camera), if known. */
export function towerPose(t: TowerView, cameraHead: Record<string, string>, poses: Record<string, PtzPose>): PtzPose | undefined {
  for (const c of t.cameras) {
    const head = cameraHead[c.id];
    if (head && poses[head]) return poses[head];
  }
  return undefined;
}

/** Horizontal FOV of a tower's visible camera at the pose's zoom. */
export function towerFov(t: TowerView, pose: PtzPose): number {
  const cam = t.cameras.find((c) => c.kind === 'visible') ?? t.cameras[0];
  return cam ? fovOf(lensOf(cam), pose.zoom).h : 60;
}

/**
 * One view-cone polygon per camera whose head's pose is known (visible and thermal share a head but
 * not a field of view); `towerId`, `kind`, `bearing` and `fov` as properties (rounded to 0.1°).
 */
export function conesGeoJson(site: SiteView | null, cameraHead: Record<string, string>, poses: Record<string, PtzPose>, range: number): Collection {
  if (!site) return collection([]);
  const out: Feature<Geometry>[] = [];
  for (const t of site.towers) {
    for (const cam of t.cameras) {
      const head = cameraHead[cam.id];
      const pose = head ? poses[head] : undefined;
      if (!pose) continue;
      // The thermal camera sees less far than the visible one: its cone is drawn to 60 % of the range.
      const fov = fovOf(lensOf(cam), pose.zoom).h;
      out.push({
        type: 'Feature',
        properties: { towerId: t.id, cameraId: cam.id, kind: cam.kind, bearing: Math.round(pose.bearing * 10) / 10, fov: Math.round(fov * 10) / 10, moving: pose.moving },
        geometry: { type: 'Polygon', coordinates: [viewConeRing(towerPoint(t), pose.bearing, fov, cam.kind === 'thermal' ? range * 0.6 : range)] },
      });
    }
  }
  return collection(out);
}

function viewConeRing(apex: LatLon, bearing: number, fov: number, range: number): Ring {
  // A very narrow cone (32x is ~1.2°) is drawn at least 0.6° wide so it stays visible.
  const f = Math.max(0.6, fov);
  const n = Math.max(2, Math.ceil(f / 2));
  const ring: Ring = [[apex.lon, apex.lat]];
  for (let i = 0; i <= n; i++) {
    const q = destination(apex, bearing - f / 2 + (f * i) / n, range);
    ring.push([q.lon, q.lat]);
  }
  ring.push([apex.lon, apex.lat]);
  return ring;
}

export function ringsGeoJson(site: SiteView | null, range: number): Collection {
  if (!site) return collection([]);
  return collection(
    site.towers.map((t) => ({ type: 'Feature' as const, properties: { towerId: t.id }, geometry: { type: 'LineString' as const, coordinates: circleRing(towerPoint(t), range) } })),
  );
}

/** The graticule every 0.05° over the site's extent (the offline base map has nothing else). */
export function graticuleGeoJson(bounds: [[number, number], [number, number]], step = 0.05): Collection {
  const [[w, s], [e, n]] = bounds;
  const f: Feature<Geometry>[] = [];
  const lo = (v: number) => Math.floor(v / step) * step, hi = (v: number) => Math.ceil(v / step) * step;
  for (let x = lo(w); x <= hi(e) + 1e-9; x += step)
    f.push({ type: 'Feature', properties: { major: Math.abs(x * 10 - Math.round(x * 10)) < 1e-6 }, geometry: { type: 'LineString', coordinates: [[x, lo(s)], [x, hi(n)]] } });
  for (let y = lo(s); y <= hi(n) + 1e-9; y += step)
    f.push({ type: 'Feature', properties: { major: Math.abs(y * 10 - Math.round(y * 10)) < 1e-6 }, geometry: { type: 'LineString', coordinates: [[lo(w), y], [hi(e), y]] } });
  return collection(f);
}

/** Bounding box [[w, s], [e, n]] of the towers, padded. */
export function siteBounds(site: SiteView, pad = 0.06): [[number, number], [number, number]] {
  const lats = site.towers.map((t) => t.lat), lons = site.towers.map((t) => t.lon);
  if (lats.length === 0) return [[119.2, 31.1], [119.5, 31.4]];
  return [[Math.min(...lons) - pad, Math.min(...lats) - pad], [Math.max(...lons) + pad, Math.max(...lats) + pad]];
}

export interface BearingFix {
  fix: Fix;
  /** Per line: tower name, distance (m) and bearing (°) from the tower to the fix. */
  legs: { towerId: string; towerName: string; distance: number; bearing: number }[];
}

/** Lines drawn to `range` and the least-squares fix of all of them (≥ 2 lines on ≥ 2 towers). */
export function bearingsGeoJson(site: SiteView | null, lines: readonly MapBearingLine[], range = 20_000, sigmaDeg = 0.5): { lines: Collection; fix: Collection; result: BearingFix | undefined } {
  if (!site) return { lines: collection([]), fix: collection([]), result: undefined };
  const byId = new Map(site.towers.map((t) => [t.id, t]));
  const usable = lines.filter((l) => byId.has(l.towerId));
  const lineFeatures = usable.map((l) => {
    const from = towerPoint(byId.get(l.towerId) as TowerView);
    const coords: Ring = [];
    for (let i = 0; i <= 20; i++) {
      const q = destination(from, l.bearing, (range * i) / 20);
      coords.push([q.lon, q.lat]);
    }
    return { type: 'Feature' as const, properties: { id: l.id, towerId: l.towerId, bearing: l.bearing }, geometry: { type: 'LineString' as const, coordinates: coords } };
  });
  const towersUsed = new Set(usable.map((l) => l.towerId));
  const fix = towersUsed.size >= 2 ? fixFromBearings(usable.map((l) => ({ from: towerPoint(byId.get(l.towerId) as TowerView), bearing: l.bearing })), sigmaDeg, range * 1.5) : undefined;
  if (!fix) return { lines: collection(lineFeatures), fix: collection([]), result: undefined };
  const result: BearingFix = {
    fix,
    legs: usable.map((l, i) => ({ towerId: l.towerId, towerName: (byId.get(l.towerId) as TowerView).name, distance: fix.legs[i]?.distance ?? 0, bearing: fix.legs[i]?.bearing ?? 0 })),
  };
  const fixFeatures: Feature<Geometry>[] = [
    { type: 'Feature', properties: { kind: 'ellipse' }, geometry: { type: 'Polygon', coordinates: [ellipseRing(fix.point, fix.ellipse, ELLIPSE_95)] } },
    { type: 'Feature', properties: { kind: 'point' }, geometry: { type: 'Point', coordinates: [fix.point.lon, fix.point.lat] } },
  ];
  return { lines: collection(lineFeatures), fix: collection(fixFeatures), result };
}

export interface SlewPlan {
  tower: TowerView;
  cameraId: string;
  pan: number;
  tilt: number;
  distance: number;
  bearing: number;
}

/**
 * Slew-to-cue: the nearest tower whose camera has PTZ (or the one asked for), the pan that points
 * it at the target (true bearing − north offset) and the tilt to the target's ground height — from
 * the elevation model when the site has one, else level with the tower's foot.
 */
export function planSlew(site: SiteView | null, target: LatLon, maxRange = 30_000, targetHeight?: number, towerId?: string): SlewPlan | undefined {
  if (!site) return undefined;
  let best: SlewPlan | undefined;
  for (const t of site.towers) {
    const cam = t.cameras.find((c) => c.hasPtz && c.kind === 'visible') ?? t.cameras.find((c) => c.hasPtz);
    if (!cam || (towerId && t.id !== towerId)) continue;
    const inv = inverse(towerPoint(t), target);
    if (inv.distance > maxRange || (best && inv.distance >= best.distance)) continue;
    const tilt = tiltToTarget(towerPoint(t), cameraHeight(t), target, targetHeight ?? t.groundElevation);
    best = {
      tower: t,
      cameraId: cam.id,
      pan: normalizeBearing(inv.bearing - t.northOffset),
      tilt: Math.min(PTZ_LIMITS.tiltMax, Math.max(PTZ_LIMITS.tiltMin, tilt)),
      distance: inv.distance,
      bearing: inv.bearing,
    };
  }
  return best;
}


/**
 * Measure path: the polyline (or, measuring area, the closed polygon), its vertices, the total
 * geodesic length in metres (perimeter for an area) and the enclosed area in m².
 */
export function measureGeoJson(points: readonly LatLon[], area = false): { data: Collection; total: number; area: number } {
  const closed = area && points.length >= 3;
  const path = closed ? [...points, points[0] as LatLon] : points;
  let total = 0;
  for (let i = 1; i < path.length; i++) total += inverse(path[i - 1] as LatLon, path[i] as LatLon).distance;
  const coords: Ring = path.map((p) => [p.lon, p.lat]);
  const features: Feature<Geometry>[] = points.map((p) => ({ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [p.lon, p.lat] } }));
  if (coords.length >= 2) features.push({ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: coords } });
  if (closed) features.push({ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [coords] } });
  return { data: collection(features), total, area: closed ? polygonArea(points) : 0 };
}

/** Every coordinate of a collection moved onto a GCJ-02 basemap. */
export function toGcj02(c: Collection): Collection {
  const ring = (r: Ring): Ring => r.map(lonLatToGcj02);
  return collection(
    c.features.map((f) => ({
      ...f,
      geometry:
        f.geometry.type === 'Point'
          ? { type: 'Point', coordinates: lonLatToGcj02(f.geometry.coordinates) }
          : f.geometry.type === 'LineString'
            ? { type: 'LineString', coordinates: ring(f.geometry.coordinates) }
            : { type: 'Polygon', coordinates: f.geometry.coordinates.map(ring) },
    })),
  );
}

const LEVEL_RANK = { low: 0, nominal: 1, high: 2 } as const;

/**
 * Hotspots passing the filter as points with their id, acquisition time and confidence class. The
 * layer colours by age from the time and the map's `now` (a global-state value set once a minute), so
 * ageing does not resend the points.
 */
export function hotspotsGeoJson(hotspots: readonly Hotspot[], now: number, filter: HotspotFilter): Collection {
  const minRank = LEVEL_RANK[filter.minLevel];
  const out: Feature<Geometry>[] = [];
  for (const h of hotspots) {
    if (LEVEL_RANK[h.level] < minRank || (filter.maxAgeHours !== null && now - h.at > filter.maxAgeHours * 3_600_000)) continue;
    out.push({ type: 'Feature', properties: { id: h.id, at: h.at, level: h.level }, geometry: { type: 'Point', coordinates: [h.lon, h.lat] } });
  }
  return collection(out);
}

/** The n nearest towers to a point, with distance (m) and the true bearing from each tower to it. */
export function nearestTowers(site: SiteView, p: LatLon, n = 3): { tower: TowerView; distance: number; bearing: number }[] {
  return site.towers
    .map((t) => {
      const inv = inverse(towerPoint(t), p);
      return { tower: t, distance: inv.distance, bearing: inv.bearing };
    })
    .sort((a, b) => a.distance - b.distance)
    .slice(0, n);
}

/**
 * The site's named places nearest to a point (a fix), each with the distance and the direction from
 * the place to the point — "3.2 km north-east of 上沛村" is how a fire is phoned through.
 */
export function nearestPlaces(site: SiteView, p: LatLon, n = 3): { name: string; distance: number; bearing: number }[] {
  return site.places
    .map((x) => {
      const inv = inverse(latLon(x.lat, x.lon), p);
      return { name: x.name, distance: inv.distance, bearing: inv.bearing };
    })
    .sort((a, b) => a.distance - b.distance)
    .slice(0, n);
}

export interface SearchHit {
  kind: 'tower' | 'place' | 'coordinate';
  name: string;
  lat: number;
  lon: number;
  towerId?: string;
}

/** Towers and places whose name contains the text, or a typed coordinate ("31.25, 119.41"). */
export function searchMap(site: SiteView, text: string, limit = 8): SearchHit[] {
  const q = text.trim();
  if (!q) return [];
  const coord = /^(-?\d{1,2}(?:\.\d+)?)\s*[,，\s]\s*(-?\d{1,3}(?:\.\d+)?)$/.exec(q);
  if (coord) {
    const lat = Number(coord[1]), lon = Number(coord[2]);
    if (Math.abs(lat) <= 90 && Math.abs(lon) <= 180) return [{ kind: 'coordinate', name: `${lat.toFixed(5)}, ${lon.toFixed(5)}`, lat, lon }];
  }
  const lower = q.toLowerCase();
  const towers: SearchHit[] = site.towers
    .filter((t) => t.name.includes(q) || t.id.toLowerCase() === lower)
    .map((t) => ({ kind: 'tower', name: t.name, lat: t.lat, lon: t.lon, towerId: t.id }));
  const places: SearchHit[] = site.places.filter((p) => p.name.includes(q)).map((p) => ({ kind: 'place', name: p.name, lat: p.lat, lon: p.lon }));
  return [...towers, ...places].slice(0, limit);
}

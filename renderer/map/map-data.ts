/**
 * GeoJSON for the map's layers, built from the site, the poses and the operator's bearing lines.
 * Pure functions of their inputs, so the map component only calls `setData`.
 */
import type { PtzPose, SiteView, TowerView } from '../../common/contract';
import { circleRing, destination, fixFromBearings, latLon, ELLIPSE_95, ellipseRing, inverse, tiltToTarget, type Fix, type LatLon } from '../../common/geo';
import { normalizeBearing, PTZ_LIMITS } from '../../common/ptz';
import { fovOf, lensOf } from '../ptz/lens';
import type { MapBearingLine } from './map-slice';

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

/** One view-cone polygon per tower with a known pose; `bearing` and `fov` as properties (rounded to 0.1°). */
export function conesGeoJson(site: SiteView | null, cameraHead: Record<string, string>, poses: Record<string, PtzPose>, range: number): Collection {
  if (!site) return collection([]);
  const out: Feature<Geometry>[] = [];
  for (const t of site.towers) {
    const pose = towerPose(t, cameraHead, poses);
    if (!pose) continue;
    const fov = towerFov(t, pose);
    out.push({
      type: 'Feature',
      properties: { towerId: t.id, bearing: Math.round(pose.bearing * 10) / 10, fov: Math.round(fov * 10) / 10, moving: pose.moving },
      geometry: { type: 'Polygon', coordinates: [viewConeRing(towerPoint(t), pose.bearing, fov, range)] },
    });
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
 * Slew-to-cue: the nearest tower whose camera has PTZ, the pan that points it at the target
 * (true bearing − north offset) and the tilt over flat terrain at the tower's ground elevation.
 */
export function planSlew(site: SiteView | null, target: LatLon, maxRange = 30_000): SlewPlan | undefined {
  if (!site) return undefined;
  let best: SlewPlan | undefined;
  for (const t of site.towers) {
    const cam = t.cameras.find((c) => c.hasPtz && c.kind === 'visible') ?? t.cameras.find((c) => c.hasPtz);
    if (!cam) continue;
    const inv = inverse(towerPoint(t), target);
    if (inv.distance > maxRange || (best && inv.distance >= best.distance)) continue;
    const tilt = tiltToTarget(towerPoint(t), cameraHeight(t), target, t.groundElevation);
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


/** Distance-measure path: the polyline, its vertices, and the total geodesic length in metres. */
export function measureGeoJson(points: readonly LatLon[]): { data: Collection; total: number } {
  let total = 0;
  for (let i = 1; i < points.length; i++) total += inverse(points[i - 1] as LatLon, points[i] as LatLon).distance;
  const coords: Ring = points.map((p) => [p.lon, p.lat]);
  const features: Feature<Geometry>[] = coords.map((c) => ({ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: c } }));
  if (coords.length >= 2) features.push({ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: coords } });
  return { data: collection(features), total };
}

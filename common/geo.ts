/**
 * Pure geodesy on the WGS84 ellipsoid for the map: bearings and distances (Vincenty), bearing-line
 * fixes with an uncertainty ellipse, view cones, ray–terrain intersection and tilt to a target.
 *
 * Intersections and fixes are solved ON THE ELLIPSOID: Gauss–Newton on the geodesic bearings
 * from each tower (Vincenty inverse), started from a flat tangent-plane guess. So a two-line
 * intersection is exact to the Vincenty tolerance (well under 1 m at 20 km), not a plane approximation.
 */
import { deg, metres, type Degrees, type Metres } from './units';

/** A geographic point, degrees. */
export interface LatLon {
  lat: Degrees;
  lon: Degrees;
}

export const WGS84 = { a: 6378137, f: 1 / 298.257223563, b: 6356752.314245 } as const;
/** Mean earth radius, m (curvature corrections only). */
export const EARTH_RADIUS = 6371008.8;
/** Standard coefficient of atmospheric refraction: the light path bends with ~1/7.7 of the earth's curvature. */
export const STANDARD_REFRACTION = 0.13;

const RAD = Math.PI / 180;
const norm360 = (d: number): number => ((d % 360) + 360) % 360 + 0;
const signed180 = (d: number): number => {
  const r = norm360(d);
  return r > 180 ? r - 360 : r;
};

export const latLon = (lat: number, lon: number): LatLon => ({ lat: deg(lat), lon: deg(lon) });

// ---------------------------------------------------------------------------------------------
// Vincenty

export interface Inverse {
  distance: Metres;
  /** Initial true bearing from the first point, [0, 360). */
  bearing: Degrees;
  /** Bearing on arrival at the second point, [0, 360). */
  finalBearing: Degrees;
}

/** Distance and bearings between two points (Vincenty's inverse; sub-millimetre except near-antipodal points). */
export function inverse(p1: LatLon, p2: LatLon): Inverse {
  const { a, b, f } = WGS84;
  const L = (p2.lon - p1.lon) * RAD;
  const U1 = Math.atan((1 - f) * Math.tan(p1.lat * RAD));
  const U2 = Math.atan((1 - f) * Math.tan(p2.lat * RAD));
  const sinU1 = Math.sin(U1), cosU1 = Math.cos(U1), sinU2 = Math.sin(U2), cosU2 = Math.cos(U2);
  let lambda = L;
  let sinSigma = 0, cosSigma = 1, sigma = 0, cosSqAlpha = 1, cos2SigmaM = 0, sinLambda = 0, cosLambda = 1;
  for (let i = 0; i < 200; i++) {
    sinLambda = Math.sin(lambda);
    cosLambda = Math.cos(lambda);
    sinSigma = Math.hypot(cosU2 * sinLambda, cosU1 * sinU2 - sinU1 * cosU2 * cosLambda);
    if (sinSigma === 0) return { distance: metres(0), bearing: deg(0), finalBearing: deg(0) };
    cosSigma = sinU1 * sinU2 + cosU1 * cosU2 * cosLambda;
    sigma = Math.atan2(sinSigma, cosSigma);
    const sinAlpha = (cosU1 * cosU2 * sinLambda) / sinSigma;
    cosSqAlpha = 1 - sinAlpha * sinAlpha;
    cos2SigmaM = cosSqAlpha !== 0 ? cosSigma - (2 * sinU1 * sinU2) / cosSqAlpha : 0;
    const C = (f / 16) * cosSqAlpha * (4 + f * (4 - 3 * cosSqAlpha));
    const prev = lambda;
    lambda = L + (1 - C) * f * sinAlpha * (sigma + C * sinSigma * (cos2SigmaM + C * cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM)));
    if (Math.abs(lambda - prev) < 1e-12) break;
  }
  const uSq = (cosSqAlpha * (a * a - b * b)) / (b * b);
  const A = 1 + (uSq / 16384) * (4096 + uSq * (-768 + uSq * (320 - 175 * uSq)));
  const B = (uSq / 1024) * (256 + uSq * (-128 + uSq * (74 - 47 * uSq)));
  const dSigma =
    B * sinSigma * (cos2SigmaM + (B / 4) * (cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM) - (B / 6) * cos2SigmaM * (-3 + 4 * sinSigma * sinSigma) * (-3 + 4 * cos2SigmaM * cos2SigmaM)));
  const s = b * A * (sigma - dSigma);
  const a1 = Math.atan2(cosU2 * sinLambda, cosU1 * sinU2 - sinU1 * cosU2 * cosLambda);
  const a2 = Math.atan2(cosU1 * sinLambda, -sinU1 * cosU2 + cosU1 * sinU2 * cosLambda);
  return { distance: metres(s), bearing: deg(norm360(a1 / RAD)), finalBearing: deg(norm360(a2 / RAD)) };
}

export const distance = (p1: LatLon, p2: LatLon): Metres => inverse(p1, p2).distance;
export const bearing = (p1: LatLon, p2: LatLon): Degrees => inverse(p1, p2).bearing;

/** The point reached from `p` along a geodesic with an initial true bearing and a distance (Vincenty's direct). */
export function destination(p: LatLon, bearingDeg: number, dist: number): LatLon {
  const { a, b, f } = WGS84;
  const alpha1 = bearingDeg * RAD;
  const sinAlpha1 = Math.sin(alpha1), cosAlpha1 = Math.cos(alpha1);
  const tanU1 = (1 - f) * Math.tan(p.lat * RAD);
  const cosU1 = 1 / Math.sqrt(1 + tanU1 * tanU1), sinU1 = tanU1 * cosU1;
  const sigma1 = Math.atan2(tanU1, cosAlpha1);
  const sinAlpha = cosU1 * sinAlpha1;
  const cosSqAlpha = 1 - sinAlpha * sinAlpha;
  const uSq = (cosSqAlpha * (a * a - b * b)) / (b * b);
  const A = 1 + (uSq / 16384) * (4096 + uSq * (-768 + uSq * (320 - 175 * uSq)));
  const B = (uSq / 1024) * (256 + uSq * (-128 + uSq * (74 - 47 * uSq)));
  let sigma = dist / (b * A);
  let sinSigma = 0, cosSigma = 1, cos2SigmaM = 0;
  for (let i = 0; i < 200; i++) {
    cos2SigmaM = Math.cos(2 * sigma1 + sigma);
    sinSigma = Math.sin(sigma);
    cosSigma = Math.cos(sigma);
    const dSigma =
      B * sinSigma * (cos2SigmaM + (B / 4) * (cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM) - (B / 6) * cos2SigmaM * (-3 + 4 * sinSigma * sinSigma) * (-3 + 4 * cos2SigmaM * cos2SigmaM)));
    const prev = sigma;
    sigma = dist / (b * A) + dSigma;
    if (Math.abs(sigma - prev) < 1e-12) break;
  }
  cos2SigmaM = Math.cos(2 * sigma1 + sigma);
  sinSigma = Math.sin(sigma);
  cosSigma = Math.cos(sigma);
  const x = sinU1 * sinSigma - cosU1 * cosSigma * cosAlpha1;
  const lat2 = Math.atan2(sinU1 * cosSigma + cosU1 * sinSigma * cosAlpha1, (1 - f) * Math.hypot(sinAlpha, x));
  const lambda = Math.atan2(sinSigma * sinAlpha1, cosU1 * cosSigma - sinU1 * sinSigma * cosAlpha1);
  const C = (f / 16) * cosSqAlpha * (4 + f * (4 - 3 * cosSqAlpha));
  const L = lambda - (1 - C) * f * sinAlpha * (sigma + C * sinSigma * (cos2SigmaM + C * cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM)));
  return latLon(lat2 / RAD, signed180(p.lon + L / RAD));
}

// ---------------------------------------------------------------------------------------------
// Local tangent plane (east/north metres), used for starting guesses and ellipse axes

function radii(latDeg: number): { mN: number; mE: number } {
  const { a, f } = WGS84;
  const e2 = f * (2 - f);
  const s = Math.sin(latDeg * RAD);
  const w = Math.sqrt(1 - e2 * s * s);
  const N = a / w;
  return { mN: (a * (1 - e2)) / (w * w * w), mE: N * Math.cos(latDeg * RAD) };
}

function toPlane(origin: LatLon, p: LatLon): { e: number; n: number } {
  const { mN, mE } = radii(origin.lat);
  return { e: signed180(p.lon - origin.lon) * RAD * mE, n: (p.lat - origin.lat) * RAD * mN };
}

function fromPlane(origin: LatLon, e: number, n: number): LatLon {
  const { mN, mE } = radii(origin.lat);
  return latLon(origin.lat + n / mN / RAD, signed180(origin.lon + e / mE / RAD));
}

// ---------------------------------------------------------------------------------------------
// Bearing lines and fixes

/** A bearing line: an observer and a true bearing. */
export interface BearingLine {
  from: LatLon;
  bearing: number;
}

/** Uncertainty ellipse: semi-axes in metres, orientation of the major axis as a true bearing. */
export interface Ellipse {
  major: Metres;
  minor: Metres;
  /** Bearing of the major axis, [0, 180). */
  orientation: Degrees;
}

export interface Fix {
  point: LatLon;
  /** 1-σ ellipse for the given bearing error (scale by 2.4477 for 95 %). */
  ellipse: Ellipse;
  /** RMS bearing residual, degrees (0 for two lines). */
  rmsResidual: Degrees;
  /** Distance and bearing from each observer to the fix. */
  legs: { distance: Metres; bearing: Degrees }[];
}

/** Scale of a 1-σ 2-D error ellipse that holds 95 % of the fixes. */
export const ELLIPSE_95 = Math.sqrt(-2 * Math.log(0.05));

/** Flat-plane intersection of two rays, in the plane of `origin`; undefined when parallel or behind. */
function planeIntersect(origin: LatLon, l1: BearingLine, l2: BearingLine): LatLon | undefined {
  const p1 = toPlane(origin, l1.from), p2 = toPlane(origin, l2.from);
  const d1 = { e: Math.sin(l1.bearing * RAD), n: Math.cos(l1.bearing * RAD) };
  const d2 = { e: Math.sin(l2.bearing * RAD), n: Math.cos(l2.bearing * RAD) };
  const den = d1.e * d2.n - d1.n * d2.e;
  if (Math.abs(den) < 1e-9) return undefined;
  const dx = p2.e - p1.e, dy = p2.n - p1.n;
  const t1 = (dx * d2.n - dy * d2.e) / den;
  const t2 = (dx * d1.n - dy * d1.e) / den;
  if (t1 <= 0 || t2 <= 0) return undefined;
  return fromPlane(origin, p1.e + t1 * d1.e, p1.n + t1 * d1.n);
}

/**
 * Least-squares fix of two or more bearing lines on the ellipsoid, with an uncertainty ellipse
 * from a bearing error `sigmaDeg` (default 0.5°) propagated through the geometry: Σ = σ²(JᵀJ)⁻¹,
 * J the derivatives of the geodesic bearings with respect to the fix's east/north position.
 * Undefined when the lines do not meet in front of the observers or meet too obliquely (< 2°).
 */
export function fixFromBearings(lines: readonly BearingLine[], sigmaDeg = 0.5, maxRange = 100_000): Fix | undefined {
  if (lines.length < 2) return undefined;
  // Starting guess: the mean of the pairwise plane intersections.
  const guesses: LatLon[] = [];
  lines.forEach((li, i) =>
    lines.slice(i + 1).forEach((lj) => {
      const g = planeIntersect(li.from, li, lj);
      if (g) guesses.push(g);
    }),
  );
  if (guesses.length === 0) return undefined;
  let p = latLon(guesses.reduce((s, g) => s + g.lat, 0) / guesses.length, guesses.reduce((s, g) => s + g.lon, 0) / guesses.length);
  let JtJ: [number, number, number] = [0, 0, 0];
  for (let iter = 0; iter < 20; iter++) {
    // Normal equations in east/north metres around p.
    let a11 = 0, a12 = 0, a22 = 0, b1 = 0, b2 = 0;
    for (const l of lines) {
      const inv = inverse(l.from, p);
      const d = Math.max(1, inv.distance);
      // Bearing seen from the observer moves with the target's position; the azimuth at the target
      // is the back azimuth's reverse, the direction along which the line passes through p.
      const az = inv.finalBearing * RAD;
      const je = Math.cos(az) / d, jn = -Math.sin(az) / d;
      const r = signed180(l.bearing - inv.bearing) * RAD;
      a11 += je * je; a12 += je * jn; a22 += jn * jn; b1 += je * r; b2 += jn * r;
    }
    const det = a11 * a22 - a12 * a12;
    if (!(det > 0)) return undefined;
    const de = (a22 * b1 - a12 * b2) / det, dn = (a11 * b2 - a12 * b1) / det;
    p = fromPlane(p, de, dn);
    JtJ = [a11, a12, a22];
    if (Math.hypot(de, dn) < 1e-4) break;
  }
  const fixed = p;
  const legs = lines.map((l) => ({ line: l, ...inverse(l.from, fixed) }));
  // In front of every observer and within range.
  for (const g of legs) {
    if (g.distance > maxRange) return undefined;
    if (Math.abs(signed180(g.bearing - g.line.bearing)) > 45) return undefined;
  }
  const [a11, a12, a22] = JtJ;
  const det = a11 * a22 - a12 * a12;
  const s2 = (sigmaDeg * RAD) ** 2;
  // Covariance (east, north).
  const cee = (s2 * a22) / det, cnn = (s2 * a11) / det, cen = (-s2 * a12) / det;
  const tr = cee + cnn, disc = Math.sqrt(((cee - cnn) / 2) ** 2 + cen * cen);
  const l1 = tr / 2 + disc, l2 = Math.max(0, tr / 2 - disc);
  // Major-axis direction in (east, north); its bearing is atan2(east, north).
  const ang = Math.atan2(2 * cen, cee - cnn) / 2; // angle from east, counter-clockwise
  const orientation = norm360(90 - ang / RAD) % 180;
  // Obliqueness: a fix whose ellipse is 50× longer than the lateral error is no fix at all.
  const lateral = Math.max(...legs.map((g) => g.distance)) * sigmaDeg * RAD;
  if (Math.sqrt(l1) > 60 * Math.max(lateral, 1e-6)) return undefined;
  const rms = Math.sqrt(legs.reduce((s, g) => s + signed180(g.line.bearing - g.bearing) ** 2, 0) / legs.length);
  return {
    point: p,
    ellipse: { major: metres(Math.sqrt(l1)), minor: metres(Math.sqrt(l2)), orientation: deg(orientation) },
    rmsResidual: deg(rms),
    legs: legs.map((g) => ({ distance: g.distance, bearing: g.bearing })),
  };
}

/** Intersection of two bearing lines on the ellipsoid; undefined if they do not meet ahead of both. */
export function intersect(l1: BearingLine, l2: BearingLine): LatLon | undefined {
  return fixFromBearings([l1, l2])?.point;
}

/** Ellipse outline as a closed GeoJSON ring of [lon, lat], `scale` times the semi-axes. */
export function ellipseRing(centre: LatLon, e: Ellipse, scale = 1, steps = 48): [number, number][] {
  const ring: [number, number][] = [];
  const th = e.orientation * RAD;
  for (let i = 0; i <= steps; i++) {
    const t = (2 * Math.PI * i) / steps;
    const u = Math.cos(t) * e.major * scale, v = Math.sin(t) * e.minor * scale;
    // u along the major axis (bearing th), v perpendicular to it (bearing th + 90°).
    const east = u * Math.sin(th) + v * Math.cos(th);
    const north = u * Math.cos(th) - v * Math.sin(th);
    const q = fromPlane(centre, east, north);
    ring.push([q.lon, q.lat]);
  }
  return ring;
}

// ---------------------------------------------------------------------------------------------
// Formatting

/** Degrees–minutes–seconds of one coordinate: `31°15′40.3″N`. */
export function formatDms(value: number, axis: 'lat' | 'lon', decimals = 1): string {
  const hemi = axis === 'lat' ? (value < 0 ? 'S' : 'N') : value < 0 ? 'W' : 'E';
  const scale = 10 ** decimals;
  // Round once in tenths of a second so 59.96″ carries into the minutes.
  let total = Math.round(Math.abs(value) * 3600 * scale);
  const d = Math.floor(total / (3600 * scale));
  total -= d * 3600 * scale;
  const m = Math.floor(total / (60 * scale));
  total -= m * 60 * scale;
  const s = (total / scale).toFixed(decimals);
  return `${d}°${String(m).padStart(2, '0')}′${s.padStart(decimals > 0 ? 3 + decimals : 2, '0')}″${hemi}`;
}

/** `31°15′40.3″N 119°21′19.8″E` */
export const formatLatLonDms = (p: LatLon): string => `${formatDms(p.lat, 'lat')} ${formatDms(p.lon, 'lon')}`;

/** `31.261200, 119.355500` */
export const formatLatLonDecimal = (p: LatLon, decimals = 6): string => `${p.lat.toFixed(decimals)}, ${p.lon.toFixed(decimals)}`;

// ---------------------------------------------------------------------------------------------
// View cones

/**
 * Closed polygon ring ([lon, lat] pairs, GeoJSON order) of a camera's horizontal view: the apex,
 * an arc at `range` from bearing − fov/2 to bearing + fov/2, back to the apex.
 */
export function viewCone(apex: LatLon, bearingDeg: number, fovDeg: number, range: number, arcStepDeg = 2): [number, number][] {
  const fov = Math.min(360, Math.max(0, fovDeg));
  const n = Math.max(2, Math.ceil(fov / arcStepDeg));
  const ring: [number, number][] = [[apex.lon, apex.lat]];
  for (let i = 0; i <= n; i++) {
    const q = destination(apex, bearingDeg - fov / 2 + (fov * i) / n, range);
    ring.push([q.lon, q.lat]);
  }
  ring.push([apex.lon, apex.lat]);
  return ring;
}

/** Closed ring of a circle of `radius` metres round a point. */
export function circleRing(centre: LatLon, radius: number, steps = 72): [number, number][] {
  const ring: [number, number][] = [];
  for (let i = 0; i <= steps; i++) {
    const q = destination(centre, (360 * i) / steps, radius);
    ring.push([q.lon, q.lat]);
  }
  return ring;
}

// ---------------------------------------------------------------------------------------------
// Heights: curvature, tilt, ray–terrain

/** How far the earth's surface drops below the tangent plane at distance d, net of refraction, m. */
export function curvatureDrop(d: number, refraction = STANDARD_REFRACTION): Metres {
  return metres((d * d * (1 - refraction)) / (2 * EARTH_RADIUS));
}

/**
 * Elevation angle (tilt, positive up) from a camera at height `fromHeight` (metres above sea) to a
 * target at `toHeight`, over the geodesic distance between them. Earth curvature (with standard
 * refraction) is always applied: it is 1.7 m at 5 km, 6.9 m at 10 km.
 */
export function tiltToTarget(from: LatLon, fromHeight: number, to: LatLon, toHeight: number, refraction = STANDARD_REFRACTION): Degrees {
  const d = distance(from, to);
  if (d < 1e-6) return deg(toHeight >= fromHeight ? 90 : -90);
  const dh = toHeight - fromHeight - curvatureDrop(d, refraction);
  return deg(Math.atan2(dh, d) / RAD);
}

export interface RayHit {
  point: LatLon;
  distance: Metres;
  /** Terrain height at the hit, m. */
  height: Metres;
}

export interface RayOptions {
  maxRange?: number;
  /** Marching step, m; the crossing is then refined by bisection to `tolerance`. */
  step?: number;
  tolerance?: number;
  refraction?: number;
}

/**
 * Where a camera's optical axis meets the terrain: march along the geodesic at `bearing` from the
 * camera height (m above sea), the ray rising tan(tilt) per metre while the ground curves away
 * below it (earth curvature, net of refraction), until it is at or below h(lat, lon); bisect the last step. Undefined
 * when the ray stays above ground to `maxRange`.
 */
export function rayTerrain(
  from: LatLon,
  cameraHeight: number,
  bearingDeg: number,
  tiltDeg: number,
  h: (lat: number, lon: number) => number,
  opts: RayOptions = {},
): RayHit | undefined {
  const maxRange = opts.maxRange ?? 30_000;
  const step = opts.step ?? 30;
  const tol = opts.tolerance ?? 0.5;
  const k = opts.refraction ?? STANDARD_REFRACTION;
  const slope = Math.tan(tiltDeg * RAD);
  const above = (s: number): { q: LatLon; gap: number; ground: number } => {
    const q = s === 0 ? from : destination(from, bearingDeg, s);
    const ground = h(q.lat, q.lon);
    // The ray is straight in the camera's tangent plane; the ground falls away below it by the curvature drop.
    return { q, gap: cameraHeight + s * slope + curvatureDrop(s, k) - ground, ground };
  };
  if (above(0).gap <= 0) return { point: from, distance: metres(0), height: metres(h(from.lat, from.lon)) };
  let prev = 0;
  for (let s = step; s <= maxRange + step; s += step) {
    const d = Math.min(s, maxRange);
    if (above(d).gap <= 0) {
      let lo = prev, hi = d;
      while (hi - lo > tol) {
        const mid = (lo + hi) / 2;
        if (above(mid).gap <= 0) hi = mid;
        else lo = mid;
      }
      const r = above(hi);
      return { point: r.q, distance: metres(hi), height: metres(r.ground) };
    }
    prev = d;
    if (d >= maxRange) break;
  }
  return undefined;
}

/** Nearest of a list of named points; undefined for an empty list. */
export function nearest<T extends { lat: number; lon: number }>(p: LatLon, items: readonly T[]): { item: T; distance: Metres; bearing: Degrees } | undefined {
  let best: { item: T; distance: Metres; bearing: Degrees } | undefined;
  for (const item of items) {
    const inv = inverse(p, latLon(item.lat, item.lon));
    if (!best || inv.distance < best.distance) best = { item, distance: inv.distance, bearing: inv.bearing };
  }
  return best;
}

/**
 * Area enclosed by a ring of points, m² (the closing edge is implied). Spherical excess on the
 * authalic sphere (radius 6371007.2 m, same area as the WGS84 ellipsoid): within 0.5 % for
 * county-sized areas, which is what a fire-area estimate needs.
 */
export function polygonArea(points: readonly LatLon[]): number {
  const n = points.length;
  if (n < 3) return 0;
  const R = 6371007.2;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const p1 = points[i] as LatLon, p2 = points[(i + 1) % n] as LatLon;
    sum += (p2.lon - p1.lon) * RAD * (2 + Math.sin(p1.lat * RAD) + Math.sin(p2.lat * RAD));
  }
  return Math.abs((sum * R * R) / 2);
}

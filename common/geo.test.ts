import { describe, expect, it } from 'vitest';
import {
  circleRing,
  curvatureDrop,
  destination,
  ELLIPSE_95,
  ellipseRing,
  fixFromBearings,
  formatDms,
  formatLatLonDms,
  intersect,
  inverse,
  latLon,
  polygonArea,
  rayTerrain,
  tiltToTarget,
  viewCone,
  type LatLon,
} from './geo';

const dms = (d: number, m: number, s: number) => Math.sign(d) * (Math.abs(d) + m / 60 + s / 3600);
const FLINDERS = latLon(dms(-37, 57, 3.7203), dms(144, 25, 29.5244));
const BUNINYONG = latLon(dms(-37, 39, 10.1561), dms(143, 55, 35.3839));
// Two towers of the simulated site (仙人山, 金山).
const T01 = latLon(31.2612, 119.3555);
const T07 = latLon(31.2854, 119.4186);

describe('Vincenty', () => {
  it('matches the Flinders Peak – Buninyong reference (Vincenty 1975)', () => {
    const r = inverse(FLINDERS, BUNINYONG);
    expect(r.distance).toBeCloseTo(54972.271, 2);
    expect(r.bearing).toBeCloseTo(dms(306, 52, 5.37), 5);
    expect(r.finalBearing).toBeCloseTo(dms(307, 10, 25.07), 5);
  });

  it('gives a degree of the equator and of the meridian', () => {
    expect(inverse(latLon(0, 0), latLon(0, 1)).distance).toBeCloseTo(111319.491, 2);
    expect(inverse(latLon(0, 0), latLon(1, 0)).distance).toBeCloseTo(110574.389, 2);
    expect(inverse(latLon(0, 0), latLon(1, 0)).bearing).toBe(0);
    expect(inverse(T01, T01).distance).toBe(0);
  });

  it('direct inverts inverse', () => {
    const p = destination(FLINDERS, dms(306, 52, 5.37), 54972.271);
    expect(inverse(p, BUNINYONG).distance).toBeLessThan(0.01);
    for (const b of [0, 45, 90, 135, 181, 270, 359]) {
      const q = destination(T01, b, 20_000);
      const r = inverse(T01, q);
      expect(r.distance).toBeCloseTo(20_000, 4);
      expect(Math.abs(((r.bearing - b + 540) % 360) - 180)).toBeLessThan(1e-7);
    }
  });
});

describe('intersection and fix', () => {
  it('intersects two bearing lines exactly on the ellipsoid (< 1 m at 20 km)', () => {
    const truth = destination(T01, 200, 20_000);
    const p = intersect({ from: T01, bearing: inverse(T01, truth).bearing }, { from: T07, bearing: inverse(T07, truth).bearing });
    expect(p).toBeDefined();
    expect(inverse(p as LatLon, truth).distance).toBeLessThan(0.01);
  });

  it('refuses lines that diverge, are parallel or meet behind an observer', () => {
    expect(intersect({ from: T01, bearing: 270 }, { from: T07, bearing: 90 })).toBeUndefined();
    const b = inverse(T01, T07).bearing;
    expect(intersect({ from: T01, bearing: b }, { from: T07, bearing: b })).toBeUndefined();
  });

  it('propagates the bearing error into an ellipse', () => {
    const truth = destination(T01, 150, 5000);
    const fix = fixFromBearings([
      { from: T01, bearing: inverse(T01, truth).bearing },
      { from: T07, bearing: inverse(T07, truth).bearing },
    ]);
    expect(fix).toBeDefined();
    const f = fix as NonNullable<typeof fix>;
    expect(f.ellipse.major).toBeGreaterThan(f.ellipse.minor);
    // Lateral error of one line at ~5 km is 5000·0.5° ≈ 44 m: the axes are of that order.
    expect(f.ellipse.major).toBeGreaterThan(30);
    expect(f.ellipse.major).toBeLessThan(150);
    expect(f.legs[0]?.distance).toBeCloseTo(5000, 1);
    const ring = ellipseRing(f.point, f.ellipse, ELLIPSE_95);
    expect(ring[0]).toEqual(ring[ring.length - 1]);
  });

  it('fixes three bearings by least squares', () => {
    const truth = destination(T01, 120, 6000);
    const T04 = latLon(31.2105, 119.4478);
    const lines = [T01, T07, T04].map((from, i) => ({ from, bearing: inverse(from, truth).bearing + ([0.2, -0.2, 0.1][i] ?? 0) }));
    const fix = fixFromBearings(lines);
    expect(fix).toBeDefined();
    expect(inverse((fix as NonNullable<typeof fix>).point, truth).distance).toBeLessThan(50);
    expect((fix as NonNullable<typeof fix>).rmsResidual).toBeGreaterThan(0);
  });

  // The accuracy test: two towers, a point 5 km from both, bearings with ±0.5° error.
  it('triangulates within 150 m with ±0.5° bearing error (1000 trials)', () => {
    const base = inverse(T01, T07);
    const mid = destination(T01, base.bearing, base.distance / 2);
    const off = Math.sqrt(5000 ** 2 - (base.distance / 2) ** 2);
    const truth = destination(mid, base.bearing + 90, off);
    expect(inverse(T01, truth).distance).toBeCloseTo(5000, -1);
    expect(inverse(T07, truth).distance).toBeCloseTo(5000, -1);
    const rand = mulberry32(20261123);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    const b1 = inverse(T01, truth).bearing, b2 = inverse(T07, truth).bearing;
    const run = (noise: () => number) => {
      const errs: number[] = [];
      let inside95 = 0;
      for (let i = 0; i < 1000; i++) {
        const fix = fixFromBearings([
          { from: T01, bearing: b1 + noise() },
          { from: T07, bearing: b2 + noise() },
        ]);
        if (!fix) throw new Error('no fix');
        const e = inverse(fix.point, truth);
        errs.push(e.distance);
        // Inside the 95 % ellipse? (Mahalanobis distance in the ellipse's axes.)
        const th = ((e.bearing - fix.ellipse.orientation) * Math.PI) / 180;
        const u = e.distance * Math.cos(th), v = e.distance * Math.sin(th);
        if ((u / fix.ellipse.major) ** 2 + (v / fix.ellipse.minor) ** 2 <= ELLIPSE_95 ** 2) inside95++;
      }
      errs.sort((a, b) => a - b);
      return { median: errs[500] ?? NaN, p95: errs[950] ?? NaN, max: errs[999] ?? NaN, inside95: inside95 / 1000 };
    };
    const uniform = run(() => (rand() * 2 - 1) * 0.5);
    const normal = run(() => gauss() * 0.5);
    console.log(
      `triangulation, 2 towers ${(base.distance / 1000).toFixed(2)} km apart, target 5 km from each, 1000 trials:\n` +
        `  uniform ±0.5°: median ${uniform.median.toFixed(1)} m, p95 ${uniform.p95.toFixed(1)} m, max ${uniform.max.toFixed(1)} m\n` +
        `  normal σ=0.5°: median ${normal.median.toFixed(1)} m, p95 ${normal.p95.toFixed(1)} m, max ${normal.max.toFixed(1)} m, inside 95 % ellipse ${(normal.inside95 * 100).toFixed(1)} %`,
    );
    expect(uniform.max).toBeLessThan(150);
    expect(normal.p95).toBeLessThan(150);
    // The propagated ellipse is honest: about 95 % of normal-error fixes fall inside it.
    expect(normal.inside95).toBeGreaterThan(0.92);
    expect(normal.inside95).toBeLessThan(0.98);
  });
});

describe('formatting', () => {
  it('formats DMS', () => {
    expect(formatDms(dms(31, 15, 40.3), 'lat')).toBe('31°15′40.3″N');
    expect(formatDms(-dms(37, 57, 3.72), 'lat')).toBe('37°57′03.7″S');
    expect(formatDms(119.99999, 'lon')).toBe('120°00′00.0″E');
    expect(formatLatLonDms(latLon(31.2612, 119.3555))).toBe('31°15′40.3″N 119°21′19.8″E');
  });
});

describe('view cone', () => {
  it('is a closed ring from the apex with the arc at range', () => {
    const ring = viewCone(T01, 90, 20, 5000);
    expect(ring[0]).toEqual([T01.lon, T01.lat]);
    expect(ring[ring.length - 1]).toEqual(ring[0]);
    for (const [lon, lat] of ring.slice(1, -1)) expect(inverse(T01, latLon(lat, lon)).distance).toBeCloseTo(5000, 3);
    const first = ring[1] as [number, number], last = ring[ring.length - 2] as [number, number];
    expect(inverse(T01, latLon(first[1], first[0])).bearing).toBeCloseTo(80, 6);
    expect(inverse(T01, latLon(last[1], last[0])).bearing).toBeCloseTo(100, 6);
    expect(circleRing(T01, 1000).length).toBe(73);
  });
});

describe('heights', () => {
  it('curvature drop with refraction', () => {
    expect(curvatureDrop(5000, 0)).toBeCloseTo(1.962, 2);
    expect(curvatureDrop(10_000)).toBeCloseTo(6.83, 1);
  });

  it('tilt to a target', () => {
    // 100 m lower at 1 km, flat: atan(−100/1000) ≈ −5.71°.
    const t = destination(T01, 0, 1000);
    expect(tiltToTarget(T01, 400, t, 300)).toBeCloseTo(-5.7106, 2);
    // Same height at 10 km looks slightly down because of the curvature.
    const far = destination(T01, 0, 10_000);
    expect(tiltToTarget(T01, 400, far, 400)).toBeLessThan(-0.03);
    expect(tiltToTarget(T01, 400, far, 400, 0)).toBeCloseTo((-Math.atan2(7.85, 10_000) * 180) / Math.PI, 3);
  });

  it('ray meets flat ground where the tilt says', () => {
    const hit = rayTerrain(T01, 400, 45, -5.7106, () => 300, { refraction: 0, step: 50, tolerance: 0.1 });
    expect(hit).toBeDefined();
    expect(hit?.distance).toBeGreaterThan(995);
    expect(hit?.distance).toBeLessThan(1002);
    expect(rayTerrain(T01, 400, 45, 5, () => 300, { maxRange: 5000 })).toBeUndefined();
  });

  it('ray meets a ridge before the flat ground', () => {
    // A 50 m high ridge, 500 m north of the camera.
    const ridgeLat = destination(T01, 0, 500).lat;
    const h = (lat: number) => (lat > ridgeLat ? 350 : 300);
    const hit = rayTerrain(T01, 400, 0, -5.7106, h, { refraction: 0, tolerance: 0.1 });
    expect(hit?.distance).toBeGreaterThan(499);
    expect(hit?.distance).toBeLessThan(502);
    expect(hit?.height).toBe(350);
  });

  it('round trip: tilt to a point, ray back to it', () => {
    const target = destination(T01, 230, 7000);
    const tilt = tiltToTarget(T01, 380, target, 200);
    const hit = rayTerrain(T01, 380, 230, tilt, () => 200, { tolerance: 0.05 });
    expect(hit?.distance).toBeCloseTo(7000, -1);
  });
});

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('area', () => {
  it('measures a 1° × 1° cell at the equator and a small square in Liyang', () => {
    // The exact cell area on the authalic sphere: R² · Δλ · (sin φ2 − sin φ1).
    const R = 6371007.2;
    const cell = R * R * (Math.PI / 180) * Math.sin(Math.PI / 180);
    expect(polygonArea([latLon(0, 0), latLon(0, 1), latLon(1, 1), latLon(1, 0)])).toBeCloseTo(cell, -3);
    // ~1 km × 1 km built from geodesic distances: within 0.5 % of 1 km².
    const a = latLon(31.2, 119.4);
    const b = destination(a, 90, 1000), c = destination(b, 0, 1000), d = destination(a, 0, 1000);
    expect(Math.abs(polygonArea([a, b, c, d]) - 1e6) / 1e6).toBeLessThan(0.005);
    expect(polygonArea([a, b])).toBe(0);
  });
});

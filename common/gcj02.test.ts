import { describe, expect, it } from 'vitest';
import { gcj02ToWgs84, lonLatToGcj02, outOfChina, wgs84ToGcj02 } from './gcj02';
import { distance, latLon } from './geo';

// Reference pairs published with the eviltransform library (wgsLat, wgsLon, gcjLat, gcjLon).
const REFERENCE = [
  [31.1774276, 121.5272106, 31.17530398364597, 121.531541859215], // Shanghai
  [22.543847, 113.912316, 22.540796131694766, 113.9171764808363], // Shenzhen
  [39.911954, 116.377817, 39.91334545536069, 116.38404722455657], // Beijing
] as const;

describe('GCJ-02', () => {
  it('matches the published reference values', () => {
    for (const [wLat, wLon, gLat, gLon] of REFERENCE) {
      const g = wgs84ToGcj02(wLat, wLon);
      expect(g.lat).toBeCloseTo(gLat, 9);
      expect(g.lon).toBeCloseTo(gLon, 9);
    }
  });
  it('shifts Liyang by a few hundred metres and leaves places outside China alone', () => {
    const p = { lat: 31.2612, lon: 119.3555 };
    const g = wgs84ToGcj02(p.lat, p.lon);
    const d = distance(latLon(p.lat, p.lon), latLon(g.lat, g.lon));
    expect(d).toBeGreaterThan(200);
    expect(d).toBeLessThan(800);
    expect(outOfChina(48.85, 2.35)).toBe(true);
    expect(wgs84ToGcj02(48.85, 2.35)).toEqual({ lat: 48.85, lon: 2.35 });
  });
  it('inverts to under a centimetre', () => {
    for (const [wLat, wLon, gLat, gLon] of REFERENCE) {
      const w = gcj02ToWgs84(gLat, gLon);
      expect(distance(latLon(w.lat, w.lon), latLon(wLat, wLon))).toBeLessThan(0.01);
    }
  });
  it('transforms GeoJSON [lon, lat] pairs', () => {
    const [lon, lat] = lonLatToGcj02([121.5272106, 31.1774276]);
    expect(lat).toBeCloseTo(31.17530398364597, 9);
    expect(lon).toBeCloseTo(121.531541859215, 9);
  });
});

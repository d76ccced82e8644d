import { describe, expect, it } from 'vitest';
import { decodeElevation, encodeElevation, lonLatOfTile, tileOf, tilesCovering, tmsRow } from './tiles';

describe('tile arithmetic', () => {
  it('places known points on their tiles', () => {
    // Zoom 0 is one tile; the equator/meridian crossing is its centre.
    expect(tileOf(0, 0, 0)).toEqual({ x: 0.5, y: 0.5 });
    // The Web-Mercator edge (85.0511°) is the top of the world; 180° W its left side.
    expect(tileOf(85.05112878, -180, 5).y).toBeCloseTo(0, 6);
    expect(tileOf(85.05112878, -180, 5).x).toBe(0);
    // Liyang at z12: x from the longitude alone, y below the equator row (2048) northwards.
    const t = tileOf(31.2612, 119.3555, 12);
    expect(t.x).toBeCloseTo(((119.3555 + 180) / 360) * 4096, 9);
    expect(Math.floor(t.y)).toBe(1673);
  });
  it('inverts', () => {
    const t = tileOf(31.2, 119.4, 13);
    const p = lonLatOfTile(t.x, t.y, 13);
    expect(p.lat).toBeCloseTo(31.2, 9);
    expect(p.lon).toBeCloseTo(119.4, 9);
  });
  it('covers a box and flips rows for TMS', () => {
    const tiles = tilesCovering({ west: 119.2, south: 31.1, east: 119.6, north: 31.4 }, 10);
    expect(tiles.length).toBeGreaterThan(1);
    for (const [x, y] of tiles) {
      const nw = lonLatOfTile(x, y, 10), se = lonLatOfTile(x + 1, y + 1, 10);
      expect(nw.lon < 119.6 && se.lon > 119.2 && se.lat < 31.4 && nw.lat > 31.1).toBe(true);
    }
    expect(tmsRow(0, 3)).toBe(7);
  });
});

describe('terrain-RGB', () => {
  it('round-trips elevations in both encodings', () => {
    for (const h of [-50, 0, 12.3, 352, 1536.7, 8848]) {
      const [r, g, b] = encodeElevation(h);
      expect(decodeElevation(r, g, b)).toBeCloseTo(h, 1);
      const [r2, g2, b2] = encodeElevation(h, 'terrarium');
      expect(Math.abs(decodeElevation(r2, g2, b2, 'terrarium') - h)).toBeLessThan(1 / 256 + 1e-9);
    }
  });
  it('decodes the reference pixel of the Mapbox spec (sea level is 1, 134, 160)', () => {
    expect(decodeElevation(1, 134, 160)).toBeCloseTo(0, 6);
    expect(decodeElevation(128, 0, 0, 'terrarium')).toBe(0);
  });
});

/**
 * Web-Mercator tile arithmetic (XYZ scheme, 256-px tiles) and the terrain-RGB elevation encoding,
 * shared by the host's DEM sampler and the simulated site's tile generator.
 */

/** Fractional tile coordinates of a point at zoom z (XYZ: y grows southwards). */
export function tileOf(lat: number, lon: number, z: number): { x: number; y: number } {
  const n = 2 ** z;
  const latRad = (Math.max(-85.05112878, Math.min(85.05112878, lat)) * Math.PI) / 180;
  return {
    x: ((lon + 180) / 360) * n,
    y: ((1 - Math.log(Math.tan(latRad) + 1 / Math.cos(latRad)) / Math.PI) / 2) * n,
  };
}

/** The point at fractional tile coordinates (inverse of tileOf). */
export function lonLatOfTile(x: number, y: number, z: number): { lat: number; lon: number } {
  const n = 2 ** z;
  const lon = (x / n) * 360 - 180;
  const lat = (Math.atan(Math.sinh(Math.PI * (1 - (2 * y) / n))) * 180) / Math.PI;
  return { lat, lon };
}

/** Tiles [x, y] at zoom z covering a box (inclusive). */
export function tilesCovering(bounds: { west: number; south: number; east: number; north: number }, z: number): Array<[number, number]> {
  const a = tileOf(bounds.north, bounds.west, z), b = tileOf(bounds.south, bounds.east, z);
  const out: Array<[number, number]> = [];
  for (let x = Math.floor(a.x); x <= Math.floor(b.x); x++) for (let y = Math.floor(a.y); y <= Math.floor(b.y); y++) out.push([x, y]);
  return out;
}

/** MBTiles stores rows in the TMS scheme (y grows northwards). */
export const tmsRow = (y: number, z: number): number => 2 ** z - 1 - y;

export type DemEncoding = 'mapbox' | 'terrarium';

/** Elevation (m) of one terrain-RGB pixel. */
export function decodeElevation(r: number, g: number, b: number, encoding: DemEncoding = 'mapbox'): number {
  return encoding === 'terrarium' ? r * 256 + g + b / 256 - 32768 : -10000 + (r * 65536 + g * 256 + b) * 0.1;
}

/** Terrain-RGB pixel of an elevation (m), 0.1 m steps (mapbox) or 1/256 m (terrarium). */
export function encodeElevation(h: number, encoding: DemEncoding = 'mapbox'): [number, number, number] {
  if (encoding === 'terrarium') {
    const v = Math.max(0, Math.min(65535.996, h + 32768));
    return [Math.floor(v / 256), Math.floor(v) % 256, Math.floor((v - Math.floor(v)) * 256)];
  }
  const v = Math.max(0, Math.min(16777215, Math.round((h + 10000) * 10)));
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

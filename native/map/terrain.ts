import { decodeElevation, tileOf, type DemEncoding } from '../../common/tiles';
import { MbtilesFile, TileFileError } from './mbtiles';
import { decodePng } from './png';

/** A point the elevation model cannot answer for (outside its tiles, or a tile it cannot read). */
export class DemRangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DemRangeError';
  }
}

/** Ground elevation from terrain-RGB tiles: sampled at the file's most detailed zoom, bilinear between pixel centres. */
export interface Dem {
  /** The most detailed zoom (sampled) and the least detailed one present. */
  readonly zoom: number;
  readonly minZoom: number;
  /** West, south, east, north of the tiles present at that zoom. */
  readonly bounds: [number, number, number, number];
  /** Elevation in metres above sea level; throws DemRangeError where there is no data. */
  elevation(lat: number, lon: number): number;
  /** The tile as stored, for the map's hillshade (XYZ coordinates). */
  tile(z: number, x: number, y: number): Uint8Array | undefined;
  close(): void;
}

const CACHE_TILES = 64;

export async function openDem(path: string, encoding: DemEncoding = 'mapbox'): Promise<Dem> {
  const file = await MbtilesFile.open(path);
  const zooms = file.zoomRange();
  if (!zooms) throw new TileFileError(`${path} holds no tiles`);
  const zoom = zooms.max;
  const b = file.metadata.bounds?.split(',').map(Number);
  const bounds = (b && b.length === 4 && b.every(Number.isFinite) ? b : [-180, -85, 180, 85]) as [number, number, number, number];
  const cache = new Map<string, { width: number; data: Uint8Array } | null>();
  const pixels = (x: number, y: number) => {
    const key = `${x}/${y}`;
    let hit = cache.get(key);
    if (hit === undefined) {
      const raw = file.tile(zoom, x, y);
      if (!raw) hit = null;
      else {
        try {
          const img = decodePng(raw);
          hit = { width: img.width, data: img.data };
        } catch (e) {
          throw new DemRangeError(`elevation tile ${zoom}/${x}/${y} cannot be read: ${(e as Error).message}`);
        }
      }
      if (cache.size >= CACHE_TILES) cache.delete(cache.keys().next().value as string);
      cache.set(key, hit);
    }
    return hit;
  };
  const at = (px: number, py: number, lat: number, lon: number): number => {
    // Global pixel coordinates at this zoom; tile size comes from the tile itself.
    const tx = Math.floor(px), ty = Math.floor(py);
    const img = pixels(tx, ty);
    if (!img) throw new DemRangeError(`no elevation data at ${lat.toFixed(5)}, ${lon.toFixed(5)}: outside the elevation model (it covers ${bounds.map((v) => v.toFixed(3)).join(', ')})`);
    const size = img.width;
    const fx = Math.min(size - 1, Math.max(0, (px - tx) * size - 0.5));
    const fy = Math.min(size - 1, Math.max(0, (py - ty) * size - 0.5));
    const x0 = Math.floor(fx), y0 = Math.floor(fy), x1 = Math.min(size - 1, x0 + 1), y1 = Math.min(size - 1, y0 + 1);
    const h = (x: number, y: number) => {
      const i = (y * size + x) * 4;
      return decodeElevation(img.data[i]!, img.data[i + 1]!, img.data[i + 2]!, encoding);
    };
    const ax = fx - x0, ay = fy - y0;
    return (h(x0, y0) * (1 - ax) + h(x1, y0) * ax) * (1 - ay) + (h(x0, y1) * (1 - ax) + h(x1, y1) * ax) * ay;
  };
  return {
    zoom,
    minZoom: zooms.min,
    bounds,
    elevation(lat, lon) {
      if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 85) throw new DemRangeError(`no elevation data at ${lat}, ${lon}: not a map position`);
      const t = tileOf(lat, lon, zoom);
      return at(t.x, t.y, lat, lon);
    },
    tile: (z, x, y) => file.tile(z, x, y),
    close: () => file.close(),
  };
}

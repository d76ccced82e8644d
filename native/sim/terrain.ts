import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeElevation, lonLatOfTile, tilesCovering } from '../../common/tiles';
import { writeMbtiles } from '../map/mbtiles';
import { encodePng } from '../map/png';
import { SIMULATED_TOWERS } from '../site/simulated';

/**
 * The simulated site's hills: one smooth summit under each tower (its top at the tower's ground
 * elevation) over a valley floor with gentle folds. Written at run time as two MBTiles files — a
 * terrain-RGB elevation model and a shaded-relief raster basemap — so the tile paths of a real site
 * are exercised without binaries in the repository.
 */

const FLOOR_M = 40;
/** Width (standard deviation) of a summit, m. */
const HILL_SIGMA_M = 1400;
/** Rounding of the soft maximum, m. */
const SOFTNESS_M = 20;
const M_PER_DEG_LAT = 110_900;
const M_PER_DEG_LON = 95_000; // at 31° N

/** Terrain height of the simulated site, m above sea level. */
export function simulatedHeight(lat: number, lon: number): number {
  // A soft maximum of the summits: where two hills meet the saddle is rounded, not creased.
  let sum = 0;
  for (const t of SIMULATED_TOWERS) {
    const dy = (lat - t.lat) * M_PER_DEG_LAT, dx = (lon - t.lon) * M_PER_DEG_LON;
    const d2 = dx * dx + dy * dy;
    if (d2 > 36 * HILL_SIGMA_M * HILL_SIGMA_M) continue;
    sum += Math.expm1(((t.elev - FLOOR_M) * Math.exp(-d2 / (2 * HILL_SIGMA_M * HILL_SIGMA_M))) / SOFTNESS_M);
  }
  const top = SOFTNESS_M * Math.log1p(sum);
  // Folds in several directions and wavelengths (1.5–6 km), fading out towards the summits so each
  // tower stands on its own surveyed height.
  const folds =
    11 * Math.sin(lat * 310 + lon * 120) + 8 * Math.sin(-lat * 150 + lon * 345 + 1.3) + 6 * Math.sin(lat * 530 - lon * 260 + 0.7) + 9 * Math.sin(lat * 95 + lon * 70 + 2.1);
  return FLOOR_M + top + folds * (1 - Math.min(1, top / 150));
}

/** Area of the simulated maps: the towers and 0.12° around them. */
export const SIM_MAP_BOUNDS = (() => {
  const lats = SIMULATED_TOWERS.map((t) => t.lat), lons = SIMULATED_TOWERS.map((t) => t.lon);
  return { west: Math.min(...lons) - 0.12, south: Math.min(...lats) - 0.12, east: Math.max(...lons) + 0.12, north: Math.max(...lats) + 0.12 };
})();

const TILE = 256;

function renderTile(z: number, x: number, y: number, pixel: (h: number, hx: number, hy: number, out: Uint8Array, i: number) => void): Uint8Array {
  const out = new Uint8Array(TILE * TILE * 3);
  // Heights on a (TILE+1)² lattice of pixel corners; slopes from neighbours for the shading.
  const grid = new Float64Array((TILE + 1) * (TILE + 1));
  for (let j = 0; j <= TILE; j++) {
    for (let i = 0; i <= TILE; i++) {
      const p = lonLatOfTile(x + i / TILE, y + j / TILE, z);
      grid[j * (TILE + 1) + i] = simulatedHeight(p.lat, p.lon);
    }
  }
  for (let j = 0; j < TILE; j++) {
    for (let i = 0; i < TILE; i++) {
      const a = grid[j * (TILE + 1) + i]!, b = grid[j * (TILE + 1) + i + 1]!, c = grid[(j + 1) * (TILE + 1) + i]!, d = grid[(j + 1) * (TILE + 1) + i + 1]!;
      pixel((a + b + c + d) / 4, (b + d - a - c) / 2, (c + d - a - b) / 2, out, (j * TILE + i) * 3);
    }
  }
  return out;
}

function* tiles(minZoom: number, maxZoom: number, pixel: Parameters<typeof renderTile>[3]) {
  for (let z = minZoom; z <= maxZoom; z++) {
    for (const [x, y] of tilesCovering(SIM_MAP_BOUNDS, z)) yield { z, x, y, data: encodePng(TILE, TILE, renderTile(z, x, y, pixel), 3) };
  }
}

const boundsText = `${SIM_MAP_BOUNDS.west},${SIM_MAP_BOUNDS.south},${SIM_MAP_BOUNDS.east},${SIM_MAP_BOUNDS.north}`;

/** Writes the elevation model (terrain-RGB, Mapbox encoding, zoom 8–12; ~25 m pixels at the top zoom). */
export async function writeSimulatedDem(path: string): Promise<void> {
  await writeMbtiles(path, { name: '模拟站点高程', format: 'png', type: 'baselayer', encoding: 'mapbox', minzoom: '8', maxzoom: '12', bounds: boundsText }, tiles(8, 12, (h, _hx, _hy, out, i) => out.set(encodeElevation(h), i)));
}

/** Writes the shaded-relief basemap (dark tints for a dim room, light from the north-west), zoom 8–12. */
export async function writeSimulatedBasemap(path: string): Promise<void> {
  const pixel = (h: number, hx: number, hy: number, out: Uint8Array, i: number) => {
    const t = Math.min(1, Math.max(0, (h - FLOOR_M) / 500));
    // Valley green-grey to ridge ochre-grey; shading from the slope facing the north-west light.
    const shade = Math.max(0.55, Math.min(1.35, 1 + (-hx - hy) * 0.035));
    out[i] = Math.min(255, (22 + 38 * t) * shade);
    out[i + 1] = Math.min(255, (34 + 30 * t) * shade);
    out[i + 2] = Math.min(255, (30 + 14 * t) * shade);
  };
  await writeMbtiles(path, { name: '模拟站点地形晕渲', format: 'png', type: 'baselayer', minzoom: '8', maxzoom: '12', bounds: boundsText, attribution: '模拟数据' }, tiles(8, 12, pixel));
}

/** Version of the generator: bump it when the terrain or the tiles change, so old caches are not reused. */
const GENERATION = 1;

/**
 * The two files, generated once per machine into a cache folder (a few seconds of work) and reused.
 * Writes go to a temporary name first, so a half-written file is never picked up.
 */
export async function simulatedMapFiles(dir = join(tmpdir(), `skywatch-sim-map-v${GENERATION}`)): Promise<{ basemap: string; dem: string }> {
  mkdirSync(dir, { recursive: true });
  const basemap = join(dir, 'liyang-relief.mbtiles'), dem = join(dir, 'liyang-dem.mbtiles');
  for (const [file, write] of [[basemap, writeSimulatedBasemap], [dem, writeSimulatedDem]] as const) {
    if (existsSync(file)) continue;
    const part = `${file}.${process.pid}.part`;
    await write(part);
    renameSync(part, file);
  }
  return { basemap, dem };
}

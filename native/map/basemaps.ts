import { open, stat, type FileHandle } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { PMTiles, TileType, type Source } from 'pmtiles';
import type { BasemapStatus } from '../../common/contract';
import type { BasemapConfig } from '../../common/site';
import { tileOf } from '../../common/tiles';
import { fetchFailure } from './fetch-error';
import { MbtilesFile, TileFileError } from './mbtiles';

/**
 * The site's basemaps behind one interface: tile files on this machine (MBTiles, PMTiles) and
 * XYZ/WMTS services fetched by the host (their keys stay here; one place says why a map is blank).
 */

/** One tile as served: bytes, type and (vector tiles) whether they are gzip-compressed. */
export interface Tile {
  data: Uint8Array;
  contentType: string;
  gzip: boolean;
}

export interface TileSource {
  status(): Promise<BasemapStatus>;
  /** The tile, undefined where the source has none; throws a TileFileError saying why it cannot be had. */
  tile(z: number, x: number, y: number): Promise<Tile | undefined>;
  close(): Promise<void>;
}

const UPSTREAM_TIMEOUT_MS = 8000;

function sniff(data: Uint8Array): { contentType: string; gzip: boolean; format: string } {
  if (data[0] === 0x89 && data[1] === 0x50) return { contentType: 'image/png', gzip: false, format: 'png' };
  if (data[0] === 0xff && data[1] === 0xd8) return { contentType: 'image/jpeg', gzip: false, format: 'jpg' };
  if (data[0] === 0x52 && data[1] === 0x49 && data[8] === 0x57) return { contentType: 'image/webp', gzip: false, format: 'webp' };
  if (data[0] === 0x1f && data[1] === 0x8b) return { contentType: 'application/x-protobuf', gzip: true, format: 'pbf' };
  return { contentType: 'application/x-protobuf', gzip: false, format: 'pbf' };
}

const vectorLayersOf = (json: unknown): string[] => {
  const layers = (json as { vector_layers?: Array<{ id?: unknown }> } | undefined)?.vector_layers;
  return Array.isArray(layers) ? layers.flatMap((l) => (typeof l.id === 'string' ? [l.id] : [])) : [];
};

const failed = (id: string, message: string): BasemapStatus => ({ id, ok: false, message, type: 'raster', minzoom: 0, maxzoom: 22, vectorLayers: [] });

/** A tile source that opens its file on first use and reopens it after a failure (the file may appear later). */
function lazy<T>(id: string, openIt: () => Promise<T>, describe: (f: T) => BasemapStatus, read: (f: T, z: number, x: number, y: number) => Promise<Tile | undefined>, closeIt: (f: T) => Promise<void> | void): TileSource {
  let opened: Promise<T> | undefined;
  const get = () => {
    opened ??= openIt();
    opened.catch(() => (opened = undefined));
    return opened;
  };
  return {
    async status() {
      try {
        return describe(await get());
      } catch (e) {
        return failed(id, (e as Error).message);
      }
    },
    tile: async (z, x, y) => read(await get(), z, x, y),
    async close() {
      const f = await opened?.catch(() => undefined);
      if (f !== undefined) await closeIt(f);
    },
  };
}

function mbtilesSource(id: string, path: string): TileSource {
  return lazy(
    id,
    () => MbtilesFile.open(path),
    (f) => {
      const m = f.metadata;
      const zooms = f.zoomRange();
      const format = m.format ?? 'png';
      const vector = format === 'pbf' || format === 'mvt';
      let json: unknown;
      try {
        json = m.json ? JSON.parse(m.json) : undefined;
      } catch {
        json = undefined;
      }
      const b = m.bounds?.split(',').map(Number);
      return {
        id,
        ok: true,
        type: vector ? 'vector' : 'raster',
        format,
        minzoom: Number(m.minzoom ?? zooms?.min ?? 0),
        maxzoom: Number(m.maxzoom ?? zooms?.max ?? 22),
        ...(b && b.length === 4 && b.every(Number.isFinite) ? { bounds: b as [number, number, number, number] } : {}),
        vectorLayers: vector ? vectorLayersOf(json) : [],
      };
    },
    async (f, z, x, y) => {
      const data = f.tile(z, x, y);
      return data ? { data, ...sniff(data) } : undefined;
    },
    (f) => f.close(),
  );
}

/** PMTiles read by byte ranges from the file: nothing is loaded whole. */
class FileRangeSource implements Source {
  constructor(
    private readonly path: string,
    private readonly fh: FileHandle,
  ) {}
  getKey = () => this.path;
  async getBytes(offset: number, length: number) {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await this.fh.read(buf, 0, length, offset);
    return { data: buf.buffer.slice(buf.byteOffset, buf.byteOffset + bytesRead) as ArrayBuffer };
  }
}

const PMTILES_FORMAT: Record<number, string> = { [TileType.Mvt]: 'pbf', [TileType.Png]: 'png', [TileType.Jpeg]: 'jpg', [TileType.Webp]: 'webp', [TileType.Avif]: 'avif' };

function pmtilesSource(id: string, path: string): TileSource {
  interface Opened {
    fh: FileHandle;
    pm: PMTiles;
    status: BasemapStatus;
  }
  return lazy<Opened>(
    id,
    async () => {
      const info = await stat(path).catch((e: NodeJS.ErrnoException) => {
        throw new TileFileError(e.code === 'ENOENT' ? `file not found: ${path}` : `cannot read ${path}: ${e.code ?? e.message}`);
      });
      if (!info.isFile()) throw new TileFileError(`not a file: ${path}`);
      const fh = await open(path, 'r');
      try {
        const pm = new PMTiles(new FileRangeSource(path, fh));
        const h = await pm.getHeader().catch((e: Error) => {
          throw new TileFileError(`${path} is not a PMTiles v3 archive: ${e.message}`);
        });
        const format = PMTILES_FORMAT[h.tileType] ?? 'unknown';
        const vector = h.tileType === TileType.Mvt;
        const meta = vector ? await pm.getMetadata().catch(() => undefined) : undefined;
        return {
          fh,
          pm,
          status: { id, ok: true, type: vector ? 'vector' : 'raster', format, minzoom: h.minZoom, maxzoom: h.maxZoom, bounds: [h.minLon, h.minLat, h.maxLon, h.maxLat], vectorLayers: vectorLayersOf(meta) },
        };
      } catch (e) {
        await fh.close();
        throw e;
      }
    },
    (f) => f.status,
    async (f, z, x, y) => {
      const r = await f.pm.getZxy(z, x, y);
      if (!r) return undefined;
      const data = new Uint8Array(r.data);
      return { data, ...sniff(data) };
    },
    (f) => f.fh.close(),
  );
}

/** Fills a tile URL template: {z} {x} {y} {-y} {s} {key} and the WMTS names. */
export function tileUrl(b: Extract<BasemapConfig, { kind: 'xyz' }>, z: number, x: number, y: number): string {
  const sub = b.subdomains.length ? b.subdomains[(x + y) % b.subdomains.length]! : '';
  return b.url
    .replaceAll('{z}', String(z))
    .replaceAll('{TileMatrix}', String(z))
    .replaceAll('{x}', String(x))
    .replaceAll('{TileCol}', String(x))
    .replaceAll('{y}', String(y))
    .replaceAll('{TileRow}', String(y))
    .replaceAll('{-y}', String(2 ** z - 1 - y))
    .replaceAll('{s}', sub)
    .replaceAll('{key}', encodeURIComponent(b.key ?? ''));
}

/** The URL as it may be shown or logged: the key replaced by ***. */
const redact = (url: string, key: string | undefined): string => (key ? url.replaceAll(encodeURIComponent(key), '***') : url);

function xyzSource(b: Extract<BasemapConfig, { kind: 'xyz' }>, probeAt: { lat: number; lon: number }): TileSource {
  const fetchTile = async (z: number, x: number, y: number): Promise<Tile | undefined> => {
    const url = tileUrl(b, z, x, y);
    const host = new URL(url).host;
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS), headers: { 'user-agent': 'SkyWatch-Command-Wall' } });
    } catch (e) {
      const why = fetchFailure(e, UPSTREAM_TIMEOUT_MS / 1000);
      throw new TileFileError(`tile server ${host} cannot be reached: ${why}`);
    }
    if (res.status === 404 || res.status === 204) return undefined;
    if (!res.ok) throw new TileFileError(`tile server ${host} answered HTTP ${res.status}${res.status === 401 || res.status === 403 ? ' (is the key right?)' : ''} for ${redact(url, b.key)}`);
    const data = new Uint8Array(await res.arrayBuffer());
    const type = res.headers.get('content-type') ?? '';
    if (/xml|html|json|text/.test(type)) throw new TileFileError(`tile server ${host} sent ${type.split(';')[0]} instead of a tile: ${Buffer.from(data.subarray(0, 160)).toString('utf8').replace(/\s+/g, ' ')}`);
    return { data, ...sniff(data) };
  };
  return {
    async status() {
      const z = Math.min(b.maxzoom, Math.max(b.minzoom, 10));
      const at = tileOf(probeAt.lat, probeAt.lon, z);
      try {
        const t = await fetchTile(z, Math.floor(at.x), Math.floor(at.y));
        return { id: b.id, ok: true, type: 'raster', format: t ? sniff(t.data).format : 'unknown', minzoom: b.minzoom, maxzoom: b.maxzoom, vectorLayers: [] };
      } catch (e) {
        return failed(b.id, (e as Error).message);
      }
    },
    tile: fetchTile,
    close: async () => undefined,
  };
}

export interface Basemaps {
  get(id: string): TileSource | undefined;
  close(): Promise<void>;
}

/** Tile sources for the site's basemaps; file paths are relative to `baseDir` (the site file's folder). */
export function createBasemaps(basemaps: readonly BasemapConfig[], baseDir: string, probeAt: { lat: number; lon: number }): Basemaps {
  const sources = new Map<string, TileSource>();
  for (const b of basemaps) {
    const path = 'path' in b ? (isAbsolute(b.path) ? b.path : resolve(baseDir, b.path)) : '';
    sources.set(b.id, b.kind === 'mbtiles' ? mbtilesSource(b.id, path) : b.kind === 'pmtiles' ? pmtilesSource(b.id, path) : xyzSource(b, probeAt));
  }
  return {
    get: (id) => sources.get(id),
    close: async () => {
      await Promise.all([...sources.values()].map((s) => s.close()));
    },
  };
}

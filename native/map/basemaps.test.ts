import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { zxyToTileId } from 'pmtiles';
import { describe, expect, it } from 'vitest';
import { createBasemaps, tileUrl } from './basemaps';
import { writeMbtiles } from './mbtiles';
import { encodePng } from './png';

const dir = mkdtempSync(join(tmpdir(), 'basemaps-'));

function varints(values: number[]): Buffer {
  const out: number[] = [];
  for (let v of values) {
    while (v >= 0x80) {
      out.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    out.push(v);
  }
  return Buffer.from(out);
}

/** A PMTiles v3 archive, uncompressed directories, written by hand from the spec (no writer on npm). */
function writePmtiles(path: string, tiles: { z: number; x: number; y: number; data: Buffer }[], tileType: number): void {
  const entries = tiles.map((t) => ({ id: zxyToTileId(t.z, t.x, t.y), data: t.data })).sort((a, b) => a.id - b.id);
  let offset = 0;
  const placed = entries.map((e) => {
    const p = { ...e, offset, length: e.data.length };
    offset += e.data.length;
    return p;
  });
  const dirBuf = Buffer.concat([
    varints([placed.length]),
    varints(placed.map((e, i) => (i === 0 ? e.id : e.id - placed[i - 1]!.id))),
    varints(placed.map(() => 1)),
    varints(placed.map((e) => e.length)),
    varints(placed.map((e, i) => (i > 0 && e.offset === placed[i - 1]!.offset + placed[i - 1]!.length ? 0 : e.offset + 1))),
  ]);
  const meta = Buffer.from('{"vector_layers":[{"id":"roads"}]}');
  const data = Buffer.concat(placed.map((e) => e.data));
  const h = Buffer.alloc(127);
  h.write('PMTiles', 0, 'ascii');
  h[7] = 3;
  const u64 = (pos: number, v: number) => h.writeBigUInt64LE(BigInt(v), pos);
  u64(8, 127);
  u64(16, dirBuf.length);
  u64(24, 127 + dirBuf.length);
  u64(32, meta.length);
  u64(40, 127 + dirBuf.length + meta.length);
  u64(48, 0);
  u64(56, 127 + dirBuf.length + meta.length);
  u64(64, data.length);
  u64(72, placed.length);
  u64(80, placed.length);
  u64(88, placed.length);
  h[96] = 1; // clustered
  h[97] = 1; // internal compression: none
  h[98] = tileType === 1 ? 2 : 1; // tile compression: gzip for vector, none for images
  h[99] = tileType;
  h[100] = 10;
  h[101] = 10;
  h.writeInt32LE(119.2e7, 102);
  h.writeInt32LE(31.1e7, 106);
  h.writeInt32LE(119.6e7, 110);
  h.writeInt32LE(31.4e7, 114);
  h[118] = 10;
  h.writeInt32LE(119.4e7, 119);
  h.writeInt32LE(31.25e7, 123);
  writeFileSync(path, Buffer.concat([h, dirBuf, meta, data]));
}

describe('tile files', () => {
  it('reads a raster PMTiles archive by ranges', async () => {
    const a = encodePng(4, 4, new Uint8Array(48).fill(10), 3), b = encodePng(4, 4, new Uint8Array(48).fill(99), 3);
    writePmtiles(join(dir, 'county.pmtiles'), [{ z: 10, x: 851, y: 418, data: a }, { z: 10, x: 852, y: 418, data: b }], 2);
    const maps = createBasemaps([{ id: 'pm', name: 'pm', kind: 'pmtiles', path: 'county.pmtiles', crs: 'wgs84' }], dir, { lat: 31.25, lon: 119.4 });
    const src = maps.get('pm')!;
    const st = await src.status();
    expect(st).toMatchObject({ ok: true, type: 'raster', format: 'png', minzoom: 10, maxzoom: 10 });
    expect(st.bounds![0]).toBeCloseTo(119.2, 5);
    expect(Buffer.from((await src.tile(10, 852, 418))!.data).equals(b)).toBe(true);
    expect(await src.tile(10, 853, 418)).toBeUndefined();
    await maps.close();
  });
  it('reads vector tiles: layer names from the metadata, gzip passed on as it is', async () => {
    const pbf = gzipSync(Buffer.from([0x1a, 0x00]));
    writePmtiles(join(dir, 'roads.pmtiles'), [{ z: 10, x: 851, y: 418, data: pbf }], 1);
    await writeMbtiles(join(dir, 'roads.mbtiles'), { name: 'roads', format: 'pbf', minzoom: '10', maxzoom: '10', json: '{"vector_layers":[{"id":"roads"},{"id":"water"}]}' }, [{ z: 10, x: 851, y: 418, data: pbf }]);
    const maps = createBasemaps(
      [
        { id: 'pmv', name: 'v', kind: 'pmtiles', path: 'roads.pmtiles', crs: 'wgs84' },
        { id: 'mbv', name: 'v', kind: 'mbtiles', path: 'roads.mbtiles', crs: 'gcj02' },
        { id: 'gone', name: 'g', kind: 'pmtiles', path: 'gone.pmtiles', crs: 'wgs84' },
      ],
      dir,
      { lat: 31.25, lon: 119.4 },
    );
    expect(await maps.get('pmv')!.status()).toMatchObject({ ok: true, type: 'vector', format: 'pbf', vectorLayers: ['roads'] });
    expect(await maps.get('mbv')!.status()).toMatchObject({ ok: true, type: 'vector', vectorLayers: ['roads', 'water'] });
    const t = (await maps.get('mbv')!.tile(10, 851, 418))!;
    expect(t).toMatchObject({ contentType: 'application/x-protobuf', gzip: true });
    expect((await maps.get('gone')!.status()).message).toMatch(/file not found: .*gone\.pmtiles/);
    await maps.close();
  });
});

describe('tile URL templates', () => {
  const base = { id: 'x', name: 'x', kind: 'xyz' as const, crs: 'wgs84' as const, tileSize: 256 as const, minzoom: 0, maxzoom: 18 };
  it('fills XYZ, TMS and WMTS placeholders, rotates subdomains and puts in the key', () => {
    expect(tileUrl({ ...base, url: 'https://t{s}.example/{z}/{x}/{y}.png?tk={key}', subdomains: ['0', '1'], key: 'a b' }, 3, 1, 2)).toBe('https://t1.example/3/1/2.png?tk=a%20b');
    expect(tileUrl({ ...base, url: 'https://e/{z}/{x}/{-y}.png', subdomains: [] }, 3, 1, 2)).toBe('https://e/3/1/5.png');
    expect(tileUrl({ ...base, url: 'http://e/wmts?TILEMATRIX={TileMatrix}&TILEROW={TileRow}&TILECOL={TileCol}', subdomains: [] }, 12, 3406, 1673)).toBe('http://e/wmts?TILEMATRIX=12&TILEROW=1673&TILECOL=3406');
  });
});

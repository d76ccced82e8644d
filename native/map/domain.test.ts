import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostEvents } from '../../common/contract';
import { bearing, destination, latLon, tiltToTarget } from '../../common/geo';
import { validateSite, type SiteConfig } from '../../common/site';
import { EventBus } from '../host/event-bus';
import { systemContext } from '../host/registry';
import { buildSimulatedSite } from '../site/simulated';
import { simulatedHeight, simulatedMapFiles } from '../sim/terrain';
import { startWeatherSim, type WeatherSim } from '../sim/weather';
import { createMapDomain, type MapDomain } from './domain';
import { writeMbtiles } from './mbtiles';
import { decodePng, encodePng } from './png';

const dir = mkdtempSync(join(tmpdir(), 'skywatch-map-'));
const ctx = systemContext('test');
let upstream: ReturnType<typeof createServer>;
let upstreamUrl = '';
let closedPort = 0;
let weather: WeatherSim;
let domain: MapDomain;
let site: SiteConfig;
const events: Array<{ name: string; payload: unknown }> = [];

/** Calls the domain's HTTP route and collects the answer. */
async function get(path: string): Promise<{ status: number; body: Buffer; headers: Record<string, string | string[] | number | undefined> }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let status = 0;
    let headers = {};
    const res = {
      writeHead(s: number, h: Record<string, string>) {
        status = s;
        headers = h ?? {};
        return res;
      },
      end(b?: Uint8Array | string) {
        if (b) chunks.push(Buffer.from(b));
        resolve({ status, body: Buffer.concat(chunks), headers });
      },
    } as unknown as ServerResponse;
    void domain.route({} as IncomingMessage, res, path).then((handled) => {
      if (!handled) resolve({ status: -1, body: Buffer.alloc(0), headers: {} });
    });
  });
}

beforeAll(async () => {
  // A one-tile raster MBTiles, a tile server that answers, and one that answers 403.
  const red = encodePng(256, 256, new Uint8Array(256 * 256 * 3).fill(200), 3);
  await writeMbtiles(join(dir, 'county.mbtiles'), { name: 'county', format: 'png', minzoom: '10', maxzoom: '10' }, [{ z: 10, x: 851, y: 418, data: red }]);
  writeFileSync(join(dir, 'broken.mbtiles'), 'this is not SQLite');
  upstream = createServer((req, res) => {
    if (/[?&](tk|key)=good(&|$)/.test(req.url ?? '')) res.writeHead(200, { 'content-type': 'image/png' }).end(red);
    else res.writeHead(403, { 'content-type': 'text/plain' }).end('bad key');
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  // A port that nothing listens on any more.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  weather = await startWeatherSim({ stations: [{ id: 't01-ws', elevationM: 377 }, { id: 't02-ws', elevationM: 143 }] });
  const map = await simulatedMapFiles();
  const sim = buildSimulatedSite({ rtspBase: 'rtsp://127.0.0.1:1', map, weatherStation: (id) => weather.urlOf(id) });
  const v = validateSite({
    ...sim,
    basemaps: [
      ...sim.basemaps,
      { id: 'county', name: '县局底图', kind: 'mbtiles', path: 'county.mbtiles' },
      { id: 'missing', name: '缺失', kind: 'mbtiles', path: 'nowhere/none.mbtiles' },
      { id: 'broken', name: '坏文件', kind: 'mbtiles', path: 'broken.mbtiles' },
      { id: 'tdt', name: '天地图', kind: 'xyz', url: `${upstreamUrl}/img_w/wmts?TILEMATRIX={TileMatrix}&TILEROW={TileRow}&TILECOL={TileCol}&tk={key}`, key: 'good', crs: 'wgs84' },
      { id: 'tdt-bad', name: '天地图（错误密钥）', kind: 'xyz', url: `${upstreamUrl}/{z}/{x}/{y}.png?key={key}`, key: 'wrong' },
      { id: 'dead', name: '无应答', kind: 'xyz', url: `http://127.0.0.1:${closedPort}/{z}/{x}/{y}.png` },
    ],
  });
  if (!v.ok) throw new Error(JSON.stringify(v.issues));
  site = v.site;
  // A hot, dry, windy afternoon at one station and a cool damp one at the other, before the first poll.
  weather.override('t01-ws', { temperatureC: 28, humidityPct: 22, windSpeedMs: 6.5, windFromDeg: 315 });
  weather.override('t02-ws', { temperatureC: 12, humidityPct: 80, windSpeedMs: 1 });
  const bus = new EventBus();
  bus.onAny((name, payload) => events.push({ name, payload }));
  domain = createMapDomain({ site, siteDir: dir, dataDir: dir, bus, log: () => undefined });
}, 120_000);

afterAll(async () => {
  await domain.close();
  await weather.close();
  upstream.close();
});

describe('basemaps', () => {
  it('opens an MBTiles file and serves its tiles with TMS rows flipped', async () => {
    const s = await domain.handlers['map:basemapStatus']!({ id: 'county' }, ctx);
    expect(s).toMatchObject({ ok: true, type: 'raster', format: 'png', minzoom: 10, maxzoom: 10 });
    const t = await get('/api/map/tiles/county/10/851/418');
    expect(t.status).toBe(200);
    expect(t.headers['content-type']).toBe('image/png');
    expect(decodePng(t.body).data[0]).toBe(200);
    expect((await get('/api/map/tiles/county/10/851/419')).status).toBe(204);
    expect((await get('/api/map/tiles/county/3/9/0')).status).toBe(400);
  });
  it('says why a file cannot be used, and the others keep working', async () => {
    const missing = await domain.handlers['map:basemapStatus']!({ id: 'missing' }, ctx);
    expect(missing.ok).toBe(false);
    expect(missing.message).toMatch(/file not found: .*nowhere\/none\.mbtiles/);
    expect((await domain.handlers['map:basemapStatus']!({ id: 'broken' }, ctx)).message).toMatch(/not an MBTiles \(SQLite\) file/);
    const t = await get('/api/map/tiles/missing/10/851/418');
    expect(t.status).toBe(502);
    expect(t.body.toString()).toMatch(/file not found/);
    expect((await domain.handlers['map:basemapStatus']!({ id: 'sim-relief' }, ctx)).ok).toBe(true);
  });
  it('fetches WMTS/XYZ tiles through the host and reports a wrong key or a server that does not answer', async () => {
    expect(await domain.handlers['map:basemapStatus']!({ id: 'tdt' }, ctx)).toMatchObject({ ok: true, format: 'png' });
    expect((await get('/api/map/tiles/tdt/10/851/418')).status).toBe(200);
    const bad = await domain.handlers['map:basemapStatus']!({ id: 'tdt-bad' }, ctx);
    expect(bad.message).toMatch(/HTTP 403 \(is the key right\?\)/);
    expect(bad.message).not.toContain('wrong');
    const dead = await domain.handlers['map:basemapStatus']!({ id: 'dead' }, ctx);
    expect(dead.ok).toBe(false);
    expect(dead.message).toMatch(new RegExp(`tile server 127\\.0\\.0\\.1:${closedPort} cannot be reached: ECONNREFUSED`));
    expect((await domain.handlers['map:basemapStatus']!({ id: 'nope' }, ctx)).message).toMatch(/no basemap "nope"/);
  });
});

describe('terrain', () => {
  it('reads the simulated hills from the elevation model, and says where it has no data', async () => {
    const t01 = site.towers[0]!;
    const r = await domain.handlers['map:elevation']!({ points: [{ lat: t01.lat, lon: t01.lon }, { lat: 31.2, lon: 119.42 }, { lat: 40, lon: 110 }] }, ctx);
    expect(Math.abs(r.heights[0]! - t01.groundElevation)).toBeLessThan(2);
    expect(Math.abs(r.heights[1]! - simulatedHeight(31.2, 119.42))).toBeLessThan(3);
    expect(r.heights[2]).toBeNull();
    expect(r.message).toMatch(/no elevation data at 40\.00000, 110\.00000: outside the elevation model/);
    expect(await domain.handlers['map:terrainStatus']!({}, ctx)).toMatchObject({ ok: true, minzoom: 8, maxzoom: 12 });
    const dem = await get('/api/map/terrain/0/0/0');
    expect(dem.status).toBe(204);
  });
  it('single-tower fix: the camera axis meets the ground where the tilt to that spot says', async () => {
    const tower = site.towers[0]!;
    const from = latLon(tower.lat, tower.lon);
    const target = destination(from, 140, 3500);
    const ground = simulatedHeight(target.lat, target.lon);
    const tilt = tiltToTarget(from, tower.groundElevation + tower.mastHeight, target, ground);
    const hit = await domain.handlers['map:groundFix']!({ towerId: tower.id, bearing: bearing(from, target), tilt }, ctx);
    expect(hit.ok).toBe(true);
    // Ground and ray are nearly parallel far out, so metres of height are tens of metres along the ground.
    expect(Math.abs(hit.distance! - 3500)).toBeLessThan(150);
    const up = await domain.handlers['map:groundFix']!({ towerId: tower.id, bearing: 140, tilt: 5 }, ctx);
    expect(up.ok).toBe(false);
    expect(up.message).toMatch(/leaves the elevation model|above the terrain/);
  });
});

describe('hotspots', () => {
  it('imports the good rows of a partly bad file and counts the bad ones', async () => {
    const csv = [
      'latitude,longitude,brightness,scan,track,acq_date,acq_time,satellite,confidence,version,bright_t31,frp,daynight',
      '31.2100,119.4000,330.1,1.0,1.0,2026-11-20,0512,N,h,2.0NRT,290.2,12.5,D',
      '31.2200,119.4100,310.0,1.0,1.0,2026-11-20,0512,N,n,2.0NRT,288.0,3.1,D',
      '31.23,abc,310,1,1,2026-11-20,0512,N,n,2.0NRT,288,3,D',
      '31.24,119.42,310,1,1,2026-13-40,0512,N,n,2.0NRT,288,3,D',
      '31.2100,119.4000,330.1,1.0,1.0,2026-11-20,0512,N,h,2.0NRT,290.2,12.5,D',
    ].join('\n');
    const r = await domain.handlers['map:importHotspots']!({ source: 'viirs.csv', text: csv, firstLine: 1 }, ctx);
    expect(r).toMatchObject({ imported: 2, duplicates: 1, rejected: 2 });
    expect(r.errors.map((e) => e.line)).toEqual([4, 5]);
    expect(r.errors[0]!.reason).toMatch(/longitude is not a number/);
    const state = await domain.handlers['map:hotspots']!({}, ctx);
    expect(state.hotspots.map((h) => h.level).sort()).toEqual(['high', 'nominal']);
    const change = events.filter((e) => e.name === 'map:hotspots').at(-1)?.payload as HostEvents['map:hotspots'];
    expect(change.added.map((h) => h.level).sort()).toEqual(['high', 'nominal']);
    expect(change.cleared).toBe(false);
    const wrong = await domain.handlers['map:importHotspots']!({ source: 'x.csv', text: 'name,value\nfoo,1' }, ctx);
    expect(wrong.message).toMatch(/missing required column\(s\) latitude, longitude, acq_date, acq_time/);
    const enc = await domain.handlers['map:importHotspots']!({ source: 'gbk.csv', text: 'latitude,longitude\n\uFFFD\uFFFD' }, ctx);
    expect(enc.message).toMatch(/not UTF-8/);
  });
});

describe('weather stations', () => {
  it('polls the stations, colours by the fire-danger thresholds, and marks one that does not answer', async () => {
    const first = await domain.handlers['map:weather']!({}, ctx);
    expect(first.levels.map((l) => l.level)).toEqual([2, 3, 4, 5]);
    let readings: HostEvents['map:weather']['readings'] | undefined;
    for (let i = 0; i < 100 && !readings; i++) {
      readings = (events.find((e) => e.name === 'map:weather')?.payload as HostEvents['map:weather'] | undefined)?.readings;
      if (!readings) await new Promise((r) => setTimeout(r, 100));
    }
    expect(readings).toBeDefined();
    expect(readings!.find((x) => x.stationId === 't01-ws')).toMatchObject({ ok: true, temperatureC: 28, danger: 5, windFromDeg: 315 });
    expect(readings!.find((x) => x.stationId === 't02-ws')).toMatchObject({ ok: true, danger: 0 });
    // The simulator runs two stations only: the third address answers 404.
    expect(readings!.find((x) => x.stationId === 't03-ws')).toMatchObject({ ok: false, message: 'HTTP 404' });
  }, 20_000);
});

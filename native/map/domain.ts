import type { IncomingMessage, ServerResponse } from 'node:http';
import { isAbsolute, join, resolve } from 'node:path';
import type { GroundHit } from '../../common/contract';
import { latLon, rayTerrain } from '../../common/geo';
import type { SiteConfig } from '../../common/site';
import type { Logger } from '../host/dispatch';
import type { EventBus } from '../host/event-bus';
import type { HandlerMap } from '../host/registry';
import { createBasemaps, type Tile } from './basemaps';
import { createHotspotStore } from './hotspots';
import { DemRangeError, openDem, type Dem } from './terrain';
import { startWeatherPoller } from './weather';

/**
 * The one map's host side: tiles of the site's basemaps and elevation model over HTTP, ground
 * fixes on the terrain, satellite hotspots and the weather stations (docs/map.md).
 */

const TILE_PATH = /^\/api\/map\/tiles\/([A-Za-z0-9][A-Za-z0-9_-]{0,63})\/(\d{1,2})\/(\d{1,8})\/(\d{1,8})$/;
const TERRAIN_PATH = /^\/api\/map\/terrain\/(\d{1,2})\/(\d{1,8})\/(\d{1,8})$/;

export interface MapDomain {
  handlers: HandlerMap;
  /** Serves /api/map/… tile requests (the token is already checked); false when the path is not one. */
  route(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean>;
  close(): Promise<void>;
}

function sendTile(res: ServerResponse, tile: Tile | undefined): void {
  // 204: maplibre draws nothing there and asks no more; a 404 would be reported as an error.
  if (!tile) {
    res.writeHead(204, { 'cache-control': 'max-age=300' }).end();
    return;
  }
  res.writeHead(200, { 'content-type': tile.contentType, 'content-length': tile.data.length, 'cache-control': 'max-age=3600', ...(tile.gzip ? { 'content-encoding': 'gzip' } : {}) });
  res.end(tile.data);
}

export function createMapDomain(opts: { site: SiteConfig; siteDir: string; dataDir: string; bus: EventBus; log: Logger }): MapDomain {
  const { site, log } = opts;
  const centre = site.site.center ?? { lat: site.towers[0]?.lat ?? 0, lon: site.towers[0]?.lon ?? 0 };
  const basemaps = createBasemaps(site.basemaps, opts.siteDir, centre);
  let dem: Promise<Dem> | undefined;
  const demOf = (): Promise<Dem> => {
    const t = site.terrain;
    if (!t) return Promise.reject(new DemRangeError('this site has no elevation model (terrain in the site file)'));
    dem ??= openDem(isAbsolute(t.path) ? t.path : resolve(opts.siteDir, t.path), t.encoding);
    dem.catch((e: Error) => {
      log('warn', `elevation model: ${e.message}`);
      dem = undefined;
    });
    return dem;
  };
  const hotspots = createHotspotStore({
    file: join(opts.dataDir, 'map', 'hotspots.json'),
    url: site.hotspots?.url,
    intervalMinutes: site.hotspots?.intervalMinutes ?? 30,
    onChange: (s) => opts.bus.emit('map:hotspots', s),
    log,
  });
  const weather = startWeatherPoller(site, { onReadings: (readings) => opts.bus.emit('map:weather', { readings }), log });

  const handlers: HandlerMap = {
    'map:basemapStatus': async ({ id }) => {
      const src = basemaps.get(id);
      if (!src) return { id, ok: false, message: `no basemap "${id}" in the site file`, type: 'raster', minzoom: 0, maxzoom: 22, vectorLayers: [] };
      return src.status();
    },
    'map:terrainStatus': async () => {
      try {
        const d = await demOf();
        return { id: 'terrain', ok: true, type: 'raster', format: 'png', minzoom: d.minZoom, maxzoom: d.zoom, bounds: d.bounds, vectorLayers: [] };
      } catch (e) {
        return { id: 'terrain', ok: false, message: (e as Error).message, type: 'raster', minzoom: 0, maxzoom: 22, vectorLayers: [] };
      }
    },
    'map:elevation': async ({ points }) => {
      let model: Dem;
      try {
        model = await demOf();
      } catch (e) {
        return { heights: points.map(() => null), message: (e as Error).message };
      }
      let message: string | undefined;
      const heights = points.map((p) => {
        try {
          return Math.round(model.elevation(p.lat, p.lon) * 10) / 10;
        } catch (e) {
          if (!(e instanceof DemRangeError)) throw e;
          message ??= e.message;
          return null;
        }
      });
      return { heights, ...(message ? { message } : {}) };
    },
    'map:groundFix': async ({ towerId, bearing, tilt }): Promise<GroundHit> => {
      const tower = site.towers.find((t) => t.id === towerId);
      if (!tower) return { ok: false, message: `no tower "${towerId}"` };
      let model: Dem;
      try {
        model = await demOf();
      } catch (e) {
        return { ok: false, message: (e as Error).message };
      }
      try {
        const hit = rayTerrain(latLon(tower.lat, tower.lon), tower.groundElevation + tower.mastHeight, bearing, tilt, (lat, lon) => model.elevation(lat, lon), { maxRange: 30_000 });
        if (!hit) return { ok: false, message: `the camera looks above the terrain (tilt ${tilt.toFixed(1)}°): no ground within 30 km` };
        return { ok: true, lat: hit.point.lat, lon: hit.point.lon, height: Math.round(hit.height * 10) / 10, distance: Math.round(hit.distance) };
      } catch (e) {
        if (e instanceof DemRangeError) return { ok: false, message: `the view leaves the elevation model before it meets the ground: ${e.message}` };
        throw e;
      }
    },
    'map:hotspots': () => hotspots.state(),
    'map:importHotspots': ({ source, text, firstLine }) => hotspots.importText(source, text, firstLine),
    'map:clearHotspots': () => ({ removed: hotspots.clear() }),
    'map:weather': () => ({ readings: weather.readings(), levels: (site.weather?.fireDanger ?? []).map((l) => ({ level: l.level, name: l.name, colour: l.colour })) }),
  };

  return {
    handlers,
    async route(_req, res, path) {
      const t = TILE_PATH.exec(path);
      const d = t ? undefined : TERRAIN_PATH.exec(path);
      if (!t && !d) return false;
      const [z, x, y] = (t ? t.slice(2, 5) : d!.slice(1, 4)).map(Number) as [number, number, number];
      if (x >= 2 ** z || y >= 2 ** z) {
        res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end(`tile ${z}/${x}/${y} does not exist`);
        return true;
      }
      try {
        if (t) {
          const src = basemaps.get(t[1]!);
          if (!src) {
            res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`no basemap "${t[1]}"`);
            return true;
          }
          sendTile(res, await src.tile(z, x, y));
        } else {
          const data = (await demOf()).tile(z, x, y);
          sendTile(res, data ? { data, contentType: 'image/png', gzip: false } : undefined);
        }
      } catch (e) {
        // The message says why (file missing, server not answering); the layer panel shows it.
        res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' }).end((e as Error).message);
      }
      return true;
    },
    async close() {
      hotspots.close();
      weather.close();
      await basemaps.close();
      (await dem?.catch(() => undefined))?.close();
    },
  };
}

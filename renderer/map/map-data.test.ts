import { describe, expect, it } from 'vitest';
import type { Hotspot, SiteView } from '../../common/contract';
import { wgs84ToGcj02 } from '../../common/gcj02';
import { bearing, destination, latLon } from '../../common/geo';
import { splitCsv } from './HotspotPanel';
import { applyHotspotChange, mapPixelRatio } from './map-slice';
import { hotspotsGeoJson, measureGeoJson, nearestPlaces, nearestTowers, planSlew, searchMap, toGcj02 } from './map-data';

const tower = (id: string, name: string, lat: number, lon: number, northOffset = 0): SiteView['towers'][number] => ({
  id,
  name,
  lat,
  lon,
  groundElevation: 300,
  mastHeight: 25,
  northOffset,
  approximate: true,
  cameras: [{ id: `${id}-visible`, towerId: id, kind: 'visible', name, codec: 'h264', hasSubStream: true, hasPtz: true }],
});
const site: SiteView = {
  id: 's',
  name: 's',
  simulated: true,
  timeZone: 'Asia/Shanghai',
  towers: [tower('t01', '仙人山', 31.2612, 119.3555, 0.8), tower('t07', '金山', 31.2854, 119.4186, 0.3)],
  wall: null,
  places: [{ name: '天目湖', lat: 31.305, lon: 119.433 }],
  basemaps: [],
  terrain: false,
};

describe('overlays on a GCJ-02 basemap', () => {
  it('moves every coordinate of points, lines and polygons', () => {
    const c = toGcj02({
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [119.3555, 31.2612] } },
        { type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: [[119.3555, 31.2612], [119.4186, 31.2854]] } },
        { type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [[[119.3555, 31.2612], [119.4186, 31.2854], [119.4, 31.2], [119.3555, 31.2612]]] } },
      ],
    });
    const g = wgs84ToGcj02(31.2612, 119.3555);
    expect(c.features[0]!.geometry.coordinates).toEqual([g.lon, g.lat]);
    expect((c.features[1]!.geometry.coordinates as number[][])[0]).toEqual([g.lon, g.lat]);
    expect((c.features[2]!.geometry.coordinates as number[][][])[0]![3]).toEqual([g.lon, g.lat]);
  });
});

describe('hotspots layer', () => {
  const now = Date.UTC(2026, 10, 20, 12);
  const h = (id: string, hoursAgo: number, level: Hotspot['level']): Hotspot => ({ id, lat: 31.2, lon: 119.4, at: now - hoursAgo * 3_600_000, satellite: 'N', confidence: null, level, frp: null, brightness: null, daynight: 'D', source: 'f' });
  const all = [h('a', 1, 'high'), h('b', 30, 'nominal'), h('c', 100, 'low')];
  it('filters by age and confidence and carries the time for the colour', () => {
    expect(hotspotsGeoJson(all, now, { maxAgeHours: null, minLevel: 'low' }).features.map((f) => (now - Number(f.properties.at)) / 3_600_000)).toEqual([1, 30, 100]);
    expect(hotspotsGeoJson(all, now, { maxAgeHours: 24, minLevel: 'low' }).features.map((f) => f.properties.id)).toEqual(['a']);
    expect(hotspotsGeoJson(all, now, { maxAgeHours: null, minLevel: 'nominal' }).features.map((f) => f.properties.id)).toEqual(['a', 'b']);
  });
});

describe('hotspot change events', () => {
  it('adds, drops the removed and starts over on a clear', () => {
    const h = (id: string): Hotspot => ({ id, lat: 31, lon: 119, at: 0, satellite: null, confidence: null, level: 'nominal', frp: null, brightness: null, daynight: null, source: 'f' });
    const base = { imports: [], schedule: null };
    let s = applyHotspotChange(null, { ...base, added: [h('a'), h('b')], removed: [], cleared: false });
    s = applyHotspotChange(s, { ...base, added: [h('c')], removed: ['a'], cleared: false });
    expect(s.hotspots.map((x) => x.id)).toEqual(['b', 'c']);
    s = applyHotspotChange(s, { ...base, added: [], removed: [], cleared: true });
    expect(s.hotspots).toEqual([]);
  });
});

describe('tools', () => {
  it('finds towers, places and typed coordinates', () => {
    expect(searchMap(site, '金山').map((x) => x.towerId)).toEqual(['t07']);
    expect(searchMap(site, '天目')[0]).toMatchObject({ kind: 'place', name: '天目湖' });
    expect(searchMap(site, '31.25, 119.41')[0]).toMatchObject({ kind: 'coordinate', lat: 31.25, lon: 119.41 });
    expect(searchMap(site, '31.25，119.41')[0]).toMatchObject({ kind: 'coordinate' });
    expect(searchMap(site, '不存在')).toEqual([]);
  });
  it('measures an area as a closed polygon', () => {
    const a = latLon(31.2, 119.4);
    const b = destination(a, 90, 2000), c = destination(b, 0, 2000), d = destination(a, 0, 2000);
    const m = measureGeoJson([a, b, c, d], true);
    expect(Math.abs(m.area - 4e6) / 4e6).toBeLessThan(0.005);
    expect(m.total).toBeGreaterThan(7990);
    expect(m.data.features.some((f) => f.geometry.type === 'Polygon')).toBe(true);
    expect(measureGeoJson([a, b, c, d]).area).toBe(0);
  });
  it('lists the nearest towers with the bearing from each', () => {
    const p = latLon(31.27, 119.39);
    const n = nearestTowers(site, p, 2);
    expect(n.map((x) => x.tower.id).sort()).toEqual(['t01', 't07']);
    expect(n[0]!.distance).toBeLessThan(n[1]!.distance);
    expect(n[0]!.bearing).toBeCloseTo(bearing(latLon(n[0]!.tower.lat, n[0]!.tower.lon), p), 9);
  });
  it('names the places nearest to a fix, with the direction from each place', () => {
    const village = latLon(31.3, 119.4);
    const p = destination(village, 45, 2000);
    const withPlaces: SiteView = { ...site, places: [{ name: '远村', lat: 31.5, lon: 119.6 }, { name: '上沛村', lat: 31.3, lon: 119.4 }, { name: '中村', lat: 31.28, lon: 119.38 }] };
    const n = nearestPlaces(withPlaces, p, 2);
    expect(n.map((x) => x.name)).toEqual(['上沛村', '中村']);
    expect(n[0]!.distance).toBeCloseTo(2000, 3);
    expect(n[0]!.bearing).toBeCloseTo(45, 6);
  });
  it('plans look-here for a chosen tower with the target height', () => {
    const target = destination(latLon(31.2612, 119.3555), 100, 4000);
    const flat = planSlew(site, target, 30_000, undefined, 't07')!;
    expect(flat.tower.id).toBe('t07');
    const high = planSlew(site, target, 30_000, 600, 't07')!;
    expect(high.tilt).toBeGreaterThan(flat.tilt);
  });
});

describe('FIRMS file parts', () => {
  it('splits at line ends, repeats the header and numbers each part from its place in the file', () => {
    const header = 'latitude,longitude,acq_date,acq_time';
    const rows = Array.from({ length: 50 }, (_, i) => `31.${String(i).padStart(4, '0')},119.4,2026-11-20,0512`);
    const parts = splitCsv([header, ...rows].join('\n'), 400);
    expect(parts.length).toBeGreaterThan(3);
    for (const p of parts) {
      expect(p.text.startsWith(`${header}\n`)).toBe(true);
      expect(p.text.length).toBeLessThanOrEqual(400);
    }
    // Line 2 of a part (its first row) is line firstLine + 1 of the file.
    for (const p of parts) {
      const firstRow = p.text.split('\n')[1]!;
      expect(rows.indexOf(firstRow) + 2).toBe(p.firstLine + 1);
    }
    expect(parts.flatMap((p) => p.text.split('\n').slice(1))).toEqual(rows);
  });
});

describe('map render resolution', () => {
  it('draws at half resolution only where asked or where auto meets software WebGL', () => {
    expect(mapPixelRatio('auto', 2, false)).toBe(2);
    expect(mapPixelRatio('auto', 1, true)).toBe(0.5);
    expect(mapPixelRatio('full', 1, true)).toBe(1);
    expect(mapPixelRatio('half', 2, false)).toBe(1);
  });
});

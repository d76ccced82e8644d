/**
 * The built-in offline style: a dark background and GeoJSON overlays only. No tiles, glyphs or
 * sprites are fetched (the room has no internet), so there are no symbol layers: tower names are
 * HTML markers, which also renders Chinese without glyph PBFs.
 */
import type { StyleSpecification } from 'maplibre-gl';

const empty = { type: 'FeatureCollection', features: [] } as const;

export const MAP_COLOURS = {
  background: '#0a0e13',
  graticule: '#1a2431',
  graticuleMajor: '#263446',
  cone: '#3d8bfd',
  coneMoving: '#5fb0ff',
  coneThermal: '#e0794a',
  ring: '#3a4d63',
  bearing: '#e8a33d',
  fix: '#e5484d',
  measure: '#c9d4e0',
  groundFix: '#ff6bd5',
  search: '#7ee0ff',
} as const;

/** Hotspot colour by age in hours: fresh ones burn red, a day old orange, older fade. */
export const HOTSPOT_AGE_STOPS: ReadonlyArray<[number, string]> = [
  [0, '#ff3b30'],
  [6, '#ff8a00'],
  [24, '#ffd400'],
  [72, '#8a8f98'],
];

export function offlineStyle(): StyleSpecification {
  const src = () => ({ type: 'geojson' as const, data: empty });
  return {
    version: 8,
    name: 'skywatch-offline',
    sources: {
      graticule: src(),
      rings: src(),
      cones: src(),
      bearings: src(),
      fix: src(),
      measure: src(),
      // Hotspots arrive a few at a time: with their id promoted, new ones are added without resending the rest.
      hotspots: { type: 'geojson', data: empty, promoteId: 'id' },
      groundfix: src(),
      search: src(),
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': MAP_COLOURS.background } },
      { id: 'graticule', type: 'line', source: 'graticule', filter: ['!', ['get', 'major']], paint: { 'line-color': MAP_COLOURS.graticule, 'line-width': 1 } },
      { id: 'graticule-major', type: 'line', source: 'graticule', filter: ['get', 'major'], paint: { 'line-color': MAP_COLOURS.graticuleMajor, 'line-width': 1.2 } },
      { id: 'rings', type: 'line', source: 'rings', paint: { 'line-color': MAP_COLOURS.ring, 'line-width': 1, 'line-dasharray': [3, 3] } },
      {
        id: 'cones-fill',
        type: 'fill',
        source: 'cones',
        paint: {
          'fill-color': ['case', ['==', ['get', 'kind'], 'thermal'], MAP_COLOURS.coneThermal, ['get', 'moving'], MAP_COLOURS.coneMoving, MAP_COLOURS.cone],
          'fill-opacity': ['case', ['==', ['get', 'kind'], 'thermal'], 0.1, 0.16],
        },
      },
      {
        id: 'cones-line',
        type: 'line',
        source: 'cones',
        paint: { 'line-color': ['case', ['==', ['get', 'kind'], 'thermal'], MAP_COLOURS.coneThermal, MAP_COLOURS.cone], 'line-width': 1, 'line-opacity': 0.6 },
      },
      { id: 'bearings', type: 'line', source: 'bearings', paint: { 'line-color': MAP_COLOURS.bearing, 'line-width': 1.6 } },
      { id: 'fix-ellipse', type: 'fill', source: 'fix', filter: ['==', ['get', 'kind'], 'ellipse'], paint: { 'fill-color': MAP_COLOURS.fix, 'fill-opacity': 0.22 } },
      { id: 'fix-ellipse-line', type: 'line', source: 'fix', filter: ['==', ['get', 'kind'], 'ellipse'], paint: { 'line-color': MAP_COLOURS.fix, 'line-width': 1.2 } },
      { id: 'measure-area', type: 'fill', source: 'measure', filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': MAP_COLOURS.measure, 'fill-opacity': 0.12 } },
      {
        id: 'hotspots',
        type: 'circle',
        source: 'hotspots',
        paint: {
          // Age in hours from the map's `now` (global state, set once a minute) and the acquisition time.
          'circle-color': ['interpolate', ['linear'], ['/', ['-', ['to-number', ['global-state', 'now'], 0], ['get', 'at']], 3_600_000], ...HOTSPOT_AGE_STOPS.flat()],
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 8, ['match', ['get', 'level'], 'high', 4, 'nominal', 3, 2], 13, ['match', ['get', 'level'], 'high', 9, 'nominal', 7, 5]],
          'circle-stroke-color': '#000000',
          'circle-stroke-width': 0.8,
          'circle-opacity': ['match', ['get', 'level'], 'low', 0.55, 0.95],
        },
      },
      { id: 'search', type: 'circle', source: 'search', paint: { 'circle-radius': 9, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': MAP_COLOURS.search, 'circle-stroke-width': 2.5 } },
      { id: 'groundfix', type: 'circle', source: 'groundfix', paint: { 'circle-radius': 6, 'circle-color': MAP_COLOURS.groundFix, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1.5 } },
      { id: 'measure-line', type: 'line', source: 'measure', paint: { 'line-color': MAP_COLOURS.measure, 'line-width': 1.6, 'line-dasharray': [2, 1.5] } },
      { id: 'measure-points', type: 'circle', source: 'measure', filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-radius': 3.5, 'circle-color': MAP_COLOURS.measure } },
      {
        id: 'fix-point',
        type: 'circle',
        source: 'fix',
        filter: ['==', ['get', 'kind'], 'point'],
        paint: { 'circle-radius': 5, 'circle-color': MAP_COLOURS.fix, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1.5 },
      },
    ],
  };
}

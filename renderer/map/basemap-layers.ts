/**
 * Sources and layers of a basemap from the site file, inserted beneath the overlays. Raster tiles
 * are drawn as they are; a vector basemap has no style of its own here (no glyphs or sprites
 * offline), so each of its layers gets plain dim fills, lines and points.
 */
import type { LayerSpecification, SourceSpecification } from 'maplibre-gl';
import type { BasemapStatus, BasemapView } from '../../common/contract';

export const BASEMAP_SOURCE = 'basemap';
export const TERRAIN_SOURCE = 'terrain-dem';
/** The first overlay layer: basemaps go beneath it. */
export const FIRST_OVERLAY = 'graticule';

export function basemapSource(b: BasemapView, st: BasemapStatus, tileUrl: string): SourceSpecification {
  const common = { tiles: [tileUrl], minzoom: st.minzoom, maxzoom: st.maxzoom, ...(b.attribution ? { attribution: b.attribution } : {}), ...(st.bounds ? { bounds: st.bounds } : {}) };
  return st.type === 'vector' ? { type: 'vector', ...common } : { type: 'raster', tileSize: b.tileSize, ...common };
}

const VECTOR_COLOURS = ['#3a4a5c', '#2f4f3f', '#4c3f5e', '#5a4a33', '#2c4f5a'];

export function basemapLayers(st: BasemapStatus): LayerSpecification[] {
  if (st.type === 'raster') return [{ id: 'basemap-raster', type: 'raster', source: BASEMAP_SOURCE, paint: { 'raster-opacity': 0.9 } }];
  return st.vectorLayers.flatMap((name, i): LayerSpecification[] => {
    const colour = VECTOR_COLOURS[i % VECTOR_COLOURS.length]!;
    const base = { source: BASEMAP_SOURCE, 'source-layer': name };
    return [
      { id: `basemap-${i}-fill`, type: 'fill', ...base, filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': colour, 'fill-opacity': 0.35 } },
      { id: `basemap-${i}-line`, type: 'line', ...base, filter: ['!=', ['geometry-type'], 'Point'], paint: { 'line-color': colour, 'line-width': 1 } },
      { id: `basemap-${i}-point`, type: 'circle', ...base, filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-color': colour, 'circle-radius': 2 } },
    ];
  });
}

/** Layers of ours that belong to the basemap (removed on a switch). */
export const isBasemapLayer = (id: string): boolean => id.startsWith('basemap-');

import type { StateCreator } from 'zustand';
import type { GroundHit, HostEvents, HotspotImport, HotspotState, WeatherReading } from '../../common/contract';
import type { AppState } from '../app/store';

/** A bearing line drawn on the map: from a tower along a true bearing (degrees). */
export interface MapBearingLine {
  id: number;
  towerId: string;
  bearing: number;
}

export interface MapLayers {
  cones: boolean;
  rings: boolean;
  bearings: boolean;
  hotspots: boolean;
  weather: boolean;
  /** Hillshade from the elevation model, where the site has one. */
  terrain: boolean;
}

/** The built-in offline basemap's id in `mapBasemap`. */
export const OFFLINE_BASEMAP = 'offline';

/** What the layer panel says about a basemap: being checked, usable, or why not. */
export interface BasemapCheck {
  state: 'checking' | 'ok' | 'failed';
  message?: string;
}

/** Which hotspots are drawn: not older than `maxAgeHours` (null: all), at least this confidence. */
export interface HotspotFilter {
  maxAgeHours: number | null;
  minLevel: 'low' | 'nominal' | 'high';
}

export interface MapSlice {
  mapLayers: MapLayers;
  toggleMapLayer(layer: keyof MapLayers): void;
  /** Range of view cones and range rings, m. */
  mapRange: number;
  mapBearings: MapBearingLine[];
  addBearingLine(towerId: string, bearing: number): void;
  removeBearingLine(id: number): void;
  clearBearingLines(): void;
  /** The basemap shown: OFFLINE_BASEMAP or a basemap id of the site. */
  mapBasemap: string;
  setMapBasemap(id: string): void;
  mapBasemapChecks: Record<string, BasemapCheck>;
  setBasemapCheck(id: string, check: BasemapCheck): void;
  mapHotspots: HotspotState | null;
  /** The last file import of this console (a big file is sent in parts and summed here). */
  mapHotspotImport: HotspotImport | null;
  mapHotspotFilter: HotspotFilter;
  setHotspotFilter(f: Partial<HotspotFilter>): void;
  mapWeather: WeatherReading[];
  mapDangerLevels: { level: number; name: string; colour: string }[];
  /** Somewhere another part of the console wants the map to show (an alert's place); `seq` makes each request new. */
  mapFlyRequest: { lat: number; lon: number; zoom: number; seq: number } | null;
  requestMapFly(lat: number, lon: number, zoom?: number): void;
  /** The tower whose camera the HUD panel shows. */
  mapSelectedTower: string | null;
  selectMapTower(id: string | null): void;
  /** Single-tower fix: where a tower's camera axis meets the ground. */
  mapGroundFix: { towerId: string; hit: GroundHit } | null;
  /** Bearing error of a sighting, degrees (1σ), for the fixes' uncertainty (default ±0.5°). */
  mapBearingSigma: number;
  setMapBearingSigma(deg: number): void;
  /**
   * The map canvas's resolution: `auto` draws at half resolution where WebGL runs in software (a console
   * without a GPU driver), so a redraw does not hold the page — and the joystick — for hundreds of ms.
   */
  mapRenderScale: MapRenderScale;
  setMapRenderScale(scale: MapRenderScale): void;
}

export type MapRenderScale = 'auto' | 'full' | 'half';

/** The canvas pixel ratio for a render setting: half of the screen's where asked, or where `auto` meets software WebGL. */
export function mapPixelRatio(scale: MapRenderScale, devicePixelRatio: number, softwareGl: boolean): number {
  const half = scale === 'half' || (scale === 'auto' && softwareGl);
  return half ? devicePixelRatio / 2 : devicePixelRatio;
}

/** The hotspot set after a change event from the host. */
export function applyHotspotChange(prev: HotspotState | null, ch: HostEvents['map:hotspots']): HotspotState {
  let list = ch.cleared || !prev ? [] : prev.hotspots;
  if (ch.removed.length) {
    const gone = new Set(ch.removed);
    list = list.filter((h) => !gone.has(h.id));
  }
  return { hotspots: ch.added.length ? [...list, ...ch.added] : list, imports: ch.imports, schedule: ch.schedule };
}

let nextId = 1;

export const createMapSlice: StateCreator<AppState, [], [], MapSlice> = (set) => ({
  mapLayers: { cones: true, rings: false, bearings: true, hotspots: true, weather: true, terrain: true },
  toggleMapLayer: (layer) => set((s) => ({ mapLayers: { ...s.mapLayers, [layer]: !s.mapLayers[layer] } })),
  mapRange: 5000,
  mapBearings: [],
  addBearingLine: (towerId, bearing) =>
    set((s) => ({ mapBearings: [...s.mapBearings, { id: nextId++, towerId, bearing: ((bearing % 360) + 360) % 360 }] })),
  removeBearingLine: (id) => set((s) => ({ mapBearings: s.mapBearings.filter((b) => b.id !== id) })),
  clearBearingLines: () => set({ mapBearings: [] }),
  mapBasemap: OFFLINE_BASEMAP,
  setMapBasemap: (id) => set({ mapBasemap: id }),
  mapBasemapChecks: {},
  setBasemapCheck: (id, check) => set((s) => ({ mapBasemapChecks: { ...s.mapBasemapChecks, [id]: check } })),
  mapHotspots: null,
  mapHotspotImport: null,
  mapHotspotFilter: { maxAgeHours: null, minLevel: 'low' },
  setHotspotFilter: (f) => set((s) => ({ mapHotspotFilter: { ...s.mapHotspotFilter, ...f } })),
  mapWeather: [],
  mapDangerLevels: [],
  mapFlyRequest: null,
  requestMapFly: (lat, lon, zoom = 13) => set((s) => ({ mapFlyRequest: { lat, lon, zoom, seq: (s.mapFlyRequest?.seq ?? 0) + 1 } })),
  mapSelectedTower: null,
  selectMapTower: (id) => set({ mapSelectedTower: id }),
  mapGroundFix: null,
  mapBearingSigma: 0.5,
  setMapBearingSigma: (deg) => set({ mapBearingSigma: Math.min(5, Math.max(0.05, deg)) }),
  mapRenderScale: 'auto',
  setMapRenderScale: (scale) => set({ mapRenderScale: scale }),
});

import type { StateCreator } from 'zustand';
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
}

let nextId = 1;

export const createMapSlice: StateCreator<AppState, [], [], MapSlice> = (set) => ({
  mapLayers: { cones: true, rings: false, bearings: true },
  toggleMapLayer: (layer) => set((s) => ({ mapLayers: { ...s.mapLayers, [layer]: !s.mapLayers[layer] } })),
  mapRange: 5000,
  mapBearings: [],
  addBearingLine: (towerId, bearing) =>
    set((s) => ({ mapBearings: [...s.mapBearings, { id: nextId++, towerId, bearing: ((bearing % 360) + 360) % 360 }] })),
  removeBearingLine: (id) => set((s) => ({ mapBearings: s.mapBearings.filter((b) => b.id !== id) })),
  clearBearingLines: () => set({ mapBearings: [] }),
});

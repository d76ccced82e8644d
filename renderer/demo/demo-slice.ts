import type { StateCreator } from 'zustand';
import type { DemoState } from '../../common/contract';
import type { DemoMapView } from '../../common/demo';
import type { AppState } from '../app/store';

/** Where the map looks now, as the map reports it (for "capture step" and tests). */
export interface MapLook {
  lat: number;
  lon: number;
  zoom: number;
  pitch: number;
  bearing: number;
}

export interface DemoSlice {
  /** The host's player (null until known, or without the permission). */
  demo: DemoState | null;
  /** A map view a tour step asks for; `seq` makes each request new. */
  demoMapRequest: (DemoMapView & { seq: number }) | null;
  /** Towers a step picks out on the map. */
  demoHighlight: string[];
  mapLook: MapLook | null;
  /** The tour open in the authoring workspace. */
  demoEditing: string | null;
  setDemo(s: DemoState): void;
  requestDemoMap(v: DemoMapView | null): void;
  setMapLook(l: MapLook): void;
  setDemoEditing(name: string | null): void;
}

export const createDemoSlice: StateCreator<AppState, [], [], DemoSlice> = (set, get) => ({
  demo: null,
  demoMapRequest: null,
  demoHighlight: [],
  mapLook: null,
  demoEditing: null,
  setDemo: (demo) => set({ demo }),
  requestDemoMap: (v) => set({ demoMapRequest: v ? { ...v, seq: (get().demoMapRequest?.seq ?? 0) + 1 } : null, demoHighlight: v?.towers ?? [] }),
  setMapLook: (mapLook) => set({ mapLook }),
  setDemoEditing: (demoEditing) => set({ demoEditing }),
});

/** The tour shows on this console: a centre-wide tour, or this console's own rehearsal. */
export function demoShownHere(s: Pick<AppState, 'demo' | 'ptzSelfId'>): boolean {
  const d = s.demo;
  return !!d && d.status !== 'idle' && (!d.rehearsal || d.startedBy === s.ptzSelfId);
}

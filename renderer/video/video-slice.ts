import type { StateCreator } from 'zustand';
import type { AppState } from '../app/store';

export const LAYOUTS = [1, 4, 9, 16] as const;
export type Layout = (typeof LAYOUTS)[number];
const MAX_TILES = 16;

export interface VideoSlice {
  layout: Layout;
  /** camera id shown in each tile position (16 slots; the layout shows the first N) */
  tiles: (string | null)[];
  selectedTile: number;
  maximizedTile: number | null;
  setLayout(layout: Layout): void;
  assignCamera(tile: number, cameraId: string): void;
  /** Puts a camera in the selected tile if empty, else in the first empty visible tile, else the selected one. */
  openCamera(cameraId: string): void;
  clearTile(tile: number): void;
  clearAll(): void;
  selectTile(tile: number): void;
  toggleMaximize(tile: number): void;
}

const STORAGE_KEY = 'skywatch.grid';

function load(): Pick<VideoSlice, 'layout' | 'tiles'> {
  try {
    const raw = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as { layout?: unknown; tiles?: unknown } | null;
    const layout = LAYOUTS.find((l) => l === raw?.layout) ?? 4;
    const tiles = Array.isArray(raw?.tiles) ? raw.tiles.slice(0, MAX_TILES).map((x) => (typeof x === 'string' ? x : null)) : [];
    while (tiles.length < MAX_TILES) tiles.push(null);
    return { layout, tiles };
  } catch {
    return { layout: 4, tiles: Array<string | null>(MAX_TILES).fill(null) };
  }
}

function save(s: Pick<VideoSlice, 'layout' | 'tiles'>): void {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ layout: s.layout, tiles: s.tiles }));
  } catch {
    /* storage full or disabled: the grid still works, it just is not remembered */
  }
}

export const createVideoSlice: StateCreator<AppState, [], [], VideoSlice> = (set, get) => {
  const update = (patch: Partial<VideoSlice>) => {
    set(patch);
    const s = get();
    save({ layout: s.layout, tiles: s.tiles });
  };
  return {
    ...load(),
    selectedTile: 0,
    maximizedTile: null,
    setLayout: (layout) => update({ layout, maximizedTile: null, selectedTile: Math.min(get().selectedTile, layout - 1) }),
    assignCamera: (tile, cameraId) => {
      const tiles = [...get().tiles];
      tiles[tile] = cameraId;
      update({ tiles, selectedTile: tile });
    },
    openCamera: (cameraId) => {
      const { tiles, layout, selectedTile } = get();
      let target = selectedTile;
      if (tiles[selectedTile]) {
        const empty = tiles.slice(0, layout).findIndex((t) => t === null);
        if (empty >= 0) target = empty;
      }
      get().assignCamera(target, cameraId);
    },
    clearTile: (tile) => {
      const tiles = [...get().tiles];
      tiles[tile] = null;
      update({ tiles, maximizedTile: get().maximizedTile === tile ? null : get().maximizedTile });
    },
    clearAll: () => update({ tiles: Array<string | null>(MAX_TILES).fill(null), maximizedTile: null }),
    selectTile: (tile) => set({ selectedTile: tile }),
    toggleMaximize: (tile) => set({ maximizedTile: get().maximizedTile === tile ? null : tile, selectedTile: tile }),
  };
};

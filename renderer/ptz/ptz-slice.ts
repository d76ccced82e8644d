import type { StateCreator } from 'zustand';
import type { CruiseInfo, PtzControl, PtzFault, PtzHeadInfo, PtzLinkState, PtzPose, PtzPreset } from '../../common/contract';
import { PTZ_LIMITS } from '../../common/ptz';
import type { AppState } from '../app/store';
import { loadGamepadSettings, saveGamepadSettings, type GamepadSettings } from './gamepad';

/** A head as the renderer knows it, without its pose (which changes too fast to live beside it). */
export interface PtzHeadEntry {
  headId: string;
  towerId: string | null;
  cameraIds: string[];
  link: PtzLinkState;
  message: string | null;
  model: string | null;
  focus: boolean;
}

/** Something the operator must read: the outcome of a refused or failed command. */
export interface PtzNotice {
  cameraId: string;
  /** Host error code (`conflict`, `unavailable`, …) or `client` for a check made here. */
  code: string;
  text: string;
  at: number;
}

/** The PTZ service as seen from here: answering, not wired into this host, or not asked yet. */
export type PtzService = 'unknown' | 'ready' | 'absent';

export interface PtzSlice {
  ptzService: PtzService;
  /** Heads by head id. */
  ptzHeads: Record<string, PtzHeadEntry>;
  /** Head id of each PTZ camera. */
  ptzCameraHead: Record<string, string>;
  /**
   * Latest pose by head id. High-rate (≈ 7/s per moving head): read it with `useAppStore.subscribe`
   * into refs or with `getState()`, never through a selector in a render path.
   */
  ptzPoses: Record<string, PtzPose>;
  ptzControl: Record<string, PtzControl>;
  ptzCruise: Record<string, CruiseInfo>;
  /** Uncleared faults by head id. */
  ptzFaults: Record<string, PtzFault>;
  /** Presets by head id, once fetched. */
  ptzPresets: Record<string, PtzPreset[]>;
  /** This console's client id at the host, once learned (see self-identity.ts). */
  ptzSelfId: string | null;
  ptzNotice: PtzNotice | null;
  /** Pan/tilt speed level of the arrow pad and keys, 1…64. */
  ptzSpeedLevel: number;
  /** Tiles whose HUD the operator switched off, by tile index. */
  ptzHudOff: Record<number, true>;
  /** Click-to-centre mode: a plain click on the selected tile centres the camera there. */
  ptzClickCentre: boolean;
  ptzPanelOpen: boolean;
  gamepadSettings: GamepadSettings;
  /** The joystick in use, if any. */
  gamepad: { id: string; name: string } | null;
  setGamepadSettings(s: GamepadSettings): void;
  setPtzSpeedLevel(level: number): void;
  toggleHud(tile: number): void;
  setClickCentre(on: boolean): void;
  setPtzPanelOpen(open: boolean): void;
  setPtzNotice(n: PtzNotice | null): void;
}

const PREFS_KEY = 'skywatch.ptz';

interface Prefs {
  speedLevel: number;
  hudOff: Record<number, true>;
  panelOpen: boolean;
}

function loadPrefs(): Prefs {
  const fallback: Prefs = { speedLevel: 40, hudOff: {}, panelOpen: true };
  try {
    const raw = JSON.parse(localStorage.getItem(PREFS_KEY) ?? 'null') as Partial<Record<keyof Prefs, unknown>> | null;
    if (!raw) return fallback;
    const level = typeof raw.speedLevel === 'number' ? Math.round(raw.speedLevel) : fallback.speedLevel;
    const hudOff: Record<number, true> = {};
    if (Array.isArray(raw.hudOff)) for (const i of raw.hudOff) if (typeof i === 'number') hudOff[i] = true;
    return {
      speedLevel: Math.min(PTZ_LIMITS.speedLevels, Math.max(1, level)),
      hudOff,
      panelOpen: raw.panelOpen !== false,
    };
  } catch {
    return fallback;
  }
}

function savePrefs(s: Pick<PtzSlice, 'ptzSpeedLevel' | 'ptzHudOff' | 'ptzPanelOpen'>): void {
  try {
    const hudOff = Object.keys(s.ptzHudOff).map(Number);
    localStorage.setItem(PREFS_KEY, JSON.stringify({ speedLevel: s.ptzSpeedLevel, hudOff, panelOpen: s.ptzPanelOpen }));
  } catch {
    /* storage disabled: preferences last for this session */
  }
}

export const createPtzSlice: StateCreator<AppState, [], [], PtzSlice> = (set, get) => {
  const prefs = loadPrefs();
  const update = (patch: Partial<PtzSlice>) => {
    set(patch);
    savePrefs(get());
  };
  return {
    ptzService: 'unknown',
    ptzHeads: {},
    ptzCameraHead: {},
    ptzPoses: {},
    ptzControl: {},
    ptzCruise: {},
    ptzFaults: {},
    ptzPresets: {},
    ptzSelfId: null,
    ptzNotice: null,
    ptzSpeedLevel: prefs.speedLevel,
    ptzHudOff: prefs.hudOff,
    ptzClickCentre: false,
    ptzPanelOpen: prefs.panelOpen,
    gamepadSettings: loadGamepadSettings(),
    gamepad: null,
    setGamepadSettings: (gs) => {
      saveGamepadSettings(gs);
      set({ gamepadSettings: gs });
    },
    setPtzSpeedLevel: (level) => update({ ptzSpeedLevel: Math.min(PTZ_LIMITS.speedLevels, Math.max(1, Math.round(level))) }),
    toggleHud: (tile) => {
      const hudOff = { ...get().ptzHudOff };
      if (hudOff[tile]) delete hudOff[tile];
      else hudOff[tile] = true;
      update({ ptzHudOff: hudOff });
    },
    setClickCentre: (on) => set({ ptzClickCentre: on }),
    setPtzPanelOpen: (open) => update({ ptzPanelOpen: open }),
    setPtzNotice: (n) => set({ ptzNotice: n }),
  };
};

/** Store patch for a `ptz:heads` snapshot. */
export function headsSnapshot(heads: PtzHeadInfo[]): Partial<PtzSlice> {
  const ptzHeads: Record<string, PtzHeadEntry> = {};
  const ptzCameraHead: Record<string, string> = {};
  const ptzPoses: Record<string, PtzPose> = {};
  const ptzControl: Record<string, PtzControl> = {};
  const ptzCruise: Record<string, CruiseInfo> = {};
  for (const h of heads) {
    ptzHeads[h.headId] = { headId: h.headId, towerId: h.towerId, cameraIds: h.cameraIds, link: h.link, message: h.message, model: h.model, focus: h.focus };
    for (const c of h.cameraIds) ptzCameraHead[c] = h.headId;
    if (h.pose) ptzPoses[h.headId] = h.pose;
    ptzControl[h.headId] = h.control;
    ptzCruise[h.headId] = h.cruise;
  }
  return { ptzService: 'ready', ptzHeads, ptzCameraHead, ptzPoses, ptzControl, ptzCruise };
}

/** Store patch for a fault event: the head's link follows it, and an uncleared fault is kept until cleared. */
export function applyFault(s: PtzSlice, f: PtzFault): Partial<PtzSlice> {
  const faults = { ...s.ptzFaults };
  if (f.cleared) delete faults[f.headId];
  else faults[f.headId] = f;
  const prev = s.ptzHeads[f.headId];
  const head: PtzHeadEntry = prev
    ? { ...prev, link: f.state, message: f.cleared ? null : f.message }
    : { headId: f.headId, towerId: null, cameraIds: f.cameraIds, link: f.state, message: f.message, model: null, focus: false };
  const cameraHead = { ...s.ptzCameraHead };
  for (const c of f.cameraIds) cameraHead[c] = f.headId;
  return { ptzFaults: faults, ptzHeads: { ...s.ptzHeads, [f.headId]: head }, ptzCameraHead: cameraHead };
}

/** Head id of a camera, if it has PTZ. */
export const headOfCamera = (s: PtzSlice, cameraId: string | null | undefined): string | undefined =>
  cameraId ? s.ptzCameraHead[cameraId] : undefined;

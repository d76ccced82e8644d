import { joystickCurve, type PtzVelocity } from '../../common/ptz';
import { isPtzCommandId, type PtzCommandId } from './command-ids';

/**
 * Joystick input as data: which axis steers what and which button fires which command, per
 * device, plus the response settings. The Thrustmaster T.16000M works out of the box; any other
 * gamepad is mapped in the settings dialog (press-to-assign) and remembered in localStorage.
 */

export interface AxisBinding {
  index: number;
  invert: boolean;
}

export type AxisRole = 'pan' | 'tilt' | 'zoom' | 'throttle';
export const AXIS_ROLES: readonly AxisRole[] = ['pan', 'tilt', 'zoom', 'throttle'];

export interface GamepadMapping {
  /** Name shown to the operator. */
  name: string;
  axes: Record<AxisRole, AxisBinding | null>;
  /** Button index → command. */
  buttons: Record<number, PtzCommandId>;
}

export interface GamepadSettings {
  /** Stick deflection read as zero (0…0.5). */
  deadzone: number;
  /** Twist is easily nudged while panning, so it has its own, wider, deadzone. */
  zoomDeadzone: number;
  /** Response exponent (see `joystickCurve`). */
  exponent: number;
  /** Lowest speed scale the throttle gives at its slow end (0…1). */
  throttleMin: number;
  /** Mappings the operator made or changed, by `Gamepad.id`. */
  mappings: Record<string, GamepadMapping>;
}

/**
 * Speed levels are already geometric (each ≈ 9.5 % faster), so a linear stick is already fine
 * near the centre; the exponent is there for those who want it finer still.
 */
export const DEFAULT_SETTINGS: GamepadSettings = { deadzone: 0.08, zoomDeadzone: 0.2, exponent: 1.0, throttleMin: 0.25, mappings: {} };

/*
 * T.16000M (044f:b10a) reports X, Y, Rz (twist), Slider (throttle) and a hat. Chromium numbers
 * them differently per platform: on Linux it reads joydev, which numbers the axes present in
 * order (0 X, 1 Y, 2 twist, 3 throttle, 4/5 hat); on Windows (raw input) it places each at its
 * HID usage (0 X, 1 Y, 5 Rz twist, 6 slider throttle) and reports more axes. Y and the throttle
 * read -1 pushed forward: forward on the stick tilts up (as on a CCTV keyboard), forward on the
 * throttle is full speed.
 */
const T16000M_BUTTONS: Record<number, PtzCommandId> = {
  0: 'ptz.focusAuto', // trigger
  1: 'ptz.stop', // thumb button under the head
  2: 'ptz.focusNear', // head, left
  3: 'ptz.focusFar', // head, right
  4: 'ptz.preset1', // base, left-hand group top row
  5: 'ptz.preset2',
  6: 'ptz.preset3',
  7: 'ptz.preset4', // base, left-hand group bottom row
  8: 'ptz.preset5',
  9: 'ptz.preset6',
  10: 'ptz.preset7', // base, right-hand group
  11: 'ptz.preset8',
  12: 'ptz.nextCamera',
  13: 'ptz.prevCamera',
  14: 'ptz.hud',
  15: 'ptz.clickCentre',
};

export const T16000M_LINUX: GamepadMapping = {
  name: 'Thrustmaster T.16000M',
  axes: { pan: { index: 0, invert: false }, tilt: { index: 1, invert: true }, zoom: { index: 2, invert: false }, throttle: { index: 3, invert: true } },
  buttons: T16000M_BUTTONS,
};

export const T16000M_WINDOWS: GamepadMapping = {
  name: 'Thrustmaster T.16000M',
  axes: { pan: { index: 0, invert: false }, tilt: { index: 1, invert: true }, zoom: { index: 5, invert: false }, throttle: { index: 6, invert: true } },
  buttons: T16000M_BUTTONS,
};

/** A gamepad with the browser's standard layout: left stick pans/tilts, right stick X zooms. */
export const STANDARD_GAMEPAD: GamepadMapping = {
  name: 'Standard gamepad',
  axes: { pan: { index: 0, invert: false }, tilt: { index: 1, invert: true }, zoom: { index: 2, invert: false }, throttle: null },
  buttons: {
    0: 'ptz.focusAuto',
    1: 'ptz.stop',
    4: 'ptz.focusNear',
    5: 'ptz.focusFar',
    6: 'ptz.zoomOut',
    7: 'ptz.zoomIn',
    8: 'ptz.prevCamera',
    9: 'ptz.nextCamera',
    12: 'ptz.up',
    13: 'ptz.down',
    14: 'ptz.left',
    15: 'ptz.right',
  },
};

/** Anything else: two axes for pan/tilt until the operator maps it. */
export const GENERIC_JOYSTICK: GamepadMapping = {
  name: 'Joystick',
  axes: { pan: { index: 0, invert: false }, tilt: { index: 1, invert: true }, zoom: null, throttle: null },
  buttons: { 0: 'ptz.focusAuto', 1: 'ptz.stop' },
};

const T16000M_ID = /T\.?16000M|044f.{0,12}b10a/i;

/** What the mapping code needs of a `Gamepad`. */
export interface PadLike {
  id: string;
  mapping: string;
  axes: readonly number[];
  buttons: readonly { pressed: boolean; value: number }[];
}

/** Built-in mapping for a device, before any the operator saved. */
export function builtInMapping(pad: Pick<PadLike, 'id' | 'mapping' | 'axes'>): GamepadMapping {
  if (T16000M_ID.test(pad.id)) return pad.axes.length > 6 ? T16000M_WINDOWS : T16000M_LINUX;
  if (pad.mapping === 'standard') return STANDARD_GAMEPAD;
  return GENERIC_JOYSTICK;
}

export function mappingFor(pad: Pick<PadLike, 'id' | 'mapping' | 'axes'>, settings: GamepadSettings): GamepadMapping {
  return settings.mappings[pad.id] ?? builtInMapping(pad);
}

const axis = (pad: PadLike, b: AxisBinding | null): number | undefined => {
  if (!b) return undefined;
  const v = pad.axes[b.index];
  if (v === undefined || !Number.isFinite(v)) return undefined;
  return b.invert ? -v : v;
};

/**
 * Speed scale from the throttle, `throttleMin`…1. Speed levels are geometric, so scaling the
 * velocity scales the speed logarithmically: half throttle is a slow, fine speed.
 */
export function throttleScale(pad: PadLike, mapping: GamepadMapping, settings: GamepadSettings): number {
  const v = axis(pad, mapping.axes.throttle);
  if (v === undefined) return 1;
  const t = (Math.max(-1, Math.min(1, v)) + 1) / 2;
  return settings.throttleMin + (1 - settings.throttleMin) * t;
}

/** The continuous-move wish of a stick's reading. */
export function readVelocity(pad: PadLike, mapping: GamepadMapping, settings: GamepadSettings): PtzVelocity {
  const curve = { deadzone: settings.deadzone, exponent: settings.exponent };
  const scale = throttleScale(pad, mapping, settings);
  const pan = joystickCurve(axis(pad, mapping.axes.pan) ?? 0, curve) * scale;
  const tilt = joystickCurve(axis(pad, mapping.axes.tilt) ?? 0, curve) * scale;
  const zoom = joystickCurve(axis(pad, mapping.axes.zoom) ?? 0, { deadzone: settings.zoomDeadzone, exponent: settings.exponent });
  // Round so sensor noise in the last digits is not a "change" worth a command.
  const r = (x: number) => Math.round(x * 1000) / 1000 + 0;
  return { pan: r(pan), tilt: r(tilt), zoom: r(zoom) };
}

/**
 * While a demonstration runs, the camera-stepping buttons step the tour instead: the presenter may
 * be the operator at the joystick.
 */
export function demoStepOf(id: PtzCommandId | undefined): 'next' | 'prev' | null {
  return id === 'ptz.nextCamera' ? 'next' : id === 'ptz.prevCamera' ? 'prev' : null;
}

/** Buttons pressed now, by index. */
export function pressedButtons(pad: PadLike): Set<number> {
  const out = new Set<number>();
  pad.buttons.forEach((b, i) => {
    if (b.pressed || b.value > 0.5) out.add(i);
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Settings, kept in localStorage

const SETTINGS_KEY = 'skywatch.gamepad';

export function loadGamepadSettings(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): GamepadSettings {
  try {
    const raw = JSON.parse(storage?.getItem(SETTINGS_KEY) ?? 'null') as Partial<Record<keyof GamepadSettings, unknown>> | null;
    if (!raw) return { ...DEFAULT_SETTINGS, mappings: {} };
    const num = (v: unknown, lo: number, hi: number, d: number) => (typeof v === 'number' && Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : d);
    const mappings: Record<string, GamepadMapping> = {};
    if (raw.mappings && typeof raw.mappings === 'object') {
      for (const [id, m] of Object.entries(raw.mappings as Record<string, unknown>)) {
        const parsed = parseMapping(m);
        if (parsed) mappings[id] = parsed;
      }
    }
    return {
      deadzone: num(raw.deadzone, 0, 0.5, DEFAULT_SETTINGS.deadzone),
      zoomDeadzone: num(raw.zoomDeadzone, 0, 0.6, DEFAULT_SETTINGS.zoomDeadzone),
      exponent: num(raw.exponent, 0.5, 3, DEFAULT_SETTINGS.exponent),
      throttleMin: num(raw.throttleMin, 0.05, 1, DEFAULT_SETTINGS.throttleMin),
      mappings,
    };
  } catch {
    return { ...DEFAULT_SETTINGS, mappings: {} };
  }
}

export function saveGamepadSettings(s: GamepadSettings, storage: Pick<Storage, 'setItem'> | undefined = globalThis.localStorage): void {
  try {
    storage?.setItem(SETTINGS_KEY, JSON.stringify(s));
  } catch {
    /* storage disabled: settings last for this session */
  }
}

function parseMapping(m: unknown): GamepadMapping | undefined {
  if (!m || typeof m !== 'object') return undefined;
  const o = m as { name?: unknown; axes?: Record<string, unknown>; buttons?: Record<string, unknown> };
  const axes: Record<AxisRole, AxisBinding | null> = { pan: null, tilt: null, zoom: null, throttle: null };
  for (const role of AXIS_ROLES) {
    const b = o.axes?.[role] as { index?: unknown; invert?: unknown } | null | undefined;
    if (b && typeof b.index === 'number' && Number.isInteger(b.index) && b.index >= 0) axes[role] = { index: b.index, invert: b.invert === true };
  }
  const buttons: Record<number, PtzCommandId> = {};
  for (const [k, v] of Object.entries(o.buttons ?? {})) {
    const i = Number(k);
    if (Number.isInteger(i) && i >= 0 && typeof v === 'string' && isPtzCommandId(v)) buttons[i] = v;
  }
  return { name: typeof o.name === 'string' ? o.name : 'Joystick', axes, buttons };
}

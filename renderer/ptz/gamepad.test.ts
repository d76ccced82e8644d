import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SETTINGS,
  demoStepOf,
  GENERIC_JOYSTICK,
  STANDARD_GAMEPAD,
  T16000M_LINUX,
  T16000M_WINDOWS,
  builtInMapping,
  loadGamepadSettings,
  mappingFor,
  pressedButtons,
  readVelocity,
  saveGamepadSettings,
  type PadLike,
} from './gamepad';

const T16_ID = 'Thrustmaster T.16000M (Vendor: 044f Product: b10a)';
const pad = (axes: number[], id = T16_ID, mapping = ''): PadLike => ({ id, mapping, axes, buttons: Array.from({ length: 16 }, () => ({ pressed: false, value: 0 })) });

describe('gamepad mapping', () => {
  it('recognises the T.16000M and picks the axis layout Chromium reports on each platform', () => {
    expect(builtInMapping(pad([0, 0, 0, 0, 0, 0]))).toBe(T16000M_LINUX);
    expect(builtInMapping(pad(new Array<number>(10).fill(0)))).toBe(T16000M_WINDOWS);
    expect(builtInMapping(pad([0, 0, 0, 0], 'Xbox Controller', 'standard'))).toBe(STANDARD_GAMEPAD);
    expect(builtInMapping(pad([0, 0], 'Some joystick'))).toBe(GENERIC_JOYSTICK);
  });

  it('reads stick right as pan right, stick forward as tilt up, twist right as zoom in, throttle forward as full speed', () => {
    const full = readVelocity(pad([1, -1, 1, -1, 0, 0]), T16000M_LINUX, DEFAULT_SETTINGS);
    expect(full).toEqual({ pan: 1, tilt: 1, zoom: 1 });
    // Throttle pulled back: the slowest scale the settings allow.
    const slow = readVelocity(pad([1, 0, 0, 1, 0, 0]), T16000M_LINUX, DEFAULT_SETTINGS);
    expect(slow.pan).toBeCloseTo(DEFAULT_SETTINGS.throttleMin, 5);
    // Windows layout: twist on axis 5, throttle on 6.
    const win = readVelocity(pad([0, 0, 0.9, 0, 0, 1, -1, 0, 0, 0]), T16000M_WINDOWS, DEFAULT_SETTINGS);
    expect(win.zoom).toBe(1);
  });

  it('applies the deadzones: a resting stick and a nudged twist read zero', () => {
    expect(readVelocity(pad([0.05, -0.07, 0.15, -1, 0, 0]), T16000M_LINUX, DEFAULT_SETTINGS)).toEqual({ pan: 0, tilt: 0, zoom: 0 });
  });

  it('prefers a mapping the operator saved for the device', () => {
    const mine = { ...GENERIC_JOYSTICK, name: 'mine' };
    expect(mappingFor(pad([0, 0]), { ...DEFAULT_SETTINGS, mappings: { [T16_ID]: mine } })).toBe(mine);
  });

  it('reports pressed buttons, analogue ones past half travel', () => {
    const p = pad([0, 0]);
    const buttons = p.buttons.map((b, i) => (i === 0 ? { pressed: true, value: 1 } : i === 7 ? { pressed: false, value: 0.8 } : b));
    expect([...pressedButtons({ ...p, buttons })]).toEqual([0, 7]);
  });

  it('keeps settings in storage and refuses nonsense from it', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    const s = { ...DEFAULT_SETTINGS, deadzone: 0.15, mappings: { [T16_ID]: { ...T16000M_LINUX, buttons: { 3: 'ptz.preset2' as const } } } };
    saveGamepadSettings(s, storage);
    const back = loadGamepadSettings(storage);
    expect(back.deadzone).toBe(0.15);
    expect(back.mappings[T16_ID]?.buttons).toEqual({ 3: 'ptz.preset2' });
    store.set('skywatch.gamepad', JSON.stringify({ deadzone: 9, exponent: 'x', mappings: { a: { axes: { pan: { index: -1 } }, buttons: { 1: 'rm -rf' } } } }));
    const bad = loadGamepadSettings(storage);
    expect(bad.deadzone).toBe(0.5);
    expect(bad.exponent).toBe(DEFAULT_SETTINGS.exponent);
    expect(bad.mappings.a).toEqual({ name: 'Joystick', axes: { pan: null, tilt: null, zoom: null, throttle: null }, buttons: {} });
  });
});

describe('joystick buttons in a demonstration', () => {
  it('step the tour with the camera-stepping buttons, and nothing else', () => {
    expect(demoStepOf('ptz.nextCamera')).toBe('next');
    expect(demoStepOf('ptz.prevCamera')).toBe('prev');
    expect(demoStepOf('ptz.stop')).toBeNull();
    expect(demoStepOf(undefined)).toBeNull();
  });
});

/**
 * Pure PTZ logic shared by host and renderer: bearings, lens geometry, the ONVIF normalised
 * spaces, click-to-centre, speed levels, the joystick curve and the command rate limiter.
 * Spec of the mappings: docs/ptz.md.
 */
import { deg, type Degrees } from './units';

/** Limits of the integrated head in the customer's tender. */
export const PTZ_LIMITS = {
  tiltMin: -45,
  tiltMax: 45,
  zoomMin: 1,
  zoomMax: 32,
  /** Slowest and fastest pan/tilt speed, °/s. */
  speedMin: 0.1,
  speedMax: 30,
  speedLevels: 64,
  presetMin: 0,
  presetMax: 255,
} as const;

// ---------------------------------------------------------------------------------------------
// Bearings

/** An angle folded into [0, 360). */
export function normalizeBearing(d: number): Degrees {
  const r = d % 360;
  // `+ 0` turns -0 into 0, so 360 and -0 both print as 0.
  return deg((r < 0 ? r + 360 : r) + 0);
}

/** An angle folded into (-180, 180]. */
export function normalizeSigned(d: number): Degrees {
  const r = normalizeBearing(d);
  return deg(r > 180 ? r - 360 : r);
}

/** Signed shortest turn from `from` to `to`, in (-180, 180]. */
export function angleDiff(from: number, to: number): Degrees {
  return normalizeSigned(to - from);
}

/** True bearing of the optical axis: head pan plus the tower's north offset. */
export function trueBearing(pan: Degrees, northOffset: number): Degrees {
  return normalizeBearing(pan + northOffset);
}

const COMPASS = {
  zh: {
    8: ['北', '东北', '东', '东南', '南', '西南', '西', '西北'],
    16: ['北', '北东北', '东北', '东东北', '东', '东东南', '东南', '南东南', '南', '南西南', '西南', '西西南', '西', '西西北', '西北', '北西北'],
  },
  en: {
    8: ['N', 'NE', 'E', 'SE', 'S', 'SW', 'W', 'NW'],
    16: ['N', 'NNE', 'NE', 'ENE', 'E', 'ESE', 'SE', 'SSE', 'S', 'SSW', 'SW', 'WSW', 'W', 'WNW', 'NW', 'NNW'],
  },
} as const;

export type CompassLang = keyof typeof COMPASS;

/** Compass word for a true bearing: each word covers the sector centred on its direction. */
export function compassWord(bearing: number, lang: CompassLang = 'zh', points: 8 | 16 = 8): string {
  const words = COMPASS[lang][points];
  const sector = 360 / points;
  const i = Math.floor(normalizeBearing(bearing + sector / 2) / sector) % points;
  return words[i] ?? words[0];
}

// ---------------------------------------------------------------------------------------------
// Lens geometry

/** Lens data as in the site file (`LensSchema`). */
export interface Lens {
  sensorWidthMm: number;
  sensorHeightMm: number;
  focalMinMm: number;
  focalMaxMm: number;
}

/** Field of view of a sensor dimension behind a rectilinear lens: 2·atan(s / 2f). */
export function fovDegrees(sensorMm: number, focalMm: number): Degrees {
  return deg((2 * Math.atan(sensorMm / (2 * focalMm)) * 180) / Math.PI);
}

/**
 * Optical zoom is focal length over the shortest focal length. The tender's 10–350 mm lens
 * would be 35x, but the head is specified as 1–32x, so focal lengths past 32x are never used.
 */
export function focalForZoom(lens: Lens, zoom: number): number {
  return clamp(lens.focalMinMm * Math.max(1, zoom), lens.focalMinMm, lens.focalMaxMm);
}

export function zoomForFocal(lens: Lens, focalMm: number): number {
  return clamp(focalMm, lens.focalMinMm, lens.focalMaxMm) / lens.focalMinMm;
}

/** Horizontal and vertical field of view at a zoom factor (a fixed lens ignores zoom). */
export function fovForZoom(lens: Lens, zoom: number): { h: Degrees; v: Degrees } {
  const f = focalForZoom(lens, zoom);
  return { h: fovDegrees(lens.sensorWidthMm, f), v: fovDegrees(lens.sensorHeightMm, f) };
}

/** Zoom factor that gives a horizontal field of view (clamped to the lens). */
export function zoomForHorizontalFov(lens: Lens, hfov: number): number {
  const f = lens.sensorWidthMm / (2 * Math.tan((hfov * Math.PI) / 360));
  return zoomForFocal(lens, f);
}

// ---------------------------------------------------------------------------------------------
// ONVIF normalised spaces (PositionGenericSpace, VelocityGenericSpace, ZoomGenericSpace)

/** Pan: x ∈ [-1, 1] ↔ [-180°, 180°], x = 0 is the head's zero. Degrees come back in [0, 360). */
export function panToOnvif(pan: number): number {
  return normalizeSigned(pan) / 180;
}

export function panFromOnvif(x: number): Degrees {
  return normalizeBearing(clamp(x, -1, 1) * 180);
}

/** Tilt: y ∈ [-1, 1] ↔ [-45°, +45°], positive looks up. */
export function tiltToOnvif(tilt: number): number {
  return clamp(tilt, PTZ_LIMITS.tiltMin, PTZ_LIMITS.tiltMax) / PTZ_LIMITS.tiltMax;
}

export function tiltFromOnvif(y: number): Degrees {
  return deg(clamp(y, -1, 1) * PTZ_LIMITS.tiltMax);
}

/** Zoom: z ∈ [0, 1] ↔ 1x…32x, linear in the zoom factor. */
export function zoomToOnvif(zoom: number): number {
  return (clamp(zoom, PTZ_LIMITS.zoomMin, PTZ_LIMITS.zoomMax) - PTZ_LIMITS.zoomMin) / (PTZ_LIMITS.zoomMax - PTZ_LIMITS.zoomMin);
}

export function zoomFromOnvif(z: number): number {
  return PTZ_LIMITS.zoomMin + clamp(z, 0, 1) * (PTZ_LIMITS.zoomMax - PTZ_LIMITS.zoomMin);
}

// ---------------------------------------------------------------------------------------------
// Speed levels

/**
 * Speed of level 1…64, °/s. Levels are geometric (each ≈ 9.5 % faster than the one below) so
 * the slow end, which matters at long focal lengths, gets as many steps as the fast end.
 */
export function speedForLevel(level: number): number {
  const n = clamp(Math.round(level), 1, PTZ_LIMITS.speedLevels);
  const ratio = PTZ_LIMITS.speedMax / PTZ_LIMITS.speedMin;
  return PTZ_LIMITS.speedMin * ratio ** ((n - 1) / (PTZ_LIMITS.speedLevels - 1));
}

/** Nearest level (1…64) for a speed in °/s. */
export function levelForSpeed(degPerSec: number): number {
  const ratio = PTZ_LIMITS.speedMax / PTZ_LIMITS.speedMin;
  const s = clamp(Math.abs(degPerSec), PTZ_LIMITS.speedMin, PTZ_LIMITS.speedMax);
  return clamp(Math.round(1 + (Math.log(s / PTZ_LIMITS.speedMin) / Math.log(ratio)) * (PTZ_LIMITS.speedLevels - 1)), 1, PTZ_LIMITS.speedLevels);
}

/** Level for a normalised ONVIF velocity or speed magnitude: 0 stops, (0, 1] → 1…64. */
export function levelForVelocity(v: number): number {
  const a = Math.min(1, Math.abs(v));
  return a === 0 ? 0 : Math.max(1, Math.ceil(a * PTZ_LIMITS.speedLevels));
}

/** Signed °/s a head driven at normalised velocity v actually moves (quantised to its levels). */
export function degPerSecForVelocity(v: number): number {
  const level = levelForVelocity(v);
  return level === 0 ? 0 : Math.sign(v) * speedForLevel(level);
}

/** Smallest normalised velocity whose level moves at least `degPerSec` (e.g. a 360° scan period). */
export function velocityForDegPerSec(degPerSec: number): number {
  const s = Math.abs(degPerSec);
  if (s === 0) return 0;
  for (let level = 1; level <= PTZ_LIMITS.speedLevels; level++) {
    if (speedForLevel(level) >= s - 1e-9) return (Math.sign(degPerSec) * level) / PTZ_LIMITS.speedLevels;
  }
  return Math.sign(degPerSec);
}

// ---------------------------------------------------------------------------------------------
// Click-to-centre

/**
 * Relative pan/tilt that brings a clicked point to the centre of the picture.
 * `x`, `y` are normalised tile coordinates: (-1, -1) top-left, (1, 1) bottom-right (y down, as
 * on screen). `hfov`/`vfov` are the current fields of view; `tilt` is the current tilt, which
 * matters because the picture's rows are not lines of equal elevation once the head is tilted.
 * Returns pan positive to the right and tilt positive up, in degrees.
 */
export function clickToCentre(
  click: { x: number; y: number },
  fov: { h: number; v: number },
  tilt = 0,
): { pan: Degrees; tilt: Degrees } {
  const rad = Math.PI / 180;
  const a = clamp(click.x, -1, 1) * Math.tan((fov.h * rad) / 2);
  const b = -clamp(click.y, -1, 1) * Math.tan((fov.v * rad) / 2);
  const t = tilt * rad;
  // Ray through the pixel, camera frame (right, up, forward) rotated by the tilt into the head's frame.
  const xw = a;
  const yw = b * Math.cos(t) + Math.sin(t);
  const zw = -b * Math.sin(t) + Math.cos(t);
  const pan = Math.atan2(xw, zw) / rad;
  const elevation = Math.atan2(yw, Math.hypot(xw, zw)) / rad;
  return { pan: deg(pan), tilt: deg(elevation - tilt) };
}

// ---------------------------------------------------------------------------------------------
// Joystick and rate limiting

export interface CurveOptions {
  /** Deflection below which the stick reads 0 (0…1). */
  deadzone?: number;
  /** Response exponent: 1 linear, 2–3 gives finer control near the centre. */
  exponent?: number;
}

/** Maps a raw axis value (-1…1) through a deadzone and an exponent, rescaled to use the full range. */
export function joystickCurve(raw: number, opts: CurveOptions = {}): number {
  const deadzone = clamp(opts.deadzone ?? 0.08, 0, 0.95);
  const exponent = Math.max(0.2, opts.exponent ?? 2);
  const a = Math.min(1, Math.abs(raw));
  if (a <= deadzone) return 0;
  const out = Math.sign(raw) * ((a - deadzone) / (1 - deadzone)) ** exponent;
  return out + 0;
}

/** A continuous-move request: normalised velocities, -1…1 each. */
export interface PtzVelocity {
  pan: number;
  tilt: number;
  zoom: number;
}

export const isZeroVelocity = (v: PtzVelocity): boolean => v.pan === 0 && v.tilt === 0 && v.zoom === 0;

export type LimitedCommand = { kind: 'move'; velocity: PtzVelocity } | { kind: 'stop' };

export interface MoveLimiterOptions {
  now: () => number;
  /** Shortest gap between two moves, ms (100 = at most 10 commands/s). */
  minIntervalMs?: number;
  /** Unchanged non-zero moves are repeated this often, ms, so the far end can tell a held stick from a lost link. */
  keepAliveMs?: number;
  /** Changes smaller than this on every axis count as no change. */
  epsilon?: number;
}

/**
 * Turns a stream of stick readings into as few commands as possible: at most one move per
 * `minIntervalMs`, a move only when the value changed (or as a keep-alive), and a stop at
 * once on release, whatever the interval.
 */
export class MoveLimiter {
  private readonly now: () => number;
  private readonly minIntervalMs: number;
  private readonly keepAliveMs: number;
  private readonly epsilon: number;
  private sent: PtzVelocity = { pan: 0, tilt: 0, zoom: 0 };
  private sentAt = -Infinity;
  private wanted: PtzVelocity = { pan: 0, tilt: 0, zoom: 0 };

  constructor(opts: MoveLimiterOptions) {
    this.now = opts.now;
    this.minIntervalMs = opts.minIntervalMs ?? 100;
    this.keepAliveMs = opts.keepAliveMs ?? 1000;
    this.epsilon = opts.epsilon ?? 0.01;
  }

  /** Offers the current reading; returns the command to send now, if any. */
  update(v: PtzVelocity): LimitedCommand | undefined {
    this.wanted = { pan: clamp(v.pan, -1, 1), tilt: clamp(v.tilt, -1, 1), zoom: clamp(v.zoom, -1, 1) };
    return this.poll();
  }

  /** Re-evaluates without a new reading (call when `dueInMs` has elapsed). */
  poll(): LimitedCommand | undefined {
    const t = this.now();
    const w = this.wanted;
    if (isZeroVelocity(w)) {
      if (isZeroVelocity(this.sent)) return undefined;
      this.sent = w;
      this.sentAt = t;
      return { kind: 'stop' };
    }
    const changed = !this.same(w, this.sent);
    const since = t - this.sentAt;
    if ((changed && since >= this.minIntervalMs) || (!changed && since >= this.keepAliveMs)) {
      this.sent = w;
      this.sentAt = t;
      return { kind: 'move', velocity: { ...w } };
    }
    return undefined;
  }

  /** Milliseconds until `poll` may return something without a new reading; undefined when idle. */
  dueInMs(): number | undefined {
    if (isZeroVelocity(this.wanted)) return isZeroVelocity(this.sent) ? undefined : 0;
    const since = this.now() - this.sentAt;
    const wait = this.same(this.wanted, this.sent) ? this.keepAliveMs : this.minIntervalMs;
    return Math.max(0, wait - since);
  }

  /** True when a changed reading is waiting for the interval to pass (so a timer should call `poll`). */
  hasPendingChange(): boolean {
    return !isZeroVelocity(this.wanted) && !this.same(this.wanted, this.sent);
  }

  /** Forgets what was sent (e.g. after a stop issued elsewhere), so the next reading is sent at once. */
  reset(): void {
    this.sent = { pan: 0, tilt: 0, zoom: 0 };
    this.wanted = { pan: 0, tilt: 0, zoom: 0 };
    this.sentAt = -Infinity;
  }

  private same(a: PtzVelocity, b: PtzVelocity): boolean {
    const e = this.epsilon;
    // A sign change or a move from/to zero on an axis is always a change, however small.
    const axis = (x: number, y: number) => Math.abs(x - y) < e && Math.sign(x) === Math.sign(y);
    return axis(a.pan, b.pan) && axis(a.tilt, b.tilt) && axis(a.zoom, b.zoom);
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

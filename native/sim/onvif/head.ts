import {
  angleDiff,
  degPerSecForVelocity,
  normalizeBearing,
  PTZ_LIMITS,
  zoomFromOnvif,
  zoomToOnvif,
} from '../../../common/ptz';

/**
 * Dynamics of a simulated integrated PTZ head on an injected clock: pan/tilt accelerate and
 * brake, speeds are quantised to the head's 64 levels, tilt stops at ±45°, pan turns
 * endlessly, zoom and focus move at their own rates. Every command is in ONVIF's normalised
 * spaces, as the SOAP layer receives them.
 */

export interface HeadPose {
  /** Degrees 0…360. */
  pan: number;
  /** Degrees -45…45. */
  tilt: number;
  /** Zoom factor 1…32. */
  zoom: number;
  /** 0 nearest … 1 infinity. */
  focus: number;
  autoFocus: boolean;
  panTiltMoving: boolean;
  zoomMoving: boolean;
  focusMoving: boolean;
}

export interface HeadPreset {
  token: string;
  name: string;
  pan: number;
  tilt: number;
  zoom: number;
}

export interface HeadModelOptions {
  now?: () => number;
  initial?: { pan?: number; tilt?: number; zoom?: number; focus?: number };
  /** Pan/tilt acceleration and braking, °/s². */
  accel?: number;
  /** Seconds from 1x to 32x at full zoom speed. */
  zoomTravelS?: number;
  /** Seconds from near to infinity at full focus speed. */
  focusTravelS?: number;
  /** Continuous moves without a Timeout stop after this, ms (the configuration's DefaultPTZTimeout). */
  defaultTimeoutMs?: number;
  /** Simulates a model that ignores ContinuousMove's Timeout. */
  ignoreTimeout?: boolean;
  presets?: HeadPreset[];
  maxPresets?: number;
  onPresetsChanged?: (presets: HeadPreset[]) => void;
}

/** A command the head refuses, with the ONVIF subcode a device would answer. */
export class HeadCommandError extends Error {
  constructor(
    readonly subcode: 'ter:NoToken' | 'ter:TooManyPresets' | 'ter:InvalidPosition' | 'ter:InvalidSpeed' | 'ter:PresetExist',
    message: string,
  ) {
    super(message);
    this.name = 'HeadCommandError';
  }
}

type AxisMode = { kind: 'idle' } | { kind: 'velocity'; degPerSec: number } | { kind: 'position'; target: number; maxSpeed: number };
type LinearMode = { kind: 'idle' } | { kind: 'velocity'; perSec: number } | { kind: 'position'; target: number; perSec: number };

const STEP_MS = 5;
/** Closer than this a positioning move snaps to its target (well inside the 0.01° repeatability). */
const SNAP_DEG = 0.001;
/** Where auto-focus settles: far hills are near infinity. */
const AUTO_FOCUS_TARGET = 0.92;

export class PtzHead {
  private readonly now: () => number;
  private readonly accel: number;
  private readonly zoomRate: number;
  private readonly focusRate: number;
  private readonly defaultTimeoutMs: number;
  readonly ignoreTimeout: boolean;
  private readonly maxPresets: number;
  private readonly onPresetsChanged: ((p: HeadPreset[]) => void) | undefined;

  private t: number;
  private pan: number;
  private tilt: number;
  /** Zoom in the normalised 0…1 space (linear in the zoom factor). */
  private z: number;
  private focus: number;
  private autoFocus = true;
  private panV = 0;
  private tiltV = 0;
  private panMode: AxisMode = { kind: 'idle' };
  private tiltMode: AxisMode = { kind: 'idle' };
  private zoomMode: LinearMode = { kind: 'idle' };
  private focusMode: LinearMode = { kind: 'idle' };
  /** When the current continuous move ends by itself. */
  private timeoutAt = Infinity;
  private readonly presetMap = new Map<string, HeadPreset>();

  constructor(opts: HeadModelOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.accel = opts.accel ?? 90;
    this.zoomRate = 1 / (opts.zoomTravelS ?? 4);
    this.focusRate = 1 / (opts.focusTravelS ?? 3);
    this.defaultTimeoutMs = opts.defaultTimeoutMs ?? 10_000;
    this.ignoreTimeout = opts.ignoreTimeout ?? false;
    this.maxPresets = opts.maxPresets ?? PTZ_LIMITS.presetMax + 1;
    this.onPresetsChanged = opts.onPresetsChanged;
    this.t = this.now();
    this.pan = normalizeBearing(opts.initial?.pan ?? 0);
    this.tilt = clamp(opts.initial?.tilt ?? 0, PTZ_LIMITS.tiltMin, PTZ_LIMITS.tiltMax);
    this.z = zoomToOnvif(opts.initial?.zoom ?? 1);
    this.focus = clamp(opts.initial?.focus ?? AUTO_FOCUS_TARGET, 0, 1);
    for (const p of opts.presets ?? []) this.presetMap.set(p.token, { ...p });
  }

  /** Current pose, integrated up to now. */
  pose(): HeadPose {
    this.advance();
    return {
      pan: this.pan,
      tilt: this.tilt,
      zoom: zoomFromOnvif(this.z),
      focus: this.focus,
      autoFocus: this.autoFocus,
      panTiltMoving: this.panV !== 0 || this.tiltV !== 0 || this.panMode.kind !== 'idle' || this.tiltMode.kind !== 'idle',
      zoomMoving: this.zoomMode.kind !== 'idle',
      focusMoving: this.focusMode.kind !== 'idle',
    };
  }

  /** Normalised position as ONVIF reports it (x, y ∈ [-1, 1], zoom ∈ [0, 1]). */
  onvifPosition(): { x: number; y: number; zoom: number } {
    const p = this.pose();
    const signed = p.pan > 180 ? p.pan - 360 : p.pan;
    return { x: signed / 180, y: p.tilt / PTZ_LIMITS.tiltMax, zoom: this.z };
  }

  /** ContinuousMove: normalised velocities; an omitted component stops that axis. */
  continuousMove(v: { x?: number; y?: number; zoom?: number }, timeoutMs?: number): void {
    this.advance();
    const x = clamp(v.x ?? 0, -1, 1);
    const y = clamp(v.y ?? 0, -1, 1);
    const zv = clamp(v.zoom ?? 0, -1, 1);
    this.panMode = x === 0 ? { kind: 'idle' } : { kind: 'velocity', degPerSec: degPerSecForVelocity(x) };
    this.tiltMode = y === 0 ? { kind: 'idle' } : { kind: 'velocity', degPerSec: degPerSecForVelocity(y) };
    this.zoomMode = zv === 0 ? { kind: 'idle' } : { kind: 'velocity', perSec: zv * this.zoomRate };
    this.timeoutAt = this.ignoreTimeout ? Infinity : this.t + (timeoutMs ?? this.defaultTimeoutMs);
  }

  stop(panTilt = true, zoom = true): void {
    this.advance();
    if (panTilt) {
      this.panMode = { kind: 'idle' };
      this.tiltMode = { kind: 'idle' };
    }
    if (zoom) this.zoomMode = { kind: 'idle' };
    if (panTilt && zoom) this.timeoutAt = Infinity;
  }

  /** AbsoluteMove in normalised space; speeds are normalised magnitudes (0, 1], default full speed. */
  absoluteMove(
    pos: { x?: number; y?: number; zoom?: number },
    speed: { x?: number; y?: number; zoom?: number } = {},
  ): void {
    this.advance();
    for (const [k, v] of Object.entries(pos)) {
      if (v !== undefined && !Number.isFinite(v)) throw new HeadCommandError('ter:InvalidPosition', `${k} is not a number`);
    }
    if (pos.x !== undefined && Math.abs(pos.x) > 1) throw new HeadCommandError('ter:InvalidPosition', `pan ${pos.x} is outside -1…1`);
    if (pos.y !== undefined && Math.abs(pos.y) > 1) throw new HeadCommandError('ter:InvalidPosition', `tilt ${pos.y} is outside -1…1`);
    if (pos.zoom !== undefined && (pos.zoom < 0 || pos.zoom > 1)) throw new HeadCommandError('ter:InvalidPosition', `zoom ${pos.zoom} is outside 0…1`);
    const ptSpeed = (s: number | undefined) => {
      if (s === undefined || s === 0) return PTZ_LIMITS.speedMax;
      if (!(s > 0 && s <= 1)) throw new HeadCommandError('ter:InvalidSpeed', `speed ${s} is outside 0…1`);
      return Math.abs(degPerSecForVelocity(s));
    };
    const panSpeed = ptSpeed(speed.x);
    const tiltSpeed = ptSpeed(speed.y ?? speed.x);
    if (pos.x !== undefined) this.panMode = { kind: 'position', target: normalizeBearing(pos.x * 180), maxSpeed: panSpeed };
    if (pos.y !== undefined) this.tiltMode = { kind: 'position', target: pos.y * PTZ_LIMITS.tiltMax, maxSpeed: tiltSpeed };
    if (pos.zoom !== undefined) {
      const zs = speed.zoom === undefined || speed.zoom === 0 ? 1 : clamp(speed.zoom, 0, 1);
      this.zoomMode = { kind: 'position', target: pos.zoom, perSec: zs * this.zoomRate };
    }
    this.timeoutAt = Infinity;
  }

  /** RelativeMove in normalised space: pan/tilt translation (x ±2 is a full turn), zoom translation. */
  relativeMove(d: { x?: number; y?: number; zoom?: number }, speed: { x?: number; y?: number; zoom?: number } = {}): void {
    const p = this.pose();
    const target: { x?: number; y?: number; zoom?: number } = {};
    if (d.x !== undefined && d.x !== 0) {
      const pan = normalizeBearing(p.pan + d.x * 180);
      target.x = (pan > 180 ? pan - 360 : pan) / 180;
    }
    // Relative moves beyond a limit stop at the limit, as real heads do.
    if (d.y !== undefined && d.y !== 0) target.y = clamp(p.tilt / PTZ_LIMITS.tiltMax + d.y, -1, 1);
    if (d.zoom !== undefined && d.zoom !== 0) target.zoom = clamp(this.z + d.zoom, 0, 1);
    this.absoluteMove(target, speed);
  }

  presets(): HeadPreset[] {
    return [...this.presetMap.values()].sort((a, b) => tokenOrder(a.token) - tokenOrder(b.token) || a.token.localeCompare(b.token));
  }

  /**
   * SetPreset. Without a token the head picks the lowest free number; with a numeric token
   * 0…255 it creates or overwrites that preset number, as integrated heads with numbered presets
   * do; any other unknown token is `ter:NoToken`, as the standard says.
   */
  setPreset(name: string | undefined, token?: string): string {
    const p = this.pose();
    let tok = token;
    if (tok === undefined) {
      for (let n = PTZ_LIMITS.presetMin; n <= PTZ_LIMITS.presetMax; n++) {
        if (!this.presetMap.has(String(n))) {
          tok = String(n);
          break;
        }
      }
      if (tok === undefined) throw new HeadCommandError('ter:TooManyPresets', 'all 256 presets are in use');
    } else if (!this.presetMap.has(tok) && !isPresetNumber(tok)) {
      throw new HeadCommandError('ter:NoToken', `no preset with token ${tok}`);
    }
    if (!this.presetMap.has(tok) && this.presetMap.size >= this.maxPresets) {
      throw new HeadCommandError('ter:TooManyPresets', `all ${this.maxPresets} presets are in use`);
    }
    const resolvedName = name ?? this.presetMap.get(tok)?.name ?? `Preset ${tok}`;
    const dup = [...this.presetMap.values()].find((x) => x.name === resolvedName && x.token !== tok);
    if (dup && name !== undefined) throw new HeadCommandError('ter:PresetExist', `preset name "${resolvedName}" is used by preset ${dup.token}`);
    this.presetMap.set(tok, { token: tok, name: resolvedName, pan: p.pan, tilt: p.tilt, zoom: p.zoom });
    this.onPresetsChanged?.(this.presets());
    return tok;
  }

  removePreset(token: string): void {
    if (!this.presetMap.delete(token)) throw new HeadCommandError('ter:NoToken', `no preset with token ${token}`);
    this.onPresetsChanged?.(this.presets());
  }

  gotoPreset(token: string, speed: { x?: number; y?: number; zoom?: number } = {}): void {
    const p = this.presetMap.get(token);
    if (!p) throw new HeadCommandError('ter:NoToken', `no preset with token ${token}`);
    const signed = p.pan > 180 ? p.pan - 360 : p.pan;
    this.absoluteMove({ x: signed / 180, y: p.tilt / PTZ_LIMITS.tiltMax, zoom: zoomToOnvif(p.zoom) }, speed);
  }

  /** Imaging Move/Continuous: speed -1 (near) … 1 (far); switches to manual focus. */
  focusContinuous(speed: number): void {
    this.advance();
    this.autoFocus = false;
    this.focusMode = speed === 0 ? { kind: 'idle' } : { kind: 'velocity', perSec: clamp(speed, -1, 1) * this.focusRate };
  }

  /** Imaging Move/Absolute: position 0…1; switches to manual focus. */
  focusAbsolute(position: number, speed = 1): void {
    this.advance();
    if (!(position >= 0 && position <= 1)) throw new HeadCommandError('ter:InvalidPosition', `focus ${position} is outside 0…1`);
    this.autoFocus = false;
    this.focusMode = { kind: 'position', target: position, perSec: clamp(speed || 1, 0.01, 1) * this.focusRate };
  }

  focusStop(): void {
    this.advance();
    this.focusMode = { kind: 'idle' };
  }

  setAutoFocus(on: boolean): void {
    this.advance();
    this.autoFocus = on;
    this.focusMode = on ? { kind: 'position', target: AUTO_FOCUS_TARGET, perSec: this.focusRate } : { kind: 'idle' };
  }

  /** True while anything is moving (the SOAP layer writes the pose file faster then). */
  get moving(): boolean {
    const p = this.pose();
    return p.panTiltMoving || p.zoomMoving || p.focusMoving;
  }

  private advance(): void {
    const end = this.now();
    while (this.t < end) {
      const stepEnd = Math.min(end, this.t + STEP_MS);
      if (this.t >= this.timeoutAt) {
        // The continuous move's Timeout: the head stops by itself.
        this.panMode = { kind: 'idle' };
        this.tiltMode = { kind: 'idle' };
        this.zoomMode = { kind: 'idle' };
        this.timeoutAt = Infinity;
      }
      this.step((stepEnd - this.t) / 1000);
      this.t = stepEnd;
    }
  }

  private step(dt: number): void {
    const pan = this.stepAxis(this.pan, this.panV, this.panMode, dt, true);
    this.pan = normalizeBearing(pan.pos);
    this.panV = pan.v;
    if (pan.done) this.panMode = { kind: 'idle' };
    const tilt = this.stepAxis(this.tilt, this.tiltV, this.tiltMode, dt, false);
    this.tilt = tilt.pos;
    this.tiltV = tilt.v;
    if (tilt.done) this.tiltMode = { kind: 'idle' };
    if (this.tilt <= PTZ_LIMITS.tiltMin || this.tilt >= PTZ_LIMITS.tiltMax) {
      // The mechanical limit: the axis stops dead there.
      this.tilt = clamp(this.tilt, PTZ_LIMITS.tiltMin, PTZ_LIMITS.tiltMax);
      if ((this.tilt === PTZ_LIMITS.tiltMax && this.tiltV > 0) || (this.tilt === PTZ_LIMITS.tiltMin && this.tiltV < 0)) {
        this.tiltV = 0;
        if (this.tiltMode.kind === 'velocity') this.tiltMode = { kind: 'idle' };
      }
    }
    const z = stepLinear(this.z, this.zoomMode, dt);
    this.z = z.pos;
    if (z.done) this.zoomMode = { kind: 'idle' };
    const f = stepLinear(this.focus, this.focusMode, dt);
    this.focus = f.pos;
    if (f.done) this.focusMode = { kind: 'idle' };
  }

  private stepAxis(pos: number, v: number, mode: AxisMode, dt: number, wraps: boolean): { pos: number; v: number; done: boolean } {
    const dv = this.accel * dt;
    if (mode.kind === 'position') {
      const err = wraps ? angleDiff(pos, mode.target) : mode.target - pos;
      // Fastest speed from which the head can still brake to a stop at the target.
      const vDes = Math.sign(err) * Math.min(mode.maxSpeed, Math.sqrt(2 * this.accel * Math.abs(err)));
      const nv = approach(v, vDes, dv);
      const travel = ((v + nv) / 2) * dt;
      if (Math.abs(err) <= SNAP_DEG || (Math.sign(travel) === Math.sign(err) && Math.abs(travel) >= Math.abs(err))) {
        return { pos: mode.target, v: 0, done: true };
      }
      return { pos: pos + travel, v: nv, done: false };
    }
    const target = mode.kind === 'velocity' ? mode.degPerSec : 0;
    const nv = approach(v, target, dv);
    return { pos: pos + ((v + nv) / 2) * dt, v: nv, done: false };
  }
}

function stepLinear(pos: number, mode: LinearMode, dt: number): { pos: number; done: boolean } {
  if (mode.kind === 'idle') return { pos, done: false };
  if (mode.kind === 'velocity') {
    const next = clamp(pos + mode.perSec * dt, 0, 1);
    // Running into an end stop ends the move.
    return { pos: next, done: next === 0 || next === 1 };
  }
  const err = mode.target - pos;
  const d = mode.perSec * dt;
  if (Math.abs(err) <= d) return { pos: mode.target, done: true };
  return { pos: pos + Math.sign(err) * d, done: false };
}

function approach(v: number, target: number, dv: number): number {
  if (Math.abs(target - v) <= dv) return target;
  return v + Math.sign(target - v) * dv;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

function isPresetNumber(token: string): boolean {
  if (!/^\d{1,3}$/.test(token)) return false;
  const n = Number(token);
  return n >= PTZ_LIMITS.presetMin && n <= PTZ_LIMITS.presetMax;
}

function tokenOrder(token: string): number {
  return isPresetNumber(token) ? Number(token) : Number.MAX_SAFE_INTEGER;
}

import type { CruisePlan, HostApi, PtzPriority } from '../../common/contract';
import { MoveLimiter, isZeroVelocity, type LimitedCommand, type PtzVelocity } from '../../common/ptz';
import { host } from '../app/connection';
import { CallError } from '../app/host-client';
import { useAppStore } from '../app/store';
import { headOfCamera } from './ptz-slice';
import { selfIdentity } from './self-identity';

/**
 * The renderer's one way of steering a head. Every input (keys, arrow pad, joystick, touch)
 * hands its wish to a per-camera motion channel; the channel sums them, and a `MoveLimiter`
 * turns the sum into as few `ptz:move` commands as possible (≤ 10/s, on change, keep-alive
 * every second while held) and a `ptz:stop` at once when everything is released.
 */

const ZERO: PtzVelocity = { pan: 0, tilt: 0, zoom: 0 };

class MotionChannel {
  /** Wishes by input key, e.g. `keys:ptz.left`, `joystick`. */
  readonly inputs = new Map<string, PtzVelocity>();
  readonly limiter = new MoveLimiter({ now: () => performance.now() });
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Focus drive in progress (near/far held). */
  focusHeld: 'near' | 'far' | null = null;

  constructor(readonly cameraId: string) {}

  get active(): boolean {
    return this.inputs.size > 0 || this.limiter.dueInMs() !== undefined || this.focusHeld !== null;
  }

  sum(): PtzVelocity {
    const v = { ...ZERO };
    for (const x of this.inputs.values()) {
      v.pan += x.pan;
      v.tilt += x.tilt;
      v.zoom += x.zoom;
    }
    return { pan: clamp1(v.pan), tilt: clamp1(v.tilt), zoom: clamp1(v.zoom) };
  }
}

const channels = new Map<string, MotionChannel>();

function channel(cameraId: string): MotionChannel {
  let ch = channels.get(cameraId);
  if (!ch) channels.set(cameraId, (ch = new MotionChannel(cameraId)));
  return ch;
}

/** Sets (or with `null` withdraws) one input's wish for a camera's continuous motion. */
export function setMotion(cameraId: string, input: string, v: PtzVelocity | null): void {
  const ch = channel(cameraId);
  if (!v || isZeroVelocity(v)) ch.inputs.delete(input);
  else ch.inputs.set(input, v);
  drive(ch, ch.limiter.update(ch.sum()));
}

/** Withdraws every wish of inputs whose key starts with `prefix` (e.g. all held keys), on every camera. */
export function releaseInputs(prefix: string): void {
  for (const ch of channels.values()) {
    let changed = false;
    for (const k of [...ch.inputs.keys()]) if (k.startsWith(prefix)) changed = ch.inputs.delete(k) || changed;
    if (changed) drive(ch, ch.limiter.update(ch.sum()));
  }
}

function drive(ch: MotionChannel, cmd: LimitedCommand | undefined): void {
  if (cmd) send(ch.cameraId, cmd);
  clearTimeout(ch.timer);
  ch.timer = undefined;
  const due = ch.limiter.dueInMs();
  if (due !== undefined) ch.timer = setTimeout(() => drive(ch, ch.limiter.poll()), due);
}

function send(cameraId: string, cmd: LimitedCommand): void {
  if (cmd.kind === 'stop') void run(cameraId, host().call('ptz:stop', { cameraId }));
  else void run(cameraId, host().call('ptz:move', { cameraId, ...cmd.velocity }));
}

/** Stops a camera's head now: every held input on it is dropped and an explicit stop is sent. */
export function stop(cameraId: string): void {
  const ch = channel(cameraId);
  ch.inputs.clear();
  ch.limiter.reset();
  clearTimeout(ch.timer);
  ch.timer = undefined;
  if (ch.focusHeld) {
    ch.focusHeld = null;
    void run(cameraId, host().call('ptz:focus', { cameraId, action: 'stop' }));
  }
  void run(cameraId, host().call('ptz:stop', { cameraId }));
}

/**
 * The operator now steers `cameraId` (or nothing): motion still held on any other camera is
 * released, so switching tiles never leaves the previous head turning.
 */
export function focusCamera(cameraId: string | null): void {
  for (const ch of channels.values()) {
    if (ch.cameraId === cameraId || !ch.active) continue;
    ch.inputs.clear();
    drive(ch, ch.limiter.update(ZERO));
    if (ch.focusHeld) {
      ch.focusHeld = null;
      void run(ch.cameraId, host().call('ptz:focus', { cameraId: ch.cameraId, action: 'stop' }));
    }
  }
}

/** Drives focus near/far while held; `null` stops it. */
export function focusDrive(cameraId: string, dir: 'near' | 'far' | null): void {
  const ch = channel(cameraId);
  if (ch.focusHeld === dir) return;
  ch.focusHeld = dir;
  void run(cameraId, host().call('ptz:focus', { cameraId, action: dir ?? 'stop' }));
}

export function focusAuto(cameraId: string): Promise<boolean> {
  return run(cameraId, host().call('ptz:focus', { cameraId, action: 'auto' }));
}

export function gotoPreset(cameraId: string, preset: number): Promise<boolean> {
  return run(cameraId, host().call('ptz:gotoPreset', { cameraId, preset }));
}

export async function savePreset(cameraId: string, preset: number, name: string): Promise<boolean> {
  const ok = await run(cameraId, host().call('ptz:setPreset', { cameraId, preset, name }));
  if (ok) await loadPresets(cameraId);
  return ok;
}

export async function removePreset(cameraId: string, preset: number): Promise<boolean> {
  const ok = await run(cameraId, host().call('ptz:removePreset', { cameraId, preset }));
  if (ok) await loadPresets(cameraId);
  return ok;
}

export function absolute(cameraId: string, args: Omit<HostApi['ptz:absolute']['args'], 'cameraId'>): Promise<boolean> {
  return run(cameraId, host().call('ptz:absolute', { cameraId, ...args }));
}

export function relative(cameraId: string, args: Omit<HostApi['ptz:relative']['args'], 'cameraId'>): Promise<boolean> {
  return run(cameraId, host().call('ptz:relative', { cameraId, ...args }));
}

export async function takeControl(cameraId: string, priority: PtzPriority): Promise<boolean> {
  return run(
    cameraId,
    host()
      .call('ptz:takeControl', { cameraId, priority })
      .then((c) => {
        if (c.holder) selfIdentity.confirmed(c.holder.clientId);
        useAppStore.setState((s) => ({ ptzControl: { ...s.ptzControl, [c.headId]: c } }));
        return c;
      }),
  );
}

export function releaseControl(cameraId: string): Promise<boolean> {
  return run(
    cameraId,
    host()
      .call('ptz:releaseControl', { cameraId })
      .then((c) => {
        useAppStore.setState((s) => ({ ptzControl: { ...s.ptzControl, [c.headId]: c } }));
        return c;
      }),
  );
}

export function cruiseStart(cameraId: string): Promise<boolean> {
  return run(cameraId, host().call('ptz:cruiseStart', { cameraId }).then(storeCruise));
}

export function cruiseStop(cameraId: string): Promise<boolean> {
  return run(cameraId, host().call('ptz:cruiseStop', { cameraId }).then(storeCruise));
}

export function cruiseSet(cameraId: string, plan: CruisePlan | null): Promise<boolean> {
  return run(cameraId, host().call('ptz:cruiseSet', { cameraId, plan }).then(storeCruise));
}

function storeCruise(c: HostApi['ptz:cruiseStart']['result']) {
  useAppStore.setState((s) => ({ ptzCruise: { ...s.ptzCruise, [c.headId]: c } }));
  return c;
}

/** Fetches a camera's presets into the store. */
export async function loadPresets(cameraId: string): Promise<void> {
  try {
    const r = await host().call('ptz:presets', { cameraId });
    useAppStore.setState((s) => ({ ptzPresets: { ...s.ptzPresets, [r.headId]: [...r.presets].sort((a, b) => a.preset - b.preset) } }));
  } catch (e) {
    report(cameraId, e);
  }
}

/** Reads the head's pose from the host (not from the last event). */
export function status(cameraId: string): Promise<HostApi['ptz:status']['result']> {
  return host().call('ptz:status', { cameraId });
}

/**
 * Runs a command, learns who we are from its acknowledgement, and turns a refusal into a notice
 * the panel shows. Resolves true on success.
 */
async function run<T>(cameraId: string, p: Promise<T>): Promise<boolean> {
  const headId = headOfCamera(useAppStore.getState(), cameraId);
  if (headId) selfIdentity.sent(headId);
  try {
    const v = await p;
    if (isAck(v)) selfIdentity.ack(v.headId, v.heldUntil);
    const n = useAppStore.getState().ptzNotice;
    if (n && n.cameraId === cameraId && n.code !== 'client') useAppStore.setState({ ptzNotice: null });
    return true;
  } catch (e) {
    report(cameraId, e);
    return false;
  } finally {
    if (headId) selfIdentity.answered(headId);
  }
}

function report(cameraId: string, e: unknown): void {
  const code = e instanceof CallError ? e.error.code : 'internal';
  const text = e instanceof Error ? e.message : String(e);
  if (code === 'unknown_command') useAppStore.setState({ ptzService: 'absent' });
  useAppStore.setState({ ptzNotice: { cameraId, code, text, at: Date.now() } });
}

/** A check made in the renderer (bad numeric entry, …) shown like a refusal. */
export function notify(cameraId: string, text: string): void {
  useAppStore.setState({ ptzNotice: { cameraId, code: 'client', text, at: Date.now() } });
}

function isAck(v: unknown): v is { headId: string; heldUntil: number } {
  return typeof v === 'object' && v !== null && 'heldUntil' in v && typeof (v as { heldUntil: unknown }).heldUntil === 'number';
}

/** Whether a camera is steerable from here (it has PTZ according to the site). */
export function hasPtz(cameraId: string | null | undefined): cameraId is string {
  if (!cameraId) return false;
  const s = useAppStore.getState();
  if (headOfCamera(s, cameraId)) return true;
  return s.site?.towers.some((t) => t.cameras.some((c) => c.id === cameraId && c.hasPtz)) ?? false;
}

function clamp1(v: number): number {
  return Math.max(-1, Math.min(1, v));
}

import type { CruisePlan, CruiseState } from '../../common/contract/ptz';
import { velocityForDegPerSec } from '../../common/ptz';

/**
 * The cruise of one head as a pure state machine on a clock. It says what to send
 * (`CruiseAction`s) and is told when an operator acts (`interrupt`) and when the head has
 * arrived (`arrived`); `tick` drives the timing. Rules (docs/ptz.md, "Cruise"):
 * - preset cruise: goto each step's preset, dwell `dwellS` once arrived, then the next, round and round;
 * - scan: set tilt/zoom if given, then pan continuously at the speed that closes the circle within `periodS`;
 * - an operator's command pauses a running cruise; it resumes `resumeAfterS` after the last one,
 *   once nobody holds the head, at the step it was interrupted;
 * - a stopped cruise with a `homePreset` sends the head home `homeAfterS` after the last operator command.
 */

export type CruiseAction =
  | { kind: 'goto'; preset: number }
  /** Set tilt and/or zoom, keeping pan. */
  | { kind: 'view'; tilt?: number; zoom?: number }
  /** Continuous pan at this normalised velocity (repeated as keep-alive). */
  | { kind: 'move'; pan: number }
  | { kind: 'stop' };

export interface CruiseOptions {
  /** A scan's continuous move is repeated this often, ms. */
  keepAliveMs?: number;
  /** A goto that has not reported arrival after this long counts as arrived, ms. */
  travelTimeoutMs?: number;
  /** `arrived` is ignored this soon after a goto: the head may not have started moving yet, ms. */
  minTravelMs?: number;
}

type Phase =
  | { kind: 'idle' }
  | { kind: 'travel'; step: number; since: number }
  | { kind: 'dwell'; step: number; since: number }
  | { kind: 'scan'; lastSent: number };

/** A scan is one step; the travel before it sets the view. */
const SCAN_STEP = 0;

export class CruiseScheduler {
  private phase: Phase = { kind: 'idle' };
  private _state: CruiseState = 'stopped';
  /** Step to resume at after a pause. */
  private resumeStep = 0;
  private lastActivity = -Infinity;
  private homeDue: number | undefined;
  private readonly keepAliveMs: number;
  private readonly travelTimeoutMs: number;
  private readonly minTravelMs: number;

  constructor(
    readonly plan: CruisePlan,
    opts: CruiseOptions = {},
  ) {
    this.keepAliveMs = opts.keepAliveMs ?? 1000;
    this.travelTimeoutMs = opts.travelTimeoutMs ?? 30_000;
    this.minTravelMs = opts.minTravelMs ?? 500;
  }

  get state(): CruiseState {
    return this._state;
  }

  /** Index of the current (or, when paused, the interrupted) step of a preset cruise. */
  get step(): number | null {
    if (this.plan.mode !== 'presets' || this._state === 'stopped') return null;
    return this.phase.kind === 'travel' || this.phase.kind === 'dwell' ? this.phase.step : this.resumeStep;
  }

  /** When a paused cruise will resume if nobody holds the head then. */
  get resumesAt(): number | null {
    return this._state === 'paused' ? this.lastActivity + this.plan.resumeAfterS * 1000 : null;
  }

  start(now: number): CruiseAction[] {
    this._state = 'running';
    this.homeDue = undefined;
    return this.begin(0, now);
  }

  stop(now: number): CruiseAction[] {
    const wasScanning = this.phase.kind === 'scan';
    this._state = 'stopped';
    this.phase = { kind: 'idle' };
    this.scheduleHome(now);
    return wasScanning ? [{ kind: 'stop' }] : [];
  }

  /** An operator acted on the head. */
  interrupt(now: number): CruiseAction[] {
    this.lastActivity = now;
    if (this._state === 'stopped') {
      this.scheduleHome(now);
      return [];
    }
    if (this._state === 'paused') return [];
    const wasScanning = this.phase.kind === 'scan';
    this.resumeStep = this.phase.kind === 'travel' || this.phase.kind === 'dwell' ? this.phase.step : SCAN_STEP;
    this._state = 'paused';
    this.phase = { kind: 'idle' };
    return wasScanning ? [{ kind: 'stop' }] : [];
  }

  /** The head reports it is no longer moving. */
  arrived(now: number): CruiseAction[] {
    if (this._state !== 'running' || this.phase.kind !== 'travel') return [];
    if (now - this.phase.since < this.minTravelMs) return [];
    return this.onArrival(this.phase.step, now);
  }

  /** The move to the current step failed: go on with the next step now rather than wait out the travel. */
  skip(now: number): CruiseAction[] {
    if (this._state !== 'running' || this.phase.kind !== 'travel' || this.plan.mode !== 'presets') return [];
    return this.begin((this.phase.step + 1) % this.plan.steps.length, now);
  }

  /** Drives the timing; `held` says whether someone holds the head now. */
  tick(now: number, held: boolean): CruiseAction[] {
    if (this._state === 'stopped') {
      if (this.homeDue !== undefined && !held && now >= this.homeDue && this.plan.homePreset !== undefined) {
        this.homeDue = undefined;
        return [{ kind: 'goto', preset: this.plan.homePreset }];
      }
      return [];
    }
    if (this._state === 'paused') {
      if (held || now < this.lastActivity + this.plan.resumeAfterS * 1000) return [];
      this._state = 'running';
      return this.begin(this.resumeStep, now);
    }
    const ph = this.phase;
    if (ph.kind === 'travel' && now - ph.since >= this.travelTimeoutMs) return this.onArrival(ph.step, now);
    if (ph.kind === 'dwell' && this.plan.mode === 'presets') {
      const dwell = this.plan.steps[ph.step]?.dwellS ?? 0;
      if (now - ph.since >= dwell * 1000) return this.begin((ph.step + 1) % this.plan.steps.length, now);
    }
    if (ph.kind === 'scan' && now - ph.lastSent >= this.keepAliveMs) {
      this.phase = { kind: 'scan', lastSent: now };
      return [this.scanMove()];
    }
    return [];
  }

  private begin(step: number, now: number): CruiseAction[] {
    if (this.plan.mode === 'presets') {
      const s = this.plan.steps[step % this.plan.steps.length];
      if (!s) return [];
      this.phase = { kind: 'travel', step: step % this.plan.steps.length, since: now };
      return [{ kind: 'goto', preset: s.preset }];
    }
    const { tilt, zoom } = this.plan;
    if (tilt === undefined && zoom === undefined) return this.onArrival(SCAN_STEP, now);
    this.phase = { kind: 'travel', step: SCAN_STEP, since: now };
    return [{ kind: 'view', ...(tilt !== undefined ? { tilt } : {}), ...(zoom !== undefined ? { zoom } : {}) }];
  }

  private onArrival(step: number, now: number): CruiseAction[] {
    if (this.plan.mode === 'presets') {
      this.phase = { kind: 'dwell', step, since: now };
      return [];
    }
    this.phase = { kind: 'scan', lastSent: now };
    return [this.scanMove()];
  }

  private scanMove(): CruiseAction {
    if (this.plan.mode !== 'scan') return { kind: 'stop' };
    const v = velocityForDegPerSec(360 / this.plan.periodS);
    return { kind: 'move', pan: this.plan.clockwise ? v : -v };
  }

  private scheduleHome(now: number): void {
    this.homeDue = this.plan.homePreset === undefined ? undefined : now + this.plan.homeAfterS * 1000;
  }
}

import type { PtzLinkState, PtzPose } from '../../common/contract/ptz';
import { angleDiff, isZeroVelocity, MoveLimiter, normalizeBearing, PTZ_LIMITS, trueBearing, zoomToOnvif, type PtzVelocity } from '../../common/ptz';
import { deg } from '../../common/units';
import { PtzDriverError, type DriverInfo, type DriverPose, type DriverPreset, type FocusAction, type PtzDriver } from './driver';

/** One head as the site file describes it: which cameras it carries and where to reach it. */
export interface HeadSpec {
  headId: string;
  towerId: string;
  towerName: string;
  cameraIds: string[];
  northOffset: number;
  url: string;
  user?: string;
  password?: string;
}

export interface HeadTiming {
  /** Status poll interval while moving (and for a while after any command), ms. */
  pollFastMs: number;
  pollSlowMs: number;
  /** How long after a command polling stays fast even if the head has not started yet, ms. */
  fastAfterCommandMs: number;
  /** A continuous move not refreshed by its client within this is stopped, ms. */
  leaseMs: number;
  /** ContinuousMove Timeout sent to the head, s: the head stops by itself if the host goes silent. */
  deviceTimeoutS: number;
  /** Refresh of an unchanged continuous move towards the head, ms (below deviceTimeoutS). */
  keepAliveMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
}

export const DEFAULT_TIMING: HeadTiming = {
  pollFastMs: 150,
  pollSlowMs: 1000,
  fastAfterCommandMs: 2000,
  leaseMs: 2500,
  deviceTimeoutS: 2,
  keepAliveMs: 800,
  reconnectMinMs: 1000,
  reconnectMaxMs: 15_000,
};

export interface HeadSessionOptions {
  spec: HeadSpec;
  driver: PtzDriver;
  now: () => number;
  timing?: Partial<HeadTiming>;
  log: (level: 'debug' | 'info' | 'warn' | 'error', msg: string) => void;
  onPose: (pose: PtzPose) => void;
  onLink: (state: PtzLinkState, message: string | null) => void;
}

/** Raised by session commands: the link is not up, or the head refused or did not answer. */
export class HeadUnavailable extends Error {
  constructor(
    message: string,
    readonly kind: PtzDriverError['kind'] | 'offline',
  ) {
    super(message);
    this.name = 'HeadUnavailable';
  }
}

interface MotionJob {
  run: () => Promise<void>;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * The host's side of one head: keeps the connection (reconnecting with backoff), polls the
 * pose fast while moving and slowly when idle, publishes changed poses only, and sends motion
 * commands one at a time in order — a newer motion command replaces one still waiting, so a
 * stop never queues behind stale moves. A head that may be moving when the link drops is
 * sent a Stop as soon as it answers again.
 */
export class HeadSession {
  readonly spec: HeadSpec;
  private readonly driver: PtzDriver;
  private readonly now: () => number;
  private readonly t: HeadTiming;
  private readonly log: HeadSessionOptions['log'];
  private readonly onPose: HeadSessionOptions['onPose'];
  private readonly onLink: HeadSessionOptions['onLink'];
  private readonly limiter: MoveLimiter;

  private _link: PtzLinkState = 'connecting';
  private _linkMessage: string | null = null;
  private _info: DriverInfo | undefined;
  private _pose: PtzPose | undefined;
  private lastRaw: DriverPose | undefined;
  private _presets: DriverPreset[] | undefined;
  private _continuous = false;
  /** The head may be moving with nobody steering it: stop it at the first chance. */
  private needsStop = false;
  private fastUntil = 0;
  private pollTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private leaseTimer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private backoff: number;
  private inflight: Promise<void> | undefined;
  private queued: MotionJob | undefined;
  private closed = false;
  private connecting = false;

  constructor(opts: HeadSessionOptions) {
    this.spec = opts.spec;
    this.driver = opts.driver;
    this.now = opts.now;
    this.t = { ...DEFAULT_TIMING, ...opts.timing };
    this.log = opts.log;
    this.onPose = opts.onPose;
    this.onLink = opts.onLink;
    this.backoff = this.t.reconnectMinMs;
    this.limiter = new MoveLimiter({ now: this.now, minIntervalMs: 100, keepAliveMs: this.t.keepAliveMs });
  }

  get label(): string {
    return `${this.spec.towerName} (${this.spec.headId})`;
  }
  get link(): PtzLinkState {
    return this._link;
  }
  get linkMessage(): string | null {
    return this._linkMessage;
  }
  get info(): DriverInfo | undefined {
    return this._info;
  }
  get pose(): PtzPose | undefined {
    return this._pose;
  }
  /** A continuous move is in force (from an operator or a scan). */
  get continuous(): boolean {
    return this._continuous;
  }
  get cachedPresets(): DriverPreset[] | undefined {
    return this._presets;
  }

  start(): void {
    void this.connect();
  }

  // ---- motion

  /** Continuous move at normalised velocities; a zero velocity stops. Keeps the lease alive. */
  move(v: PtzVelocity): Promise<void> {
    this.requireOnline();
    if (isZeroVelocity(v)) return this.stop();
    this.fastUntil = this.now() + this.t.fastAfterCommandMs;
    clearTimeout(this.leaseTimer);
    this.leaseTimer = setTimeout(() => {
      if (!this._continuous) return;
      this.log('info', `${this.label}: continuous move not refreshed for ${this.t.leaseMs} ms; stopping`);
      this.stop().catch(() => undefined);
    }, this.t.leaseMs);
    this.leaseTimer.unref();
    const cmd = this.limiter.update(v);
    if (!cmd) {
      this.scheduleFlush();
      return Promise.resolve();
    }
    return this.sendMove(cmd.kind === 'move' ? cmd.velocity : { pan: 0, tilt: 0, zoom: 0 });
  }

  /** Explicit Stop of pan, tilt and zoom. Offline, it is remembered and sent when the head answers again. */
  stop(): Promise<void> {
    this.endContinuous();
    if (this._link !== 'online' && !this.closed) {
      this.needsStop = true;
      return Promise.reject(
        new HeadUnavailable(`${this.label}: PTZ ${describeLink(this._link)}; Stop will be sent as soon as it answers again`, 'offline'),
      );
    }
    this.fastUntil = this.now() + this.t.fastAfterCommandMs;
    return this.motion(async () => {
      try {
        await this.driver.stop();
        this.needsStop = false;
      } catch (e) {
        this.needsStop = true;
        throw e;
      }
    });
  }

  absolute(target: { pan: number; tilt: number; zoom?: number; focus?: number }, speed?: number): Promise<void> {
    this.requireOnline();
    const zoom = target.zoom ?? this._pose?.zoom ?? PTZ_LIMITS.zoomMin;
    return this.positioning(async () => {
      await this.driver.absoluteMove({ pan: normalizeBearing(target.pan), tilt: target.tilt, zoom }, speed);
      if (target.focus !== undefined) {
        if (!this.driver.focusAbsolute || !this._info?.focus) throw new HeadUnavailable(`${this.label}: focus cannot be set on this head`, 'unsupported');
        await this.driver.focusAbsolute(target.focus);
      }
    });
  }

  relative(delta: { pan: number; tilt: number; zoomBy?: number }, speed?: number): Promise<void> {
    this.requireOnline();
    const cur = this._pose?.zoom ?? PTZ_LIMITS.zoomMin;
    const dz = delta.zoomBy === undefined ? 0 : zoomToOnvif(cur * delta.zoomBy) - zoomToOnvif(cur);
    return this.positioning(() => this.driver.relativeMove({ pan: delta.pan, tilt: delta.tilt, zoom: dz }, speed));
  }

  gotoPreset(preset: number, speed?: number): Promise<void> {
    this.requireOnline();
    return this.positioning(() => this.driver.gotoPreset(preset, speed));
  }

  // ---- other commands

  async focus(action: FocusAction, speed: number): Promise<void> {
    this.requireOnline();
    const focus = this.driver.focus?.bind(this.driver);
    if (!focus || !this._info?.focus) throw new HeadUnavailable(`${this.label}: focus cannot be moved on this head`, 'unsupported');
    this.fastUntil = this.now() + this.t.fastAfterCommandMs;
    await this.guard(() => focus(action, speed));
  }

  async presets(): Promise<DriverPreset[]> {
    this.requireOnline();
    this._presets = await this.guard(() => this.driver.presets());
    return this._presets;
  }

  async setPreset(preset: number, name: string): Promise<DriverPreset> {
    this.requireOnline();
    await this.guard(() => this.driver.setPreset(preset, name));
    const list = await this.presets();
    const p = list.find((x) => x.preset === preset);
    if (!p) throw new HeadUnavailable(`${this.label}: the head accepted preset ${preset} but does not list it`, 'fault');
    return p;
  }

  async removePreset(preset: number): Promise<void> {
    this.requireOnline();
    await this.guard(() => this.driver.removePreset(preset));
    this._presets = this._presets?.filter((p) => p.preset !== preset);
  }

  /** The latest pose; read from the head if none is known yet. */
  async status(): Promise<PtzPose> {
    if (this._pose && this._link === 'online') return this._pose;
    this.requireOnline();
    const raw = await this.guard(() => this.driver.status());
    this.updatePose(raw);
    return this._pose as PtzPose;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.pollTimer);
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.leaseTimer);
    clearTimeout(this.flushTimer);
    if (this._link === 'online' && (this._continuous || this._pose?.moving)) {
      // Leave nothing turning behind us.
      await this.driver.stop().catch((e: unknown) => this.log('warn', `${this.label}: stop on close failed: ${(e as Error).message}`));
    }
    await this.inflight?.catch(() => undefined);
    await this.driver.close();
  }

  // ---- internals

  private requireOnline(): void {
    if (this.closed) throw new HeadUnavailable(`${this.label}: PTZ is shut down`, 'offline');
    if (this._link !== 'online') {
      throw new HeadUnavailable(`${this.label}: PTZ ${describeLink(this._link)}${this._linkMessage ? ` — ${this._linkMessage}` : ''}`, 'offline');
    }
  }

  private endContinuous(): void {
    this._continuous = false;
    this.limiter.reset();
    clearTimeout(this.leaseTimer);
    clearTimeout(this.flushTimer);
  }

  private sendMove(v: PtzVelocity): Promise<void> {
    this._continuous = true;
    return this.motion(async () => {
      try {
        await this.driver.continuousMove(v, this.t.deviceTimeoutS);
      } catch (e) {
        // The move may or may not have reached the head.
        this.needsStop = true;
        throw e;
      }
    });
  }

  /** Sends a change the limiter held back once its interval has passed. */
  private scheduleFlush(): void {
    if (!this.limiter.hasPendingChange() || this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      if (!this._continuous || this.closed || this._link !== 'online') return;
      const cmd = this.limiter.poll();
      if (cmd?.kind === 'move') this.sendMove(cmd.velocity).catch(() => undefined);
      else this.scheduleFlush();
    }, this.limiter.dueInMs() ?? 0);
    this.flushTimer.unref();
  }

  private positioning(run: () => Promise<void>): Promise<void> {
    this.endContinuous();
    this.fastUntil = this.now() + this.t.fastAfterCommandMs;
    return this.motion(run);
  }

  /** Motion commands go out one at a time, in order; a newer one replaces one still waiting. */
  private motion(run: () => Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      // Superseded before it was sent: its intent is moot, so it simply succeeds.
      this.queued?.resolve();
      this.queued = { run: () => this.guard(run), resolve, reject };
      this.pump();
    });
  }

  private pump(): void {
    if (this.inflight || !this.queued) return;
    const job = this.queued;
    this.queued = undefined;
    this.inflight = job
      .run()
      .then(job.resolve, job.reject)
      .finally(() => {
        this.inflight = undefined;
        this.pump();
      });
  }

  /** Runs a driver call; link-level failures take the link down (and start reconnecting). */
  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof HeadUnavailable) throw e;
      const err = e instanceof PtzDriverError ? e : new PtzDriverError('fault', `${this.label}: ${(e as Error).message}`);
      if (err.kind === 'unreachable' || err.kind === 'timeout' || err.kind === 'unauthorized') this.lost(err);
      throw new HeadUnavailable(err.message, err.kind);
    }
  }

  private async connect(): Promise<void> {
    if (this.closed || this.connecting) return;
    this.connecting = true;
    try {
      this._info = await this.driver.connect();
      this.backoff = this.t.reconnectMinMs;
      this.setLink('online', null);
      this.log('info', `${this.label}: PTZ online (${this._info.manufacturer} ${this._info.model})`);
      if (this.needsStop) {
        this.log('info', `${this.label}: head may still be moving from before the link dropped; sending Stop`);
        await this.stop().catch((e: unknown) => this.log('warn', `${this.label}: stop after reconnect failed: ${(e as Error).message}`));
      }
      this.driver
        .presets()
        .then((p) => (this._presets = p))
        .catch(() => undefined);
      this.schedulePoll(0);
    } catch (e) {
      const err = e instanceof PtzDriverError ? e : new PtzDriverError('fault', `${this.label}: ${(e as Error).message}`);
      this.setLink(linkStateOf(err.kind), err.message);
      this.scheduleReconnect(err.kind === 'unauthorized' ? this.t.reconnectMaxMs : undefined);
    } finally {
      this.connecting = false;
    }
  }

  private lost(err: PtzDriverError): void {
    if (this._link !== 'online') return;
    if (this._continuous || this._pose?.moving) this.needsStop = true;
    this.endContinuous();
    clearTimeout(this.pollTimer);
    this.setLink(linkStateOf(err.kind), err.message);
    this.scheduleReconnect();
  }

  private scheduleReconnect(delay?: number): void {
    if (this.closed) return;
    clearTimeout(this.reconnectTimer);
    const wait = delay ?? this.backoff;
    this.backoff = Math.min(this.t.reconnectMaxMs, this.backoff * 2);
    this.reconnectTimer = setTimeout(() => void this.connect(), wait);
    this.reconnectTimer.unref();
  }

  private schedulePoll(delay: number): void {
    if (this.closed) return;
    clearTimeout(this.pollTimer);
    this.pollTimer = setTimeout(() => void this.pollOnce(), delay);
    this.pollTimer.unref();
  }

  private async pollOnce(): Promise<void> {
    if (this.closed || this._link !== 'online') return;
    try {
      this.updatePose(await this.driver.status());
    } catch (e) {
      const err = e instanceof PtzDriverError ? e : new PtzDriverError('fault', `${this.label}: ${(e as Error).message}`);
      if (err.kind === 'unreachable' || err.kind === 'timeout' || err.kind === 'unauthorized') {
        this.lost(err);
        return;
      }
      // A garbled or refused status is not a dead link; note it and keep polling slowly.
      this.log('warn', err.message);
      this.schedulePoll(this.t.pollSlowMs);
      return;
    }
    const fast = this._pose?.moving || this._continuous || this.now() < this.fastUntil;
    this.schedulePoll(fast ? this.t.pollFastMs : this.t.pollSlowMs);
  }

  private updatePose(raw: DriverPose): void {
    const prev = this.lastRaw;
    this.lastRaw = raw;
    // Heads that do not report MoveStatus: moving is inferred from the pose changing.
    const moved = prev !== undefined && (Math.abs(angleDiff(prev.pan, raw.pan)) > 1e-4 || Math.abs(prev.tilt - raw.tilt) > 1e-4 || Math.abs(prev.zoom - raw.zoom) > 1e-4);
    const moving = raw.moving ?? moved;
    const pose: PtzPose = {
      headId: this.spec.headId,
      cameraIds: this.spec.cameraIds,
      pan: raw.pan,
      bearing: trueBearing(deg(raw.pan), this.spec.northOffset),
      tilt: raw.tilt,
      zoom: raw.zoom,
      focus: raw.focus,
      moving,
      at: this.now(),
    };
    const old = this._pose;
    this._pose = pose;
    const changed =
      !old ||
      old.moving !== pose.moving ||
      Math.abs(angleDiff(old.pan, pose.pan)) >= 0.01 ||
      Math.abs(old.tilt - pose.tilt) >= 0.01 ||
      Math.abs(old.zoom - pose.zoom) >= 0.01 ||
      (old.focus ?? -1) !== (pose.focus ?? -1);
    if (changed) this.onPose(pose);
  }

  private setLink(state: PtzLinkState, message: string | null): void {
    if (state === this._link && message === this._linkMessage) return;
    this._link = state;
    this._linkMessage = message;
    this.onLink(state, message);
  }
}

function linkStateOf(kind: PtzDriverError['kind']): PtzLinkState {
  switch (kind) {
    case 'unreachable':
      return 'unreachable';
    case 'timeout':
      return 'timeout';
    case 'unauthorized':
      return 'unauthorized';
    default:
      return 'error';
  }
}

export function describeLink(state: PtzLinkState): string {
  switch (state) {
    case 'connecting':
      return 'is connecting';
    case 'online':
      return 'is online';
    case 'unreachable':
      return 'is unreachable';
    case 'unauthorized':
      return 'refuses the credentials';
    case 'timeout':
      return 'does not answer';
    case 'error':
      return 'is in error';
  }
}

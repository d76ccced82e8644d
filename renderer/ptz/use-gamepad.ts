import { useEffect } from 'react';
import type { PtzVelocity } from '../../common/ptz';
import { useAppStore } from '../app/store';
import { HeldCommands, type PtzCommandContext } from './commands';
import { demoStepOf, mappingFor, pressedButtons, readVelocity, type PadLike } from './gamepad';
// demo
import { demoShownHere } from '../demo/demo-slice';
import { demoControl } from '../demo/use-demo';
import { setMotion } from './ptz-client';

/** Raw readings for the settings dialog's press-to-assign; while one is set, the pad steers nothing. */
type RawListener = (pad: PadLike) => void;
let rawListener: RawListener | null = null;

/** Hands every frame's raw reading to `fn` instead of steering (press-to-assign); `null` ends it. */
export function captureGamepad(fn: RawListener | null): void {
  rawListener = fn;
}

const INPUT = 'joystick';

/**
 * Polls the Gamepad API once per animation frame (≈ 60 Hz): the stick becomes a continuous-move
 * wish of the current camera (rate-limited by the motion channel), buttons fire commands. A
 * released stick, an unplugged pad or a hidden window releases everything at once.
 */
export class GamepadPoller {
  private raf = 0;
  private running = false;
  private held = new HeldCommands();
  private buttonsDown = new Set<number>();
  private sentTo: string | null = null;
  private lastV: PtzVelocity = { pan: 0, tilt: 0, zoom: 0 };
  private device: string | null = null;
  private readonly onHidden = () => {
    if (document.visibilityState === 'hidden') this.releaseAll();
  };

  constructor(private readonly context: () => PtzCommandContext) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    document.addEventListener('visibilitychange', this.onHidden);
    this.raf = requestAnimationFrame(this.frame);
  }

  stop(): void {
    this.running = false;
    cancelAnimationFrame(this.raf);
    document.removeEventListener('visibilitychange', this.onHidden);
    this.releaseAll();
  }

  private readonly frame = () => {
    if (!this.running) return;
    this.raf = requestAnimationFrame(this.frame);
    try {
      this.poll();
    } catch (e) {
      console.warn('gamepad poll failed', e);
    }
  };

  private poll(): void {
    const pad = firstPad();
    if (!pad) {
      if (this.device) {
        this.device = null;
        useAppStore.setState({ gamepad: null });
        this.releaseAll();
      }
      return;
    }
    const settings = useAppStore.getState().gamepadSettings;
    const mapping = mappingFor(pad, settings);
    if (this.device !== pad.id) {
      this.device = pad.id;
      // Chromium appends "(Vendor: … Product: …)" to the device's own name.
      useAppStore.setState({ gamepad: { id: pad.id, name: pad.id.replace(/\s*\([^)]*\)\s*$/, '').trim() || mapping.name } });
    }
    if (rawListener) {
      this.releaseAll();
      rawListener(pad);
      return;
    }
    const ctx = this.context();

    // Stick: only a changed reading or a changed camera is handed on; the channel rate-limits.
    const v = readVelocity(pad, mapping, settings);
    if (this.sentTo && this.sentTo !== ctx.cameraId) {
      setMotion(this.sentTo, INPUT, null);
      this.sentTo = null;
      this.lastV = { pan: 0, tilt: 0, zoom: 0 };
    }
    if (ctx.cameraId && !sameV(v, this.lastV)) {
      setMotion(ctx.cameraId, INPUT, v);
      this.sentTo = ctx.cameraId;
      this.lastV = v;
    }

    // Buttons: press and release edges fire the bound commands.
    const now = pressedButtons(pad);
    for (const i of now) {
      if (this.buttonsDown.has(i)) continue;
      const id = mapping.buttons[i];
      const step = demoShownHere(useAppStore.getState()) ? demoStepOf(id) : null;
      if (step) demoControl(step);
      else if (id) this.held.press(`b${i}`, id, ctx);
    }
    for (const i of this.buttonsDown) if (!now.has(i)) this.held.release(`b${i}`);
    this.buttonsDown = now;
  }

  private releaseAll(): void {
    if (this.sentTo) setMotion(this.sentTo, INPUT, null);
    this.sentTo = null;
    this.lastV = { pan: 0, tilt: 0, zoom: 0 };
    this.held.releaseAll();
    this.buttonsDown.clear();
  }
}

function firstPad(): PadLike | null {
  const pads = typeof navigator.getGamepads === 'function' ? navigator.getGamepads() : [];
  for (const p of pads) if (p && p.connected !== false) return p;
  return null;
}

const sameV = (a: PtzVelocity, b: PtzVelocity) => a.pan === b.pan && a.tilt === b.tilt && a.zoom === b.zoom;

/** Runs a gamepad poller for as long as the component is mounted. */
export function useGamepad(context: () => PtzCommandContext): void {
  useEffect(() => {
    const poller = new GamepadPoller(context);
    poller.start();
    return () => poller.stop();
  }, [context]);
}

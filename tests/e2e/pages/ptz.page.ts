import { expect, type Locator, type Page } from '@playwright/test';
import WebSocket from 'ws';
import type { Role } from '../../../common/auth';
import type { CommandName, HostApi } from '../../../common/contract';
import type { RunningHost } from '../../../native/host/start';
import { sessionToken } from '../../accounts';
import { angleDiff } from '../../../common/ptz';

/** A gamepad as `navigator.getGamepads()` hands it out, faked in the page. */
interface FakePad {
  id: string;
  index: number;
  connected: boolean;
  mapping: string;
  timestamp: number;
  axes: number[];
  buttons: { pressed: boolean; touched: boolean; value: number }[];
}
type PadWindow = Window & { __fakePad?: FakePad };

/** Page object of the PTZ parts of the console and the touch controller. */
export class PtzPage {
  constructor(readonly page: Page) {}

  /**
   * Installs a fake Thrustmaster T.16000M before the app loads (no real input device can be created
   * here): six axes as Chromium reports it on Linux (X, Y, twist, throttle, hat X/Y), 16 buttons.
   */
  async installFakeGamepad(): Promise<void> {
    await this.page.addInitScript(() => {
      const pad: FakePad = {
        id: 'Thrustmaster T.16000M (Vendor: 044f Product: b10a)',
        index: 0,
        connected: true,
        mapping: '',
        timestamp: 0,
        axes: [0, 0, 0, 0, 0, 0],
        buttons: Array.from({ length: 16 }, () => ({ pressed: false, touched: false, value: 0 })),
      };
      (window as PadWindow).__fakePad = pad;
      Object.defineProperty(navigator, 'getGamepads', { configurable: true, value: () => [pad, null, null, null] });
    });
  }

  /** Sets axes of the fake gamepad, e.g. `{ 0: 1 }` pushes the stick fully right. */
  async setAxes(axes: Record<number, number>): Promise<void> {
    await this.page.evaluate((a) => {
      const pad = (window as PadWindow).__fakePad;
      if (!pad) throw new Error('no fake gamepad installed');
      for (const [i, v] of Object.entries(a)) pad.axes[Number(i)] = v;
      pad.timestamp = performance.now();
    }, axes);
  }

  async setButton(index: number, pressed: boolean): Promise<void> {
    await this.page.evaluate(
      ([i, p]) => {
        const pad = (window as PadWindow).__fakePad;
        if (!pad) throw new Error('no fake gamepad installed');
        pad.buttons[i] = { pressed: p, touched: p, value: p ? 1 : 0 };
        pad.timestamp = performance.now();
      },
      [index, pressed] as const,
    );
  }

  get panel(): Locator {
    return this.page.getByTestId('ptz-panel');
  }

  hud(tile: number | 'touch'): Locator {
    return this.page.getByTestId(tile === 'touch' ? 'touch-hud' : `hud-${tile}`);
  }

  /** True bearing the HUD shows, degrees. */
  async bearing(tile: number | 'touch'): Promise<number> {
    const v = await this.hud(tile).getAttribute('data-bearing');
    if (!v) throw new Error('HUD shows no bearing yet');
    return Number(v);
  }

  /** Degrees turned since `from` as the HUD shows it (signed, shortest way). */
  async turnedSince(tile: number | 'touch', from: number): Promise<number> {
    return angleDiff(from, await this.bearing(tile));
  }

  async expectHudPose(tile: number | 'touch'): Promise<void> {
    await expect(this.hud(tile)).toHaveAttribute('data-bearing', /^\d+(\.\d+)?$/, { timeout: 20_000 });
  }

  /** Waits until the head reports standing still, then checks the HUD bearing stays put for a second. */
  async expectStill(tile: number | 'touch'): Promise<number> {
    await expect(this.hud(tile)).toHaveAttribute('data-moving', 'false', { timeout: 5000 });
    const a = await this.bearing(tile);
    await this.page.waitForTimeout(1000);
    const b = await this.bearing(tile);
    expect(Math.abs(angleDiff(a, b)), 'bearing drift over 1 s after release').toBeLessThan(0.05);
    return b;
  }

  /** Holds a panel button (pointer down … up) for `ms`. */
  async hold(testId: string, ms: number): Promise<void> {
    await this.page.getByTestId(testId).hover();
    await this.page.mouse.down();
    await this.page.waitForTimeout(ms);
    await this.page.mouse.up();
  }

  /**
   * Viewport point of a spot of a tile's picture, in normalised picture coordinates (-1…1),
   * taking the letterbox bars of `object-fit: contain` into account.
   */
  async picturePoint(tile: number, x: number, y: number): Promise<{ x: number; y: number }> {
    return this.page.getByTestId(`stage-${tile}`).evaluate(
      (el, p) => {
        const r = el.getBoundingClientRect();
        const v = el.querySelector('video:not(.pending)');
        const vw = v instanceof HTMLVideoElement && v.videoWidth ? v.videoWidth : r.width;
        const vh = v instanceof HTMLVideoElement && v.videoHeight ? v.videoHeight : r.height;
        const s = Math.min(r.width / vw, r.height / vh);
        const w = vw * s;
        const h = vh * s;
        return { x: r.left + (r.width - w) / 2 + ((p.x + 1) / 2) * w, y: r.top + (r.height - h) / 2 + ((p.y + 1) / 2) * h };
      },
      { x, y },
    );
  }

  /**
   * Drags the touch controller's virtual stick with a real touch (CDP touch events): put a finger
   * on its centre, slide it by `dx`,`dy` of the radius, and return a function that lifts it.
   */
  async touchStick(dx: number, dy: number): Promise<() => Promise<void>> {
    const box = await this.page.getByTestId('touch-joystick').boundingBox();
    if (!box) throw new Error('virtual joystick not visible');
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    const r = box.width / 2;
    const cdp = await this.page.context().newCDPSession(this.page);
    const touch = (type: 'touchStart' | 'touchMove' | 'touchEnd', x: number, y: number) =>
      cdp.send('Input.dispatchTouchEvent', { type, touchPoints: type === 'touchEnd' ? [] : [{ x, y, id: 1, radiusX: 8, radiusY: 8, force: 1 }] });
    await touch('touchStart', cx, cy);
    for (let i = 1; i <= 5; i++) {
      await touch('touchMove', cx + (dx * r * i) / 5, cy + (dy * r * i) / 5);
      await this.page.waitForTimeout(30);
    }
    return async () => {
      await touch('touchEnd', cx + dx * r, cy + dy * r);
      await cdp.detach();
    };
  }
}

/**
 * Calls the host directly, as a second console with another person signed in (the test operator
 * by default). Reads such as `ptz:status` do not claim the head.
 */
export async function hostCall<K extends CommandName>(host: RunningHost, name: K, args: HostApi[K]['args'], as: Role = 'operator'): Promise<HostApi[K]['result']> {
  const session = await sessionToken(host, as);
  const ws = new WebSocket(`${host.url.replace(/^http/, 'ws')}/api/ws?token=${encodeURIComponent(host.token)}`);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const call = (id: number, n: string, a: unknown) =>
      new Promise<unknown>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${n}: no reply`)), 10_000);
        const onMessage = (raw: Buffer) => {
          const msg = JSON.parse(raw.toString()) as { t: string; id?: number; ok?: boolean; value?: unknown; error?: { message: string } };
          if (msg.t !== 'result' || msg.id !== id) return;
          clearTimeout(timer);
          ws.off('message', onMessage);
          if (msg.ok) resolve(msg.value);
          else reject(new Error(`${n}: ${msg.error?.message ?? 'failed'}`));
        };
        ws.on('message', onMessage);
        ws.send(JSON.stringify({ t: 'call', id, name: n, args: a }));
      });
    await call(1, 'auth:resume', { sessionToken: session });
    return (await call(2, name, args)) as HostApi[K]['result'];
  } finally {
    ws.close();
  }
}

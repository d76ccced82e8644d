import { describe, expect, it } from 'vitest';
import type { PtzVelocity } from '../../common/ptz';
import { PtzDriverError, type DriverPose, type PtzDriver } from './driver';
import { HeadSession } from './head-session';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A driver whose calls are logged and can be held back or failed. */
class FakeDriver implements PtzDriver {
  readonly calls: string[] = [];
  hold: Promise<void> | undefined;
  down = false;
  pose: DriverPose = { pan: 0, tilt: 0, zoom: 1, focus: null, moving: false };

  private async step(name: string): Promise<void> {
    if (this.down) throw new PtzDriverError('unreachable', 'head: unreachable (connection refused at 127.0.0.1:1)');
    this.calls.push(name);
    await this.hold;
  }
  async connect() {
    await this.step('connect');
    return { manufacturer: 'Fake', model: 'F1', firmware: '1', focus: false };
  }
  continuousMove(v: PtzVelocity, timeoutS: number) {
    return this.step(`move ${v.pan} ${timeoutS}s`);
  }
  stop() {
    return this.step('stop');
  }
  absoluteMove(t: { pan: number }) {
    return this.step(`absolute ${t.pan}`);
  }
  relativeMove() {
    return this.step('relative');
  }
  gotoPreset(n: number) {
    return this.step(`goto ${n}`);
  }
  setPreset() {
    return this.step('setPreset');
  }
  removePreset() {
    return this.step('removePreset');
  }
  async presets() {
    if (this.down) throw new PtzDriverError('unreachable', 'down');
    return [];
  }
  async status() {
    if (this.down) throw new PtzDriverError('unreachable', 'head: unreachable (connection dropped)');
    return this.pose;
  }
  async close() {}
}

function session(driver: FakeDriver, links: string[] = []) {
  return new HeadSession({
    spec: { headId: 't01', towerId: 't01', towerName: '仙人山', cameraIds: ['t01-visible'], northOffset: 0, url: 'http://x' },
    driver,
    now: Date.now,
    log: () => undefined,
    timing: { pollFastMs: 20, pollSlowMs: 50, reconnectMinMs: 30, reconnectMaxMs: 60, leaseMs: 300 },
    onPose: () => undefined,
    onLink: (state) => links.push(state),
  });
}

async function online(s: HeadSession) {
  s.start();
  for (let i = 0; i < 100 && s.link !== 'online'; i++) await sleep(5);
  expect(s.link).toBe('online');
}

describe('HeadSession', () => {
  it('sends motion in order; a newer command replaces one still waiting, so Stop never queues behind moves', async () => {
    const d = new FakeDriver();
    const s = session(d);
    await online(s);
    let release!: () => void;
    d.hold = new Promise((r) => (release = r));
    const first = s.move({ pan: 0.5, tilt: 0, zoom: 0 });
    await sleep(120);
    // While the first move is in flight: an absolute move (queued), then a stop that replaces it.
    const waiting = s.absolute({ pan: 20, tilt: 0, zoom: 1 });
    const stop = s.stop();
    d.hold = undefined;
    release();
    await Promise.all([first, waiting, stop]);
    expect(d.calls.filter((c) => c !== 'connect')).toEqual(['move 0.5 2s', 'stop']);
    await s.close();
  });

  it('stops a move whose client stops refreshing it', async () => {
    const d = new FakeDriver();
    const s = session(d);
    await online(s);
    await s.move({ pan: -1, tilt: 0, zoom: 0 });
    await sleep(200);
    await s.move({ pan: -1, tilt: 0, zoom: 0 }); // refreshed once, within the lease
    await sleep(450);
    expect(d.calls.filter((c) => c !== 'connect')).toEqual(['move -1 2s', 'stop']);
    await s.close();
  });

  it('after losing the link while moving, stops the head first thing when it answers again', async () => {
    const d = new FakeDriver();
    const links: string[] = [];
    const s = session(d, links);
    await online(s);
    await s.move({ pan: 1, tilt: 0, zoom: 0 });
    d.down = true;
    for (let i = 0; i < 100 && s.link === 'online'; i++) await sleep(5);
    expect(s.link).toBe('unreachable');
    expect(() => s.move({ pan: 1, tilt: 0, zoom: 0 })).toThrow(/PTZ is unreachable — head: unreachable/);
    d.down = false;
    for (let i = 0; i < 100 && s.link !== 'online'; i++) await sleep(5);
    await sleep(20);
    expect(d.calls).toEqual(['connect', 'move 1 2s', 'connect', 'stop']);
    expect(links).toEqual(['online', 'unreachable', 'online']);
    await s.close();
  });
});

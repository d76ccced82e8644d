import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOnvifDevice, type OnvifDevice, type OnvifDeviceOptions } from '../sim/onvif/device';
import { ModelQuirks, NodeOnvifDriver, classifyMessage } from './onvif-driver';
import { PtzDriverError } from './driver';

const credentials = { user: 'admin', password: 'Fire2024!' };
const streams = { visible: { main: 'rtsp://127.0.0.1:1/v' }, thermal: { main: 'rtsp://127.0.0.1:1/t' } };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const devices: OnvifDevice[] = [];

async function device(extra: Partial<OnvifDeviceOptions> = {}): Promise<OnvifDevice> {
  const d = await startOnvifDevice({ towerId: 't99', streams, credentials, ...extra });
  devices.push(d);
  return d;
}
function driver(dev: OnvifDevice, extra: Partial<ConstructorParameters<typeof NodeOnvifDriver>[0]> = {}) {
  return new NodeOnvifDriver({ url: dev.url, ...credentials, label: '测试塔 (t99)', quirks: new ModelQuirks(), callTimeoutMs: 2500, ...extra });
}
/** Waits until the head reports that pan, tilt and zoom have stopped. */
async function settle(drv: NodeOnvifDriver, maxMs = 8000) {
  const until = Date.now() + maxMs;
  await sleep(100);
  while (Date.now() < until) {
    const p = await drv.status();
    if (!p.moving) return p;
    await sleep(100);
  }
  throw new Error('head still moving');
}
async function errorOf(p: Promise<unknown>): Promise<PtzDriverError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof PtzDriverError) return e;
    throw e;
  }
  throw new Error('expected a failure');
}

afterAll(async () => {
  await Promise.all(devices.map((d) => d.close()));
});

describe('NodeOnvifDriver against the simulated head', () => {
  let dev: OnvifDevice;
  let drv: NodeOnvifDriver;
  beforeAll(async () => {
    dev = await device({ head: { focusTravelS: 1 } });
    drv = driver(dev);
  });

  it('connects and reads the model, with focus offered', async () => {
    expect(await drv.connect()).toEqual({ manufacturer: 'SkyWatch Sim', model: 'SW-PTZ-DS32', firmware: '1.0.0', focus: true });
  });

  it('moves continuously with an explicit Timeout and stops with Stop', async () => {
    const before = await drv.status();
    await drv.continuousMove({ pan: 0.5, tilt: 0, zoom: 0.2 }, 2);
    await sleep(300);
    const during = await drv.status();
    expect(during.moving).toBe(true);
    expect(during.pan).toBeGreaterThan(before.pan);
    expect(during.zoom).toBeGreaterThan(before.zoom);
    await drv.stop();
    expect(dev.requests.at(-1)).toMatchObject({ action: 'Stop', status: 200 });
    await sleep(300);
    expect((await drv.status()).moving).toBe(false);
  });

  it('moves absolutely to within 0.05° and relatively from there', async () => {
    await drv.absoluteMove({ pan: 350, tilt: -3.2, zoom: 12 });
    const p = await settle(drv);
    expect(Math.abs(p.pan - 350)).toBeLessThan(0.05);
    expect(Math.abs(p.tilt + 3.2)).toBeLessThan(0.05);
    expect(p.zoom).toBeCloseTo(12, 3);
    await drv.relativeMove({ pan: 15, tilt: 1, zoom: 0 });
    const r = await settle(drv);
    expect(Math.abs(r.pan - 5)).toBeLessThan(0.05);
    expect(Math.abs(r.tilt + 2.2)).toBeLessThan(0.05);
  });

  it('sets presets with Chinese names, lists, recalls and removes them', async () => {
    await drv.setPreset(12, '水库 & 大坝 <北>');
    const [preset] = await drv.presets();
    expect(preset).toMatchObject({ preset: 12, name: '水库 & 大坝 <北>' });
    expect(Math.abs((preset?.pan ?? 0) - 5)).toBeLessThan(0.01);
    await drv.absoluteMove({ pan: 30, tilt: 0, zoom: 1 });
    await settle(drv);
    await drv.gotoPreset(12, 30);
    const p = await settle(drv);
    expect(Math.abs(p.pan - 5)).toBeLessThan(0.01);
    expect(p.zoom).toBeCloseTo(12, 3);
    await drv.removePreset(12);
    expect(await drv.presets()).toEqual([]);
    const err = await errorOf(drv.gotoPreset(12));
    expect(err.kind).toBe('fault');
    expect(err.message).toMatch(/no preset with token 12/);
  });

  it('moves focus and reads it back', async () => {
    const f0 = (await drv.status()).focus ?? NaN;
    await drv.focus('near', 1);
    await sleep(150);
    await drv.focus('stop', 0);
    const f1 = (await drv.status()).focus ?? NaN;
    expect(f1).toBeLessThan(f0 - 0.05);
    await drv.focus('auto', 0);
    await sleep(700);
    expect((await drv.status()).focus).toBeCloseTo(f0, 3);
    await drv.focusAbsolute(0.3);
    await sleep(1000);
    expect((await drv.status()).focus).toBeCloseTo(0.3, 3);
  });
});

describe('NodeOnvifDriver failure handling', () => {
  it('reports a wrong password as unauthorized, with the reason', async () => {
    const dev = await device();
    const err = await errorOf(driver(dev, { password: 'nope' }).connect());
    expect(err.kind).toBe('unauthorized');
    expect(err.message).toBe('测试塔 (t99): credentials refused by the head (400 Bad Request - Sender not authorized: wrong user name or password)');
  });

  it('authenticates against a device clock 10 minutes fast, and follows a clock jump after connecting', async () => {
    const dev = await device({ clockOffsetMs: 10 * 60_000 });
    const drv = driver(dev);
    await drv.connect();
    await drv.status();
    dev.setClockOffset(-20 * 60_000);
    // The first GetStatus is refused, the clock is read again, the retry passes.
    await drv.status();
    expect(dev.requests.slice(-3).map((r) => `${r.action} ${r.status}`)).toEqual(['GetStatus 400', 'GetSystemDateAndTime 200', 'GetStatus 200']);
  });

  it('falls back to a zero-velocity ContinuousMove on a model whose Stop faults, and remembers it', async () => {
    const dev = await device({ model: { model: 'NoStop-1', stopFaults: true } });
    const quirks = new ModelQuirks();
    const drv = driver(dev, { quirks });
    await drv.connect();
    await drv.continuousMove({ pan: 1, tilt: 0, zoom: 0 }, 5);
    await drv.stop();
    expect(dev.requests.slice(-2).map((r) => `${r.action} ${r.status}`)).toEqual(['Stop 500', 'ContinuousMove 200']);
    await sleep(600);
    expect(dev.head.pose().panTiltMoving).toBe(false);
    expect(quirks.usesZeroVelocityStop('SkyWatch Sim/NoStop-1')).toBe(true);
    // A second head of the same model goes straight to the fallback.
    const drv2 = driver(dev, { quirks });
    await drv2.connect();
    await drv2.stop();
    expect(dev.requests.at(-1)).toMatchObject({ action: 'ContinuousMove', status: 200 });
  });

  it('turns silence, refusal and garbage into timeout, unreachable and malformed', async () => {
    const dev = await device();
    const drv = driver(dev, { callTimeoutMs: 300 });
    await drv.connect();
    dev.inject({ kind: 'delay', ms: 1000, action: 'GetStatus', count: 1 });
    const t = await errorOf(drv.status());
    expect(t.kind).toBe('timeout');
    expect(t.message).toBe('测试塔 (t99): no reply to GetStatus within 0.3 s');
    dev.inject({ kind: 'malformed', action: 'GetStatus', count: 1 });
    expect((await errorOf(drv.status())).kind).toBe('malformed');
    dev.inject({ kind: 'fault', action: 'AbsoluteMove', count: 1, reason: 'motor overheated' });
    const f = await errorOf(drv.absoluteMove({ pan: 1, tilt: 0, zoom: 1 }));
    expect(f).toMatchObject({ kind: 'fault', message: '测试塔 (t99): AbsoluteMove failed: 500 Internal Server Error - motor overheated' });
    await dev.setReachable(false);
    const u = await errorOf(drv.status());
    expect(u.kind).toBe('unreachable');
    expect(u.message).toMatch(/^测试塔 \(t99\): unreachable \((connection refused at 127\.0\.0\.1:\d+|connection dropped)\)$/);
    expect((await errorOf(driver(dev).connect())).kind).toBe('unreachable');
    await dev.setReachable(true);
    await drv.status();
  });

  it('classifies node-onvif messages', () => {
    expect(classifyMessage('Failed to initialize the device: Error: 401 Unauthorized')).toBe('unauthorized');
    expect(classifyMessage('Network Error: socket hang up')).toBe('unreachable');
    expect(classifyMessage('The device seems to not support the GetStatus() method.')).toBe('malformed');
    expect(classifyMessage('Unclosed root tag\nLine: 0')).toBe('malformed');
    expect(classifyMessage('500 Internal Server Error - busy')).toBe('fault');
  });
});

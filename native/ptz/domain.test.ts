import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HostFailure } from '../../common/contract/errors';
import type { PtzFault, PtzPose } from '../../common/contract/ptz';
import { SiteSchema, type SiteConfig } from '../../common/site';
import { dispatch } from '../host/dispatch';
import { EventBus } from '../host/event-bus';
import { HandlerRegistry, systemContext } from '../host/registry';
import { startOnvifDevice, type OnvifDevice } from '../sim/onvif/device';
import { createPtzDomain, headsOf, type PtzDomain, type PtzDomainOptions } from './domain';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const timing = { pollFastMs: 100, pollSlowMs: 300, reconnectMinMs: 200, reconnectMaxMs: 400, leaseMs: 2500 };
const alice = systemContext('alice');
const bob = systemContext('bob');

function site(urls: Record<string, string>, password = 'Fire2024!'): SiteConfig {
  const tower = (id: string, name: string, url?: string) => ({
    id,
    name,
    lat: 31.2,
    lon: 119.4,
    groundElevation: 300,
    mastHeight: 25,
    northOffset: 1.5,
    cameras: (['visible', 'thermal'] as const).map((kind) => ({
      id: `${id}-${kind}`,
      kind,
      streams: { main: `rtsp://127.0.0.1:1/${id}/${kind}` },
      ...(url ? { onvif: { url, credentials: 'ptz' } } : {}),
    })),
  });
  return SiteSchema.parse({
    site: { id: 'test', name: 'test' },
    towers: [tower('t01', '仙人山', urls.t01), tower('t02', '社渚镇', urls.t02), tower('t03', '瓦屋山')],
    credentials: [{ id: 'ptz', user: 'admin', password }],
  });
}

class Events {
  readonly list: [string, unknown][] = [];
  emit = (name: string, payload: unknown) => void this.list.push([name, payload]);
  of<T>(name: string): T[] {
    return this.list.filter(([n]) => n === name).map(([, p]) => p as T);
  }
  async waitFor<T>(name: string, pred: (p: T) => boolean, ms = 5000): Promise<T> {
    const until = Date.now() + ms;
    for (;;) {
      const hit = this.of<T>(name).find(pred);
      if (hit) return hit;
      if (Date.now() > until) throw new Error(`no ${name} event matching within ${ms} ms`);
      await sleep(25);
    }
  }
}

async function failure(p: Promise<unknown>): Promise<HostFailure> {
  try {
    await p;
  } catch (e) {
    if (e instanceof HostFailure) return e;
    throw e;
  }
  throw new Error('expected a HostFailure');
}

const credentials = { user: 'admin', password: 'Fire2024!' };
let dir: string;
let d1: OnvifDevice;
let d2: OnvifDevice;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ptz-domain-'));
  d1 = await startOnvifDevice({ towerId: 't01', streams: { visible: { main: 'rtsp://x/1' }, thermal: { main: 'rtsp://x/2' } }, credentials });
  d2 = await startOnvifDevice({
    towerId: 't02',
    streams: { visible: { main: 'rtsp://x/3' } },
    credentials,
    model: { model: 'NoStop-9', stopFaults: true },
  });
});
afterAll(async () => {
  await d1.close();
  await d2.close();
  rmSync(dir, { recursive: true, force: true });
});

let domain: PtzDomain | undefined;
afterEach(async () => {
  await domain?.close();
  domain = undefined;
});

function start(events: Events, extra: Partial<PtzDomainOptions> = {}) {
  domain = createPtzDomain({ site: site({ t01: d1.url, t02: d2.url }), bus: events, log: () => undefined, timing, ...extra });
  return domain;
}

async function online(events: Events) {
  await events.waitFor<PtzPose>('ptz:pose', (p) => p.headId === 't01');
  await events.waitFor<PtzPose>('ptz:pose', (p) => p.headId === 't02');
}

describe('PTZ domain', () => {
  it('groups the cameras of a tower that share an ONVIF address into one head', () => {
    const heads = headsOf(site({ t01: 'http://127.0.0.1:1/onvif/device_service' }));
    expect(heads).toEqual([
      {
        headId: 't01',
        towerId: 't01',
        towerName: '仙人山',
        cameraIds: ['t01-visible', 't01-thermal'],
        northOffset: 1.5,
        url: 'http://127.0.0.1:1/onvif/device_service',
        user: 'admin',
        password: 'Fire2024!',
      },
    ]);
  });

  it('publishes poses per head and answers status for either camera; cameras without ONVIF are unavailable', async () => {
    const ev = new Events();
    const { handlers: h } = start(ev);
    await online(ev);
    const s = await h['ptz:status']({ cameraId: 't01-thermal' }, alice);
    expect(s).toMatchObject({ headId: 't01', cameraIds: ['t01-visible', 't01-thermal'], moving: false });
    expect(s.bearing).toBeCloseTo((s.pan + 1.5) % 360, 6);
    expect(await failure(h['ptz:status']({ cameraId: 't03-visible' }, alice))).toMatchObject({
      code: 'unavailable',
      message: 'camera t03-visible (瓦屋山) has no PTZ control: the site file gives it no ONVIF address',
    });
    expect((await failure(h['ptz:status']({ cameraId: 'nope' }, alice))).code).toBe('not_found');
  });

  it('moves, holds the head against others, stops explicitly, and stops a move whose client went silent', async () => {
    const ev = new Events();
    const { handlers: h, actionLog } = start(ev, { timing: { ...timing, leaseMs: 600 } });
    await online(ev);
    const before = (await h['ptz:status']({ cameraId: 't01-visible' }, alice)).pan;
    const ack = await h['ptz:move']({ cameraId: 't01-visible', pan: 0.6, tilt: 0, zoom: 0 }, alice);
    expect(ack.headId).toBe('t01');
    expect(ev.of('ptz:control')).toContainEqual(expect.objectContaining({ headId: 't01', holder: expect.objectContaining({ clientId: 'alice' }) }));
    const moving = await ev.waitFor<PtzPose>('ptz:pose', (p) => p.headId === 't01' && p.moving);
    expect(moving.pan).not.toBe(before);
    const conflict = await failure(h['ptz:move']({ cameraId: 't01-thermal', pan: -1, tilt: 0, zoom: 0 }, bob));
    expect(conflict.code).toBe('conflict');
    expect(conflict.message).toMatch(/^仙人山 \(t01\): PTZ is controlled by alice \(operator\) until \d\d:\d\d:\d\d$/);
    expect((await failure(h['ptz:stop']({ cameraId: 't01-visible' }, bob))).code).toBe('conflict');
    await h['ptz:stop']({ cameraId: 't01-visible' }, alice);
    expect(d1.requests.at(-1)?.action === 'Stop' || d1.requests.some((r) => r.action === 'Stop')).toBe(true);
    await ev.waitFor<PtzPose>('ptz:pose', (p) => p.headId === 't01' && !p.moving && p.at > ack.heldUntil - 30_000 + 100);

    // A move nobody refreshes is stopped when its lease runs out.
    await h['ptz:move']({ cameraId: 't01-visible', pan: 0.3, tilt: 0, zoom: 0 }, alice);
    const sentAt = Date.now();
    await sleep(1000);
    const stop = d1.requests.filter((r) => r.action === 'Stop').at(-1);
    expect(stop && stop.at - sentAt).toBeGreaterThan(500);
    expect(actionLog.recent().map((a) => `${a.clientId} ${a.action} ${a.outcome}`)).toEqual([
      'alice move ok',
      'bob move conflict',
      'bob stop conflict',
      'alice stop ok',
      'alice move ok',
    ]);
  });

  it('lets a shift leader take over, refuses priorities above the console, and frees the head after the hold', async () => {
    const ev = new Events();
    const { handlers: h } = start(ev, { holdMs: 1500, maxPriority: (ctx) => (ctx.clientId === 'lead' ? 'leader' : 'operator') });
    await online(ev);
    await h['ptz:absolute']({ cameraId: 't01-visible', pan: 10, tilt: 0 }, alice);
    expect((await failure(h['ptz:takeControl']({ cameraId: 't01-visible', priority: 'leader' }, bob))).code).toBe('forbidden');
    const c = await h['ptz:takeControl']({ cameraId: 't01-visible', priority: 'leader' }, systemContext('lead'));
    expect(c.holder).toMatchObject({ clientId: 'lead', priority: 'leader' });
    const refused = await failure(h['ptz:absolute']({ cameraId: 't01-visible', pan: 20, tilt: 0 }, alice));
    expect(refused.message).toMatch(/controlled by lead \(shift leader\)/);
    await ev.waitFor<{ headId: string; holder: unknown }>('ptz:control', (x) => x.headId === 't01' && x.holder === null, 3000);
    await h['ptz:absolute']({ cameraId: 't01-visible', pan: 20, tilt: 0 }, alice);
    expect((await h['ptz:releaseControl']({ cameraId: 't01-visible' }, alice)).holder).toBeNull();
  });

  it('frees the heads of a connection that closed at once, and only that connection\'s', async () => {
    const ev = new Events();
    const dom = start(ev, {});
    const h = dom.handlers;
    await online(ev);
    await h['ptz:absolute']({ cameraId: 't01-visible', pan: 10, tilt: 0 }, alice);
    expect((await failure(h['ptz:absolute']({ cameraId: 't01-visible', pan: 20, tilt: 0 }, bob))).code).toBe('conflict');
    dom.clientGone('bob');
    expect((await failure(h['ptz:absolute']({ cameraId: 't01-visible', pan: 20, tilt: 0 }, bob))).code).toBe('conflict');
    dom.clientGone('alice');
    expect(ev.of('ptz:control')).toContainEqual(expect.objectContaining({ headId: 't01', holder: null }));
    expect((await h['ptz:absolute']({ cameraId: 't01-visible', pan: 20, tilt: 0 }, bob)).headId).toBe('t01');
  });

  it('moves absolutely and relatively, and manages presets with Chinese names', async () => {
    const ev = new Events();
    const { handlers: h } = start(ev);
    await online(ev);
    await h['ptz:absolute']({ cameraId: 't01-visible', pan: -30, tilt: 5, zoom: 4 }, alice);
    const at = await ev.waitFor<PtzPose>('ptz:pose', (p) => p.headId === 't01' && !p.moving && Math.abs(p.pan - 330) < 0.05);
    expect(at.tilt).toBeCloseTo(5, 2);
    expect(at.zoom).toBeCloseTo(4, 2);
    await h['ptz:relative']({ cameraId: 't01-visible', pan: 10, tilt: -2, zoomBy: 2 }, alice);
    const rel = await ev.waitFor<PtzPose>('ptz:pose', (p) => p.headId === 't01' && !p.moving && Math.abs(p.pan - 340) < 0.05);
    expect(rel.zoom).toBeCloseTo(8, 2);
    const p = await h['ptz:setPreset']({ cameraId: 't01-thermal', preset: 255, name: '东坡 水库' }, alice);
    expect(p).toMatchObject({ preset: 255, name: '东坡 水库' });
    expect(p.pan).toBeCloseTo(340, 2);
    expect((await h['ptz:presets']({ cameraId: 't01-visible' }, bob)).presets.map((x) => x.preset)).toEqual([255]);
    expect((await failure(h['ptz:gotoPreset']({ cameraId: 't01-visible', preset: 3 }, alice))).code).toBe('not_found');
    await h['ptz:gotoPreset']({ cameraId: 't01-visible', preset: 255 }, alice);
    await h['ptz:removePreset']({ cameraId: 't01-visible', preset: 255 }, alice);
    expect((await h['ptz:presets']({ cameraId: 't01-visible' }, bob)).presets).toEqual([]);
  });

  it('stops a head whose model faults on Stop', async () => {
    const ev = new Events();
    const { handlers: h } = start(ev);
    await online(ev);
    await h['ptz:move']({ cameraId: 't02-visible', pan: 1, tilt: 0, zoom: 0 }, alice);
    await sleep(200);
    const from = d2.requests.length;
    await h['ptz:stop']({ cameraId: 't02-visible' }, alice);
    await sleep(600);
    expect(d2.head.pose().panTiltMoving).toBe(false);
    const motion = d2.requests.slice(from).filter((r) => !r.action.startsWith('Get'));
    expect(motion.map((r) => `${r.action} ${r.status}`)).toEqual(['Stop 500', 'ContinuousMove 200']);
  });

  it('raises a fault when a head drops off, refuses commands clearly, and stops it first when it is back', async () => {
    const ev = new Events();
    const { handlers: h } = start(ev);
    await online(ev);
    const model = d1.head;
    await h['ptz:move']({ cameraId: 't01-visible', pan: 0.5, tilt: 0, zoom: 0 }, alice);
    await ev.waitFor<PtzPose>('ptz:pose', (p) => p.headId === 't01' && p.moving);
    await d1.setReachable(false);
    const fault = await ev.waitFor<PtzFault>('ptz:fault', (f) => f.headId === 't01' && !f.cleared);
    expect(fault.state).toBe('unreachable');
    expect(fault.message).toMatch(/^仙人山 \(t01\): unreachable/);
    const refused = await failure(h['ptz:move']({ cameraId: 't01-visible', pan: 0.5, tilt: 0, zoom: 0 }, alice));
    expect(refused).toMatchObject({ code: 'unavailable' });
    expect(refused.message).toMatch(/^仙人山 \(t01\): PTZ is unreachable — /);
    expect((await failure(h['ptz:stop']({ cameraId: 't01-visible' }, alice))).message).toBe(
      '仙人山 (t01): PTZ is unreachable; Stop will be sent as soon as it answers again',
    );
    const snapshot = (await h['ptz:heads']({}, bob)).find((x) => x.headId === 't01');
    expect(snapshot).toMatchObject({ link: 'unreachable', model: 'SkyWatch Sim SW-PTZ-DS32', focus: true, control: { holder: { clientId: 'alice' } } });
    // The head keeps turning on its own (its Timeout ran out here, but a model may ignore it): restore and expect a Stop first.
    model.continuousMove({ x: 0.5 }, 60_000);
    const restoredAt = Date.now();
    await d1.setReachable(true);
    await ev.waitFor<PtzFault>('ptz:fault', (f) => f.headId === 't01' && f.cleared, 5000);
    await sleep(200);
    const after = d1.requests.filter((r) => r.at >= restoredAt && !r.action.startsWith('Get'));
    expect(after.map((r) => r.action)).toEqual(['Stop']);
    await sleep(500);
    expect(model.pose().panTiltMoving).toBe(false);
  });

  it('refuses preset 300 and tilt 60° in the schema, with the path, before any handler runs', async () => {
    const bus = new EventBus();
    const poses: string[] = [];
    bus.on('ptz:pose', (p) => poses.push(p.headId));
    const registry = new HandlerRegistry();
    domain = createPtzDomain({ site: site({ t01: d1.url }), bus, log: () => undefined, timing });
    registry.register(domain.handlers);
    const call = (name: string, args: unknown) => dispatch(JSON.stringify({ t: 'call', id: 1, name, args }), registry, alice, () => undefined);
    expect(await call('ptz:gotoPreset', { cameraId: 't01-visible', preset: 300 })).toEqual({
      t: 'result',
      id: 1,
      ok: false,
      error: { code: 'invalid_args', message: 'invalid arguments for ptz:gotoPreset', issues: [{ path: 'preset', message: 'must be between 0 and 255' }] },
    });
    expect(await call('ptz:absolute', { cameraId: 't01-visible', pan: 10, tilt: 60 })).toMatchObject({
      ok: false,
      error: { code: 'invalid_args', issues: [{ path: 'tilt', message: 'must be between -45 and 45' }] },
    });
    expect(await call('ptz:cruiseSet', { cameraId: 't01-visible', plan: { mode: 'presets', steps: [{ preset: 256, dwellS: 10 }] } })).toMatchObject({
      ok: false,
      error: { code: 'invalid_args', issues: [{ path: 'plan.steps[0].preset' }] },
    });
    expect(await call('ptz:move', { cameraId: 't01-visible', pan: 1.5, tilt: 0 })).toMatchObject({ ok: false, error: { issues: [{ path: 'pan' }] } });
    await new Promise<void>((r) => bus.on('ptz:pose', () => r()));
    expect(await call('ptz:status', { cameraId: 't01-visible' })).toMatchObject({ ok: true, value: { headId: 't01' } });
    expect(poses[0]).toBe('t01');
  });

  it('reports wrong credentials as a clear fault', async () => {
    const ev = new Events();
    domain = createPtzDomain({ site: site({ t01: d1.url }, 'wrong'), bus: ev, log: () => undefined, timing });
    const f = await ev.waitFor<PtzFault>('ptz:fault', (x) => x.headId === 't01');
    expect(f).toMatchObject({ state: 'unauthorized', cleared: false });
    expect(f.message).toBe('仙人山 (t01): credentials refused by the head (400 Bad Request - Sender not authorized: wrong user name or password)');
    expect((await failure(domain.handlers['ptz:status']({ cameraId: 't01-visible' }, alice))).message).toMatch(/refuses the credentials/);
  });

  it('runs a cruise, pauses it when an operator acts, and keeps the plan in the state dir', async () => {
    const ev = new Events();
    const { handlers: h } = start(ev, { stateDir: dir });
    await online(ev);
    await h['ptz:absolute']({ cameraId: 't01-visible', pan: 0, tilt: 0, zoom: 1 }, alice);
    await h['ptz:setPreset']({ cameraId: 't01-visible', preset: 1, name: 'A' }, alice);
    await h['ptz:releaseControl']({ cameraId: 't01-visible' }, alice);
    expect((await failure(h['ptz:cruiseStart']({ cameraId: 't01-visible' }, alice))).code).toBe('not_found');
    const set = await h['ptz:cruiseSet']({ cameraId: 't01-visible', plan: { mode: 'scan', periodS: 60, resumeAfterS: 5, homeAfterS: 60, clockwise: true } }, alice);
    expect(set).toMatchObject({ headId: 't01', state: 'stopped', plan: { mode: 'scan', periodS: 60 } });
    expect(JSON.parse(readFileSync(join(dir, 'ptz-cruise.json'), 'utf8')).plans.t01.periodS).toBe(60);
    expect((await h['ptz:cruiseStart']({ cameraId: 't01-visible' }, alice)).state).toBe('running');
    const scanning = await ev.waitFor<PtzPose>('ptz:pose', (p) => p.headId === 't01' && p.moving);
    await sleep(1200);
    // 360° in ≤ 60 s: at least 6 °/s.
    expect((await h['ptz:status']({ cameraId: 't01-visible' }, bob)).pan - scanning.pan).toBeGreaterThan(6);
    await h['ptz:takeControl']({ cameraId: 't01-visible', priority: 'operator' }, bob);
    expect((await h['ptz:cruiseList']({}, bob)).find((c) => c.headId === 't01')).toMatchObject({ state: 'paused' });
    await ev.waitFor<PtzPose>('ptz:pose', (p) => p.headId === 't01' && !p.moving);
    expect((await failure(h['ptz:cruiseStop']({ cameraId: 't01-visible' }, alice))).code).toBe('conflict');
    expect((await h['ptz:cruiseStop']({ cameraId: 't01-visible' }, bob)).state).toBe('stopped');
    await h['ptz:cruiseSet']({ cameraId: 't01-visible', plan: null }, bob);
  });

  it('stops a cruise whose presets the head no longer has, after three failed moves, and says why', async () => {
    const ev = new Events();
    const { handlers: h } = start(ev, { stateDir: dir });
    await online(ev);
    // Preset 200 was never set on the head (or was deleted there): every goto is refused.
    await h['ptz:cruiseSet']({ cameraId: 't01-visible', plan: { mode: 'presets', steps: [{ preset: 200, dwellS: 0 }, { preset: 201, dwellS: 0 }], resumeAfterS: 5, homeAfterS: 60 } }, alice);
    expect((await h['ptz:cruiseStart']({ cameraId: 't01-visible' }, alice)).state).toBe('running');
    const stopped = await ev.waitFor<{ headId: string; action: string; outcome: string; detail: string }>(
      'ptz:action',
      (a) => a.headId === 't01' && a.action === 'cruiseStop' && a.outcome === 'failed',
      30_000,
    );
    expect(stopped.detail).toMatch(/3 failed moves in a row/);
    expect((await h['ptz:cruiseList']({}, bob)).find((c) => c.headId === 't01')).toMatchObject({ state: 'stopped' });
    expect(ev.of<{ action: string; outcome: string }>('ptz:action').filter((a) => a.action === 'gotoPreset' && a.outcome === 'failed').length).toBeGreaterThanOrEqual(3);
    await h['ptz:cruiseSet']({ cameraId: 't01-visible', plan: null }, alice);
  });
});

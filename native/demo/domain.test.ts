import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../common/alerts';
import type { DemoState } from '../../common/contract';
import { HostFailure } from '../../common/contract/errors';
import { TOUR_FORMAT, TourSchema, type DemoCamera } from '../../common/demo';
import { LED_OFF, wallRect, type LedState, type WallWindow } from '../../common/wall';
import { systemContext } from '../host/registry';
import { createDemoDomain, type DemoDevices, type DemoWall } from './domain';

const tour = TourSchema.parse({
  format: TOUR_FORMAT,
  version: 1,
  name: '内置',
  steps: [
    { title: '一', durationS: 2, led: '欢迎', wall: { windows: [{ id: 'a', rect: wallRect(0, 0, 1920, 1080), split: 1, panes: [null] }] } },
    { title: '二', cameras: [{ cameraId: 't01-visible', pan: 90 }], wall: { scene: '白天' } },
    { title: '三', drill: { target: { lat: 31.2, lon: 119.4 }, towers: ['t01'] } },
  ],
});

type WallNow = ReturnType<DemoWall['snapshot']>;

function fixture(dir = mkdtempSync(join(tmpdir(), 'demo-domain-')), initial?: WallNow) {
  const wallState: WallNow = initial ? structuredClone(initial) : { windows: [{ id: 'w1', rect: wallRect(0, 0, 3840, 2160), split: 4, panes: [null, null, null, null] }] as WallWindow[], scene: '夜间', led: { ...LED_OFF, text: '值班中' } as LedState };
  const calls: string[] = [];
  const wall: DemoWall = {
    snapshot: () => structuredClone(wallState),
    restore: (s) => {
      Object.assign(wallState, structuredClone(s));
      calls.push('restore');
    },
    recallScene: (name) => {
      wallState.scene = name;
      calls.push(`scene ${name}`);
    },
    setWindows: (w) => {
      wallState.windows = w;
      wallState.scene = null;
      calls.push(`windows ${w.map((x) => x.id).join(',')}`);
    },
    setLed: (text) => {
      wallState.led = { ...wallState.led, text };
      calls.push(`led ${text}`);
    },
  };
  const devices: DemoDevices = {
    aim: async (c: DemoCamera) => void calls.push(`aim ${c.cameraId} ${c.pan}`),
    pose: () => ({ pan: 10, tilt: -1, zoom: 2 }),
    release: async (id, back) => void calls.push(`release ${id} ${back?.pan}`),
    drill: async () => void calls.push('drill'),
    cameras: () => ['t01-visible', 't01-thermal'],
  };
  const events: DemoState[] = [];
  let t = 1000;
  const domain = createDemoDomain({
    dir,
    builtIn: tour,
    ctx: { towers: new Set(['t01']), cameras: new Set(['t01-visible', 't01-thermal']) },
    wall,
    devices,
    emit: (s) => events.push(s),
    log: () => undefined,
    now: () => t,
    tickMs: 5,
  });
  return { domain, calls, events, wallState, dir, advance: (ms: number) => (t += ms) };
}

const ctx = systemContext('console-1');
const alert = (over: Partial<Alert>): Alert => ({ id: 'x', status: 'new', receivedAt: 5000, drill: false, ...over }) as Alert;

describe('the demonstration player on the host', () => {
  it('applies each step, pauses for a real alert but not for a drill, and stop puts the wall, LED and heads back', async () => {
    const f = fixture();
    const h = f.domain.handlers;
    const before = structuredClone(f.wallState);
    expect((await h['demo:start']({ name: '内置', at: 0, rehearsal: false, paused: false }, ctx)).step?.title).toBe('一');
    expect(f.calls).toEqual(['windows a', 'led 欢迎']);
    await h['demo:control']({ action: 'next' }, ctx);
    expect(f.calls.slice(2)).toEqual(['scene 白天', 'aim t01-visible 90']);
    await h['demo:control']({ action: 'next' }, ctx);
    expect(f.calls.at(-1)).toBe('drill');

    f.advance(10_000);
    f.domain.alertChanged(alert({ id: 'drill-1', drill: true, receivedAt: f.advance(0) }));
    expect(f.domain.state().status).toBe('playing');
    f.domain.alertChanged(alert({ id: 'real-1', receivedAt: f.advance(0) }));
    expect(f.domain.state()).toMatchObject({ status: 'paused', pausedBy: 'alert', alertId: 'real-1' });
    // The same alert changing again does not pause a resumed tour.
    await h['demo:control']({ action: 'resume' }, ctx);
    f.domain.alertChanged(alert({ id: 'real-1', receivedAt: f.advance(0) }));
    expect(f.domain.state().status).toBe('playing');

    await h['demo:control']({ action: 'stop' }, ctx);
    expect(f.wallState).toEqual(before);
    expect(f.calls.filter((c) => c.startsWith('release'))).toEqual(['release t01-visible 10']);
    expect(f.events.at(-1)).toMatchObject({ status: 'idle', step: null });
    await f.domain.close();
  });

  it('moves on by itself when a step has a duration', async () => {
    const f = fixture();
    await f.domain.handlers['demo:start']({ name: '内置', at: 0, rehearsal: false, paused: false }, ctx);
    f.advance(2000);
    await expect.poll(() => f.domain.state().index, { timeout: 1000, interval: 5 }).toBe(1);
    await f.domain.close();
  });

  it('a rehearsal touches neither the wall nor the heads, and ignores alerts', async () => {
    const f = fixture();
    await f.domain.handlers['demo:start']({ name: '内置', at: 1, rehearsal: true, paused: true }, ctx);
    expect(f.domain.state()).toMatchObject({ rehearsal: true, status: 'paused', index: 1, startedBy: 'console-1' });
    f.domain.alertChanged(alert({ id: 'r', receivedAt: 99_999 }));
    expect(f.domain.state().pausedBy).toBe('presenter');
    await f.domain.handlers['demo:control']({ action: 'stop' }, ctx);
    expect(f.calls).toEqual([]);
    // Nobody rehearses over a demonstration in progress.
    await f.domain.handlers['demo:start']({ name: '内置', at: 0, rehearsal: false, paused: false }, ctx);
    await expect(f.domain.handlers['demo:start']({ name: '内置', at: 0, rehearsal: true, paused: false }, ctx)).rejects.toThrow(/being presented/);
    expect(f.domain.state().rehearsal).toBe(false);
    await f.domain.close();
  });

  it('a host stopped mid-tour puts the wall back when it starts again', async () => {
    const f = fixture();
    const before = structuredClone(f.wallState);
    await f.domain.handlers['demo:start']({ name: '内置', at: 0, rehearsal: false, paused: false }, ctx);
    await f.domain.handlers['demo:control']({ action: 'next' }, ctx);
    expect(f.wallState.scene).toBe('白天');
    // A second domain on the same folder, as after a crash: the first one never stopped.
    const g = fixture(f.dir, f.wallState);
    await expect.poll(() => g.calls, { timeout: 1000, interval: 5 }).toEqual(['restore', 'release t01-visible 10']);
    expect(g.wallState).toEqual(before);
    await g.domain.close();
    await f.domain.close();
  });

  it('keeps the built-in tour, refuses bad files and imports with the reasons, and lists the others', async () => {
    const f = fixture();
    const h = f.domain.handlers;
    writeFileSync(join(f.dir, 'bad.tour.json'), '{"format": "skywatch-demo-tour", "version": 1, "name": "坏", "steps": [{"title": "x", "cameras": [{"cameraId": "nope", "pan": 1}]}]}');
    await h['demo:import']({ text: `format: ${TOUR_FORMAT}\nversion: 1\nname: 好\nsteps:\n  - title: 一\n`, overwrite: false }, ctx);
    const list = await h['demo:list']({}, ctx);
    expect(list.tours.map((t) => [t.name, t.builtIn])).toEqual([
      ['内置', true],
      ['好', false],
    ]);
    expect(list.rejected).toEqual([{ file: 'bad.tour.json', reasons: ['第1步 steps[0].cameras[0].cameraId: unknown camera nope'] }]);
    await expect(h['demo:delete']({ name: '内置' }, ctx)).rejects.toThrow(HostFailure);
    await expect(h['demo:save']({ tour: tour, overwrite: true }, ctx)).rejects.toThrow(/built-in/);
    await expect(h['demo:import']({ text: '{"format": "x"}', overwrite: false }, ctx)).rejects.toThrow(/tour refused: format: must be "skywatch-demo-tour"/);
    const exported = await h['demo:export']({ name: '好' }, ctx);
    expect(exported.fileName).toBe('好.tour.json');
    expect(JSON.parse(exported.json)).toMatchObject({ name: '好', steps: [{ title: '一' }] });
    await f.domain.close();
  });
});

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../common/alerts';
import type { DemoState, TourInfo, WallState } from '../../common/contract';
import { TOUR_FORMAT } from '../../common/demo';
import { startHost, type RunningHost } from '../../native/host/start';
import { openContractSocket, type ContractSocket } from './contract-socket';

/*
 * A leadership demonstration through the whole host: tour files in the data folder (one bad, one
 * good), the built-in tour driving the wall and the LED as scripted, its fire drill marked as a drill
 * and not pausing it, a real detector alarm pausing it at once, and stop putting the wall back.
 */

let host: RunningHost;
let socket: ContractSocket;
const call = <T = unknown>(name: string, args: unknown): Promise<T> => socket.value<T>(name, args);

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'demo-host-'));
  mkdirSync(join(dataDir, 'demo'));
  writeFileSync(join(dataDir, 'demo', 'good.tour.yaml'), `format: ${TOUR_FORMAT}\nversion: 1\nname: 短介绍\nsteps:\n  - title: 大屏\n    led: 短介绍\n`);
  writeFileSync(join(dataDir, 'demo', 'bad.tour.json'), JSON.stringify({ format: TOUR_FORMAT, version: 1, name: '坏', steps: [{ title: 'a' }, { title: 'b', durationS: 0.5 }] }));
  host = await startHost({ port: 0, staticDir: null, dataDir, log: () => undefined });
  socket = await openContractSocket(host, { as: 'leader' });
}, 60_000);
afterAll(async () => {
  socket?.close();
  await host?.close();
});

const demoState = () => call<DemoState>('demo:state', {});

describe('leadership demonstration through the host', () => {
  it('lists the built-in and good tours and refuses the bad file with the step and field', async () => {
    const list = await call<{ tours: TourInfo[]; rejected: { file: string; reasons: string[] }[] }>('demo:list', {});
    expect(list.tours.map((t) => t.name)).toEqual(['系统概览', '短介绍']);
    expect(list.tours[0]!.builtIn).toBe(true);
    expect(list.rejected).toEqual([{ file: 'bad.tour.json', reasons: [expect.stringMatching(/第2步 steps\[1\]\.durationS: must be at least 2 s/)] }]);
  });

  it('plays the built-in tour on the wall, pauses for a real alert, not for its drill, and restores the wall and LED on stop', async () => {
    await call('wall:led', { text: '演示前' });
    await call('wall:openWindow', { rect: { x: 7680, y: 2160, w: 1920, h: 1080 }, split: 1, panes: [null], title: '值班' });
    const before = await call<WallState>('wall:get', {});
    await call('wall:unlock', {});

    const started = await call<DemoState>('demo:start', { name: '系统概览' });
    expect(started).toMatchObject({ status: 'playing', index: 0, step: { title: '森林防火视频监控系统总览' } });
    let wall = await call<WallState>('wall:get', {});
    expect(wall.windows.map((w) => w.id)).toEqual(['demo-live']);
    expect(wall.led.text).toBe('欢迎各位领导莅临指导');

    await call('demo:control', { action: 'next' });
    wall = await call<WallState>('wall:get', {});
    expect(wall.windows.map((w) => w.id)).toEqual(['demo-thermal']);
    expect(socket.events.some((e) => e.name === 'demo:state' && (e.payload as DemoState).index === 1)).toBe(true);

    // The drill: two towers' detectors report a simulated fire, marked as a drill; the tour goes on.
    const drill = await call<DemoState>('demo:control', { action: 'next' });
    expect(drill.step?.drill?.towers).toHaveLength(2);
    await expect
      .poll(async () => (await call<{ alerts: Alert[] }>('alert:list', {})).alerts.filter((a) => a.drill).length, { timeout: 40_000, interval: 500 })
      .toBe(2);
    const drills = (await call<{ alerts: Alert[] }>('alert:list', {})).alerts.filter((a) => a.drill);
    expect(drills.some((a) => a.position?.method === 'triangulated')).toBe(true);
    expect((await demoState()).status).toBe('playing');

    // A real alarm pauses it at once.
    const r = await host.simulator!.detectors.fire('t12', { kind: 'fire' });
    expect(r.status).toBe(200);
    await expect.poll(async () => (await demoState()).pausedBy, { timeout: 5000 }).toBe('alert');
    const paused = await demoState();
    expect(paused.alertId).toBe((r.body as { alertId: string }).alertId);
    expect((await call<{ alerts: Alert[] }>('alert:list', {})).alerts.find((a) => a.id === paused.alertId)?.drill).toBeFalsy();
    expect((await call<DemoState>('demo:control', { action: 'resume' })).status).toBe('playing');

    const stopped = await call<DemoState>('demo:control', { action: 'stop' });
    expect(stopped.status).toBe('idle');
    wall = await call<WallState>('wall:get', {});
    expect(wall.windows).toEqual(before.windows);
    expect(wall.led).toEqual(before.led);
  }, 60_000);
});

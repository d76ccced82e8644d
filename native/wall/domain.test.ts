import { afterEach, describe, expect, it } from 'vitest';
import type { ServerMessage, WallState } from '../../common/contract';
import { buildSimulatedSite } from '../site/simulated';
import { dispatch } from '../host/dispatch';
import { EventBus } from '../host/event-bus';
import { HandlerRegistry, systemContext } from '../host/registry';
import { createWallDomain, type WallDomain } from './domain';

const site = buildSimulatedSite({ rtspBase: 'rtsp://127.0.0.1:1' });
const domains: WallDomain[] = [];

function host(s = site) {
  const bus = new EventBus();
  const events: [string, unknown][] = [];
  bus.onAny((n, p) => events.push([n, p]));
  const wall = createWallDomain({
    site: s,
    bus,
    log: () => undefined,
    mediaUrl: (id, p) => `/media/${id}/${p}.flv`,
    tuning: { pollMs: 0, tickMs: 0, stateCoalesceMs: 0 },
  });
  domains.push(wall);
  const registry = new HandlerRegistry();
  registry.register(wall.handlers);
  let id = 0;
  const call = async (name: string, args: unknown, clientId = 'alice') => {
    const reply: ServerMessage = await dispatch(JSON.stringify({ t: 'call', id: ++id, name, args }), registry, systemContext(clientId), () => undefined);
    if (reply.t !== 'result') throw new Error(JSON.stringify(reply));
    return reply;
  };
  return { wall, call, events };
}

afterEach(async () => {
  await Promise.all(domains.splice(0).map((d) => d.close()));
});

describe('wall domain through the host dispatcher', () => {
  it('answers wall:get with a state that passes the contract', async () => {
    const { call } = host();
    const r = await call('wall:get', {});
    expect(r.ok).toBe(true);
    const state = (r as { value: WallState }).value;
    expect(state.geometry).toMatchObject({ rows: 3, columns: 5, width: 9600, height: 3240 });
    expect(state.decoders).toHaveLength(15);
    expect(state.decoders[0]).toMatchObject({ id: 'd01', driver: 'software', online: null, desiredRevision: 1 });
  });

  it('validates arguments before the handler and names the paths', async () => {
    const { call } = host();
    const r = await call('wall:openWindow', { rect: { x: 0, y: 0, w: -5, h: 100 }, split: 4 });
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid_args', issues: [{ path: 'rect.w', message: 'must be positive' }] } });
    const future = await call('wall:openWindow', { rect: { x: 0, y: 0, w: 1920, h: 1080 }, panes: [{ kind: 'alert' }] });
    expect(future).toMatchObject({ ok: false, error: { code: 'unavailable', message: 'pane source "alert" is not yet available' } });
    // conference: a conference pane names its room.
    const noRoom = await call('wall:openWindow', { rect: { x: 0, y: 0, w: 1920, h: 1080 }, panes: [{ kind: 'conference' }] });
    expect(noRoom).toMatchObject({ ok: false, error: { code: 'invalid_args', message: 'a conference pane needs the room id in "ref"' } });
  });

  it('edits under the lock; a second console gets a conflict naming the holder', async () => {
    const { call } = host();
    const open = await call('wall:openWindow', { rect: { x: 10, y: 10, w: 1900, h: 1060 }, split: 4, panes: [{ kind: 'camera', cameraId: 't01-visible' }] });
    expect(open).toMatchObject({ ok: true, value: { windowId: 'w1', rect: { x: 0, y: 0, w: 1920, h: 1080 }, degraded: [] } });
    const other = await call('wall:closeWindow', { windowId: 'w1' }, 'bob');
    expect(other).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect((other as { error: { message: string } }).error.message).toMatch(/^the wall is being edited by alice until \d\d:\d\d:\d\d$/);
    // Alarms do not need the lock.
    expect(await call('wall:alarmRegion', { rect: { x: 7680, y: 0, w: 1920, h: 1080 } })).toMatchObject({ ok: true });
    expect(await call('wall:alarmTakeover', { cameraId: 't05-thermal', reason: 'fire' }, 'alerts')).toMatchObject({
      ok: true,
      value: { active: [{ cameraId: 't05-thermal', reason: 'fire' }] },
    });
    expect(await call('wall:unlock', {})).toMatchObject({ ok: true, value: null });
    expect(await call('wall:closeWindow', { windowId: 'w1' }, 'bob')).toMatchObject({ ok: true });
  });

  it('feeds a software decoder page: layout on request, state events, reports as status', async () => {
    const { call, events } = host();
    await call('wall:openWindow', { rect: { x: 0, y: 0, w: 1920, h: 1080 }, panes: [{ kind: 'camera', cameraId: 't03-visible', profile: 'sub' }] });
    await domains[0]!.controller!.idle();
    const layout = await call('wall:decoderLayout', { decoderId: 'd01' });
    expect(layout).toMatchObject({ ok: true, value: { revision: 2, outputs: [{ id: 'w1.0', stream: { cameraId: 't03-visible', profile: 'sub', url: '/media/t03-visible/sub.flv' } }] } });
    expect(events.filter(([n, p]) => n === 'wall:decoderState' && (p as { decoderId: string }).decoderId === 'd01')).toHaveLength(2);
    const report = await call('wall:decoderReport', {
      decoderId: 'd01',
      revision: 2,
      outputs: [{ id: 'w1.0', cameraId: 't03-visible', profile: 'sub', state: 'playing', error: null }],
    });
    expect(report).toMatchObject({ ok: true, value: { desiredRevision: 2 } });
    const state = (await call('wall:get', {})) as { value: WallState };
    expect(state.value.decoders[0]).toMatchObject({ online: true, reportedRevision: 2, reported: [{ state: 'playing' }] });
    expect(await call('wall:decoderReport', { decoderId: 'd99', revision: 0, outputs: [] })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('a site without a wall answers unavailable', async () => {
    const { call } = host({ ...site, wall: undefined });
    expect(await call('wall:get', {})).toMatchObject({ ok: false, error: { code: 'unavailable', message: 'this site has no video wall' } });
  });
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HostFailure } from '../../common/contract/errors';
import type { WallDecoderEvent } from '../../common/contract/wall';
import { groupTour, outputsKey, panelRect, panelsRect, wallRect, type DecoderLayout, type DecoderStatus, type LedState, type PaneSource } from '../../common/wall';
import { buildSimulatedSite } from '../site/simulated';
import { WallController, type WallControllerOptions } from './controller';
import { DecoderError, type ApplyAck, type DecoderDriver, type LedDriver } from './drivers/driver';
import { SoftwareDecoderDriver } from './drivers/software';

const site = buildSimulatedSite({ rtspBase: 'rtsp://127.0.0.1:1' });
const wall = site.wall!;
const cameras = new Map(site.towers.flatMap((t) => t.cameras.map((c) => [c.id, `${t.name} ${c.kind}`] as const)));
const cam = (n: number, kind = 'visible'): PaneSource => ({ kind: 'camera', cameraId: `t${String(n).padStart(2, '0')}-${kind}` });

/** An in-memory decoder: holds what it is given, can be down, ahead, or refuse. */
class FakeDecoder implements DecoderDriver {
  layout: DecoderLayout = { revision: 0, outputs: [] };
  applied: DecoderLayout[] = [];
  down = false;
  refuse: string[] | undefined;
  async apply(l: DecoderLayout): Promise<ApplyAck> {
    if (this.down) throw new DecoderError('unreachable', 'fake: connection refused');
    if (l.revision < this.layout.revision || (l.revision === this.layout.revision && outputsKey(l.outputs) !== outputsKey(this.layout.outputs))) {
      throw new DecoderError('stale', 'fake: stale', { revision: this.layout.revision });
    }
    if (this.refuse) throw new DecoderError('rejected', `fake refused: ${this.refuse.join('; ')}`, { reasons: this.refuse });
    const changed = l.revision !== this.layout.revision;
    this.applied.push(l);
    this.layout = l;
    return { revision: l.revision, changed };
  }
  async status(): Promise<DecoderStatus> {
    if (this.down) throw new DecoderError('unreachable', 'fake: connection refused');
    return {
      protocol: 1,
      model: 'fake',
      firmware: '1',
      capacity: { maxStreams: 4, subStreamWeight: 0.25, osd: false },
      output: { width: 1920, height: 1080 },
      revision: this.layout.revision,
      uptimeS: 1,
      outputs: this.layout.outputs.map((o) => ({ id: o.id, cameraId: o.stream?.cameraId ?? null, profile: o.stream?.profile ?? null, state: o.stream ? 'playing' : 'idle', error: null })),
    };
  }
  cameras(): (string | null)[] {
    return this.layout.outputs.map((o) => o.stream?.cameraId ?? null);
  }
  async close(): Promise<void> {}
}

class Events {
  readonly list: [string, unknown][] = [];
  emit = (name: string, payload: unknown) => void this.list.push([name, payload]);
  of<T>(name: string): T[] {
    return this.list.filter(([n]) => n === name).map(([, p]) => p as T);
  }
}

async function failure(f: () => unknown): Promise<HostFailure> {
  try {
    await f();
  } catch (e) {
    if (e instanceof HostFailure) return e;
    throw e;
  }
  throw new Error('expected a HostFailure');
}

let now: number;
let fakes: Map<string, FakeDecoder>;
let events: Events;
let dir: string;
let controllers: WallController[];

function make(over: Partial<WallControllerOptions> = {}): WallController {
  const c = new WallController({
    wall,
    timeZone: 'Asia/Shanghai',
    cameras,
    driverFor: (d) => {
      const f = new FakeDecoder();
      fakes.set(d.id, f);
      return f;
    },
    mediaUrl: (id, p) => `ws://10.0.0.5:8650/media/${id}/${p}.flv?token=T`,
    bus: events,
    log: () => undefined,
    now: () => now,
    stateDir: dir,
    pollMs: 0,
    tickMs: 0,
    stateCoalesceMs: 0,
    ...over,
  });
  controllers.push(c);
  return c;
}
const fake = (id: string) => fakes.get(id)!;

beforeEach(() => {
  now = Date.parse('2025-03-10T06:00:00+08:00');
  fakes = new Map();
  events = new Events();
  dir = mkdtempSync(join(tmpdir(), 'wall-ctl-'));
  controllers = [];
});
afterEach(async () => {
  await Promise.all(controllers.map((c) => c.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe('WallController: layouts to decoders', () => {
  it('opens a window over 2x2 panels: the four decoders get their pieces at once, reports are kept apart', async () => {
    const c = make();
    await c.idle();
    // Every decoder starts from the host's (empty) desired state.
    expect([...fakes.values()].every((f) => f.layout.revision === 1 && f.layout.outputs.length === 0)).toBe(true);
    const r = c.openWindow({ rect: wallRect(20, 10, 3800, 2150), split: 4, panes: [cam(1), cam(2), cam(3), cam(4)], snap: true });
    expect(r.rect).toEqual(panelsRect(c.geometry, 0, 0, 2, 2));
    expect(r.windowId).toBe('w1');
    await c.idle();
    expect(['d01', 'd02', 'd06', 'd07'].map((d) => fake(d).cameras())).toEqual([['t01-visible'], ['t02-visible'], ['t03-visible'], ['t04-visible']]);
    expect(fake('d01').layout.outputs[0]).toMatchObject({
      id: 'w1.0',
      dest: { x: 0, y: 0, w: 1920, h: 1080 },
      crop: { x: 0, y: 0, w: 1, h: 1 },
      stream: { cameraId: 't01-visible', profile: 'main', url: 'ws://10.0.0.5:8650/media/t01-visible/main.flv?token=T' },
      label: '仙人山 visible',
    });
    expect(fake('d03').applied).toHaveLength(1);
    const d1 = c.state().decoders.find((d) => d.id === 'd01')!;
    expect(d1).toMatchObject({ desiredRevision: 2, ackRevision: 2, reportedRevision: null, reported: [], online: true, cost: 1 });
    await c.pollAll();
    const after = c.state().decoders.find((d) => d.id === 'd01')!;
    expect(after.reportedRevision).toBe(2);
    expect(after.reported).toEqual([{ id: 'w1.0', cameraId: 't01-visible', profile: 'main', state: 'playing', error: null }]);
    expect(after.lastApplyMs).not.toBeNull();
  });

  it('refuses what cannot go on the wall, with the reason', async () => {
    const c = make();
    const outside = await failure(() => c.openWindow({ rect: wallRect(9000, 0, 1920, 1080), split: 1, panes: [], snap: false }));
    expect(outside.code).toBe('invalid_args');
    expect(outside.message).toBe('window w1 lies outside the wall (9600 x 3240 px): its right edge is at 10920 px');
    const unknown = await failure(() => c.openWindow({ rect: panelRect(c.geometry, 0, 0), split: 1, panes: [{ kind: 'camera', cameraId: 't99-visible' }], snap: false }));
    expect(unknown.message).toBe('unknown camera "t99-visible"');
    const split = await failure(() => c.openWindow({ rect: panelRect(c.geometry, 0, 0), split: 16, panes: [], snap: false }));
    expect(split.message).toBe('split 16 is not supported; use 1, 4, 9');
    const map = await failure(() => c.openWindow({ rect: panelRect(c.geometry, 0, 0), split: 1, panes: [{ kind: 'map' }], snap: false }));
    expect([map.code, map.message]).toEqual(['unavailable', 'pane source "map" is not yet available']);
    c.openWindow({ rect: panelRect(c.geometry, 0, 0), split: 4, panes: [cam(1), cam(2), cam(3), cam(4)], snap: false });
    const budget = await failure(() => c.openWindow({ rect: wallRect(100, 100, 800, 450), split: 1, panes: [cam(5)], snap: false }));
    expect(budget.code).toBe('unavailable');
    expect(budget.message).toMatch(/^decoder d01 \(row 1, column 1\) would decode 5 HD streams but can decode 4/);
    expect(c.state().windows).toHaveLength(1);
  });

  it('refuses every kind of bad input with the reason and keeps the wall as it was', async () => {
    const c = make();
    c.openWindow({ rect: panelRect(c.geometry, 0, 0), split: 4, panes: [cam(1), cam(2)], snap: false });
    await c.idle();
    const before = JSON.stringify(c.state().windows);
    const version = c.state().version;
    const sent = [...fakes.values()].reduce((n, f) => n + f.applied.length, 0);
    const unchanged = async () => {
      await c.idle();
      expect(JSON.stringify(c.state().windows)).toBe(before);
      expect(c.state().version).toBe(version);
      expect([...fakes.values()].reduce((n, f) => n + f.applied.length, 0)).toBe(sent);
    };

    // A window moved or opened outside the wall.
    const moved = await failure(() => c.moveWindow({ windowId: 'w1', rect: wallRect(-400, 0, 1920, 1080), snap: false, mode: 'resize' }));
    expect([moved.code, moved.message]).toEqual(['invalid_args', 'window w1 lies outside the wall (9600 x 3240 px): its left edge is at -400 px']);
    const below = await failure(() => c.openWindow({ rect: wallRect(0, 3000, 1920, 1080), split: 1, panes: [], snap: false }));
    expect(below.message).toBe('window w2 lies outside the wall (9600 x 3240 px): its bottom edge is at 4080 px');
    await unchanged();

    // An unknown camera, in a pane or inside a tour.
    expect((await failure(() => c.setPaneSource('w1', 2, { kind: 'camera', cameraId: 't42-visible' }))).message).toBe('unknown camera "t42-visible"');
    const tour = await failure(() => c.setPaneSource('w1', 3, { kind: 'tour', cameras: ['t01-visible', 'nope'], dwellS: 10 }));
    expect(tour.message).toBe('unknown camera "nope"');
    expect(tour.issues?.[0]?.path).toMatch(/cameras\[1\]$/);
    await unchanged();

    // A split the wall does not offer, and one the decoder cannot carry (nine HD pictures on one panel).
    expect((await failure(() => c.setSplit('w1', 6))).message).toBe('split 6 is not supported; use 1, 4, 9');
    const nine = await failure(() =>
      c.openWindow({ rect: panelRect(c.geometry, 2, 4), split: 9, panes: [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => cam(n, 'thermal')), snap: false }),
    );
    expect(nine.code).toBe('unavailable');
    expect(nine.message).toMatch(/^decoder d15 \(row 3, column 5\) would decode 9 HD streams but can decode 4: w2 pane 1 \(t01-thermal\), .*, w2 pane 9 \(t09-thermal\)$/);
    await unchanged();

    // An alarm region off the wall; a scene file that is corrupt or for another wall.
    expect((await failure(() => c.setAlarmRegion(wallRect(8000, 0, 3840, 1080), false))).message).toBe('window alarm lies outside the wall (9600 x 3240 px): its right edge is at 11840 px');
    expect(c.state().alarm.region).toBeNull();
    c.sceneSave('good', false);
    expect((await failure(() => c.sceneImport('{"format": "skywatch-wall-scene", "windows": [', undefined, false))).message).toMatch(/^scene refused: not JSON/);
    const small = JSON.stringify({ ...JSON.parse(c.sceneExport('good').json), name: 'small', wall: { rows: 2, columns: 4, panelWidth: 1920, panelHeight: 1080 } });
    expect((await failure(() => c.sceneImport(small, undefined, false))).message).toBe(
      'scene refused: scene "small" is for a 2 x 4 wall of 1920x1080 panels; this wall is 3 x 5 of 1920x1080',
    );
    expect(c.sceneList().scenes.map((x) => x.name)).toEqual(['good']);
    await unchanged();
  });

  it('degrades to sub streams where the site allows it', async () => {
    const c = make({ overBudget: 'degrade' });
    c.openWindow({ rect: panelRect(c.geometry, 0, 0), split: 4, panes: [cam(1), cam(2), cam(3), cam(4)], snap: false });
    const r = c.openWindow({ rect: wallRect(100, 100, 800, 450), split: 1, panes: [cam(5)], snap: false });
    // 4 HD + one sub (0.25) is still over 4: the smallest pane first, then the first of the others.
    expect(r.degraded).toEqual([
      { windowId: 'w2', pane: 0 },
      { windowId: 'w1', pane: 0 },
    ]);
    await c.idle();
    expect(fake('d01').layout.outputs.find((o) => o.id === 'w2.0')?.stream).toMatchObject({ cameraId: 't05-visible', profile: 'sub' });
  });

  it('undoes and redoes edits, keeping a bounded history', async () => {
    const c = make({ historyLimit: 3 });
    for (let i = 0; i < 5; i++) c.openWindow({ rect: panelRect(c.geometry, 0, i), split: 1, panes: [cam(i + 1)], snap: false });
    c.undo();
    c.undo();
    c.undo();
    expect(c.state().windows.map((w) => w.id)).toEqual(['w1', 'w2']);
    expect(c.state().canUndo).toBe(false);
    expect((await failure(() => c.undo())).message).toBe('nothing to undo');
    c.redo();
    expect(c.state().windows.map((w) => w.id)).toEqual(['w1', 'w2', 'w3']);
    c.closeWindow('w1');
    expect(c.state().canRedo).toBe(false);
    await c.idle();
    expect(fake('d01').layout.outputs).toEqual([]);
  });

  it('moves, splits, sets pane sources and raises windows', async () => {
    const c = make();
    c.openWindow({ rect: panelRect(c.geometry, 0, 0), split: 1, panes: [cam(1)], snap: false });
    c.openWindow({ rect: panelRect(c.geometry, 0, 1), split: 1, panes: [cam(2)], snap: false });
    // Dragged past the wall's edge and near a panel edge: kept on the wall, snapped.
    expect(c.moveWindow({ windowId: 'w1', rect: wallRect(-300, 30, 1920, 1080), snap: true, mode: 'move' }).rect).toEqual(wallRect(0, 0, 1920, 1080));
    expect(c.moveWindow({ windowId: 'w1', rect: wallRect(960, 0, 1920, 1080), snap: false, mode: 'move' }).rect).toEqual(wallRect(960, 0, 1920, 1080));
    c.setSplit('w2', 4);
    c.setPaneSource('w2', 3, cam(9, 'thermal'));
    expect((await failure(() => c.setPaneSource('w2', 4, cam(1)))).message).toBe('window w2 has 4 panes; there is no pane 4');
    await c.idle();
    // w1 (bottom) reaches into d02 but lies entirely under w2 there: it costs d02 nothing.
    expect(fake('d02').layout.outputs.map((o) => `${o.id}@${o.z}`)).toEqual(['w2.0@1', 'w2.1@1', 'w2.2@1', 'w2.3@1']);
    expect(fake('d01').layout.outputs.map((o) => `${o.id}@${o.z}`)).toEqual(['w1.0@0']);
    c.raiseWindow('w1');
    await c.idle();
    expect(fake('d02').layout.outputs.map((o) => `${o.id}@${o.z}`)).toEqual(['w2.1@0', 'w2.3@0', 'w1.0@1']);
    expect(fake('d02').cameras()).toEqual([null, 't09-thermal', 't01-visible']);
  });
});

describe('WallController: the edit lock', () => {
  it('lets one console edit; others get a conflict naming the holder; it lapses after inactivity', async () => {
    const c = make({ lockIdleMs: 60_000 });
    expect(c.claim('alice')).toMatchObject({ clientId: 'alice', until: now + 60_000 });
    const e = await failure(() => c.claim('bob'));
    expect(e.code).toBe('conflict');
    expect(e.message).toBe('the wall is being edited by alice until 06:01:00');
    now += 60_000;
    c.tick();
    expect(c.state().lock).toBeNull();
    expect(c.claim('bob')?.clientId).toBe('bob');
    expect(c.unlock('bob')).toBeNull();
  });
});

describe('WallController: decoders that fail', () => {
  it('marks an offline decoder and gives it its layout back when it returns', async () => {
    const c = make();
    c.openWindow({ rect: panelRect(c.geometry, 0, 4), split: 4, panes: [cam(1), cam(2), cam(3), cam(4)], snap: false });
    await c.idle();
    const desired = fake('d05').layout;
    fake('d05').down = true;
    await c.pollAll();
    const off = events.of<WallDecoderEvent>('wall:decoder').filter((e) => e.decoderId === 'd05');
    expect(off.at(-1)).toMatchObject({ online: false, error: 'fake: connection refused' });
    expect(c.state().decoders.find((d) => d.id === 'd05')?.online).toBe(false);
    // It comes back after a power cut: empty, revision 0.
    fake('d05').layout = { revision: 0, outputs: [] };
    fake('d05').down = false;
    await c.pollAll();
    await c.idle();
    expect(fake('d05').layout).toEqual(desired);
    expect(events.of<WallDecoderEvent>('wall:decoder').filter((e) => e.decoderId === 'd05').at(-1)).toMatchObject({ online: true, ackRevision: desired.revision });
  });

  it('goes above a decoder that holds a newer revision (409)', async () => {
    const c = make();
    await c.idle();
    fake('d03').layout = { revision: 100, outputs: [] };
    c.openWindow({ rect: panelRect(c.geometry, 0, 2), split: 1, panes: [cam(7)], snap: false });
    await c.idle();
    expect(fake('d03').layout.revision).toBe(101);
    expect(fake('d03').cameras()).toEqual(['t07-visible']);
  });

  it('does not retry a refused layout until the layout changes', async () => {
    const c = make();
    await c.idle();
    fake('d01').refuse = ['needs 4 HD decodes; this decoder has 2'];
    c.openWindow({ rect: panelRect(c.geometry, 0, 0), split: 4, panes: [cam(1), cam(2), cam(3), cam(4)], snap: false });
    await c.idle();
    await c.pollAll();
    await c.idle();
    const d1 = c.state().decoders.find((d) => d.id === 'd01')!;
    expect(d1.online).toBe(true);
    expect(d1.error).toBe('fake refused: needs 4 HD decodes; this decoder has 2');
    expect(fake('d01').applied).toHaveLength(1);
  });
});

describe('WallController: tours on the controller clock', () => {
  it('a 4-pane synchronised tour advances after its dwell, all panes and decoders together', async () => {
    const c = make();
    const list = Array.from({ length: 8 }, (_, i) => `t${String(i + 1).padStart(2, '0')}-visible`);
    c.openWindow({ rect: panelsRect(c.geometry, 0, 0, 2, 2), split: 4, panes: groupTour(list, 4, 10), snap: false });
    await c.idle();
    const ids = ['d01', 'd02', 'd06', 'd07'];
    expect(ids.map((d) => fake(d).cameras()[0])).toEqual(['t01-visible', 't02-visible', 't03-visible', 't04-visible']);
    const revs = ids.map((d) => fake(d).layout.revision);
    now += 9_999;
    c.tick();
    await c.idle();
    expect(ids.map((d) => fake(d).layout.revision)).toEqual(revs);
    now += 1;
    c.tick();
    await c.idle();
    expect(ids.map((d) => fake(d).cameras()[0])).toEqual(['t05-visible', 't06-visible', 't07-visible', 't08-visible']);
    expect(ids.map((d) => fake(d).layout.revision)).toEqual(revs.map((r) => r + 1));
    expect(c.state().tours.map((t) => t.step)).toEqual([1, 1, 1, 1]);
    now += 10_000;
    c.tick();
    await c.idle();
    expect(ids.map((d) => fake(d).cameras()[0])).toEqual(['t01-visible', 't02-visible', 't03-visible', 't04-visible']);
  });

  it('sets every pane of a window in one edit: one undo step, the synchronised panes on one clock', async () => {
    const c = make();
    const list = Array.from({ length: 6 }, (_, i) => `t${String(i + 1).padStart(2, '0')}-visible`);
    const opened = c.openWindow({ rect: panelsRect(c.geometry, 0, 0, 2, 2), split: 4, panes: [cam(9)], snap: false });
    await c.idle();
    const version = c.state().version;
    c.setPanes(opened.windowId!, groupTour(list, 4, 10, 'sub'));
    expect(c.state().version).toBe(version + 1);
    await c.idle();
    const ids = ['d01', 'd02', 'd06', 'd07'];
    expect(ids.map((d) => fake(d).cameras()[0])).toEqual(list.slice(0, 4));
    expect(new Set(c.state().tours.map((t) => t.nextAt)).size).toBe(1);
    now += 10_000;
    c.tick();
    await c.idle();
    expect(ids.map((d) => fake(d).cameras()[0])).toEqual(['t05-visible', 't06-visible', 't01-visible', 't02-visible']);
    // One undo brings the single camera back.
    c.undo();
    expect(c.state().windows[0]?.panes).toEqual([cam(9), null, null, null]);
    expect(c.state().tours).toEqual([]);
    // More sources than panes: refused, the wall unchanged.
    const f = await failure(() => c.setPanes(opened.windowId!, [cam(1), cam(2), cam(3), cam(4), cam(5)]));
    expect(f.message).toMatch(/has 4 panes, not 5/);
    expect(c.state().windows[0]?.panes).toEqual([cam(9), null, null, null]);
  });

  it('a tour on a window spanning two panels switches both decoders in the same step', async () => {
    const c = make();
    c.openWindow({ rect: panelsRect(c.geometry, 2, 0, 1, 2), split: 1, panes: [{ kind: 'tour', cameras: ['t10-visible', 't11-visible'], dwellS: 5 }], snap: false });
    await c.idle();
    now += 5000;
    c.tick();
    await c.idle();
    expect([fake('d11').cameras(), fake('d12').cameras()]).toEqual([['t11-visible'], ['t11-visible']]);
    expect(fake('d11').layout.outputs[0]?.crop).toEqual({ x: 0, y: 0, w: 0.5, h: 1 });
  });
});

describe('WallController: alarm region', () => {
  it('an alarm takes the region over and the release restores exactly what was there', async () => {
    const c = make();
    const noRegion = await failure(() => c.alarmTakeover('t01-visible', 'fire'));
    expect([noRegion.code, noRegion.message]).toEqual(['unavailable', 'no alarm region is marked on the wall']);
    c.openWindow({ rect: panelsRect(c.geometry, 0, 3, 2, 2), split: 9, panes: Array.from({ length: 9 }, (_, i) => cam(i + 1)), snap: false });
    c.openWindow({ rect: panelRect(c.geometry, 2, 4), split: 4, panes: [cam(10), cam(11), cam(12), cam(13)], snap: false });
    c.setAlarmRegion(panelsRect(c.geometry, 0, 3, 2, 2), false);
    await c.idle();
    const ids = ['d04', 'd05', 'd09', 'd10', 'd15'];
    const before = ids.map((d) => outputsKey(fake(d).layout.outputs));
    c.alarmTakeover('t19-thermal', '火点 仙人山 NE 2.1 km');
    await c.idle();
    expect(fake('d04').layout.outputs.map((o) => `${o.id} ${o.stream?.cameraId} ${o.stream?.profile}`)).toEqual(['alarm.0 t19-thermal main']);
    expect(fake('d15').layout.revision).toBe(2);
    c.alarmTakeover('t18-thermal', 'second');
    await c.idle();
    expect(fake('d04').layout.outputs.map((o) => o.id)).toEqual(['alarm.0']);
    expect(fake('d05').layout.outputs.map((o) => o.id)).toEqual(['alarm.1']);
    expect(c.state().alarm.active.map((a) => a.cameraId)).toEqual(['t19-thermal', 't18-thermal']);
    // Undo history and scenes never see the alarm window.
    expect(c.state().windows.map((w) => w.id)).toEqual(['w1', 'w2']);
    c.alarmRelease('t19-thermal');
    c.alarmRelease();
    await c.idle();
    expect(ids.map((d) => outputsKey(fake(d).layout.outputs))).toEqual(before);
  });
});

describe('WallController: scenes', () => {
  it('saves, recalls, renames, exports, imports and deletes scenes', async () => {
    const c = make();
    c.openWindow({ rect: panelRect(c.geometry, 1, 1), split: 4, panes: [cam(1), cam(2), null, cam(3)], snap: false });
    expect(c.sceneSave('白天', false)).toMatchObject({ name: '白天', windows: 1, cameras: 3 });
    expect((await failure(() => c.sceneSave('白天', false))).code).toBe('conflict');
    c.clear();
    expect(c.sceneRecall('白天').version).toBeGreaterThan(0);
    expect(c.state()).toMatchObject({ scene: '白天', windows: [{ id: 'w1', split: 4 }] });
    c.sceneRename('白天', '日间');
    const exported = c.sceneExport('日间');
    expect(exported.fileName).toBe('日间.wall-scene.json');
    expect(JSON.parse(exported.json)).toMatchObject({ format: 'skywatch-wall-scene', version: 1, name: '日间', wall: { rows: 3, columns: 5 } });
    expect(c.sceneImport(exported.json, '夜间', false).name).toBe('夜间');
    expect(c.sceneList().scenes.map((s) => s.name).sort()).toEqual(['夜间', '日间']);
    const other = JSON.stringify({ ...JSON.parse(exported.json), name: 'x', wall: { rows: 2, columns: 2, panelWidth: 1920, panelHeight: 1080 } });
    expect((await failure(() => c.sceneImport(other, undefined, false))).message).toBe(
      'scene refused: scene "x" is for a 2 x 2 wall of 1920x1080 panels; this wall is 3 x 5 of 1920x1080',
    );
    const strangers = exported.json.replace('t01-visible', 't77-visible').replace('t02-visible', 't78-visible');
    expect((await failure(() => c.sceneImport(strangers, 'y', false))).message).toBe('scene refused: unknown cameras "t77-visible", "t78-visible"');
    expect((await failure(() => c.sceneImport('{nope', undefined, false))).message).toMatch(/^scene refused: not JSON/);
    c.sceneDelete('夜间');
    expect(c.sceneList().scenes.map((s) => s.name)).toEqual(['日间']);
  });

  it('refuses corrupt scene files with the reason and loads the others', async () => {
    const c = make();
    c.openWindow({ rect: panelRect(c.geometry, 0, 0), split: 1, panes: [cam(1)], snap: false });
    c.sceneSave('good', false);
    await c.close();
    writeFileSync(join(dir, 'scenes', 'broken.json'), '{"format": "skywatch-wall-scene", "windows": [');
    writeFileSync(join(dir, 'scenes', 'small-wall.json'), JSON.stringify({ ...JSON.parse(c.sceneExport('good').json), name: 'small', wall: { rows: 1, columns: 2, panelWidth: 1920, panelHeight: 1080 } }));
    const c2 = make();
    const list = c2.sceneList();
    expect(list.scenes.map((s) => s.name)).toEqual(['good']);
    expect(list.rejected.map((r) => r.file)).toEqual(['broken.json', 'small-wall.json']);
    expect(list.rejected[0]?.reasons[0]).toMatch(/^not a readable JSON file/);
    expect(list.rejected[1]?.reasons[0]).toMatch(/is for a 1 x 2 wall/);
  });

  it('recalls scenes by time of day in the site time zone', async () => {
    const c = make();
    c.openWindow({ rect: panelRect(c.geometry, 0, 0), split: 1, panes: [cam(1)], snap: false });
    c.sceneSave('白天', false);
    c.clear();
    c.sceneSave('夜间', false);
    expect((await failure(() => c.setSchedule([{ time: '07:00', scene: '无' }]))).message).toBe('no scene "无"');
    const s = c.setSchedule([
      { time: '07:00', scene: '白天' },
      { time: '19:00', scene: '夜间' },
    ]);
    expect(s.next).toEqual({ at: Date.parse('2025-03-10T07:00:00+08:00'), scene: '白天' });
    now = Date.parse('2025-03-10T06:59:59+08:00');
    c.tick();
    expect(c.state().windows).toHaveLength(0);
    now += 1000;
    c.tick();
    expect(c.state()).toMatchObject({ scene: '白天', windows: [{ id: 'w1' }] });
    now = Date.parse('2025-03-10T19:00:00.250+08:00');
    c.tick();
    expect(c.state()).toMatchObject({ scene: '夜间', windows: [] });
  });
});

describe('WallController: LED strip, persistence, software decoders', () => {
  it('keeps the LED text in the wall state and sends it to the LED controller', async () => {
    const sent: [number, LedState][] = [];
    const led: LedDriver = { apply: async (r, s) => (sent.push([r, s]), { revision: r, changed: true }), close: async () => undefined };
    const c = make({ led });
    expect(c.setLed({ text: '今日森林火险等级：四级' })).toEqual({ text: '今日森林火险等级：四级', colour: '#ff3b30', speedPxS: 60 });
    c.setLed({ text: '', colour: '#00ff00' });
    expect(sent).toEqual([
      [1, { text: '今日森林火险等级：四级', colour: '#ff3b30', speedPxS: 60 }],
      [2, { text: '', colour: '#00ff00', speedPxS: 60 }],
    ]);
    expect(c.state().led.colour).toBe('#00ff00');
  });

  it('restores the wall after a restart and sends it to the decoders', async () => {
    const c = make();
    c.openWindow({ rect: panelRect(c.geometry, 1, 2), split: 1, panes: [cam(4)], snap: false });
    c.setLed({ text: 'hello' });
    c.setAlarmRegion(panelRect(c.geometry, 0, 0), false);
    await c.close();
    expect(JSON.parse(readFileSync(join(dir, 'wall.json'), 'utf8'))).toMatchObject({ windows: [{ id: 'w1' }], led: { text: 'hello' } });
    const c2 = make();
    await c2.idle();
    expect(c2.state()).toMatchObject({ windows: [{ id: 'w1' }], led: { text: 'hello' }, alarm: { region: { x: 0, y: 0 } } });
    expect(fake('d08').cameras()).toEqual(['t04-visible']);
  });

  it('a software decoder gets its layout as an event and reports what it plays', async () => {
    let soft: SoftwareDecoderDriver | undefined;
    const c = make({
      driverFor: (d) => {
        const f = new SoftwareDecoderDriver({
          decoderId: d.id,
          maxStreams: 4,
          panel: { width: 1920, height: 1080 },
          now: () => now,
          publish: (layout) => events.emit('wall:decoderState', { decoderId: d.id, layout }),
        });
        if (d.id === 'd01') soft = f;
        return f;
      },
    });
    c.openWindow({ rect: panelRect(c.geometry, 0, 0), split: 1, panes: [cam(2)], snap: false });
    await c.idle();
    const published = events.of<{ decoderId: string; layout: DecoderLayout }>('wall:decoderState').filter((e) => e.decoderId === 'd01');
    expect(published.at(-1)?.layout.outputs[0]?.stream?.cameraId).toBe('t02-visible');
    await c.pollAll();
    expect(c.state().decoders[0]).toMatchObject({ online: false, error: 'no software decoder page is showing panel d01' });
    // The page opens (showing nothing yet), reports; the controller publishes the layout again.
    soft?.reportFromPage({ revision: 0, outputs: [] });
    const count = published.length;
    await c.pollDecoder('d01');
    await c.idle();
    expect(events.of<{ decoderId: string }>('wall:decoderState').filter((e) => e.decoderId === 'd01').length).toBe(count + 1);
    soft?.reportFromPage({ revision: c.decoderLayout('d01').revision, outputs: [{ id: 'w1.0', cameraId: 't02-visible', profile: 'main', state: 'playing', error: null }] });
    await c.pollDecoder('d01');
    expect(c.state().decoders[0]).toMatchObject({ online: true, reported: [{ state: 'playing' }] });
  });
});

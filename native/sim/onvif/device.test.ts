import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodeOnvif, { type OnvifDevice as NodeOnvifDevice } from 'node-onvif';
import { Cam } from 'onvif';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOnvifDevice, type OnvifDevice } from './device';

const credentials = { user: 'admin', password: 'Fire2024!' };
const streams = {
  visible: { main: 'rtsp://127.0.0.1:8554/t01/visible/main', sub: 'rtsp://127.0.0.1:8554/t01/visible/sub' },
  thermal: { main: 'rtsp://127.0.0.1:8554/t01/thermal/main', sub: 'rtsp://127.0.0.1:8554/t01/thermal/sub' },
};

let dir: string;
let dev: OnvifDevice;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'onvif-sim-'));
  dev = await startOnvifDevice({ towerId: 't01', towerName: '仙人山', northOffset: 0.8, streams, credentials, stateDir: dir });
});
afterAll(async () => {
  await dev.close();
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function nodeOnvifClient(url: string, pass = credentials.password): Promise<NodeOnvifDevice> {
  const d = new nodeOnvif.OnvifDevice({ xaddr: url, user: credentials.user, pass });
  await d.init();
  return d;
}

interface Attrs {
  $: Record<string, string>;
}
function statusOf(r: { data: Record<string, unknown> }) {
  const st = (r.data as { GetStatusResponse: { PTZStatus: { Position: { PanTilt: Attrs; Zoom: Attrs }; MoveStatus: { PanTilt: string } } } })
    .GetStatusResponse.PTZStatus;
  const x = Number(st.Position.PanTilt.$.x);
  return { pan: ((x * 180) % 360 + 360) % 360, tilt: Number(st.Position.PanTilt.$.y) * 45, z: Number(st.Position.Zoom.$.x), moving: st.MoveStatus.PanTilt };
}

describe('simulated ONVIF device with node-onvif', () => {
  it('initialises: profiles, stream URIs of the tower, PTZ service', async () => {
    const d = await nodeOnvifClient(dev.url);
    expect(d.getInformation()?.Manufacturer).toBe('SkyWatch Sim');
    const profiles = d.getProfileList();
    expect(profiles.map((p) => p.token)).toEqual(['visible_main', 'visible_sub', 'thermal_main', 'thermal_sub']);
    expect(profiles[0]?.stream.rtsp).toBe(streams.visible.main);
    expect(profiles[3]?.stream.rtsp).toBe(streams.thermal.sub);
    expect(profiles[0]?.ptz.range.x).toEqual({ min: -1, max: 1 });
    expect(d.services.ptz).not.toBeNull();
  });

  it('moves continuously, reports it, stops on Stop; absolute, relative moves and presets', async () => {
    const d = await nodeOnvifClient(dev.url);
    const ptz = d.services.ptz!;
    const ProfileToken = 'visible_main';
    dev.head.absoluteMove({ x: 0, y: 0, zoom: 0 });
    await sleep(50);
    const before = statusOf(await ptz.getStatus({ ProfileToken }));
    await ptz.continuousMove({ ProfileToken, Velocity: { x: 0.5, y: 0, z: 0 }, Timeout: 5 });
    await sleep(400);
    const during = statusOf(await ptz.getStatus({ ProfileToken }));
    expect(during.moving).toBe('MOVING');
    expect(during.pan).toBeGreaterThan(before.pan);
    await ptz.stop({ ProfileToken, PanTilt: true, Zoom: true });
    await sleep(300);
    const stopped = statusOf(await ptz.getStatus({ ProfileToken }));
    expect(stopped.moving).toBe('IDLE');

    await ptz.absoluteMove({ ProfileToken, Position: { x: 20 / 180, y: -3.2 / 45, z: 11 / 31 } });
    await sleep(1500);
    const at = statusOf(await ptz.getStatus({ ProfileToken }));
    expect(Math.abs(at.pan - 20)).toBeLessThan(0.05);
    expect(Math.abs(at.tilt + 3.2)).toBeLessThan(0.05);
    expect(1 + at.z * 31).toBeCloseTo(12, 3);

    await ptz.relativeMove({ ProfileToken, Translation: { x: -5 / 180, y: 2 / 45, z: 0 } });
    await sleep(800);
    const rel = statusOf(await ptz.getStatus({ ProfileToken }));
    expect(Math.abs(rel.pan - 15)).toBeLessThan(0.05);
    expect(Math.abs(rel.tilt + 1.2)).toBeLessThan(0.05);

    await ptz.setPreset({ ProfileToken, PresetToken: '7', PresetName: 'Reservoir' });
    await ptz.absoluteMove({ ProfileToken, Position: { x: 0, y: 0, z: 0 } });
    await sleep(1000);
    await ptz.gotoPreset({ ProfileToken, PresetToken: '7' });
    await sleep(1000);
    const back = statusOf(await ptz.getStatus({ ProfileToken }));
    expect(Math.abs(back.pan - 15)).toBeLessThan(0.01);
    const list = (await ptz.getPresets({ ProfileToken })).data as { GetPresetsResponse: { Preset: Attrs & { Name: string } } };
    expect(list.GetPresetsResponse.Preset).toMatchObject({ $: { token: '7' }, Name: 'Reservoir' });
    expect(JSON.parse(readFileSync(join(dir, 't01-ptz-presets.json'), 'utf8')).presets[0]).toMatchObject({ token: '7', name: 'Reservoir' });
    await ptz.removePreset({ ProfileToken, PresetToken: '7' });
    await expect(ptz.gotoPreset({ ProfileToken, PresetToken: '7' })).rejects.toThrow(/no preset with token 7/);
  });

  it('writes the pose line the simulated pictures show', async () => {
    dev.head.absoluteMove({ x: 35 / 180, y: -3.2 / 45, zoom: 11 / 31 });
    const file = join(dir, 't01-visible.pose.txt');
    const seen = new Set<string>();
    const until = Date.now() + 5000;
    while (Date.now() < until) {
      seen.add(readFileSync(file, 'utf8'));
      if (readFileSync(file, 'utf8').startsWith('PTZ P 35.00° T -3.20° Z 12x')) break;
      await sleep(50);
    }
    expect(readFileSync(file, 'utf8')).toBe('PTZ P 35.00° T -3.20° Z 12x  方位 东北 35.8°');
    expect(readFileSync(join(dir, 't01-thermal.pose.txt'), 'utf8')).toBe(readFileSync(file, 'utf8'));
    // Updated while moving, not only at the end.
    expect(seen.size).toBeGreaterThan(5);
  });

  it('honours the ContinuousMove Timeout, unless simulating a model that ignores it', async () => {
    const stubborn = await startOnvifDevice({ towerId: 't02', streams, credentials, model: { ignoreTimeout: true } });
    try {
      const [a, b] = await Promise.all([nodeOnvifClient(dev.url), nodeOnvifClient(stubborn.url)]);
      const ProfileToken = 'visible_main';
      await Promise.all([a, b].map((d) => d.services.ptz!.continuousMove({ ProfileToken, Velocity: { x: 0, y: 0, z: 0.1 }, Timeout: 1 })));
      await sleep(1300);
      expect(statusOf(await a.services.ptz!.getStatus({ ProfileToken }))).toMatchObject({ moving: 'IDLE' });
      expect(dev.head.pose().zoomMoving).toBe(false);
      expect(stubborn.head.pose().zoomMoving).toBe(true);
      await b.services.ptz!.stop({ ProfileToken, PanTilt: true, Zoom: true });
      expect(stubborn.head.pose().zoomMoving).toBe(false);
    } finally {
      await stubborn.close();
    }
  });

  it('refuses a wrong password with ter:NotAuthorized and HTTP 400', async () => {
    await expect(nodeOnvifClient(dev.url, 'wrong')).rejects.toThrow(/400 Bad Request - Sender not authorized: wrong user name or password/);
    expect(dev.requests.at(-1)).toMatchObject({ action: 'GetDeviceInformation', status: 400 });
  });

  it('authenticates node-onvif against a device clock 10 minutes off', async () => {
    dev.setClockOffset(10 * 60_000);
    try {
      const d = await nodeOnvifClient(dev.url);
      expect(Math.round(d.services.device.getTimeDiff() / 60_000)).toBe(10);
      await d.services.ptz!.getStatus({ ProfileToken: 'visible_main' });
      // Without compensation the same token is refused, with a message that says why.
      d.services.ptz!.time_diff = 0;
      await expect(d.services.ptz!.getStatus({ ProfileToken: 'visible_main' })).rejects.toThrow(/token created -600 s from the device clock/);
    } finally {
      dev.setClockOffset(0);
    }
  });
});

describe('simulated ONVIF device with the independent onvif client', () => {
  const call = <T>(fn: (cb: (err: Error | null, data?: T) => void) => void) =>
    new Promise<T>((resolve, reject) => fn((err, data) => (err ? reject(err) : resolve(data as T))));

  it('connects, lists presets, moves absolutely and reads the status back', async () => {
    dev.setClockOffset(-10 * 60_000);
    const cam = new Cam({ hostname: '127.0.0.1', port: dev.port, username: credentials.user, password: credentials.password, autoconnect: false });
    try {
      await call((cb) => cam.connect(cb));
      expect(cam.activeSources?.length).toBe(2);
      expect(cam.defaultProfile?.$?.token).toBe('visible_main');
      await call((cb) => cam.setPreset({ presetName: 'Dam' }, cb));
      const presets = await call<Record<string, { $: { token: string } }>>((cb) => cam.getPresets({}, cb));
      // This client reads numeric-looking tokens as numbers.
      expect(String(presets['Dam']?.$.token)).toBe('0');
      await call((cb) => cam.absoluteMove({ x: 0.25, y: 0.5, zoom: 0 }, cb));
      await sleep(2500);
      const st = await call<{ position: { x: number; y: number; zoom: number }; moveStatus: { panTilt: string } }>((cb) => cam.getStatus({}, cb));
      expect(st.position.x).toBeCloseTo(0.25, 4);
      expect(st.position.y).toBeCloseTo(0.5, 4);
      expect(st.moveStatus.panTilt).toBe('IDLE');
      const nodes = await call<Record<string, { maximumNumberOfPresets: number }>>((cb) => cam.getNodes(cb));
      expect(nodes['ptz_node']?.maximumNumberOfPresets).toBe(256);
      await call((cb) => cam.removePreset({ presetToken: '0' }, cb));
    } finally {
      dev.setClockOffset(0);
    }
  }, 15_000);
});

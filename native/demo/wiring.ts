import type { DemoDrill } from '../../common/demo';
import { bearing, latLon, tiltToTarget } from '../../common/geo';
import type { SiteConfig } from '../../common/site';
import type { LedState } from '../../common/wall';
import type { Handler } from '../host/registry';
import type { CallContext } from '../host/registry';
import type { WallController } from '../wall/controller';
import type { DemoDevices, DemoWall } from './domain';

/** The demonstration's hold on the wall: the controller itself, past the consoles' edit lock (a tour is the centre's, not one console's). */
export function demoWall(c: WallController, ledChanged: (led: LedState) => void): DemoWall {
  return {
    snapshot: () => {
      const s = c.state();
      return { windows: structuredClone(s.windows), scene: s.scene, led: { ...s.led } };
    },
    restore: (s) => {
      c.restoreWindows(s.windows, s.scene);
      ledChanged(c.setLed(s.led));
    },
    recallScene: (name) => void c.sceneRecall(name),
    setWindows: (windows) => void c.restoreWindows(windows, null),
    setLed: (text) => ledChanged(c.setLed({ text })),
  };
}

export interface DemoPtz {
  absolute: Handler<'ptz:absolute'>;
  gotoPreset: Handler<'ptz:gotoPreset'>;
  takeControl: Handler<'ptz:takeControl'>;
  releaseControl: Handler<'ptz:releaseControl'>;
}

const norm = (deg: number) => ((deg % 360) + 360) % 360;

/**
 * The heads under the demonstration's client id (operator priority: a person on duty or an alarm
 * takes a head from a tour, never the other way), and the drill through the simulated detectors.
 */
export function demoDevices(o: {
  site: SiteConfig;
  ptz: DemoPtz;
  ctx: CallContext;
  /** Latest true bearing, tilt and zoom per camera (from `ptz:pose`). */
  lastPose: (cameraId: string) => { bearing: number; tilt: number; zoom: number } | undefined;
  /** The simulated detectors' trigger; absent on a real site. */
  fire?: (towerId: string, opts: { kind: DemoDrill['kind']; camera: DemoDrill['camera']; drill: true }) => Promise<{ status: number }>;
  settleMs?: number;
}): DemoDevices {
  const cameras = o.site.towers.flatMap((t) => t.cameras.filter((c) => c.onvif).map((c) => ({ id: c.id, tower: t })));
  const towerOf = (cameraId: string) => cameras.find((c) => c.id === cameraId)?.tower;
  const pose = (cameraId: string) => {
    const p = o.lastPose(cameraId);
    const t = towerOf(cameraId);
    return p && t ? { pan: norm(p.bearing - t.northOffset), tilt: p.tilt, zoom: p.zoom } : null;
  };
  const aim: DemoDevices['aim'] = async (c) => {
    if (!towerOf(c.cameraId)) throw new Error(`camera ${c.cameraId} has no PTZ head`);
    await o.ptz.takeControl({ cameraId: c.cameraId, priority: 'operator' }, o.ctx);
    if (c.preset !== undefined) await o.ptz.gotoPreset({ cameraId: c.cameraId, preset: c.preset }, o.ctx);
    else await o.ptz.absolute({ cameraId: c.cameraId, pan: c.pan ?? 0, tilt: c.tilt ?? 0, ...(c.zoom !== undefined ? { zoom: c.zoom } : {}) }, o.ctx);
  };
  return {
    cameras: () => cameras.map((c) => c.id),
    pose,
    aim,
    release: async (cameraId, back) => {
      if (back) await o.ptz.absolute({ cameraId, pan: back.pan, tilt: back.tilt, zoom: back.zoom }, o.ctx);
      await o.ptz.releaseControl({ cameraId }, o.ctx);
    },
    drill: async (d) => {
      const fire = o.fire;
      if (!fire) throw new Error('a fire drill needs the simulated site (its detectors); on a real site show a recorded alert instead');
      const target = latLon(d.target.lat, d.target.lon);
      // Each head turns to the drill fire first, so the detectors report bearings that cross there.
      await Promise.all(
        d.towers.map(async (towerId) => {
          const t = o.site.towers.find((x) => x.id === towerId);
          const cam = t?.cameras.find((c) => c.kind === d.camera && c.onvif);
          if (!t || !cam) throw new Error(`tower ${towerId} has no ${d.camera} PTZ camera`);
          const from = latLon(t.lat, t.lon);
          const pan = norm(bearing(from, target) - t.northOffset);
          const tilt = Math.max(-45, Math.min(45, tiltToTarget(from, t.groundElevation + t.mastHeight, target, Math.max(0, t.groundElevation - 50))));
          await aim({ cameraId: cam.id, pan, tilt, zoom: 4 });
          const until = Date.now() + (o.settleMs ?? 15_000);
          while (Date.now() < until) {
            const p = pose(cam.id);
            if (p && Math.abs(((p.pan - pan + 540) % 360) - 180) < 0.5) break;
            await new Promise((r) => setTimeout(r, 250));
          }
          const r = await fire(towerId, { kind: d.kind, camera: d.camera, drill: true });
          if (r.status >= 300) throw new Error(`the detector of ${t.name} was refused (${r.status})`);
        }),
      );
    },
  };
}

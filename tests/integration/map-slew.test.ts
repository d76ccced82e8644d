import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SiteView } from '../../common/contract';
import { bearing, destination, latLon, tiltToTarget } from '../../common/geo';
import { angleDiff, normalizeBearing } from '../../common/ptz';
import { startHost, type RunningHost } from '../../native/host/start';
import { SIMULATED_TOWERS } from '../../native/site/simulated';
import { simulatedHeight } from '../../native/sim/terrain';
import { planSlew } from '../../renderer/map/map-data';
import { openContractSocket, type ContractSocket } from './contract-socket';

/**
 * The issue's slew-to-cue accuracy: "look here" on the simulated site turns the simulated camera to
 * within 0.2° of the true bearing to the target. Ground truth is the simulated head's own pan plus
 * the simulator's north offset for that tower, and the hills' height function for the tilt.
 */

let host: RunningHost;
let socket: ContractSocket;
let site: SiteView;

async function value<T>(name: string, args: unknown): Promise<T> {
  const r = await socket.call(name, args);
  if (r.t !== 'result' || !r.ok) throw new Error(`${name}: ${JSON.stringify(r)}`);
  return r.value as T;
}

beforeAll(async () => {
  host = await startHost({ port: 0, staticDir: null, dataDir: mkdtempSync(join(tmpdir(), 'map-slew-')), log: () => undefined });
  socket = await openContractSocket(host, { as: 'leader' });
  site = await value<SiteView>('site:get', {});
}, 120_000);
afterAll(async () => {
  socket.close();
  await host.close();
});

describe('slew-to-cue on the simulated site', () => {
  it('points the simulated camera within 0.2° of the true bearing, tilted to the ground there', async () => {
    // Targets around three towers, 1.5–9 km out, in different directions.
    const targets = [
      { tower: 't04', bearing: 135, dist: 3000 },
      { tower: 't01', bearing: 250, dist: 6500 },
      { tower: 't10', bearing: 20, dist: 9000 },
      { tower: 't13', bearing: 310, dist: 1500 },
    ];
    const results: string[] = [];
    for (const tg of targets) {
      const t = site.towers.find((x) => x.id === tg.tower)!;
      const at = destination(latLon(t.lat, t.lon), tg.bearing, tg.dist);
      const { heights } = await value<{ heights: (number | null)[] }>('map:elevation', { points: [{ lat: at.lat, lon: at.lon }] });
      expect(heights[0]).not.toBeNull();
      const plan = planSlew(site, at, 30_000, heights[0]!, t.id)!;
      expect(plan.tower.id).toBe(t.id);
      // Wait for the head's ONVIF session, then send what the map's "look here" sends.
      let ok = false;
      for (let i = 0; i < 50 && !ok; i++) {
        const r = await socket.call('ptz:absolute', { cameraId: plan.cameraId, pan: Math.round(plan.pan * 100) / 100, tilt: Math.round(plan.tilt * 100) / 100 });
        ok = r.t === 'result' && r.ok;
        if (!ok) await new Promise((res) => setTimeout(res, 200));
      }
      expect(ok).toBe(true);
      const head = host.simulator!.onvif.devices.get(t.id)!.head;
      // Until the head has arrived (30 °/s at most: a half turn is ~6 s).
      for (let i = 0; i < 120; i++) {
        const p = head.pose();
        if (!p.panTiltMoving && Math.abs(angleDiff(normalizeBearing(p.pan), plan.pan)) < 0.5) break;
        await new Promise((res) => setTimeout(res, 100));
      }
      const pose = head.pose();
      const north = SIMULATED_TOWERS.find((x) => x.id === t.id)!.northOffset;
      const trueBearing = bearing(latLon(t.lat, t.lon), at);
      const cameraBearing = normalizeBearing(pose.pan + north);
      const trueTilt = tiltToTarget(latLon(t.lat, t.lon), t.groundElevation + t.mastHeight, at, simulatedHeight(at.lat, at.lon));
      const eb = Math.abs(angleDiff(cameraBearing, trueBearing));
      const et = Math.abs(pose.tilt - trueTilt);
      results.push(`${t.name} → ${tg.dist} m at ${trueBearing.toFixed(2)}°: camera ${cameraBearing.toFixed(3)}° (error ${eb.toFixed(3)}°), tilt ${pose.tilt.toFixed(2)}° vs ${trueTilt.toFixed(2)}° (error ${et.toFixed(3)}°)`);
      expect(eb).toBeLessThan(0.2);
      expect(et).toBeLessThan(0.2);
    }
    console.log(`slew-to-cue on the simulated site:\n  ${results.join('\n  ')}`);
  }, 120_000);
});

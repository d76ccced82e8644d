import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodeOnvif from 'node-onvif';
import { afterAll, describe, expect, it } from 'vitest';
import { SIMULATED_TOWERS } from '../../site/simulated';
import { SIM_ONVIF_CREDENTIALS, startOnvifFleet } from './fleet';

const dir = mkdtempSync(join(tmpdir(), 'onvif-fleet-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('startOnvifFleet', () => {
  it('runs one device per tower that hands out the tower RTSP URLs and draws its pose files', async () => {
    const fleet = await startOnvifFleet({ towers: SIMULATED_TOWERS, rtspBase: (id) => `rtsp://127.0.0.1:9/${id === 't01' ? 'a' : 'b'}`, stateDir: dir });
    try {
      expect(fleet.devices.size).toBe(19);
      const url = fleet.urlOf('t01');
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/onvif\/device_service$/);
      const d = new nodeOnvif.OnvifDevice({ xaddr: url ?? '', user: SIM_ONVIF_CREDENTIALS.user, pass: SIM_ONVIF_CREDENTIALS.password });
      await d.init();
      expect(d.getProfileList().map((p) => p.stream.rtsp)).toEqual([
        'rtsp://127.0.0.1:9/a/t01/visible/main',
        'rtsp://127.0.0.1:9/a/t01/visible/sub',
        'rtsp://127.0.0.1:9/a/t01/thermal/main',
        'rtsp://127.0.0.1:9/a/t01/thermal/sub',
      ]);
      // t08 has north offset -2.0: pan 0 is a true bearing of 358°, 北.
      expect(readFileSync(join(dir, 't08-visible.pose.txt'), 'utf8')).toBe('PTZ P 0.00° T 0.00° Z 1.0x  方位 北 358.0°');
      expect(existsSync(join(dir, 't19-thermal.pose.txt'))).toBe(true);
      await fleet.setLink('t01', false);
      await expect(d.services.ptz!.getStatus({ ProfileToken: 'visible_main' })).rejects.toThrow(/Network Error/);
      await fleet.setLink('t01', true);
      await d.services.ptz!.getStatus({ ProfileToken: 'visible_main' });
    } finally {
      await fleet.close();
    }
  });
});

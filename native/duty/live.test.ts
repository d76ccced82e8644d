import { describe, expect, it } from 'vitest';
import type { PtzHeadInfo, StreamInfo, SyncStatus } from '../../common/contract';
import { buildSimulatedSite } from '../site/simulated';
import { liveStateFrom } from './live';

describe('daily check view of the live system', () => {
  const site = buildSimulatedSite({ rtspBase: 'rtsp://127.0.0.1:8554' });
  const sync: SyncStatus = { state: 'offline', lastSyncAt: null, pending: 3, rejected: 0, error: 'central service not reachable (ECONNREFUSED)', retryAt: 1, central: 'http://c' };
  const live = liveStateFrom({
    site,
    dataDir: '.',
    cameraStatus: () => [
      { cameraId: 't01-visible', online: true, checkedAt: 1, reason: null },
      { cameraId: 't01-thermal', online: false, checkedAt: 1, reason: 'no answer within 2500 ms' },
      { cameraId: 't02-visible', online: false, checkedAt: 1, reason: 'connection refused' },
      { cameraId: 't02-thermal', online: false, checkedAt: 1, reason: 'connection refused' },
    ],
    heads: async () => [{ headId: 't01', towerId: 't01', link: 'unreachable', message: 'no answer from the head' } as PtzHeadInfo],
    wall: () => undefined,
    streams: () => [{ key: 't02-visible/main', state: 'reconnecting' } as StreamInfo, { key: 't01-visible/sub', state: 'online' } as StreamInfo],
    sync: async () => sync,
  });

  it('reads each camera, each tower link and each PTZ head from what the host knows', async () => {
    const cams = live.cameras();
    expect(cams).toHaveLength(38);
    expect(cams.find((c) => c.cameraId === 't01-thermal')).toMatchObject({ towerName: '仙人山', online: false, reason: 'no answer within 2500 ms' });
    expect(cams.find((c) => c.cameraId === 't03-visible')!.online).toBeNull();
    const towers = live.towers();
    expect(towers.find((t) => t.towerId === 't01')).toMatchObject({ online: true, detail: '1/2 路设备可达' });
    expect(towers.find((t) => t.towerId === 't02')!.online).toBe(false);
    expect(towers.find((t) => t.towerId === 't03')!.online).toBeNull();
    expect(await live.heads()).toEqual([{ headId: 't01', towerName: '仙人山', online: false, detail: 'no answer from the head' }]);
  });

  it('reports the host, the disk, the stream gateway and the sync with the centre', async () => {
    const servers = Object.fromEntries((await live.servers()).map((s) => [s.key, s]));
    expect(servers.host!.ok).toBe(true);
    expect(servers.disk!.detail).toMatch(/剩余 [\d.]+ GB/);
    expect(servers.streams).toMatchObject({ ok: false, detail: '1/2 路流中断：t02-visible/main' });
    expect(servers.sync).toMatchObject({ ok: false, detail: 'central service not reachable (ECONNREFUSED)' });
  });
});

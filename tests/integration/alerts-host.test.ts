import { describe, expect, it } from 'vitest';
import type { Alert } from '../../common/alerts';
import { dataOf, type SyncRecord } from '../../common/duty';
import type { PtzControl, WallState } from '../../common/contract';
import { hostWithSocket } from './host-env';

/*
 * A fire alert through the whole host: the simulated detector grabs its camera's picture over RTSP
 * and posts the alarm over HTTP; the host stores it, pops it (event), sends the head to the alarm
 * pose with the alarm priority, gives the wall's alarm region to the camera; a confirmation reaches
 * the simulated receiver; a false alarm gives everything back.
 */

const env = hostWithSocket('alerts-host');

const call = <T = unknown>(name: string, args: unknown): Promise<T> => env.socket.value<T>(name, args);

describe('fire alerts through the host', () => {
  it('a detector alarm pops on the console, takes the wall alarm region and the head; confirmation reaches the receiver', async () => {
    await call('wall:alarmRegion', { rect: { x: 5760, y: 0, w: 3840, h: 2160 }, snap: true });
    const sim = env.host.simulator!;
    // The head looks down into the hills, so one ray meets the simulated terrain (single-tower fix).
    await call('ptz:absolute', { cameraId: 't01-visible', pan: 30, tilt: -4 });
    await expect.poll(async () => (await call<{ tilt: number; moving: boolean }>('ptz:status', { cameraId: 't01-visible' })).tilt, { timeout: 20_000 }).toBeLessThan(-3.9);
    await call('ptz:releaseControl', { cameraId: 't01-visible' });
    const t0 = Date.now();
    const r = await sim.detectors.fire('仙人山', { kind: 'fire' });
    expect(r.status).toBe(200);
    const id = (r.body as { alertId: string }).alertId;

    await expect.poll(() => env.socket.events.some((e) => e.name === 'alert:changed' && e.payload.id === id), { timeout: 15_000 }).toBe(true);
    const alert = (await call<{ alerts: Alert[] }>('alert:list', {})).alerts.find((a) => a.id === id)!;
    expect(alert).toMatchObject({ towerId: 't01', cameraId: 't01-visible', kind: 'fire', status: 'new' });
    // Where the ray meets the ground: a terrain fix with its uncertainty.
    await expect
      .poll(async () => (await call<{ alerts: Alert[] }>('alert:list', {})).alerts.find((a) => a.id === id)?.position?.method, { timeout: 15_000 })
      .toBe('terrain');
    // The snapshot is the camera's picture, served to the console.
    const jpeg = await fetch(`${env.host.url}/api/alerts/snapshots/${alert.snapshots[0]}?token=${env.host.token}`);
    expect(jpeg.headers.get('content-type')).toBe('image/jpeg');
    expect((await jpeg.arrayBuffer()).byteLength).toBeGreaterThan(2000);

    await expect.poll(async () => (await call<WallState>('wall:get', {})).alarm.active.map((h) => h.cameraId), { timeout: 15_000 }).toEqual(['t01-visible']);
    await expect
      .poll(async () => (await call<PtzControl[]>('ptz:controlList', {})).find((c) => c.cameraIds.includes('t01-visible'))?.holder?.priority, { timeout: 15_000 })
      .toBe('alarm');
    expect(Date.now() - t0).toBeLessThan(15_000);

    await call('alert:decide', { id, verdict: 'confirmed', note: '山火' });
    await expect.poll(() => sim.receiver.received.length, { timeout: 10_000 }).toBe(1);
    expect(sim.receiver.received[0]!.body).toMatchObject({ alertId: id, report: 0, tower: { id: 't01', name: '仙人山' } });
    await call('alert:close', { id, note: '已扑灭' });
    await expect.poll(async () => (await call<WallState>('wall:get', {})).alarm.active, { timeout: 15_000 }).toEqual([]);
    // The duty log has the alarm (with its picture), the decision and the closing.
    const texts = async () =>
      (await call<SyncRecord[]>('duty:search', { category: 'alarm', tower: '仙人山' })).map((r) => dataOf(r) as { text?: string; attachments?: unknown[] });
    await expect.poll(async () => (await texts()).length, { timeout: 15_000 }).toBe(3);
    const lines = await texts();
    expect(lines.map((l) => l.text)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^火点报警：仙人山 可见光，方位/), expect.stringMatching(/报警研判：确认火情/), expect.stringMatching(/警讯确认解除/)]),
    );
    expect(lines.find((l) => /^火点报警/.test(l.text ?? ''))?.attachments).toHaveLength(1);
    // The evidence clip: recorded until 30 s after the alarm, then attached to the alert and served.
    const withClip = async () => (await call<{ alerts: Alert[] }>('alert:list', {})).alerts.find((a) => a.id === id)?.clip;
    await expect.poll(withClip, { timeout: 60_000, interval: 2000 }).toBeTruthy();
    const clip = (await withClip())!;
    expect(clip.durationS).toBeGreaterThan(20);
    const mp4 = await fetch(`${env.host.url}/api/clips/${clip.name}?token=${env.host.token}`);
    expect(mp4.status).toBe(200);
    expect((await mp4.arrayBuffer()).byteLength).toBeGreaterThan(50_000);
  }, 120_000);

  it('refuses an alarm without the detector token', async () => {
    const r = await fetch(`${env.host.url}/api/alerts/ingest`, { method: 'POST', body: '{}' });
    expect(r.status).toBe(401);
    // The snapshots need the host token like every other route.
    expect((await fetch(`${env.host.url}/api/alerts/snapshots/x.jpg`)).status).toBe(401);
  });
});

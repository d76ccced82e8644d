import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type RunningHost } from '../../native/host/start';
import { openContractSocket, type ContractSocket } from './contract-socket';

let host: RunningHost;
let socket: ContractSocket;

beforeAll(async () => {
  host = await startHost({ port: 0, staticDir: null, dataDir: mkdtempSync(join(tmpdir(), 'ptz-host-')), log: () => undefined });
  socket = await openContractSocket(host, { as: 'leader' });
}, 60_000);
afterAll(async () => {
  socket.close();
  await host.close();
});

const call = (name: string, args: unknown) => socket.call(name, args);

describe('PTZ through the host and the simulated ONVIF heads', () => {
  it('lists the 19 heads, moves one, reports poses, stops', async () => {
    const heads = await call('ptz:heads', {});
    expect(heads).toMatchObject({ ok: true });
    if (heads.t === 'result' && heads.ok) expect((heads.value as unknown[]).length).toBe(19);

    // Right after start-up a head answers "connecting" until its ONVIF session is up.
    let before = await call('ptz:status', { cameraId: 't01-visible' });
    for (let i = 0; i < 50 && !(before.t === 'result' && before.ok); i++) {
      await new Promise((r) => setTimeout(r, 200));
      before = await call('ptz:status', { cameraId: 't01-visible' });
    }
    if (before.t !== 'result' || !before.ok) throw new Error(JSON.stringify(before));
    const pan0 = (before.value as { pan: number }).pan;

    expect(await call('ptz:move', { cameraId: 't01-visible', pan: 1, tilt: 0 })).toMatchObject({ ok: true });
    await new Promise((r) => setTimeout(r, 1500));
    expect(await call('ptz:stop', { cameraId: 't01-visible' })).toMatchObject({ ok: true });
    await new Promise((r) => setTimeout(r, 800));
    const after = await call('ptz:status', { cameraId: 't01-thermal' }); // same head
    if (after.t !== 'result' || !after.ok) throw new Error(JSON.stringify(after));
    const pan1 = (after.value as { pan: number }).pan;
    const moved = (pan1 - pan0 + 360) % 360;
    expect(moved).toBeGreaterThan(5);
    expect(socket.events.some((e) => e.name === 'ptz:pose' && e.payload.moving === true)).toBe(true);

    // Stopped: the pose no longer changes.
    await new Promise((r) => setTimeout(r, 500));
    const still = await call('ptz:status', { cameraId: 't01-visible' });
    if (still.t === 'result' && still.ok) expect((still.value as { pan: number }).pan).toBeCloseTo(pan1, 1);
  }, 30_000);

  it('refuses out-of-range presets and tilts with the path', async () => {
    const r = await call('ptz:gotoPreset', { cameraId: 't02-visible', preset: 300 });
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid_args' } });
    const a = await call('ptz:absolute', { cameraId: 't02-visible', pan: 10, tilt: 60, zoom: 1 });
    expect(a).toMatchObject({ ok: false, error: { code: 'invalid_args' } });
  });
});

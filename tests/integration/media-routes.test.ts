import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ServerMessage } from '../../common/contract';
import { startHost, type RunningHost } from '../../native/host/start';
import { openContractSocket } from './contract-socket';

let host: RunningHost;
const dataDir = mkdtempSync(join(tmpdir(), 'media-routes-'));

beforeAll(async () => {
  host = await startHost({ port: 0, staticDir: null, dataDir, streamLingerMs: 2000, log: () => undefined });
}, 60_000);
afterAll(() => host.close());

async function call(name: string, args: unknown): Promise<ServerMessage> {
  const socket = await openContractSocket(host, { as: 'operator' });
  try {
    return await socket.call(name, args);
  } finally {
    socket.close();
  }
}

describe('media routes of the host (real simulator)', () => {
  it('serves a JPEG snapshot of a camera nobody watches, and refuses without token', async () => {
    expect((await fetch(`${host.url}/api/snapshot/t02-visible.jpg`)).status).toBe(401);
    const r = await fetch(`${host.url}/api/snapshot/t02-visible.jpg?profile=sub&token=${host.token}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('image/jpeg');
    const jpg = Buffer.from(await r.arrayBuffer());
    expect(jpg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    const file = join(dataDir, 'snap.jpg');
    writeFileSync(file, jpg);
    const probe = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', file], { encoding: 'utf8' });
    expect(probe.stdout.trim()).toBe('640,360');
    expect((await fetch(`${host.url}/api/snapshot/nope.jpg?token=${host.token}`)).status).toBe(404);
  }, 30_000);

  it('routes the pass-through HEVC path to the gateway, which has it only for H.265 cameras', async () => {
    const r = await fetch(`${host.url}/media/t02-visible/main.hevc.flv?token=${host.token}`);
    expect(r.status).toBe(404);
    expect(await r.text()).toMatch(/unknown stream t02-visible\/main\.hevc/);
    expect(await (await fetch(`${host.url}/media/t02-visible/main.h266.flv?token=${host.token}`)).text()).toMatch(/no such endpoint/);
  });

  it('serves HLS on request', async () => {
    const r = await fetch(`${host.url}/media/t03-thermal/sub/hls/index.m3u8?token=${host.token}`);
    expect(r.status).toBe(200);
    const text = await r.text();
    expect(text).toContain('#EXTM3U');
    const seg = text.split('\n').find((l) => l && !l.startsWith('#'));
    expect(seg).toBeTruthy();
    const s = await fetch(`${host.url}/media/t03-thermal/sub/hls/${seg}`);
    expect(s.status).toBe(200);
    expect(Buffer.from(await s.arrayBuffer()).length).toBeGreaterThan(1000);
  }, 30_000);

  it('exports a pre-alarm clip into the clip folder and serves it', async () => {
    const viewer = new WebSocket(`${host.url.replace('http', 'ws')}/media/t04-visible/sub.flv?token=${host.token}`);
    // Ask only once the pre-alarm buffer really holds the window (a loaded machine starts streams slowly).
    const buffered = () => host.streams().find((s) => s.key === 't04-visible/sub')?.stats.clipBufferMs ?? 0;
    await expect.poll(buffered, { timeout: 30_000, interval: 250 }).toBeGreaterThan(3500);
    const res = await call('stream:exportClip', { cameraId: 't04-visible', profile: 'sub', at: Date.now() - 1000, beforeS: 2, afterS: 2 });
    viewer.close();
    if (res.t !== 'result' || !res.ok) throw new Error(`clip export failed: ${JSON.stringify(res)}`);
    const clip = res.value as { name: string; durationS: number };
    expect(clip.durationS).toBeGreaterThan(2.5);
    const r = await fetch(`${host.url}/api/clips/${clip.name}?token=${host.token}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('video/mp4');
    expect((await fetch(`${host.url}/api/clips/..%2F..%2Fetc%2Fpasswd?token=${host.token}`)).status).toBe(404);
    const stale = await call('stream:exportClip', { cameraId: 't05-visible', at: Date.now(), beforeS: 1, afterS: 1 });
    expect(stale).toMatchObject({ ok: false, error: { code: 'conflict' } });
  }, 60_000);
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { destination, inverse, latLon } from '../../common/geo';
import { validateSite, type SiteConfig } from '../../common/site';
import { HostFailure } from '../../common/contract/errors';
import { systemContext } from '../host/registry';
import { buildSimulatedSite } from '../site/simulated';
import { createAlertsDomain, type AlertReport, type AlertsDomain } from './domain';

/** A minimal JPEG: SOI … EOI with filler (the host checks the markers, not the picture). */
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(200, 7), Buffer.from([0xff, 0xd9])]);
const token = (towerId: string) => `token-of-${towerId}-0123456789`;

let dir: string;
let site: SiteConfig;
let now = Date.parse('2026-03-10T10:00:00+08:00');
const sent: { to: string; report: AlertReport }[] = [];
let failSends = 0;
let domain: AlertsDomain;
let server: Server;
let url: string;
const events: string[] = [];
const raised: string[] = [];
const ended: string[] = [];

function start(): AlertsDomain {
  return createAlertsDomain({
    site,
    bus: { emit: (_n, a) => void events.push(`${a.id}:${a.status}:${a.count}`) },
    log: () => undefined,
    dir,
    now: () => now,
    tickMs: 0,
    retryDelaysMs: [5, 5],
    send: async (r, report) => {
      if (failSends > 0) {
        failSends--;
        throw new Error('gateway busy (503)');
      }
      sent.push({ to: r.name, report });
    },
    hooks: { raised: (a) => void raised.push(a.id), ended: (a) => void ended.push(a.id), snapshot: async () => JPEG, pose: () => ({ bearing: 45, tilt: -2, zoom: 8 }) },
  });
}

async function post(body: unknown, opts: { token?: string; raw?: string } = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(opts.token !== '' ? { authorization: `Bearer ${opts.token ?? token('t01')}` } : {}) },
    body: opts.raw ?? JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const alarm = (o: Partial<Record<string, unknown>> = {}) => ({
  detectorId: 't01-fd',
  cameraId: 't01-visible',
  kind: 'smoke',
  confidence: 0.8,
  at: now,
  pose: { pan: 100, tilt: -1, zoom: 10 },
  boxes: [{ x: 0.4, y: 0.3, w: 0.1, h: 0.1 }],
  snapshot: JPEG.toString('base64'),
  ...o,
});

const ctx = systemContext('op');
const linesInLog = () => readFileSync(join(dir, 'alerts.jsonl'), 'utf8').trim().split('\n').length;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'alerts-'));
  const checked = validateSite({
    ...buildSimulatedSite({ rtspBase: 'rtsp://127.0.0.1:1', alerts: { detectorToken: token, recipients: [{ name: 'city', url: 'http://127.0.0.1:1/r', receives: ['reports'] }, { name: 'leader', url: 'http://127.0.0.1:1/l', receives: ['escalations'] }] } }),
  });
  if (!checked.ok) throw new Error(JSON.stringify(checked.issues));
  site = checked.site;
  domain = start();
  server = createServer((req, res) => domain.ingest(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/alerts/ingest`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await domain.close();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  sent.length = 0;
});

describe('fire alerts', () => {
  it('stores an alarm as an alert before answering, with the true bearing, and raises it once', async () => {
    const r = await post(alarm());
    expect(r).toMatchObject({ status: 200, body: { merged: false, count: 1 } });
    const a = (await domain.handlers['alert:list']({ limit: 10 }, ctx)).alerts[0]!;
    const t01 = site.towers[0]!;
    expect(a).toMatchObject({ id: r.body.alertId, towerId: 't01', status: 'new', count: 1, tilt: -1, zoom: 10 });
    expect(a.bearing).toBeCloseTo((100 + t01.northOffset + 360) % 360, 6);
    expect(readFileSync(domain.snapshotPath(a.snapshots[0]!)!)).toEqual(JPEG);
    expect(raised).toEqual([a.id]);
    expect(linesInLog()).toBe(1);
  });

  it('merges repeated alarms of the same camera and direction, and keeps other directions apart', async () => {
    now += 30_000;
    const again = await post(alarm({ at: now, pose: { pan: 101.5, tilt: -1, zoom: 10 }, kind: 'fire' }));
    expect(again.body).toMatchObject({ merged: true, count: 2 });
    const other = await post(alarm({ at: now, pose: { pan: 160, tilt: -1, zoom: 10 } }));
    expect(other.body).toMatchObject({ merged: false });
    const list = (await domain.handlers['alert:list']({ limit: 10 }, ctx)).alerts;
    expect(list).toHaveLength(2);
    // Fire before smoke in the queue.
    expect(list[0]).toMatchObject({ id: again.body.alertId, kind: 'fire', count: 2 });
    expect(raised).toHaveLength(2);
    await domain.handlers['alert:decide']({ id: String(other.body.alertId), verdict: 'false_alarm', reason: 'cloud', note: '' }, ctx);
    expect(ended).toEqual([other.body.alertId]);
  });

  it('links one fire seen from two towers and triangulates it', async () => {
    const towerA = site.towers.find((t) => t.id === 't03')!;
    const towerB = site.towers.find((t) => t.id === 't17')!;
    const a = latLon(towerA.lat, towerA.lon);
    const b = latLon(towerB.lat, towerB.lon);
    const fire = destination(a, inverse(a, b).bearing + 40, 3000);
    const bearingFrom = (t: typeof towerA) => inverse(latLon(t.lat, t.lon), fire).bearing;
    now += 1000;
    await post({ ...alarm({ detectorId: 't03-fd', cameraId: 't03-visible', at: now, pose: { pan: bearingFrom(towerA) - towerA.northOffset, tilt: -1, zoom: 10 } }) }, { token: token('t03') });
    const r = await post({ ...alarm({ detectorId: 't17-fd', cameraId: 't17-thermal', at: now, pose: { pan: bearingFrom(towerB) - towerB.northOffset, tilt: -1, zoom: 10 } }) }, { token: token('t17') });
    const list = (await domain.handlers['alert:list']({ limit: 10 }, ctx)).alerts;
    const second = list.find((x) => x.id === r.body.alertId)!;
    const first = list.find((x) => x.towerId === 't03')!;
    expect(second.linked).toEqual([first.id]);
    expect(first.linked).toEqual([second.id]);
    expect(second.position?.method).toBe('triangulated');
    expect(inverse(latLon(second.position!.lat, second.position!.lon), fire).distance).toBeLessThan(5);
    expect(first.position).toEqual(second.position);
  });

  it('refuses bad alarms with the reason and stores nothing of them', async () => {
    const before = linesInLog();
    expect((await post(alarm(), { token: 'wrong-token-0123456789' })).status).toBe(401);
    expect((await post(alarm(), { token: '' })).status).toBe(401);
    expect(await post(null, { raw: '{"detectorId": ' })).toMatchObject({ status: 400, body: { error: expect.stringMatching(/not JSON/) } });
    expect((await post(alarm({ snapshot: Buffer.alloc(300, 1).toString('base64') }))).body.error).toMatch(/not a whole JPEG/);
    expect((await post(alarm({ cameraId: 't05-visible' }))).body.error).toMatch(/not on tower t01/);
    expect((await post(alarm({ detectorId: 't02-fd' }))).status).toBe(403);
    const bad = await post(alarm({ confidence: 3, boxes: [{ x: 0.9, y: 0, w: 0.5, h: 0.1 }] }));
    expect(bad.status).toBe(400);
    expect(bad.body.reasons).toEqual(expect.arrayContaining([expect.stringMatching(/^confidence/), expect.stringMatching(/^boxes\.0/)]));
    const big = await post(null, { raw: `{"snapshot":"${'A'.repeat(20 * 1024 * 1024)}"}` }).catch(() => ({ status: 413, body: {} }));
    expect(big.status).toBe(413);
    expect(linesInLog()).toBe(before);
  });

  it('confirmed: reports to the recipients at once and every 5 minutes for 20, retrying failed sends; then a person closes it', async () => {
    const open = (await domain.handlers['alert:list']({ limit: 10 }, ctx)).alerts.find((a) => a.towerId === 't01' && a.status === 'new')!;
    await expect(domain.handlers['alert:decide']({ id: open.id, verdict: 'false_alarm', note: '' }, ctx)).rejects.toThrow(/needs a reason/);
    failSends = 1;
    const confirmed = await domain.handlers['alert:decide']({ id: open.id, verdict: 'confirmed', note: '山火' }, ctx);
    expect(confirmed.observation?.until).toBe(now + 20 * 60_000);
    await expect(domain.handlers['alert:decide']({ id: open.id, verdict: 'false_alarm', reason: 'fog', note: '' }, ctx)).rejects.toBeInstanceOf(HostFailure);
    // The first send failed; the retry went through.
    await new Promise((r) => setTimeout(r, 50));
    expect(sent.filter((s) => s.to === 'city').map((s) => s.report.report)).toEqual([0]);
    expect(sent[0]!.report.text).toMatch(/^【烟火预警】仙人山发现火点/);
    const n = (await domain.handlers['alert:list']({ limit: 10 }, ctx)).alerts.find((a) => a.id === open.id)!.notifications;
    expect(n).toEqual([expect.objectContaining({ report: 0, recipient: 'city', state: 'sent', attempts: 2, lastError: null })]);

    for (let minute = 1; minute <= 25; minute++) {
      now += 60_000;
      await domain.tick();
    }
    await new Promise((r) => setTimeout(r, 20));
    const a = (await domain.handlers['alert:list']({ limit: 10 }, ctx)).alerts.find((x) => x.id === open.id)!;
    expect(a.observation!.followUps.map((f) => f.seq)).toEqual([1, 2, 3, 4]);
    expect(a.observation!.followUps.map((f) => f.at - a.observation!.startedAt)).toEqual([5, 10, 15, 20].map((m) => m * 60_000));
    expect(a.observation!.followUps[0]).toMatchObject({ pose: { bearing: 45, tilt: -2, zoom: 8 } });
    expect(sent.filter((s) => s.to === 'city').map((s) => s.report.report)).toEqual([0, 1, 2, 3, 4]);
    expect(sent.filter((s) => s.to === 'city')[2]!.report.text).toMatch(/^【第2次跟踪报告】/);
    await domain.handlers['alert:remark']({ id: open.id, text: '火势减弱' }, ctx);
    const closed = await domain.handlers['alert:close']({ id: open.id, note: '已扑灭' }, ctx);
    expect(closed.status).toBe('closed');
    expect(closed.observation!.followUps.at(-1)!.remark).toBe('火势减弱');
    expect(ended).toContain(open.id);
  });

  it('takes the position an operator located on the map, and keeps it against later automatic fixes', async () => {
    now += 1000;
    const r = await post(alarm({ at: now, pose: { pan: 200, tilt: 0, zoom: 5 } }));
    const id = r.body.alertId as string;
    const located = await domain.handlers['alert:locate']({ id, lat: 31.2, lon: 119.3, method: 'triangulated', uncertaintyM: 150.4 }, ctx);
    expect(located.position).toEqual({ lat: 31.2, lon: 119.3, method: 'triangulated', uncertaintyM: 150, by: 'host', at: now });
    await expect(domain.handlers['alert:locate']({ id: 'nope', lat: 0, lon: 0, method: 'terrain', uncertaintyM: 1 }, ctx)).rejects.toThrow(/no alert nope/);
  });

  it('escalates an alert nobody acknowledged', async () => {
    now += 1000;
    const r = await post(alarm({ at: now, pose: { pan: 300, tilt: 0, zoom: 5 } }));
    now += 61_000;
    await domain.tick();
    const a = (await domain.handlers['alert:list']({ limit: 20 }, ctx)).alerts.find((x) => x.id === r.body.alertId)!;
    expect(a.escalatedAt).toBe(now);
    // The notice goes to the shift leader's phone only, once.
    await new Promise((r) => setTimeout(r, 20));
    const notices = sent.filter((s) => s.report.alertId === a.id);
    expect(notices.map((s) => [s.to, s.report.report])).toEqual([['leader', -1]]);
    expect(notices[0]!.report.text).toMatch(/^【报警超时未处理】.*请值班长立即处理/);
    await domain.tick();
    expect(sent.filter((s) => s.report.alertId === a.id)).toHaveLength(1);
    const again = (await domain.handlers['alert:list']({ limit: 20 }, ctx)).alerts.find((x) => x.id === a.id)!;
    expect(again.notifications).toEqual([expect.objectContaining({ report: -1, recipient: 'leader', state: 'sent' })]);
  });

  it('keeps a drill (演练) apart from a real alarm at the same bearing, and says 演练 first in its notices', async () => {
    now += 1000;
    const real = await post(alarm({ at: now, pose: { pan: 330, tilt: 0, zoom: 5 } }));
    const drill = await post(alarm({ at: now, pose: { pan: 330, tilt: 0, zoom: 5 }, drill: true }));
    expect(drill.body.alertId).not.toBe(real.body.alertId);
    const list = (await domain.handlers['alert:list']({ limit: 50 }, ctx)).alerts;
    expect(list.find((a) => a.id === drill.body.alertId)?.drill).toBe(true);
    expect(list.find((a) => a.id === real.body.alertId)?.drill).toBeUndefined();
    now += 61_000;
    await domain.tick();
    await new Promise((r) => setTimeout(r, 20));
    expect(sent.find((x) => x.report.alertId === drill.body.alertId)!.report.text).toMatch(/^【演练】【报警超时未处理】/);
    expect(sent.find((x) => x.report.alertId === real.body.alertId)!.report.text).toMatch(/^【报警超时未处理】/);
  });

  it('resumes open alerts and their observation after a restart, from the alarm log alone', async () => {
    const open = (await domain.handlers['alert:list']({ limit: 20 }, ctx)).alerts.filter((a) => a.status === 'new' || a.status === 'confirmed');
    const t03 = open.find((a) => a.towerId === 't03')!;
    await domain.handlers['alert:decide']({ id: t03.id, verdict: 'confirmed', note: '' }, ctx);
    await domain.close();
    domain = start();
    const again = (await domain.handlers['alert:list']({ limit: 20 }, ctx)).alerts;
    expect(again.filter((a) => a.status === 'new' || a.status === 'confirmed').map((a) => a.id).sort()).toEqual(open.map((a) => a.id).sort());
    now += 5 * 60_000;
    await domain.tick();
    expect((await domain.handlers['alert:list']({ limit: 20 }, ctx)).alerts.find((a) => a.id === t03.id)!.observation!.followUps).toHaveLength(1);
    const stats = await domain.handlers['alert:stats']({ days: 30 }, ctx);
    expect(stats.total).toBe(again.length);
    expect(stats.falseAlarmReasons).toEqual({ cloud: 1 });
    expect(stats.byTower.find((t) => t.towerId === 't01')).toMatchObject({ confirmed: 1, falseAlarms: 1 });
  });
});

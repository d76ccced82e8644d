import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceHealth, Ticket } from '../../common/contract';
import { DEFAULT_HEALTH_CONFIG, zonedMs } from '../../common/health';
import { buildSimulatedSite } from '../site/simulated';
import { HealthMonitor } from './monitor';
import { HealthStore } from './store';
import { TicketBook } from './tickets';

const TZ = 'Asia/Shanghai';
const MIN = 60_000;
const site = buildSimulatedSite({ rtspBase: 'rtsp://127.0.0.1:1', onvif: { url: () => 'http://127.0.0.1:1/onvif/device_service', credentials: { id: 'c', user: 'u', password: 'p' } } });
let store: HealthStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

async function setup(start: number) {
  let now = start;
  store = await HealthStore.open(join(mkdtempSync(join(tmpdir(), 'tickets-')), 'h.sqlite'));
  const lines: string[] = [];
  const emitted: Ticket[] = [];
  const book = await TicketBook.load({ store, config: DEFAULT_HEALTH_CONFIG, timeZone: TZ, now: () => now, emit: (t) => emitted.push(t), dutyLine: (text) => lines.push(text), towerName: (id) => id ?? '' });
  const changes: { device: string; state: string }[] = [];
  const monitor = new HealthMonitor({ site, probes: [], now: () => now, onChange: () => undefined, record: (c) => changes.push(...c) });
  return { book, monitor, lines, emitted, changes, advance: (ms: number) => (now += ms), now: () => now };
}

describe('state and tickets', () => {
  it('infers switch and power from the tower, records only changes', async () => {
    const s = await setup(zonedMs(2026, 11, 23, 10, 0, TZ));
    s.monitor.observe([{ id: 'cam:t01-visible', state: 'up', detail: '' }, { id: 'link:t01', state: 'up', detail: '', latencyMs: 3, lossPct: 0 }]);
    expect(s.monitor.get('switch:t01')?.state).toBe('up');
    s.monitor.observe([{ id: 'cam:t01-visible', state: 'up', detail: 'again' }]);
    expect(s.changes.filter((c) => c.device === 'cam:t01-visible')).toHaveLength(1);
    s.monitor.observe([{ id: 'link:t01', state: 'down', detail: '' }, { id: 'cam:t01-visible', state: 'down', detail: '' }]);
    expect(s.monitor.get('power:t01')?.state).toBe('down');
    expect(s.monitor.linkSamples().t01?.map((x) => x.latencyMs)).toEqual([3, null]);
    expect(s.monitor.cameraStatus().find((c) => c.cameraId === 't01-visible')?.online).toBe(false);
  });

  it('opens one ticket per fault after the threshold, none for devices behind a dead link, and escalates to overdue', async () => {
    const s = await setup(zonedMs(2026, 11, 23, 10, 0, TZ));
    const dev = (id: string, state: DeviceHealth['state'], kind: DeviceHealth['kind'], towerId: string | null, since: number): DeviceHealth => ({ id, kind, towerId, name: id, state, since, checkedAt: since, detail: 'x' });
    const t0 = s.now();
    const devices = [dev('link:t02', 'down', 'link', 't02', t0), dev('cam:t02-visible', 'down', 'camera', 't02', t0), dev('switch:t02', 'down', 'switch', 't02', t0), dev('link:t03', 'degraded', 'link', 't03', t0), dev('link:t04', 'up', 'link', 't04', t0)];
    s.advance(4 * MIN);
    expect(await s.book.review(devices)).toEqual([]);
    s.advance(2 * MIN);
    const opened = await s.book.review(devices);
    expect(opened.map((t) => [t.deviceId, t.level])).toEqual([
      ['link:t02', 2],
      ['link:t03', 3],
    ]);
    expect(await s.book.review(devices)).toEqual([]);
    // Level 3: respond within 2 h. Level 2: 1 h — the link ticket escalates to 1 first, then overdue.
    s.advance(61 * MIN);
    const esc = await s.book.review(devices);
    expect(esc.map((t) => [t.deviceId, t.level])).toEqual([['link:t02', 1]]);
    s.advance(61 * MIN);
    const next = await s.book.review(devices);
    expect(next.map((t) => [t.deviceId, t.level, t.overdue])).toEqual([
      ['link:t02', 1, true],
      ['link:t03', 2, false],
    ]);
    expect(s.lines.some((l) => /已超出一级响应时限/.test(l))).toBe(true);
    const closed = await s.book.close(opened[0]!.id, { kind: '链路', cause: '断纤', method: '熔接', loss: '' }, '值班长');
    expect(closed).toMatchObject({ status: 'closed', closedBy: '值班长' });
    await expect(s.book.close(opened[0]!.id, { kind: 'a', cause: 'b', method: 'c', loss: '' }, 'x')).rejects.toThrow(/already closed/);
    expect((await s.book.list('open')).map((t) => t.deviceId)).toEqual(['link:t03']);
    expect(s.lines.at(-1)).toMatch(/关闭.*损失：无/);
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AvailabilityReport, DeviceHealth, Ticket } from '../../common/contract';
import { dataOf, type SyncRecord } from '../../common/duty';
import { zonedMs } from '../../common/health';
import { startHost, type RunningHost } from '../../native/host/start';
import { openContractSocket, type ContractSocket } from './contract-socket';

/*
 * Operations and maintenance through the whole host on the simulated site, with the health clock in
 * the test's hand: a dead camera and a cut link are seen by the probes (the camera tree's state
 * follows), each gets a level-2 ticket after the site's 2-minute threshold, availability drops by
 * exactly the outage, the unanswered ticket escalates when its response deadline passes, and the
 * daily check fills in with the outage. Every ticket step is a fault line in the duty log.
 */

const MIN = 60_000;
// Monday 09:00 in the site's time zone: inside working hours, far from midnight.
let clock = zonedMs(2026, 11, 23, 9, 0, 'Asia/Shanghai');
let host: RunningHost;
let socket: ContractSocket;
const call = <T = unknown>(name: string, args: unknown): Promise<T> => socket.value<T>(name, args);
// The machine running the test may be busy (host CPU degraded gets its own level-3 ticket): only the site's devices count here.
// A slow machine may also make some other tower's link degraded for a while: only the two towers at fault count.
const siteTickets = async (status: 'open' | 'all') =>
  (await call<Ticket[]>('health:tickets', { status })).filter((t) => !t.deviceId?.startsWith('host:') && (t.towerId === 't01' || t.towerId === 't02'));
const state = async (id: string) => (await call<{ devices: DeviceHealth[] }>('health:state', {})).devices.find((d) => d.id === id)?.state;

beforeAll(async () => {
  host = await startHost({ port: 0, staticDir: null, dataDir: mkdtempSync(join(tmpdir(), 'health-host-')), log: () => undefined, health: { now: () => clock, reviewEveryMs: 300 } });
  socket = await openContractSocket(host, { as: 'leader' });
}, 60_000);
afterAll(async () => {
  socket?.close();
  await host?.close();
});

describe('health through the host', () => {
  it('a dead camera and a cut link: states, level-2 tickets, availability, escalation, daily check', async () => {
    const sim = host.simulator!;
    for (const id of ['cam:t01-visible', 'link:t01', 'link:t02', 'ptz:t01', 'cam:t01-thermal'])
      await expect.poll(() => state(id), { timeout: 20_000, interval: 250 }).toBe('up');
    // An hour of service, then the faults.
    clock += 57 * MIN;
    const dropAt = clock;
    sim.setCamera('t01-visible', false);
    await sim.setTowerLink('t02', false);
    await expect.poll(() => state('cam:t01-visible'), { timeout: 15_000, interval: 200 }).toBe('down');
    await expect.poll(() => state('link:t02'), { timeout: 15_000, interval: 200 }).toBe('down');
    await expect.poll(() => state('cam:t01-thermal'), { timeout: 10_000, interval: 250 }).toBe('up');
    // The event carried the change; the camera tree and map hear the same state as camera:status.
    expect(socket.events.some((e) => e.name === 'health:changed' && (e.payload.devices as DeviceHealth[]).some((d) => d.id === 'cam:t01-visible' && d.state === 'down'))).toBe(true);
    expect(socket.events.some((e) => e.name === 'camera:status' && e.payload.cameraId === 't01-visible' && e.payload.online === false)).toBe(true);

    // Below the threshold nothing opens; past it, one level-2 ticket each (t02's cameras are covered by its link's).
    clock += 1 * MIN;
    await new Promise((r) => setTimeout(r, 800));
    expect(await siteTickets('open')).toEqual([]);
    clock += 2 * MIN;
    await expect.poll(async () => (await siteTickets('open')).length, { timeout: 10_000 }).toBe(2);
    const open = await siteTickets('open');
    const camTicket = open.find((t) => t.deviceId === 'cam:t01-visible')!;
    const linkTicket = open.find((t) => t.deviceId === 'link:t02')!;
    expect(camTicket).toMatchObject({ level: 2, origin: 'auto', towerId: 't01' });
    expect(linkTicket).toMatchObject({ level: 2, towerId: 't02' });
    expect(camTicket.respondBy).toBe(clock + 60 * MIN);
    expect(camTicket.repairBy).toBe(clock + 6 * 60 * MIN); // opened 10:00 Monday: 6 working hours end at 16:00
    // Availability of the day so far: 60 minutes observed, 3 of them down.
    const av = await call<AvailabilityReport>('health:availability', { period: 'day' });
    const cam = av.devices.find((d) => d.id === 'cam:t01-visible')!;
    expect(cam.downMs).toBe(clock - dropAt);
    expect(cam.pct).toBeCloseTo((100 * 57) / 60, 6);
    const t01 = av.towers.find((t) => t.id === 't01')!;
    expect(t01.pct).toBeCloseTo(100 * (1 - 3 / (60 * 7)), 6); // seven devices on the board of 仙人山
    expect(av.targetPct).toBe(99);

    // Someone answers the link ticket; nobody answers the camera's: past the hour it goes to level 1.
    await call('health:ticketRespond', { id: linkTicket.id });
    await call('health:ticketAssign', { id: linkTicket.id, assignee: '线路维护 王工' });
    clock += 61 * MIN;
    await expect.poll(async () => (await call<Ticket[]>('health:tickets', { status: 'open' })).find((t) => t.id === camTicket.id)?.level, { timeout: 10_000 }).toBe(1);
    const after = await call<Ticket[]>('health:tickets', { status: 'open' });
    expect(after.find((t) => t.id === camTicket.id)!.escalations).toEqual([{ at: clock, from: 2, to: 1, missed: 'respond' }]);
    expect(after.find((t) => t.id === linkTicket.id)!.level).toBe(2);

    // Closing needs the report; it is written to the duty log with the opening and the escalation.
    await call('health:ticketClose', { id: linkTicket.id, kind: '链路中断', cause: '光缆被施工挖断', method: '重新熔接', loss: '社渚镇画面中断约 2 小时' });
    const lines = async () => (await call<SyncRecord[]>('duty:search', { category: 'fault' })).map((r) => String(dataOf(r).text));
    await expect.poll(async () => (await lines()).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(4);
    const text = (await lines()).join('\n');
    expect(text).toMatch(new RegExp(`故障工单 ${camTicket.id} 开立（二级`));
    expect(text).toMatch(new RegExp(`故障工单 ${camTicket.id} 未在响应时限内完成，由二级（主要）升为一级`));
    expect(text).toMatch(/关闭.*原因：光缆被施工挖断；方法：重新熔接/);

    // The daily check is filled from the same live state.
    const check = dataOf(await call<SyncRecord>('duty:check', {})) as Record<string, { auto?: string; detail?: string }>;
    expect(check['line:picture.t01-visible']?.auto).toBe('fault');
    expect(check['line:network.t02']).toMatchObject({ auto: 'fault' });
    expect(check['line:network.t02']?.detail).toMatch(/链路中断/);
    expect(check['line:network.t01']?.detail).toMatch(/UDP 20000 字节/);

    // History, the period report (CSV with the ticket and its report; a PDF) and the asset register.
    const hist = await call<{ at: number; state: string }[]>('health:history', { deviceId: 'cam:t01-visible', from: dropAt - 60 * MIN, to: clock });
    expect(hist.map((h) => h.state)).toEqual(['up', 'down']);
    const csv = await call<{ name: string; dataBase64: string }>('health:report', { period: 'week', date: '2026-11-23', format: 'csv' });
    expect(Buffer.from(csv.dataBase64, 'base64').toString('utf8')).toMatch(/ticket,GZ.*光缆被施工挖断/);
    const pdf = await call<{ mime: string; dataBase64: string }>('health:report', { period: 'month', date: '2026-11-23', format: 'pdf' });
    expect(Buffer.from(pdf.dataBase64, 'base64').subarray(0, 8).toString('latin1')).toBe('%PDF-1.4');
    const imported = await call<{ imported: number; errors: { line: number; reason: string }[] }>('health:assetImport', { csv: 'deviceId,model,installDate\nptz:t01,YT-50,2024-04-01\nptz:t99,YT-50,\n' });
    expect(imported.imported).toBe(1);
    expect(imported.errors).toEqual([{ line: 3, reason: expect.stringMatching(/ptz:t99/) }]);
    expect((await call<{ csv: string }>('health:assetExport', {})).csv).toMatch(/ptz:t01,,,YT-50/);

    // A wall decoder powered off is seen through the wall controller's polls.
    await sim.setDecoder('d03', false);
    await expect.poll(() => state('decoder:d03'), { timeout: 15_000, interval: 250 }).toBe('down');
  }, 90_000);
});

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HostFailure } from '../../common/contract/errors';
import { dataOf, type CheckLine } from '../../common/duty';
import type { CallContext } from '../host/registry';
import { createDutyDomain, type LiveState } from './domain';
import { DutyStore } from './store';
import { tempDir } from './test-support';

const person = (displayName: string): CallContext => ({
  clientId: displayName,
  device: { id: 'host', name: '本机控制台', kind: 'console' },
  remoteAddress: '127.0.0.1',
  session: { token: 't', user: { username: displayName, displayName, role: 'operator' }, lastActivity: 0, locked: false, mustChangePassword: false },
  push: () => undefined,
});

describe('duty domain', () => {
  const dir = tempDir();
  let clock = Date.parse('2026-11-23T01:00:00Z'); // 09:00 in Shanghai: the day shift
  let t01Online: boolean | null = true;
  const live: LiveState = {
    cameras: () => [
      { cameraId: 't01-visible', name: '可见光', towerName: '仙人山', online: t01Online, reason: t01Online ? null : 'no answer within 2500 ms' },
      { cameraId: 't02-visible', name: '可见光', towerName: '社渚镇', online: true, reason: null },
    ],
    towers: () => [{ towerId: 't01', name: '仙人山', link: '专线 20 Mbit/s', online: true, detail: '1/2 路设备可达' }],
    heads: async () => [{ headId: 't01', towerName: '仙人山', online: true, detail: '在线' }],
    servers: async () => [{ key: 'host', label: '主机服务', ok: true, detail: '运行中' }],
  };
  const make = async (opts: { maxAttachmentBytes?: number } = {}) => {
    const store = await DutyStore.open({ file: join(dir(), 'duty.sqlite'), site: 'liyang', timeZone: 'Asia/Shanghai', now: () => clock });
    const changed: string[][] = [];
    const { handlers } = createDutyDomain({
      store,
      siteName: '溧阳市森林防火监控中心',
      live,
      backupNow: async () => ({ file: 'x', bytes: 0 }),
      sync: { status: async () => ({ state: 'off', lastSyncAt: null, pending: 0, rejected: 0, error: null, retryAt: null, central: null }), kick: async () => ({ state: 'off', lastSyncAt: null, pending: 0, rejected: 0, error: null, retryAt: null, central: null }) },
      changed: (k) => changed.push(k),
      ...opts,
    });
    return { store, h: handlers, changed };
  };

  it('signs on, writes entries, hands over with open items and has them acknowledged by the incoming operator', async () => {
    clock = Date.parse('2026-11-23T01:00:00Z');
    const { store, h, changed } = await make();
    const zhang = person('张三');
    await h['duty:signOn']({}, zhang);
    await h['duty:entryAdd']({ category: 'patrol', text: '巡查全部点位，画面正常', tower: '', attachments: [] }, zhang);
    const item = await h['duty:itemOpen']({ text: '瓦屋山 云台水平转动卡顿，已报修', tower: '瓦屋山' }, zhang);
    let ov = await h['duty:overview']({}, zhang);
    expect(ov.shift).toEqual({ date: '2026-11-23', slot: 0 });
    expect(ov.onDuty.map((p) => p.person)).toEqual(['张三']);
    expect(ov.entries).toHaveLength(1);
    expect(ov.openItems.map((i) => i.id)).toEqual([item.id]);
    expect(changed.flat()).toEqual(expect.arrayContaining(['attendance', 'entry', 'item']));

    const hand = await h['duty:handoverCreate']({ to: '李四', summary: '白班平稳，瓦屋山云台待修' }, zhang);
    expect(dataOf(hand).items).toEqual([item.id]);
    await expect(h['duty:handoverAck']({ id: hand.id }, zhang)).rejects.toThrow(/incoming operator/);
    await h['duty:signOff']({}, zhang);

    clock = Date.parse('2026-11-23T08:05:00Z'); // 16:05, the evening shift
    const li = person('李四');
    ov = await h['duty:overview']({}, li);
    expect(ov.shift.slot).toBe(1);
    expect(ov.pendingHandovers.map((x) => x.id)).toEqual([hand.id]);
    const ack = await h['duty:handoverAck']({ id: hand.id }, li);
    expect(dataOf(ack)).toMatchObject({ acknowledgedBy: '李四', acknowledgedAt: clock });
    await expect(h['duty:handoverAck']({ id: hand.id }, li)).rejects.toThrow(/already acknowledged by 李四/);
    expect((await h['duty:overview']({}, li)).pendingHandovers).toEqual([]);
    // The open item carries on until someone closes it.
    expect((await h['duty:overview']({}, li)).openItems.map((i) => i.id)).toEqual([item.id]);
    await h['duty:itemClose']({ id: item.id, note: '已修复' }, li);
    expect((await h['duty:overview']({}, li)).openItems).toEqual([]);

    const timeline = await h['duty:timeline']({ date: '2026-11-23', slot: 0 }, li);
    expect(timeline.map((r) => r.kind)).toEqual(['attendance', 'entry', 'item', 'handover', 'attendance']);
    await store.close();
  });

  it('fills the daily check from the live system, keeps the operator’s marks while it refreshes, and confirms it', async () => {
    clock = Date.parse('2026-11-23T01:00:00Z');
    t01Online = null;
    const { store, h } = await make();
    const op = person('张三');
    const c1 = await h['duty:check']({}, op);
    const line = (r: typeof c1, k: string) => dataOf(r)[k] as CheckLine;
    expect(line(c1, 'line:picture.t01-visible').auto).toBe('unknown');
    expect(line(c1, 'line:picture.t02-visible')).toMatchObject({ group: 'picture', auto: 'ok', label: '社渚镇 可见光 画面' });
    // The system cannot tell about t01: confirming without a mark is refused, naming the line.
    await expect(h['duty:checkConfirm']({ id: c1.id, lines: {} }, op)).rejects.toThrow(/仙人山 可见光 画面: the system could not tell/);
    t01Online = false;
    const c2 = await h['duty:check']({}, op);
    expect(line(c2, 'line:picture.t01-visible')).toMatchObject({ auto: 'fault', detail: 'no answer within 2500 ms' });
    const done = await h['duty:checkConfirm']({ id: c2.id, lines: { 'line:picture.t01-visible': { result: 'fault', note: '已通知运维' } } }, op);
    expect(dataOf(done).confirmedAt).toBe(clock);
    expect(line(done, 'line:picture.t01-visible')).toMatchObject({ result: 'fault', note: '已通知运维' });
    expect(line(done, 'line:server.host').result).toBe('ok');
    // Confirmed: opening it again does not refresh it.
    t01Online = true;
    expect(line(await h['duty:check']({}, op), 'line:picture.t01-visible').auto).toBe('fault');
    await store.close();
  });

  it('stores attachments with the entry and rejects an oversized one naming the limit', async () => {
    const { store, h } = await make({ maxAttachmentBytes: 1024 });
    const op = person('张三');
    const png = Buffer.from('89504e470d0a1a0a' + '00'.repeat(100), 'hex');
    const e = await h['duty:entryAdd']({ category: 'alarm', text: '曹山 疑似烟点，已截图', tower: '曹山', attachments: [{ name: '曹山.png', mime: 'image/png', dataBase64: png.toString('base64') }] }, op);
    const ref = (dataOf(e).attachments as { id: string; size: number }[])[0]!;
    expect(ref.size).toBe(png.length);
    expect(Buffer.from((await h['duty:attachment']({ id: ref.id }, op)).dataBase64, 'base64').equals(png)).toBe(true);
    const big = Buffer.alloc(2048, 1).toString('base64');
    const err = await h['duty:entryAdd']({ category: 'alarm', text: 'x', tower: '', attachments: [{ name: 'big.jpg', mime: 'image/jpeg', dataBase64: big }] }, op).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(HostFailure);
    expect((err as HostFailure).message).toMatch(/big\.jpg is 2048 bytes; the limit is 1024 bytes/);
    await store.close();
  });

  it('shows a notice until it expires', async () => {
    clock = Date.parse('2026-11-23T01:00:00Z');
    const { store, h } = await make();
    const leader = person('市中心 值班长');
    const n = await h['duty:noticeAdd']({ title: '大风橙色预警', text: '加强巡查', untilDays: 1 }, leader);
    expect(dataOf(n)).toMatchObject({ issuer: '市中心 值班长', until: clock + 86400_000 });
    expect((await h['duty:overview']({}, leader)).notices.map((x) => x.id)).toEqual([n.id]);
    clock += 2 * 86400_000;
    expect((await h['duty:overview']({}, leader)).notices).toEqual([]);
    await store.close();
  });

  it('keeps maintenance checklists per period with who did each task', async () => {
    clock = Date.parse('2026-11-23T01:00:00Z');
    const { store, h } = await make();
    const op = person('王五');
    const wk = await h['duty:maintenance']({ period: 'weekly' }, op);
    expect(dataOf(wk)).toMatchObject({ period: 'weekly', periodKey: '2026-W48', title: '每周维护检查' });
    const ticked = await h['duty:maintenanceTick']({ id: wk.id, task: 'backup', done: true, note: '备份至 NAS' }, op);
    expect(dataOf(ticked)['task:backup']).toMatchObject({ done: true, by: '王五', at: clock, note: '备份至 NAS' });
    expect((await h['duty:maintenance']({ period: 'weekly' }, op)).id).toBe(wk.id);
    await expect(h['duty:maintenanceTick']({ id: wk.id, task: 'nope', done: true, note: '' }, op)).rejects.toThrow(/no task nope/);
    await store.close();
  });

  it('renders the daily report and the inspection report, and exports CSV for Excel', async () => {
    clock = Date.parse('2026-11-23T01:00:00Z');
    const { store, h } = await make();
    const op = person('张三');
    await h['duty:rosterSet']({ date: '2026-11-23', slot: 0, operator: '张三', leader: '赵六', note: '' }, op);
    await h['duty:signOn']({}, op);
    await h['duty:entryAdd']({ category: 'fault', text: '=社渚镇 链路中断 <b>', tower: '社渚镇', attachments: [] }, op);
    const c = await h['duty:check']({}, op);
    await h['duty:checkConfirm']({ id: c.id, lines: {} }, op);
    const daily = await h['duty:report']({ kind: 'daily', date: '2026-11-23' }, op);
    expect(daily.title).toBe('值班日报 2026-11-23');
    expect(daily.html).toContain('赵六');
    expect(daily.html).toContain('=社渚镇 链路中断 &#60;b&#62;');
    expect(daily.html).toContain('@page');
    const weekly = await h['duty:report']({ kind: 'weekly', date: '2026-11-23' }, op);
    expect(weekly.title).toBe('周巡检报告 2026-11-17 至 2026-11-23');
    expect(weekly.html).toContain('设备故障');
    const csv = await h['duty:exportCsv']({ from: '2026-11-23', to: '2026-11-23' }, op);
    expect(csv.csv.startsWith('\ufeff时间,班次')).toBe(true);
    expect(csv.csv).toContain("'=社渚镇 链路中断 <b>");
    expect(csv.rows).toBe(2);
    await store.close();
  });
});

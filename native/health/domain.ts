import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HostFailure } from '../../common/contract/errors';
import type { AvailabilityReport, DeviceHealth, healthCommands, Inspection, InspectionPeriod, LinkSample, Ticket } from '../../common/contract/health';
import { periodKey } from '../../common/duty';
import { availabilityPct, localParts, sumTimes, timeInStates, zonedMs, type StateChange } from '../../common/health';
import type { SiteConfig } from '../../common/site';
import type { Logger } from '../host/dispatch';
import type { CallContext, DomainHandlers } from '../host/registry';
import { assetCsv, csvCell, DEFAULT_CHECKLISTS, parseAssetCsv, parseChecklistTemplate, type ChecklistTemplate } from './files';
import { HealthMonitor, siteDevices } from './monitor';
import { textPdf } from './pdf-lite';
import { buildProbes, type ProbeDeps } from './probes';
import { HealthStore } from './store';
import { TicketBook } from './tickets';

export type HealthHandlers = DomainHandlers<typeof healthCommands>;

export interface HealthDomainOptions extends Omit<ProbeDeps, 'site' | 'config' | 'dataDir'> {
  site: SiteConfig;
  dataDir: string;
  /** Folder of the site file (the checklist template path is relative to it). */
  siteDir: string;
  emit: { changed(devices: DeviceHealth[], links: Record<string, LinkSample[]>): void; ticket(t: Ticket): void };
  /** Writes a duty-log line (category fault). */
  dutyLine(text: string, towerName: string): void;
  log: Logger;
  /** Physical clock (tests move it). */
  now?: () => number;
  /** How often tickets are reviewed for the threshold and deadlines, ms. */
  reviewEveryMs?: number;
}

export interface HealthDomain {
  handlers: HealthHandlers;
  monitor: HealthMonitor;
  tickets: TicketBook;
  /** Opens tickets and escalates now (tests; also runs on a timer). */
  review(): Promise<Ticket[]>;
  /** Waits for pending history writes (tests). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

const who = (ctx: CallContext): string => ctx.session?.user.displayName ?? ctx.device.name;
const DAY = 86_400_000;

/** Bounds of the day, ISO week, month or quarter containing `date` in the site's time zone. */
export function periodBounds(period: 'day' | 'week' | 'month' | 'quarter', date: string, tz: string): { from: number; to: number } {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  if (period === 'day') return { from: zonedMs(y, m, d, 0, 0, tz), to: zonedMs(y, m, d + 1, 0, 0, tz) };
  if (period === 'week') {
    const wd = (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
    return { from: zonedMs(y, m, d - wd, 0, 0, tz), to: zonedMs(y, m, d - wd + 7, 0, 0, tz) };
  }
  if (period === 'month') return { from: zonedMs(y, m, 1, 0, 0, tz), to: zonedMs(y, m + 1, 1, 0, 0, tz) };
  const q = Math.floor((m - 1) / 3) * 3 + 1;
  return { from: zonedMs(y, q, 1, 0, 0, tz), to: zonedMs(y, q + 3, 1, 0, 0, tz) };
}

const today = (now: number, tz: string) => {
  const p = localParts(now, tz);
  return `${p.y}-${String(p.mo).padStart(2, '0')}-${String(p.d).padStart(2, '0')}`;
};

/** The health domain: probes, state and history, availability, tickets, inspections, assets; the `health:*` commands. */
export async function createHealthDomain(o: HealthDomainOptions): Promise<HealthDomain> {
  const cfg = o.site.health;
  const tz = o.site.site.timeZone;
  const now = o.now ?? Date.now;
  const dir = join(o.dataDir, 'health');
  mkdirSync(dir, { recursive: true });
  const store = await HealthStore.open(join(dir, 'health.sqlite'));
  const towerName = (id: string | null) => (id ? (o.site.towers.find((t) => t.id === id)?.name ?? id) : '');

  let checklists: ChecklistTemplate = DEFAULT_CHECKLISTS;
  let templateProblems: string[] = [];
  if (cfg.checklists) {
    const file = resolve(o.siteDir, cfg.checklists);
    if (!existsSync(file)) templateProblems = [`checklist template ${file} not found; the built-in checklists are used`];
    else {
      const r = parseChecklistTemplate(readFileSync(file, 'utf8'), file);
      if (r.ok) checklists = r.template;
      else templateProblems = [...r.problems, 'the built-in checklists are used until the template is fixed'];
    }
    for (const p of templateProblems) o.log('warn', p);
  }

  let writes: Promise<unknown> = Promise.resolve();
  const tickets = await TicketBook.load({ store, config: cfg, timeZone: tz, now, emit: o.emit.ticket, dutyLine: o.dutyLine, towerName });
  let reviewing: Promise<Ticket[]> = Promise.resolve([]);
  const review = () => (reviewing = reviewing.then(() => tickets.review(monitor.list())).catch((e: Error) => (o.log('warn', `health: ticket review failed: ${e.message}`), [])));
  const monitor: HealthMonitor = new HealthMonitor({
    site: o.site,
    now,
    probes: buildProbes({ ...o, config: cfg }),
    record: (changes) => {
      writes = writes.then(() => store.addChanges(changes)).catch((e: Error) => o.log('warn', `health: history not written: ${e.message}`));
    },
    onChange: (changed, links) => {
      o.emit.changed(changed, links);
      for (const d of changed) if (d.state === 'up') void tickets.recovered(d).catch(() => undefined);
      if (changed.some((d) => d.state === 'down' || d.state === 'degraded') && cfg.ticketAfterMinutes === 0) void review();
    },
    log: (level, msg) => o.log(level, `health: ${msg}`),
  });
  const reviewTimer = setInterval(() => void review(), o.reviewEveryMs ?? 30_000);
  reviewTimer.unref();

  const availability = async (period: 'day' | 'week' | 'month', date: string): Promise<AvailabilityReport> => {
    const { from, to: end } = periodBounds(period, date, tz);
    const to = Math.min(end, now());
    await writes;
    const changes = to > from ? await store.changesBetween(from, to) : [];
    // The current state carries to now even if the host started after `from` without a change since.
    const byDevice = new Map<string, StateChange[]>();
    for (const c of changes) byDevice.set(c.device, [...(byDevice.get(c.device) ?? []), c]);
    const devs = siteDevices(o.site).filter((d) => d.kind !== 'host');
    const times = new Map(devs.map((d) => [d.id, timeInStates(byDevice.get(d.id) ?? [], from, Math.max(from, to))]));
    const fig = (id: string, name: string, t: ReturnType<typeof timeInStates>) => ({ id, name, pct: availabilityPct(t), downMs: t.down });
    return {
      period,
      from,
      to: end,
      targetPct: cfg.targetPct,
      site: availabilityPct(sumTimes([...times.values()])),
      towers: o.site.towers.map((t) => fig(t.id, t.name, sumTimes(devs.filter((d) => d.towerId === t.id).map((d) => times.get(d.id)!)))),
      devices: devs.map((d) => fig(d.id, d.name, times.get(d.id)!)),
    };
  };

  const inspectionOf = async (period: InspectionPeriod, date: string): Promise<Inspection> => {
    const key = periodKey(period, date);
    const id = `insp-${period}-${key}`;
    const have = await store.inspection(id);
    if (have) return have;
    const tpl = checklists[period];
    const fresh: Inspection = { id, period, periodKey: key, title: `${tpl.title}（${key}）`, items: tpl.items.map((i) => ({ key: i.key, label: i.label, hint: i.hint, result: null, note: '', photo: null, by: '', at: null })) };
    await store.putInspection(fresh);
    return fresh;
  };

  const report = async (period: 'week' | 'month' | 'quarter', date: string) => {
    const { from, to } = periodBounds(period, date, tz);
    const avPeriod = period === 'quarter' ? 'month' : period;
    const av = await availability(avPeriod, date);
    const all = (await tickets.list('all', from - 90 * DAY)).filter((t) => t.openedAt < to && (t.closedAt === null || t.closedAt >= from));
    const inspPeriod: InspectionPeriod = period === 'week' ? 'weekly' : period === 'month' ? 'monthly' : 'quarterly';
    const insp = await inspectionOf(inspPeriod, date);
    const pct = (v: number | null) => (v === null ? '—' : `${v.toFixed(2)}%`);
    const fmt = (ms: number | null) => (ms === null ? '' : new Date(ms).toLocaleString('zh-CN', { timeZone: tz, hour12: false }));
    const rows: string[][] = [
      ['section', 'id', 'name', 'value', 'target / level', 'detail'],
      ['availability', o.site.site.id, o.site.site.name, pct(av.site), `${cfg.targetPct}%`, `${fmt(av.from)} – ${fmt(Math.min(av.to, now()))}`],
      ...av.towers.map((t) => ['availability', t.id, t.name, pct(t.pct), `${cfg.targetPct}%`, `中断 ${(t.downMs / 60_000).toFixed(0)} 设备分钟`]),
      ...all.map((t) => ['ticket', t.id, t.title, t.status === 'open' ? '处理中' : '已关闭', `L${t.level}`, [fmt(t.openedAt), t.closedAt ? `关闭 ${fmt(t.closedAt)}` : '', t.report ? `${t.report.kind}；${t.report.cause}；${t.report.method}；${t.report.loss}` : ''].filter(Boolean).join(' ')]),
      ...insp.items.map((i) => ['inspection', i.key, i.label, i.result ?? '未检', insp.title, [i.by, i.note].filter(Boolean).join(' ')]),
    ];
    const title = `运维巡检报告 ${o.site.site.name} ${period === 'week' ? '周' : period === 'month' ? '月' : '季度'} ${date}`;
    return { title, rows, av, all, insp };
  };

  const handlers: HealthHandlers = {
    'health:state': async () => ({ devices: monitor.list(), targetPct: cfg.targetPct, links: monitor.linkSamples() }),
    'health:availability': async ({ period, date }) => availability(period, date ?? today(now(), tz)),
    'health:history': async ({ deviceId, from, to }) => {
      await writes;
      const t1 = to ?? now();
      return (await store.changesBetween(from ?? t1 - 7 * DAY, t1, deviceId)).map((c) => ({ at: c.at, state: c.state, detail: c.detail }));
    },
    'health:tickets': async ({ status }) => tickets.list(status),
    'health:ticketOpen': async (a, ctx) => {
      const dev = a.deviceId ? monitor.get(a.deviceId) : undefined;
      if (a.deviceId && !dev) throw new HostFailure('not_found', `no device ${a.deviceId} (ids like cam:t01-visible, link:t01, ptz:t01, decoder:d01)`);
      if (a.towerId && !o.site.towers.some((t) => t.id === a.towerId)) throw new HostFailure('not_found', `no tower ${a.towerId}`);
      return tickets.openTicket({ title: a.title, level: a.level, deviceId: a.deviceId ?? null, towerId: a.towerId ?? dev?.towerId ?? null, note: a.note, by: who(ctx), origin: 'manual' });
    },
    'health:ticketRespond': async ({ id }, ctx) => tickets.respond(id, who(ctx)),
    'health:ticketAssign': async ({ id, assignee }, ctx) => tickets.assign(id, assignee, who(ctx)),
    'health:ticketNote': async ({ id, text }, ctx) => tickets.note(id, text, who(ctx)),
    'health:ticketClose': async ({ id, kind, cause, method, loss }, ctx) => tickets.close(id, { kind, cause, method, loss }, who(ctx)),
    'health:inspection': async ({ period, date }) => {
      if (templateProblems.length && cfg.checklists) o.log('warn', templateProblems[0]!);
      return inspectionOf(period, date ?? today(now(), tz));
    },
    'health:inspectionSet': async ({ id, key, result, note, photo }, ctx) => {
      const insp = await store.inspection(id);
      if (!insp) throw new HostFailure('not_found', `no inspection ${id}`);
      const item = insp.items.find((i) => i.key === key);
      if (!item) throw new HostFailure('not_found', `inspection ${id} has no item ${key}`);
      let photoName = item.photo;
      if (photo) {
        const bytes = Buffer.from(photo.dataBase64, 'base64');
        if (!/^image\/(jpeg|png|webp)$/.test(photo.mime)) throw new HostFailure('invalid_args', `photo: ${photo.mime} is not a JPEG, PNG or WebP image`);
        photoName = `${id}-${key}-${photo.name}`.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 200);
        await store.putPhoto(photoName, photo.mime, bytes);
      }
      const next: Inspection = { ...insp, items: insp.items.map((i) => (i.key === key ? { ...i, result, note, photo: photoName, by: who(ctx), at: now() } : i)) };
      await store.putInspection(next);
      return next;
    },
    'health:report': async ({ period, date, format }) => {
      const r = await report(period, date ?? today(now(), tz));
      const base = `health-${period}-${date ?? today(now(), tz)}`;
      if (format === 'csv') return { name: `${base}.csv`, mime: 'text/csv', dataBase64: Buffer.from(`\ufeff${r.rows.map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`).toString('base64') };
      const pct = (v: number | null) => (v === null ? '—' : `${v.toFixed(2)}%`);
      const lines = [
        `# ${r.title}`,
        `全站可用率 ${pct(r.av.site)}（目标 ${cfg.targetPct}%）${r.av.site !== null && r.av.site < cfg.targetPct ? '  未达标' : ''}`,
        '',
        '# 各点位可用率',
        ...r.av.towers.map((t) => `${t.name}  ${pct(t.pct)}  中断 ${(t.downMs / 60_000).toFixed(0)} 设备分钟`),
        '',
        `# 故障工单（${r.all.length}）`,
        ...r.all.flatMap((t) => [`${t.id}  ${['', '一级', '二级', '三级'][t.level]}  ${t.status === 'open' ? '处理中' : '已关闭'}  ${t.title}`, ...(t.report ? [`    种类：${t.report.kind}；原因：${t.report.cause}；方法：${t.report.method}；损失：${t.report.loss || '无'}`] : [])]),
        '',
        `# ${r.insp.title}`,
        ...r.insp.items.map((i) => `${i.label}：${i.result === 'ok' ? '正常' : i.result === 'fault' ? '异常' : i.result === 'na' ? '不适用' : '未检'} ${i.note}`),
      ];
      return { name: `${base}.pdf`, mime: 'application/pdf', dataBase64: textPdf(lines, r.title).toString('base64') };
    },
    'health:assets': async () => store.assets(),
    'health:assetImport': async ({ csv }) => {
      const { rows, errors } = parseAssetCsv(csv, new Set(monitor.list().map((d) => d.id)));
      await store.putAssets(rows);
      return { imported: rows.length, errors };
    },
    'health:assetExport': async () => {
      const list = await store.assets();
      return { name: `assets-${o.site.site.id}.csv`, csv: assetCsv(list), rows: list.length };
    },
  };

  return {
    handlers,
    monitor,
    tickets,
    review,
    flush: async () => {
      await writes;
      await reviewing;
    },
    close: async () => {
      clearInterval(reviewTimer);
      monitor.stop();
      await writes;
      await reviewing;
      await store.close();
    },
  };
}

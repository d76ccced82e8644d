import { randomBytes } from 'node:crypto';
import { HostFailure } from '../../common/contract/errors';
import type { DeviceHealth, Ticket } from '../../common/contract/health';
import { autoLevel, deadlinesFor, escalated, LEVEL_TERMS, localParts, missedDeadline, type HealthConfig, type TicketLevel } from '../../common/health';
import type { HealthStore } from './store';

export interface TicketBookOptions {
  store: HealthStore;
  config: HealthConfig;
  timeZone: string;
  now(): number;
  /** A ticket changed (opened, escalated, answered, assigned, noted, closed). */
  emit(t: Ticket): void;
  /** Writes a line to the duty log (category fault). */
  dutyLine(text: string, towerName: string): void;
  towerName(towerId: string | null): string;
}

/** Kinds whose state is inferred from the tower's others: the link's ticket covers them. */
const NO_TICKET = new Set(['switch', 'power', 'detector']);

const fmt = (ms: number, tz: string) => {
  const p = localParts(ms, tz);
  return `${String(p.mo).padStart(2, '0')}-${String(p.d).padStart(2, '0')} ${String(p.h).padStart(2, '0')}:${String(p.mi).padStart(2, '0')}`;
};

/**
 * Fault tickets: opened by hand or when a device stays down past the threshold, graded 1/2/3 with
 * response and repair deadlines, escalated a level when one passes, closed with the fault report.
 * Each opening, escalation and closing is a line in the duty log.
 */
export class TicketBook {
  private open = new Map<string, Ticket>();

  private constructor(private readonly o: TicketBookOptions) {}

  static async load(o: TicketBookOptions): Promise<TicketBook> {
    const b = new TicketBook(o);
    for (const t of await o.store.tickets('open')) b.open.set(t.id, t);
    return b;
  }

  list(status: 'open' | 'closed' | 'all', since = 0): Promise<Ticket[]> {
    return this.o.store.tickets(status, since);
  }

  private async save(t: Ticket): Promise<Ticket> {
    await this.o.store.putTicket(t);
    if (t.status === 'open') this.open.set(t.id, t);
    else this.open.delete(t.id);
    this.o.emit(t);
    return t;
  }

  private async must(id: string): Promise<Ticket> {
    const t = this.open.get(id) ?? (await this.o.store.tickets('all')).find((x) => x.id === id);
    if (!t) throw new HostFailure('not_found', `no fault ticket ${id}`);
    return t;
  }

  async openTicket(a: { title: string; level: TicketLevel; deviceId?: string | null; towerId?: string | null; note?: string; by: string; origin: 'auto' | 'manual' }): Promise<Ticket> {
    const now = this.o.now();
    const d = deadlinesFor(a.level, now, this.o.config.workingHours, this.o.timeZone);
    const p = localParts(now, this.o.timeZone);
    const t: Ticket = {
      id: `GZ${p.y}${String(p.mo).padStart(2, '0')}${String(p.d).padStart(2, '0')}-${randomBytes(3).toString('hex')}`,
      deviceId: a.deviceId ?? null,
      towerId: a.towerId ?? null,
      title: a.title,
      level: a.level,
      origin: a.origin,
      status: 'open',
      openedAt: now,
      openedBy: a.by,
      assignee: '',
      respondedAt: null,
      levelSince: now,
      ...d,
      escalations: [],
      overdue: false,
      notes: a.note ? [{ at: now, by: a.by, text: a.note }] : [],
      closedAt: null,
      closedBy: '',
      report: null,
    };
    this.o.dutyLine(
      `故障工单 ${t.id} 开立（${LEVEL_TERMS[t.level].zh}${a.origin === 'auto' ? '，自动' : `，${a.by}`}）：${t.title}；响应时限 ${fmt(t.respondBy, this.o.timeZone)}，修复时限 ${fmt(t.repairBy, this.o.timeZone)}`,
      this.o.towerName(t.towerId),
    );
    return this.save(t);
  }

  async respond(id: string, by: string): Promise<Ticket> {
    const t = await this.must(id);
    if (t.status !== 'open') throw new HostFailure('conflict', `ticket ${id} is closed`);
    if (t.respondedAt !== null) return t;
    const now = this.o.now();
    return this.save({ ...t, respondedAt: now, notes: [...t.notes, { at: now, by, text: '已响应' }] });
  }

  async assign(id: string, assignee: string, by: string): Promise<Ticket> {
    const t = await this.must(id);
    if (t.status !== 'open') throw new HostFailure('conflict', `ticket ${id} is closed`);
    const now = this.o.now();
    return this.save({ ...t, assignee, notes: [...t.notes, { at: now, by, text: `指派给 ${assignee}` }] });
  }

  async note(id: string, text: string, by: string): Promise<Ticket> {
    const t = await this.must(id);
    return this.save({ ...t, notes: [...t.notes, { at: this.o.now(), by, text }] });
  }

  async close(id: string, report: NonNullable<Ticket['report']>, by: string): Promise<Ticket> {
    const t = await this.must(id);
    if (t.status !== 'open') throw new HostFailure('conflict', `ticket ${id} is already closed`);
    const now = this.o.now();
    const late = now > t.repairBy ? '（超出修复时限）' : '';
    this.o.dutyLine(`故障工单 ${t.id} 关闭${late}（${by}）：${t.title}。故障种类：${report.kind}；原因：${report.cause}；方法：${report.method}；损失：${report.loss || '无'}`, this.o.towerName(t.towerId));
    return this.save({ ...t, status: 'closed', closedAt: now, closedBy: by, respondedAt: t.respondedAt ?? now, report });
  }

  /**
   * Opens tickets for devices down (or degraded) past the threshold — one per device, none for a
   * tower's devices while its link is down (the link's ticket covers them) — and escalates tickets
   * whose deadline passed. Returns what changed.
   */
  async review(devices: readonly DeviceHealth[]): Promise<Ticket[]> {
    const now = this.o.now();
    const out: Ticket[] = [];
    const threshold = this.o.config.ticketAfterMinutes * 60_000;
    const covered = new Set([...this.open.values()].map((t) => t.deviceId));
    const linkDown = new Set(devices.filter((d) => d.kind === 'link' && d.state === 'down').map((d) => d.towerId));
    const towers = new Set(devices.filter((d) => d.towerId).map((d) => d.towerId));
    const towersDown = towers.size ? linkDown.size / towers.size : 0;
    for (const d of devices) {
      if (d.state !== 'down' && d.state !== 'degraded') continue;
      if (NO_TICKET.has(d.kind) || covered.has(d.id) || now - d.since < threshold) continue;
      if (d.kind !== 'link' && d.towerId && linkDown.has(d.towerId)) continue;
      const level = autoLevel(d.state, towersDown);
      const mins = Math.round((now - d.since) / 60_000);
      out.push(await this.openTicket({ title: `${d.name}${d.state === 'down' ? '中断' : '性能下降'} ${mins} 分钟：${d.detail}`, level, deviceId: d.id, towerId: d.towerId, by: '运维监测', origin: 'auto' }));
    }
    for (const t of [...this.open.values()]) {
      const missed = missedDeadline(t, now);
      if (!missed || t.overdue) continue;
      if (t.level === 1) {
        this.o.dutyLine(`故障工单 ${t.id} 已超出一级${missed === 'respond' ? '响应' : '修复'}时限：${t.title}`, this.o.towerName(t.towerId));
        out.push(await this.save({ ...t, overdue: true }));
        continue;
      }
      const to = escalated(t.level);
      const d = deadlinesFor(to, now, this.o.config.workingHours, this.o.timeZone);
      this.o.dutyLine(
        `故障工单 ${t.id} 未在${missed === 'respond' ? '响应' : '修复'}时限内完成，由${LEVEL_TERMS[t.level].zh}升为${LEVEL_TERMS[to].zh}：${t.title}；新修复时限 ${fmt(d.repairBy, this.o.timeZone)}`,
        this.o.towerName(t.towerId),
      );
      // After an escalation the response clock starts again only if nobody had answered yet.
      out.push(await this.save({ ...t, level: to, levelSince: now, ...d, escalations: [...t.escalations, { at: now, from: t.level, to, missed }] }));
    }
    return out;
  }

  /** Records recovery of the device of an open ticket (the ticket stays open for its closing report). */
  async recovered(d: DeviceHealth): Promise<void> {
    for (const t of this.open.values()) if (t.deviceId === d.id && !t.notes.some((n) => n.at === d.since)) await this.save({ ...t, notes: [...t.notes, { at: d.since, by: '运维监测', text: `设备已恢复：${d.detail}` }] });
  }
}

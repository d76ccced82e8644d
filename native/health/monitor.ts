import type { CameraStatus, DeviceHealth, LinkSample } from '../../common/contract';
import type { DeviceKind, DeviceState } from '../../common/health';
import type { SiteConfig } from '../../common/site';

/** What one probe saw of one device. */
export interface Observation {
  id: string;
  state: DeviceState;
  detail: string;
  latencyMs?: number | null;
  lossPct?: number | null;
  bitrateKbps?: number | null;
}

/** A probe: its own schedule and timeout; a slow one never holds up the others. */
export interface Probe {
  name: string;
  intervalMs: number;
  timeoutMs: number;
  run(): Promise<Observation[]>;
}

/** Devices a tower has on the board; the centre has decoders and the host. */
const INFERRED: readonly DeviceKind[] = ['switch', 'power', 'detector'];
const SPARK = 60;

/** The site's devices as board rows, in a fixed order. */
export function siteDevices(site: SiteConfig): Omit<DeviceHealth, 'state' | 'since' | 'checkedAt' | 'detail'>[] {
  const out: Omit<DeviceHealth, 'state' | 'since' | 'checkedAt' | 'detail'>[] = [];
  for (const t of site.towers) {
    for (const c of t.cameras) out.push({ id: `cam:${c.id}`, towerId: t.id, kind: c.kind === 'visible' ? 'camera' : 'thermal', name: `${t.name} ${c.name ?? (c.kind === 'visible' ? '可见光' : '热成像')}` });
    if (t.cameras.some((c) => c.onvif)) out.push({ id: `ptz:${t.id}`, towerId: t.id, kind: 'ptz', name: `${t.name} 云台` });
    if (t.detector) out.push({ id: `detector:${t.id}`, towerId: t.id, kind: 'detector', name: `${t.name} 林火报警器` });
    out.push({ id: `switch:${t.id}`, towerId: t.id, kind: 'switch', name: `${t.name} 交换机` });
    out.push({ id: `link:${t.id}`, towerId: t.id, kind: 'link', name: `${t.name} 链路` });
    out.push({ id: `power:${t.id}`, towerId: t.id, kind: 'power', name: `${t.name} 供电（${t.power === 'solar' ? '太阳能' : '市电'}）` });
  }
  for (const d of site.wall?.decoders ?? []) if (d.driver !== 'software') out.push({ id: `decoder:${d.id}`, towerId: null, kind: 'decoder', name: `解码器 ${d.id}` });
  for (const [k, n] of [
    ['cpu', '主机 CPU'],
    ['memory', '主机内存'],
    ['disk', '数据磁盘'],
  ] as const)
    out.push({ id: `host:${k}`, towerId: null, kind: 'host', name: n });
  return out;
}

export interface MonitorOptions {
  site: SiteConfig;
  probes: Probe[];
  now?: () => number;
  /** Devices whose state changed (called at once: the UI hears within the probe's own time). */
  onChange(changed: DeviceHealth[], links: Record<string, LinkSample[]>): void;
  /** Writes state changes to the history. */
  record(changes: { device: string; at: number; state: DeviceState; detail: string }[]): void;
  log?: (level: 'info' | 'warn', msg: string) => void;
}

/** Current state of every device and link, fed by the probes. */
export class HealthMonitor {
  private readonly devices = new Map<string, DeviceHealth>();
  private readonly links = new Map<string, LinkSample[]>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<string>();
  private stopped = false;
  readonly now: () => number;

  constructor(private readonly opts: MonitorOptions) {
    this.now = opts.now ?? Date.now;
    const at = this.now();
    for (const d of siteDevices(opts.site)) this.devices.set(d.id, { ...d, state: 'unknown', since: at, checkedAt: null, detail: '未检测' });
  }

  list(): DeviceHealth[] {
    return [...this.devices.values()];
  }

  get(id: string): DeviceHealth | undefined {
    return this.devices.get(id);
  }

  linkSamples(): Record<string, LinkSample[]> {
    return Object.fromEntries(this.links);
  }

  /** The camera reachability view the camera tree, map and daily check read (same state as the board). */
  cameraStatus(): CameraStatus[] {
    return this.list()
      .filter((d) => d.id.startsWith('cam:') && d.state !== 'unknown')
      .map((d) => ({ cameraId: d.id.slice(4), online: d.state !== 'down', reason: d.state === 'down' ? d.detail : null, checkedAt: d.checkedAt ?? d.since }));
  }

  /** Applies what probes saw; inferred devices (switch, power, detector) follow their tower. */
  observe(obs: readonly Observation[]): DeviceHealth[] {
    const at = this.now();
    const changed = new Map<string, DeviceHealth>();
    const apply = (o: Observation) => {
      const d = this.devices.get(o.id);
      if (!d) return;
      const next: DeviceHealth = { ...d, checkedAt: at, detail: o.detail };
      if (o.latencyMs !== undefined) next.latencyMs = o.latencyMs;
      if (o.lossPct !== undefined) next.lossPct = o.lossPct;
      if (o.bitrateKbps !== undefined) next.bitrateKbps = o.bitrateKbps;
      if (o.state !== d.state) {
        next.state = o.state;
        next.since = at;
        changed.set(o.id, next);
      }
      this.devices.set(o.id, next);
      if (d.kind === 'link' && d.towerId) {
        const s = this.links.get(d.towerId) ?? [];
        s.push({ at, latencyMs: o.latencyMs ?? null, lossPct: o.lossPct ?? (o.state === 'down' ? 100 : 0) });
        if (s.length > SPARK) s.splice(0, s.length - SPARK);
        this.links.set(d.towerId, s);
      }
    };
    for (const o of obs) apply(o);
    const towers = new Set(obs.map((o) => this.devices.get(o.id)?.towerId).filter((t): t is string => !!t));
    for (const towerId of towers) {
      const own = this.list().filter((d) => d.towerId === towerId && !INFERRED.includes(d.kind));
      const answering = own.some((d) => d.kind !== 'link' && (d.state === 'up' || d.state === 'degraded'));
      const link = this.devices.get(`link:${towerId}`);
      const known = own.some((d) => d.state !== 'unknown');
      if (!known) continue;
      const state: DeviceState = answering ? 'up' : link?.state === 'down' ? 'down' : 'unknown';
      const detail = answering ? '推断：塔上设备有应答' : state === 'down' ? '推断：链路中断，塔上设备均无应答' : '无法判断';
      for (const kind of INFERRED) {
        const id = `${kind}:${towerId}`;
        if (this.devices.has(id)) apply({ id, state, detail });
      }
    }
    const list = [...changed.values()];
    if (list.length) {
      this.opts.record(list.map((d) => ({ device: d.id, at: d.since, state: d.state, detail: d.detail })));
      this.opts.onChange(list, Object.fromEntries([...new Set(list.map((d) => d.towerId).filter((t): t is string => !!t))].flatMap((t) => (this.links.has(t) ? [[t, this.links.get(t)!]] : []))));
    }
    return list;
  }

  private async runProbe(p: Probe): Promise<void> {
    if (this.inFlight.has(p.name) || this.stopped) return;
    this.inFlight.add(p.name);
    let timer: NodeJS.Timeout | undefined;
    try {
      const obs = await Promise.race([
        p.run(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`probe ${p.name} took longer than ${p.timeoutMs} ms`)), p.timeoutMs);
        }),
      ]);
      if (!this.stopped) this.observe(obs);
    } catch (e) {
      this.opts.log?.('warn', (e as Error).message);
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(p.name);
    }
  }

  /** Runs every probe once, together (tests, the first round). */
  async runAll(): Promise<void> {
    await Promise.all(this.opts.probes.map((p) => this.runProbe(p)));
  }

  start(): void {
    for (const p of this.opts.probes) {
      // Spread the first rounds so 150 probes do not all fire in the same tick.
      const loop = (delay: number) => {
        const t = setTimeout(() => {
          this.timers.delete(t);
          if (this.stopped) return;
          void this.runProbe(p).finally(() => !this.stopped && loop(p.intervalMs));
        }, delay);
        t.unref();
        this.timers.add(t);
      };
      loop(Math.floor(Math.random() * Math.min(3000, p.intervalMs)));
    }
  }

  /** Stops probing; the history notes that nothing is observed from now on (the host is off). */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const at = this.now();
    this.opts.record(this.list().filter((d) => d.state !== 'unknown').map((d) => ({ device: d.id, at, state: 'unknown' as const, detail: 'host stopped' })));
  }
}

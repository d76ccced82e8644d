import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import {
  DetectorAlarmSchema,
  ESCALATION_REPORT,
  isOpen,
  linkAlerts,
  MAX_SNAPSHOT_BYTES,
  mergeTarget,
  nextFollowUpAt,
  queueOrder,
  type Alert,
  type FollowUp,
  type Notification,
  type Position,
} from '../../common/alerts';
import type { alertCommands, AlertStats } from '../../common/contract/alerts';
import { HostFailure } from '../../common/contract/errors';
import { latLon } from '../../common/geo';
import { normalizeBearing } from '../../common/ptz';
import type { AlertsConfig, SiteConfig } from '../../common/site';
import type { Logger } from '../host/dispatch';
import type { CallContext } from '../host/registry';
import { AlertStore } from './store';

type AlertCommandName = keyof typeof alertCommands;
type AlertHandler<K extends AlertCommandName> = (
  args: z.output<(typeof alertCommands)[K]['args']>,
  ctx: CallContext,
) => Promise<z.output<(typeof alertCommands)[K]['result']>>;
export type AlertHandlers = { [K in AlertCommandName]: AlertHandler<K> };

/** What the alerts domain asks of the rest of the host; the composition root wires it. */
export interface AlertHooks {
  /** A new alert: the wall's alarm region takes the camera, the head goes to the alarm pose (cruise stops). */
  raised?(a: Alert): void;
  /** No longer open (false alarm, duplicate, closed): the wall gives the region back. */
  ended?(a: Alert): void;
  /** A current JPEG of a camera, for follow-ups; null when none can be had. */
  snapshot?(cameraId: string): Promise<Buffer | null>;
  /** The head's current true bearing, tilt and zoom of a camera, if known. */
  pose?(cameraId: string): { bearing: number; tilt: number; zoom: number } | null;
  /** Where one camera's aiming ray meets the terrain (single-tower fix), when the site has a DEM. */
  groundFix?(a: Alert): Promise<Position | null>;
  /** The latest reading of the tower's weather station, for the reports. */
  weather?(towerId: string): AlertReport['weather'];
  /** Exports the pre-alarm clip of a new alert (resolves once its "after" part is recorded). */
  clip?(a: Alert): Promise<NonNullable<Alert['clip']>>;
}

export interface AlertsDomainOptions {
  site: SiteConfig;
  bus: { emit(name: 'alert:changed', payload: Alert): void };
  log: Logger;
  dir: string;
  hooks?: AlertHooks;
  now?: () => number;
  /** How often escalations and follow-ups are checked, ms (default 1000; 0 = only tick()). */
  tickMs?: number;
  /** Sends one report to one recipient; default: HTTP POST of the JSON. Throws on failure. */
  send?: (recipient: AlertsConfig['recipients'][number], report: AlertReport) => Promise<void>;
  /** Retry delays of a failed report, ms (default 2 s, 5 s, 15 s, 30 s, 60 s). */
  retryDelaysMs?: number[];
}

/** The report sent to recipients on confirmation and at each follow-up (docs/alerts.md). */
export interface AlertReport {
  alertId: string;
  /** 0 = first report, n = follow-up n, -1 = escalation notice (unacknowledged past `escalateAfterS`). */
  report: number;
  site: string;
  tower: { id: string; name: string; lat: number; lon: number };
  cameraId: string;
  kind: Alert['kind'];
  detectedAt: string;
  bearing: number;
  tilt: number;
  position: Alert['position'];
  /** Path of the snapshot on the host (`/api/alerts/snapshots/<name>`). */
  snapshot: string | null;
  /** The tower's weather station at the time of the report, when it answers. */
  weather: { temperatureC: number | null; humidityPct: number | null; windSpeedMs: number | null; windFromDeg: number | null } | null;
  text: string;
}

export interface AlertsDomain {
  handlers: AlertHandlers;
  /** `POST /api/alerts/ingest`: a detector's alarm. Answers 200 only once the alert is stored. */
  ingest(req: IncomingMessage, res: ServerResponse): void;
  /** The file of a stored snapshot, or undefined. */
  snapshotPath(name: string): string | undefined;
  /** Escalations and due follow-ups (the timer calls it). */
  tick(): Promise<void>;
  list(): Alert[];
  close(): Promise<void>;
}

const MAX_BODY = Math.ceil((MAX_SNAPSHOT_BYTES * 4) / 3) + 64 * 1024;
const KIND_WORD = { smoke: '烟雾', fire: '火点' } as const;

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** JPEG start and end markers; a snapshot without them is not a picture. */
const isJpeg = (b: Buffer) => b.length > 4 && b[0] === 0xff && b[1] === 0xd8 && b.at(-2) === 0xff && b.at(-1) === 0xd9;

const quantile = (xs: number[], q: number): number | null => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? null;
};

/**
 * The alerts domain: detector ingest, deduplication and linking, verification, observation with
 * follow-ups, reports to recipients with retries, and the permanent alarm log.
 */
export function createAlertsDomain(opts: AlertsDomainOptions): AlertsDomain {
  const { site, bus, log } = opts;
  const policy = site.alerts;
  const now = opts.now ?? Date.now;
  const hooks = opts.hooks ?? {};
  const store = new AlertStore(opts.dir, log);
  const alerts = new Map<string, Alert>(store.load().map((a) => [a.id, a]));
  const retryDelays = opts.retryDelaysMs ?? [2000, 5000, 15_000, 30_000, 60_000];
  const towers = new Map(site.towers.map((t) => [t.id, t]));
  const places = new Map(site.towers.map((t) => [t.id, latLon(t.lat, t.lon)]));
  const detectors = new Map(site.towers.flatMap((t) => (t.detector ? [[t.detector.id, { tower: t, token: t.detector.token }] as const] : [])));
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const open = [...alerts.values()].filter(isOpen).length;
  if (open) log('info', `alerts: ${open} open alert(s) resumed from the alarm log`);

  const save = (a: Alert): Alert => {
    store.put(a);
    alerts.set(a.id, a);
    bus.emit('alert:changed', a);
    return a;
  };

  const get = (id: string): Alert => alerts.get(id) ?? fail('not_found', `no alert ${id}`);
  const fail = (code: ConstructorParameters<typeof HostFailure>[0], message: string): never => {
    throw new HostFailure(code, message);
  };
  const who = (ctx: CallContext) => ctx.session?.user.displayName ?? ctx.device.name;

  // ---------------------------------------------------------------------------------------------
  // Reports

  const report = (a: Alert, n: number): AlertReport => {
    const t = towers.get(a.towerId)!;
    const f = n > 0 ? a.observation?.followUps[n - 1] : undefined;
    const snapshot = f?.snapshot ?? a.snapshots.at(-1) ?? null;
    const pos = f?.position ?? a.position;
    const where = pos ? `，估计位置 ${pos.lat.toFixed(5)}, ${pos.lon.toFixed(5)}（±${pos.uncertaintyM} m）` : '';
    return {
      alertId: a.id,
      report: n,
      site: site.site.name,
      tower: { id: t.id, name: t.name, lat: t.lat, lon: t.lon },
      cameraId: a.cameraId,
      kind: a.kind,
      detectedAt: new Date(a.firstAt).toISOString(),
      bearing: f?.pose?.bearing ?? a.bearing,
      tilt: f?.pose?.tilt ?? a.tilt,
      position: pos,
      snapshot: snapshot ? `/api/alerts/snapshots/${snapshot}` : null,
      weather: hooks.weather?.(a.towerId) ?? null,
      // A drill's notices say so first: nobody on the phone takes it for a fire.
      text:
        (a.drill ? '【演练】' : '') +
        (n === ESCALATION_REPORT
          ? `【报警超时未处理】${t.name}${KIND_WORD[a.kind]}报警（方位 ${a.bearing.toFixed(1)}°）已 ${policy.escalateAfterS} 秒无人确认，请值班长立即处理`
          : `${n === 0 ? '【烟火预警】' : `【第${n}次跟踪报告】`}${t.name}发现${KIND_WORD[a.kind]}，方位 ${(f?.pose?.bearing ?? a.bearing).toFixed(1)}°${where}`),
    };
  };

  const defaultSend = async (r: AlertsConfig['recipients'][number], body: AlertReport): Promise<void> => {
    const res = await fetch(r.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...(r.token ? { authorization: `Bearer ${r.token}` } : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`${r.name} answered ${res.status}`);
  };
  const send = opts.send ?? defaultSend;

  const setNotification = (id: string, n: Notification) => {
    const a = alerts.get(id);
    if (!a) return;
    const rest = a.notifications.filter((x) => !(x.report === n.report && x.recipient === n.recipient));
    save({ ...a, notifications: [...rest, n].sort((x, y) => x.report - y.report || x.recipient.localeCompare(y.recipient)) });
  };

  /**
   * Sends report `n` of an alert (or its escalation notice) to every recipient that receives it, each
   * retried on its own until it goes or the delays run out.
   */
  const notify = (a: Alert, n: number) => {
    const body = report(a, n);
    const wanted = n === ESCALATION_REPORT ? 'escalations' : 'reports';
    for (const r of policy.recipients.filter((x) => x.receives.includes(wanted))) {
      const attempt = (k: number) => {
        if (closed) return;
        send(r, body).then(
          () => setNotification(a.id, { report: n, recipient: r.name, state: 'sent', attempts: k + 1, lastError: null, at: now() }),
          (e: Error) => {
            const last = k >= retryDelays.length;
            setNotification(a.id, { report: n, recipient: r.name, state: last ? 'failed' : 'sending', attempts: k + 1, lastError: e.message, at: now() });
            if (last) {
              log('error', `alerts: report ${n} of alert ${a.id} to ${r.name} failed ${k + 1} times: ${e.message}`);
              return;
            }
            const timer = setTimeout(() => {
              timers.delete(timer);
              attempt(k + 1);
            }, retryDelays[k]);
            timers.add(timer);
          },
        );
      };
      setNotification(a.id, { report: n, recipient: r.name, state: 'sending', attempts: 0, lastError: null, at: now() });
      attempt(0);
    }
  };

  // ---------------------------------------------------------------------------------------------
  // Ingest

  const raise = (alarm: z.output<typeof DetectorAlarmSchema>, tower: SiteConfig['towers'][number], jpeg: Buffer): { alert: Alert; merged: boolean } => {
    const at = typeof alarm.at === 'number' ? alarm.at : Date.parse(alarm.at);
    const bearing = normalizeBearing(alarm.pose.pan + tower.northOffset);
    const snapshot = store.saveSnapshot(jpeg);
    // A drill and a real fire are never taken for one another.
    const drill = alarm.drill === true;
    const peers = [...alerts.values()].filter((x) => (x.drill === true) === drill);
    const target = mergeTarget(peers, { cameraId: alarm.cameraId, bearing, at }, policy);
    if (target) {
      const merged = save({
        ...target,
        count: target.count + 1,
        lastAt: Math.max(target.lastAt, at),
        confidence: Math.max(target.confidence, alarm.confidence),
        kind: target.kind === 'fire' || alarm.kind === 'fire' ? 'fire' : 'smoke',
        snapshots: [...target.snapshots, snapshot].slice(-20),
        boxes: alarm.boxes.length ? alarm.boxes : target.boxes,
      });
      return { alert: merged, merged: true };
    }
    let a: Alert = {
      id: randomUUID(),
      towerId: tower.id,
      cameraId: alarm.cameraId,
      detectorId: alarm.detectorId,
      kind: alarm.kind,
      confidence: alarm.confidence,
      firstAt: at,
      lastAt: at,
      receivedAt: now(),
      count: 1,
      bearing,
      tilt: alarm.pose.tilt,
      zoom: alarm.pose.zoom,
      preset: alarm.preset ?? null,
      boxes: alarm.boxes,
      snapshots: [snapshot],
      status: 'new',
      acknowledged: null,
      escalatedAt: null,
      decision: null,
      linked: [],
      position: null,
      observation: null,
      closed: null,
      notifications: [],
      clip: null,
      ...(drill ? { drill: true } : {}),
    };
    const { linked, position } = linkAlerts(a, peers, places, policy);
    a = { ...a, linked: linked.map((l) => l.id), position };
    save(a);
    // A position an operator located on the map stays until an operator moves it.
    for (const l of linked) save({ ...l, linked: [...new Set([...l.linked, a.id])], position: l.position?.by ? l.position : (position ?? l.position) });
    return { alert: a, merged: false };
  };

  const ingest = (req: IncomingMessage, res: ServerResponse): void => {
    const reply = (status: number, body: Record<string, unknown>) => {
      if (!res.headersSent) res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
    };
    const refuse = (status: number, error: string, more: Record<string, unknown> = {}) => {
      log('warn', `alerts: ingest from ${req.socket.remoteAddress ?? '?'} refused (${status}): ${error}`);
      reply(status, { error, ...more });
    };
    if (req.method !== 'POST') return void refuse(405, 'use POST');
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const detector = [...detectors.values()].find((d) => d.token && same(d.token, token));
    if (!detector) return void refuse(401, 'missing or wrong detector token');
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY) {
      refuse(413, `body of ${declared} bytes; at most ${MAX_BODY} (a snapshot of ${MAX_SNAPSHOT_BYTES} bytes)`);
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) tooBig = true;
      else chunks.push(c);
    });
    req.on('error', () => undefined);
    req.on('end', () => {
      if (tooBig) return void refuse(413, `body larger than ${MAX_BODY} bytes`);
      let json: unknown;
      try {
        json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch (e) {
        return void refuse(400, `body is not JSON: ${(e as Error).message}`);
      }
      const parsed = DetectorAlarmSchema.safeParse(json);
      if (!parsed.success) {
        return void refuse(400, 'alarm refused', { reasons: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`) });
      }
      const alarm = parsed.data;
      const tower = detector.tower;
      if (alarm.detectorId !== tower.detector?.id) return void refuse(403, `token of detector ${tower.detector?.id ?? '?'} used for ${alarm.detectorId}`);
      if (!tower.cameras.some((c) => c.id === alarm.cameraId)) return void refuse(400, `camera ${alarm.cameraId} is not on tower ${tower.id} (${tower.name})`);
      const jpeg = Buffer.from(alarm.snapshot, 'base64');
      if (!isJpeg(jpeg)) return void refuse(400, 'snapshot is not a whole JPEG (base64 of the file, FFD8 … FFD9)');
      if (jpeg.length > MAX_SNAPSHOT_BYTES) return void refuse(413, `snapshot of ${jpeg.length} bytes; at most ${MAX_SNAPSHOT_BYTES}`);
      let result;
      try {
        result = raise(alarm, tower, jpeg);
      } catch (e) {
        log('error', `alerts: cannot store an alarm of ${alarm.detectorId}: ${(e as Error).message}`);
        return void reply(503, { error: 'alarm not stored; send it again' });
      }
      reply(200, { alertId: result.alert.id, merged: result.merged, count: result.alert.count });
      if (!result.merged && !result.alert.position && hooks.groundFix) {
        const id = result.alert.id;
        hooks.groundFix(result.alert).then(
          (position) => {
            const cur = alerts.get(id);
            // A triangulated position (a second tower) is better than one ray on the terrain.
            if (position && cur && !cur.position && !closed) save({ ...cur, position });
          },
          (e: Error) => log('warn', `alerts: no single-tower fix for alert ${id}: ${e.message}`),
        );
      }
      if (!result.merged && hooks.clip) {
        const id = result.alert.id;
        hooks.clip(result.alert).then(
          (clip) => {
            const cur = alerts.get(id);
            if (cur && !closed) save({ ...cur, clip });
          },
          (e: Error) => closed || log('warn', `alerts: no evidence clip for alert ${id}: ${e.message}`),
        );
      }
      if (!result.merged) {
        log('warn', `alerts: ${KIND_WORD[alarm.kind]} at ${tower.name}, ${alarm.cameraId}, bearing ${result.alert.bearing.toFixed(1)}° (alert ${result.alert.id})`);
        try {
          hooks.raised?.(result.alert);
        } catch (e) {
          log('error', `alerts: reacting to alert ${result.alert.id}: ${(e as Error).message}`);
        }
      }
    });
  };

  // ---------------------------------------------------------------------------------------------
  // Clock: escalation and follow-ups

  const due = new Set<string>();
  const tick = async (): Promise<void> => {
    const t = now();
    for (const a of [...alerts.values()]) {
      if (a.status === 'new' && !a.acknowledged && !a.escalatedAt && t - a.receivedAt >= policy.escalateAfterS * 1000) {
        log('warn', `alerts: alert ${a.id} (${towers.get(a.towerId)?.name ?? a.towerId}) unacknowledged for ${policy.escalateAfterS} s: escalated to the shift leader`);
        notify(save({ ...a, escalatedAt: t }), ESCALATION_REPORT);
      }
      const next = nextFollowUpAt(a, policy);
      if (next === null || next > t || due.has(a.id)) continue;
      due.add(a.id);
      try {
        const jpeg = await hooks.snapshot?.(a.cameraId).catch(() => null);
        const cur = alerts.get(a.id);
        if (!cur?.observation || cur.status !== 'confirmed') continue;
        const f: FollowUp = {
          seq: cur.observation.followUps.length + 1,
          at: next,
          snapshot: jpeg ? store.saveSnapshot(jpeg) : null,
          pose: hooks.pose?.(cur.cameraId) ?? null,
          position: cur.position,
        };
        const saved = save({ ...cur, observation: { ...cur.observation, followUps: [...cur.observation.followUps, f] } });
        notify(saved, f.seq);
      } finally {
        due.delete(a.id);
      }
    }
  };
  const tickMs = opts.tickMs ?? 1000;
  const clock = tickMs > 0 ? setInterval(() => void tick(), tickMs) : undefined;
  clock?.unref();

  // ---------------------------------------------------------------------------------------------
  // Commands

  const end = (a: Alert) => {
    try {
      hooks.ended?.(a);
    } catch (e) {
      log('error', `alerts: releasing alert ${a.id}: ${(e as Error).message}`);
    }
  };

  const list = () => [...alerts.values()].sort((x, y) => (isOpen(x) === isOpen(y) ? (isOpen(x) ? queueOrder(x, y) : y.receivedAt - x.receivedAt) : isOpen(x) ? -1 : 1));

  const handlers: AlertHandlers = {
    'alert:list': async ({ limit }) => ({ alerts: list().slice(0, limit) }),
    'alert:acknowledge': async ({ id }, ctx) => {
      const a = get(id);
      return a.acknowledged ? a : save({ ...a, acknowledged: { by: who(ctx), at: now() } });
    },
    'alert:decide': async ({ id, verdict, reason, note, duplicateOf }, ctx) => {
      const a = get(id);
      if (a.status !== 'new') fail('conflict', `alert ${id} was already decided (${a.status}) by ${a.decision?.by ?? '?'}`);
      if (verdict === 'false_alarm' && !reason) fail('invalid_args', 'a false alarm needs a reason (cloud, fog, dust, lights, …)');
      if (verdict === 'duplicate') {
        if (!duplicateOf || duplicateOf === id) fail('invalid_args', 'a duplicate names the alert it repeats (duplicateOf)');
        get(duplicateOf!);
      }
      const t = now();
      const decided: Alert = {
        ...a,
        status: verdict,
        acknowledged: a.acknowledged ?? { by: who(ctx), at: t },
        decision: { by: who(ctx), at: t, reason: verdict === 'false_alarm' ? reason! : null, note, duplicateOf: verdict === 'duplicate' ? duplicateOf! : null },
        observation: verdict === 'confirmed' ? { startedAt: t, until: t + policy.observeMinutes * 60_000, followUps: [] } : null,
      };
      save(decided);
      if (verdict === 'confirmed') notify(decided, 0);
      else end(decided);
      return alerts.get(id)!;
    },
    'alert:remark': async ({ id, text }) => {
      const a = get(id);
      if (a.status !== 'confirmed' || !a.observation) fail('conflict', `alert ${id} is not under observation`);
      const fs = [...a.observation!.followUps];
      const last = fs.at(-1);
      if (last) fs[fs.length - 1] = { ...last, remark: last.remark ? `${last.remark}\n${text}` : text };
      else fs.push({ seq: 0, at: now(), snapshot: null, pose: null, position: a.position, remark: text });
      return save({ ...a, observation: { ...a.observation!, followUps: fs } });
    },
    'alert:locate': async ({ id, lat, lon, method, uncertaintyM }, ctx) => {
      const a = get(id);
      if (!isOpen(a)) fail('conflict', `alert ${id} is ${a.status}: only an open alert is located`);
      const at = now();
      log('info', `alerts: ${who(ctx)} located alert ${id} at ${lat.toFixed(5)}, ${lon.toFixed(5)} (±${Math.round(uncertaintyM)} m, ${method})`);
      return save({ ...a, position: { lat, lon, method, uncertaintyM: Math.round(uncertaintyM), by: who(ctx), at } });
    },
    'alert:close': async ({ id, note }, ctx) => {
      const a = get(id);
      if (a.status !== 'confirmed') fail('conflict', `only a confirmed fire under observation is closed; alert ${id} is ${a.status}`);
      const c = save({ ...a, status: 'closed', closed: { by: who(ctx), at: now(), note } });
      end(c);
      return c;
    },
    'alert:stats': async ({ days }) => {
      const since = now() - days * 86_400_000;
      const xs = [...alerts.values()].filter((a) => a.receivedAt >= since);
      const byTower = new Map<string, { towerId: string; total: number; confirmed: number; falseAlarms: number }>();
      const byStatus: Record<string, number> = {};
      const reasons: Record<string, number> = {};
      for (const a of xs) {
        const t = byTower.get(a.towerId) ?? { towerId: a.towerId, total: 0, confirmed: 0, falseAlarms: 0 };
        t.total++;
        if (a.status === 'confirmed' || a.status === 'closed') t.confirmed++;
        if (a.status === 'false_alarm') t.falseAlarms++;
        byTower.set(a.towerId, t);
        byStatus[a.status] = (byStatus[a.status] ?? 0) + 1;
        if (a.decision?.reason) reasons[a.decision.reason] = (reasons[a.decision.reason] ?? 0) + 1;
      }
      const decided = xs.filter((a) => a.decision);
      const acks = xs.flatMap((a) => (a.acknowledged ? [(a.acknowledged.at - a.receivedAt) / 1000] : []));
      const stats: AlertStats = {
        since,
        total: xs.length,
        byTower: [...byTower.values()].sort((x, y) => y.total - x.total),
        byStatus,
        falseAlarmReasons: reasons,
        falseAlarmRate: decided.length ? decided.filter((a) => a.status === 'false_alarm').length / decided.length : null,
        ackMedianS: quantile(acks, 0.5),
        ackP95S: quantile(acks, 0.95),
      };
      return stats;
    },
  };

  return {
    handlers,
    ingest,
    snapshotPath: (name) => store.snapshotPath(name),
    tick,
    list,
    close: async () => {
      closed = true;
      if (clock) clearInterval(clock);
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}

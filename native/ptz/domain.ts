import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { HostFailure } from '../../common/contract/errors';
import {
  CruisePlan,
  type CruiseInfo,
  type PtzAck,
  type PtzControl,
  type PtzPreset,
  type PtzPriority,
  type ptzCommands,
  type ptzEvents,
} from '../../common/contract/ptz';
import type { SiteConfig } from '../../common/site';
import type { Logger } from '../host/dispatch';
import type { CallContext } from '../host/registry';
import { MemoryActionLog, type PtzActionLog } from './action-log';
import { PRIORITY_RANK, PtzArbiter, type Hold } from './arbitration';
import { CruiseScheduler, type CruiseAction } from './cruise';
import type { DriverPreset, PtzDriver } from './driver';
import { HeadSession, HeadUnavailable, type HeadSpec, type HeadTiming } from './head-session';
import { NodeOnvifDriver } from './onvif-driver';

/** `ptz:decoderPoses` joins the wall and PTZ, so the composition root (host/start.ts) answers it. */
type PtzCommandName = Exclude<keyof typeof ptzCommands, 'ptz:decoderPoses'>;
type PtzHandler<K extends PtzCommandName> = (
  args: z.output<(typeof ptzCommands)[K]['args']>,
  ctx: CallContext,
) => Promise<z.output<(typeof ptzCommands)[K]['result']>>;
/** Every `ptz:*` handler; assignable to the host's `HandlerMap`. */
export type PtzHandlers = { [K in PtzCommandName]: PtzHandler<K> };

type PtzEvents = { [E in keyof typeof ptzEvents]: z.output<(typeof ptzEvents)[E]> };
/** The part of the host's EventBus the domain publishes on. */
export interface PtzEventSink {
  emit<E extends keyof PtzEvents>(name: E, payload: PtzEvents[E]): void;
}

export interface PtzDomainOptions {
  site: SiteConfig;
  bus: PtzEventSink;
  log: Logger;
  now?: () => number;
  /** Builds the driver of a head; default ONVIF through node-onvif. */
  driverFor?: (spec: HeadSpec) => PtzDriver;
  /** How long an operator holds a head after their last command, ms (default 30 s). */
  holdMs?: number;
  /** Highest priority a caller may claim with `ptz:takeControl` (default `leader`, until consoles authenticate). */
  maxPriority?: (ctx: CallContext) => PtzPriority;
  actionLog?: PtzActionLog;
  /** Where cruise plans are kept (`ptz-cruise.json`); in memory only without it. */
  stateDir?: string;
  timing?: Partial<HeadTiming>;
  /** Cruise and hold-expiry clock tick, ms. */
  tickMs?: number;
}

export interface PtzDomain {
  handlers: PtzHandlers;
  actionLog: PtzActionLog;
  /**
   * A console's connection closed: the heads it held are free at once (stopped if moving) rather than
   * blocking everyone — its own person on a reopened page included — until the hold runs out.
   */
  clientGone(clientId: string): void;
  close(): Promise<void>;
}

interface Head {
  spec: HeadSpec;
  session: HeadSession;
  cruise: CruiseScheduler | undefined;
  lastCruise: string;
  lastLink: string;
  /** Cruise moves that failed in a row; at CRUISE_MAX_FAILURES the cruise stops itself. */
  cruiseFailures: number;
  /** `until` of the last control event, so renewals are announced now and then, not per command. */
  announcedUntil: number;
}

/** A cruise whose moves keep failing (a preset deleted from the head, a refused view) stops after this many in a row. */
const CRUISE_MAX_FAILURES = 3;

/** A renewed hold is announced again once it has moved this far, ms. */
const CONTROL_RENEW_EVENT_MS = 5000;

const PRIORITY_WORD: Record<PtzPriority, string> = { operator: 'operator', leader: 'shift leader', alarm: 'alarm' };

/** Groups the site's ONVIF cameras into heads: cameras of a tower sharing one ONVIF address are one head. */
export function headsOf(site: SiteConfig): HeadSpec[] {
  const out: HeadSpec[] = [];
  for (const t of site.towers) {
    const byUrl = new Map<string, { cameras: string[]; credentials: string | undefined }>();
    for (const c of t.cameras) {
      if (!c.onvif) continue;
      const g = byUrl.get(c.onvif.url);
      if (g) g.cameras.push(c.id);
      else byUrl.set(c.onvif.url, { cameras: [c.id], credentials: c.onvif.credentials });
    }
    [...byUrl.entries()].forEach(([url, g], i) => {
      const cred = g.credentials ? site.credentials.find((c) => c.id === g.credentials) : undefined;
      out.push({
        headId: i === 0 ? t.id : `${t.id}-${i + 1}`,
        towerId: t.id,
        towerName: t.name,
        cameraIds: g.cameras,
        northOffset: t.northOffset,
        url,
        ...(cred ? { user: cred.user, ...(cred.password !== undefined ? { password: cred.password } : {}) } : {}),
      });
    });
  }
  return out;
}

/**
 * The PTZ domain: one session per head, arbitration of who steers it, cruises, the action log,
 * and the `ptz:*` command handlers. Poses, control changes, faults and actions go out as events.
 */
export function createPtzDomain(opts: PtzDomainOptions): PtzDomain {
  const { site, bus, log } = opts;
  const now = opts.now ?? Date.now;
  const arbiter = new PtzArbiter({ now, holdMs: opts.holdMs ?? 30_000 });
  const actionLog = opts.actionLog ?? new MemoryActionLog();
  const maxPriority = opts.maxPriority ?? (() => 'leader');
  if (opts.stateDir) mkdirSync(opts.stateDir, { recursive: true });
  const cruiseFile = opts.stateDir ? join(opts.stateDir, 'ptz-cruise.json') : undefined;
  const savedPlans = loadPlans(cruiseFile, log);

  const heads = new Map<string, Head>();
  const cameraHead = new Map<string, Head>();
  for (const spec of headsOf(site)) {
    if (spec.user && spec.password === undefined) {
      log('warn', `PTZ ${spec.towerName} (${spec.headId}): credentials without a password; connecting without`);
    }
    const driver =
      opts.driverFor?.(spec) ??
      new NodeOnvifDriver({
        url: spec.url,
        ...(spec.user !== undefined ? { user: spec.user } : {}),
        ...(spec.password !== undefined ? { password: spec.password } : {}),
        label: `${spec.towerName} (${spec.headId})`,
        log,
      });
    const session = new HeadSession({
      spec,
      driver,
      now,
      log,
      ...(opts.timing ? { timing: opts.timing } : {}),
      onPose: (pose) => {
        bus.emit('ptz:pose', pose);
        const h = heads.get(spec.headId);
        if (!pose.moving && h?.cruise) runCruise(h, h.cruise.arrived(now()));
      },
      onLink: (state, message) => {
        const h = heads.get(spec.headId);
        const was = h?.lastLink ?? 'connecting';
        if (h) h.lastLink = state;
        if (state === 'connecting' || (state === 'online' && was === 'connecting')) return;
        if (state !== 'online') log('warn', message ?? `PTZ ${spec.headId}: ${state}`);
        bus.emit('ptz:fault', { headId: spec.headId, cameraIds: spec.cameraIds, state, message, cleared: state === 'online', at: now() });
      },
    });
    const head: Head = { spec, session, cruise: undefined, lastCruise: '', lastLink: 'connecting', announcedUntil: 0, cruiseFailures: 0 };
    const plan = savedPlans[spec.headId];
    if (plan) head.cruise = new CruiseScheduler(plan);
    heads.set(spec.headId, head);
    for (const c of spec.cameraIds) cameraHead.set(c, head);
  }
  for (const h of heads.values()) h.session.start();

  const label = (h: Head) => `${h.spec.towerName} (${h.spec.headId})`;
  const clock = (ms: number) => new Date(ms).toLocaleTimeString('zh-CN', { timeZone: site.site.timeZone, hour12: false });

  const headOf = (cameraId: string): Head => {
    const h = cameraHead.get(cameraId);
    if (h) return h;
    for (const t of site.towers) {
      const c = t.cameras.find((x) => x.id === cameraId);
      if (c) throw new HostFailure('unavailable', `camera ${cameraId} (${t.name}) has no PTZ control: the site file gives it no ONVIF address`);
    }
    throw new HostFailure('not_found', `no camera ${cameraId}`);
  };

  const announceControl = (h: Head) => {
    const c = control(h);
    h.announcedUntil = c.holder?.until ?? 0;
    bus.emit('ptz:control', c);
  };

  const control = (h: Head): PtzControl => {
    const hold = arbiter.holder(h.spec.headId);
    return {
      headId: h.spec.headId,
      cameraIds: h.spec.cameraIds,
      holder: hold ? { clientId: hold.clientId, ...(hold.who ? { who: hold.who } : {}), priority: hold.priority, since: hold.since, until: hold.until } : null,
    };
  };

  const cruiseInfo = (h: Head): CruiseInfo => {
    const c = h.cruise;
    const hold = arbiter.holder(h.spec.headId);
    const resumes = c?.resumesAt ?? null;
    return {
      headId: h.spec.headId,
      cameraIds: h.spec.cameraIds,
      plan: c?.plan ?? null,
      state: c?.state ?? 'stopped',
      step: c?.step ?? null,
      resumesAt: resumes === null ? null : Math.max(resumes, hold?.until ?? 0),
    };
  };

  const emitCruise = (h: Head, force = false) => {
    const info = cruiseInfo(h);
    const key = JSON.stringify([info.state, info.step, info.plan, info.resumesAt]);
    if (!force && key === h.lastCruise) return;
    h.lastCruise = key;
    bus.emit('ptz:cruise', info);
  };

  const record = (h: Head, cameraId: string | null, clientId: string, action: string, detail: string, outcome: 'ok' | 'conflict' | 'failed') => {
    const a = { at: now(), headId: h.spec.headId, cameraId, clientId, action, detail, outcome };
    actionLog.record(a);
    bus.emit('ptz:action', a);
  };

  function runCruise(h: Head, actions: CruiseAction[]): void {
    for (const a of actions) {
      let p: Promise<void>;
      try {
        const pose = h.session.pose;
        // Without a known pan, a view change would swing the head to pan 0.
        if (a.kind === 'view' && !pose) throw new Error('pose not known yet');
        p =
          a.kind === 'goto'
            ? h.session.gotoPreset(a.preset)
            : a.kind === 'view' && pose
              ? h.session.absolute({ pan: pose.pan, tilt: a.tilt ?? pose.tilt, ...(a.zoom !== undefined ? { zoom: a.zoom } : {}) })
              : a.kind === 'move'
                ? h.session.move({ pan: a.pan, tilt: 0, zoom: 0 })
                : h.session.stop();
      } catch (e) {
        p = Promise.reject(e instanceof Error ? e : new Error(String(e)));
      }
      // Keep-alives of a scan are not actions of their own; the rest are recorded with their outcome.
      const what = a.kind === 'goto' ? (['gotoPreset', `preset ${a.preset}`] as const) : a.kind === 'view' ? (['absolute', `tilt ${a.tilt ?? '-'} zoom ${a.zoom ?? '-'}`] as const) : null;
      p.then(
        () => {
          h.cruiseFailures = 0;
          if (what) record(h, null, 'cruise', what[0], what[1], 'ok');
        },
        (e: unknown) => {
          const msg = (e as Error).message;
          if (what) record(h, null, 'cruise', what[0], `${what[1]} — ${msg}`, 'failed');
          if (!h.cruise || h.cruise.state === 'stopped') return;
          if (++h.cruiseFailures < CRUISE_MAX_FAILURES) {
            if (a.kind === 'goto') runCruise(h, h.cruise.skip(now()));
            return;
          }
          // Retrying a preset the head no longer has, every dwell, round the clock, helps nobody.
          log('warn', `${label(h)}: cruise stopped after ${CRUISE_MAX_FAILURES} failed moves in a row; last: ${msg}`);
          record(h, null, 'cruise', 'cruiseStop', `${CRUISE_MAX_FAILURES} failed moves in a row: ${msg}`, 'failed');
          h.cruiseFailures = 0;
          runCruise(h, h.cruise.stop(now()));
        },
      );
    }
    emitCruise(h);
  }

  /**
   * Claims a head for a caller before a command: renews their hold, takes over with a higher
   * priority, or refuses with who holds it until when. Pauses a running cruise.
   */
  const claim = (h: Head, ctx: CallContext, cameraId: string, action: string, requested?: PtzPriority, stopOnTakeover = false): Hold => {
    const current = arbiter.holder(h.spec.headId);
    const priority = requested ?? (current?.clientId === ctx.clientId ? current.priority : 'operator');
    const r = arbiter.acquire(h.spec.headId, ctx.clientId, priority, ctx.session?.user.displayName);
    if (!r.ok) {
      record(h, cameraId, ctx.clientId, action, `held by ${r.holder.clientId}`, 'conflict');
      throw new HostFailure(
        'conflict',
        `${label(h)}: PTZ is controlled by ${r.holder.who ?? r.holder.clientId} (${PRIORITY_WORD[r.holder.priority]}) until ${clock(r.holder.until)}`,
      );
    }
    if (r.tookFrom) {
      log('info', `${label(h)}: ${ctx.clientId} (${priority}) took PTZ control from ${r.tookFrom.clientId} (${r.tookFrom.priority})`);
      record(h, cameraId, ctx.clientId, 'takeover', `from ${r.tookFrom.clientId} (${r.tookFrom.priority}) as ${priority}`, 'ok');
      if (stopOnTakeover && h.session.continuous) h.session.stop().catch(() => undefined);
    }
    if (r.fresh || r.hold.until - h.announcedUntil >= CONTROL_RENEW_EVENT_MS) announceControl(h);
    if (h.cruise) runCruise(h, h.cruise.interrupt(now()));
    return r.hold;
  };

  const refuseIfHeldByOther = (h: Head, ctx: CallContext, cameraId: string, action: string) => {
    const current = arbiter.holder(h.spec.headId);
    if (current && current.clientId !== ctx.clientId) {
      record(h, cameraId, ctx.clientId, action, `held by ${current.clientId}`, 'conflict');
      throw new HostFailure('conflict', `${label(h)}: PTZ is controlled by ${current.who ?? current.clientId} (${PRIORITY_WORD[current.priority]}) until ${clock(current.until)}`);
    }
  };

  /**
   * Runs a head command, turning head failures into `unavailable`. With a `detail` it is an
   * action and recorded; reads and the repeats of a held move pass `null` and are not.
   */
  const perform = async <T>(h: Head, ctx: CallContext, cameraId: string, action: string, detail: string | null, run: () => Promise<T>): Promise<T> => {
    try {
      const v = await run();
      if (detail !== null) record(h, cameraId, ctx.clientId, action, detail, 'ok');
      return v;
    } catch (e) {
      if (detail !== null) record(h, cameraId, ctx.clientId, action, `${detail} — ${(e as Error).message}`.trim(), 'failed');
      if (e instanceof HeadUnavailable) throw new HostFailure('unavailable', e.message);
      throw e;
    }
  };

  const steer = async (cameraId: string, ctx: CallContext, action: string, detail: string | null, run: (h: Head) => Promise<void>): Promise<PtzAck> => {
    const h = headOf(cameraId);
    const hold = claim(h, ctx, cameraId, action);
    await perform(h, ctx, cameraId, action, detail, () => run(h));
    return { headId: h.spec.headId, heldUntil: hold.until };
  };

  /** Refuses a preset the head does not have; the list is read again first, since another tool may have set it. */
  const knownPreset = async (h: Head, preset: number) => {
    const has = (list: DriverPreset[] | undefined) => list === undefined || list.some((p) => p.preset === preset);
    if (has(h.session.cachedPresets)) return;
    const fresh = await h.session.presets().catch(() => undefined);
    if (!has(fresh ?? h.session.cachedPresets)) throw new HostFailure('not_found', `${label(h)}: no preset ${preset}`);
  };

  const savePlans = () => {
    if (!cruiseFile) return;
    const plans: Record<string, CruisePlan> = {};
    for (const h of heads.values()) if (h.cruise) plans[h.spec.headId] = h.cruise.plan;
    try {
      // Via rename, so a crash mid-write leaves the previous plans rather than half a file.
      const tmp = `${cruiseFile}.${process.pid}.tmp`;
      writeFileSync(tmp, `${JSON.stringify({ plans }, null, 2)}\n`);
      renameSync(tmp, cruiseFile);
    } catch (e) {
      log('warn', `cannot save cruise plans to ${cruiseFile}: ${(e as Error).message}`);
    }
  };

  const tick = setInterval(() => {
    for (const headId of arbiter.expire()) {
      const h = heads.get(headId);
      if (h) announceControl(h);
    }
    for (const h of heads.values()) {
      if (!h.cruise) continue;
      runCruise(h, h.cruise.tick(now(), arbiter.holder(h.spec.headId) !== undefined));
    }
  }, opts.tickMs ?? 250);
  tick.unref();

  const fmt = (n: number) => (Math.round(n * 100) / 100).toString();

  const handlers: PtzHandlers = {
    'ptz:move': async ({ cameraId, pan, tilt, zoom }, ctx) => {
      const h = headOf(cameraId);
      const starting = !h.session.continuous;
      const hold = claim(h, ctx, cameraId, 'move');
      await perform(h, ctx, cameraId, 'move', starting ? `pan ${fmt(pan)} tilt ${fmt(tilt)} zoom ${fmt(zoom)}` : null, () =>
        h.session.move({ pan, tilt, zoom }),
      );
      return { headId: h.spec.headId, heldUntil: hold.until };
    },
    'ptz:stop': ({ cameraId }, ctx) => steer(cameraId, ctx, 'stop', '', (h) => h.session.stop()),
    'ptz:absolute': ({ cameraId, pan, tilt, zoom, focus, speed }, ctx) =>
      steer(
        cameraId,
        ctx,
        'absolute',
        `pan ${fmt(pan)}° tilt ${fmt(tilt)}°${zoom !== undefined ? ` zoom ${fmt(zoom)}x` : ''}${focus !== undefined ? ` focus ${fmt(focus)}` : ''}`,
        (h) => h.session.absolute({ pan, tilt, ...(zoom !== undefined ? { zoom } : {}), ...(focus !== undefined ? { focus } : {}) }, speed),
      ),
    'ptz:relative': ({ cameraId, pan, tilt, zoomBy, speed }, ctx) =>
      steer(cameraId, ctx, 'relative', `pan ${fmt(pan)}° tilt ${fmt(tilt)}°${zoomBy !== undefined ? ` zoom ×${fmt(zoomBy)}` : ''}`, (h) =>
        h.session.relative({ pan, tilt, ...(zoomBy !== undefined ? { zoomBy } : {}) }, speed),
      ),
    'ptz:focus': ({ cameraId, action, speed }, ctx) => steer(cameraId, ctx, 'focus', action, (h) => h.session.focus(action, speed)),
    'ptz:gotoPreset': async ({ cameraId, preset, speed }, ctx) => {
      await knownPreset(headOf(cameraId), preset);
      return steer(cameraId, ctx, 'gotoPreset', `preset ${preset}`, (hh) => hh.session.gotoPreset(preset, speed));
    },
    'ptz:setPreset': async ({ cameraId, preset, name }, ctx): Promise<PtzPreset> => {
      const h = headOf(cameraId);
      claim(h, ctx, cameraId, 'setPreset');
      return perform(h, ctx, cameraId, 'setPreset', `preset ${preset} "${name}"`, () => h.session.setPreset(preset, name));
    },
    'ptz:removePreset': async ({ cameraId, preset }, ctx) => {
      await knownPreset(headOf(cameraId), preset);
      return steer(cameraId, ctx, 'removePreset', `preset ${preset}`, (hh) => hh.session.removePreset(preset));
    },
    'ptz:presets': async ({ cameraId }, ctx) => {
      const h = headOf(cameraId);
      const presets = await perform(h, ctx, cameraId, 'presets', null, () => h.session.presets());
      return { headId: h.spec.headId, presets };
    },
    'ptz:status': async ({ cameraId }, ctx) => {
      const h = headOf(cameraId);
      return perform(h, ctx, cameraId, 'status', null, () => h.session.status());
    },
    'ptz:takeControl': async ({ cameraId, priority }, ctx) => {
      const h = headOf(cameraId);
      const max = maxPriority(ctx);
      if (PRIORITY_RANK[priority] > PRIORITY_RANK[max]) {
        throw new HostFailure('forbidden', `${PRIORITY_WORD[priority]} priority is not allowed for this console (at most ${PRIORITY_WORD[max]})`);
      }
      claim(h, ctx, cameraId, 'takeControl', priority, true);
      record(h, cameraId, ctx.clientId, 'takeControl', priority, 'ok');
      return control(h);
    },
    'ptz:releaseControl': async ({ cameraId }, ctx) => {
      const h = headOf(cameraId);
      if (arbiter.release(h.spec.headId, ctx.clientId)) {
        if (h.session.continuous) h.session.stop().catch(() => undefined);
        record(h, cameraId, ctx.clientId, 'releaseControl', '', 'ok');
        announceControl(h);
      }
      return control(h);
    },
    'ptz:controlList': async () => [...heads.values()].map(control),
    'ptz:heads': async () =>
      [...heads.values()].map((h) => ({
        headId: h.spec.headId,
        towerId: h.spec.towerId,
        cameraIds: h.spec.cameraIds,
        link: h.session.link,
        message: h.session.linkMessage,
        model: h.session.info ? `${h.session.info.manufacturer} ${h.session.info.model}`.trim() : null,
        focus: h.session.info?.focus ?? false,
        pose: h.session.pose ?? null,
        control: control(h),
        cruise: cruiseInfo(h),
      })),
    'ptz:cruiseList': async () => [...heads.values()].map(cruiseInfo),
    'ptz:cruiseSet': async ({ cameraId, plan }, ctx) => {
      const h = headOf(cameraId);
      refuseIfHeldByOther(h, ctx, cameraId, 'cruiseSet');
      if (h.cruise) runCruise(h, h.cruise.stop(now()));
      h.cruise = plan ? new CruiseScheduler(plan) : undefined;
      savePlans();
      record(h, cameraId, ctx.clientId, 'cruiseSet', plan ? JSON.stringify(plan) : 'cleared', 'ok');
      emitCruise(h, true);
      return cruiseInfo(h);
    },
    'ptz:cruiseStart': async ({ cameraId }, ctx) => {
      const h = headOf(cameraId);
      refuseIfHeldByOther(h, ctx, cameraId, 'cruiseStart');
      if (!h.cruise) throw new HostFailure('not_found', `${label(h)}: no cruise is set`);
      // The cruise takes over: the starter gives the head up.
      if (arbiter.release(h.spec.headId, ctx.clientId)) announceControl(h);
      record(h, cameraId, ctx.clientId, 'cruiseStart', h.cruise.plan.mode, 'ok');
      runCruise(h, h.cruise.start(now()));
      return cruiseInfo(h);
    },
    'ptz:cruiseStop': async ({ cameraId }, ctx) => {
      const h = headOf(cameraId);
      refuseIfHeldByOther(h, ctx, cameraId, 'cruiseStop');
      if (h.cruise) {
        record(h, cameraId, ctx.clientId, 'cruiseStop', '', 'ok');
        runCruise(h, h.cruise.stop(now()));
      }
      return cruiseInfo(h);
    },
  };

  let closing: Promise<void> | undefined;
  return {
    handlers,
    actionLog,
    clientGone(clientId) {
      for (const h of heads.values()) {
        if (!arbiter.release(h.spec.headId, clientId)) continue;
        if (h.session.continuous) h.session.stop().catch(() => undefined);
        record(h, null, clientId, 'releaseControl', 'connection closed', 'ok');
        announceControl(h);
      }
    },
    close: () =>
      (closing ??= (async () => {
        clearInterval(tick);
        await Promise.all([...heads.values()].map((h) => h.session.close()));
      })()),
  };
}

function loadPlans(file: string | undefined, log: Logger): Record<string, CruisePlan> {
  if (!file) return {};
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as { plans?: Record<string, unknown> };
    const out: Record<string, CruisePlan> = {};
    for (const [headId, p] of Object.entries(raw.plans ?? {})) {
      const parsed = CruisePlan.safeParse(p);
      if (parsed.success) out[headId] = parsed.data;
      else log('warn', `cruise plan of ${headId} in ${file} is invalid; ignored`);
    }
    return out;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') log('warn', `cannot read cruise plans ${file}: ${(e as Error).message}`);
    return {};
  }
}

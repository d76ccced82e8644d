import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import type { Alert } from '../../common/alerts';
import { type demoCommands, type DemoCapture, type DemoState } from '../../common/contract/demo';
import { HostFailure } from '../../common/contract/errors';
import {
  IDLE,
  playerGoto,
  playerNext,
  playerPause,
  playerPrev,
  playerResume,
  playerStart,
  playerTick,
  TOUR_FORMAT,
  tourFileName,
  type DemoCamera,
  type DemoDrill,
  type DemoStep,
  type PlayerState,
  type Tour,
  type TourContext,
} from '../../common/demo';
import type { LedState, WallWindow } from '../../common/wall';
import type { Logger } from '../host/dispatch';
import type { CallContext } from '../host/registry';
import { writeFileAtomic } from '../wall/scene-store';
import { parseTourText, TourStore } from './store';

type DemoCommandName = keyof typeof demoCommands;
type DemoHandler<K extends DemoCommandName> = (args: z.output<(typeof demoCommands)[K]['args']>, ctx: CallContext) => Promise<z.output<(typeof demoCommands)[K]['result']>>;
/** Every `demo:*` handler; assignable to the host's `HandlerMap`. */
export type DemoHandlers = { [K in DemoCommandName]: DemoHandler<K> };

/** What a tour changes on the wall; the composition root wires it to the wall controller. */
export interface DemoWall {
  snapshot(): { windows: WallWindow[]; scene: string | null; led: LedState };
  restore(s: { windows: WallWindow[]; scene: string | null; led: LedState }): void;
  recallScene(name: string): void;
  setWindows(windows: WallWindow[]): void;
  setLed(text: string): void;
}

/** What a tour does to the heads and the (simulated) detectors. */
export interface DemoDevices {
  /** Sends a head to a preset or pose, under the demonstration's own client id. */
  aim(c: DemoCamera): Promise<void>;
  /** Where a head points now (for capture and to put it back). */
  pose(cameraId: string): { pan: number; tilt: number; zoom: number } | null;
  /** Gives a head back after the tour (to its pose from before, when known). */
  release(cameraId: string, back: { pan: number; tilt: number; zoom: number } | null): Promise<void>;
  /** Raises a fire drill; refused where the detectors cannot be told to (a real site). */
  drill(d: DemoDrill): Promise<void>;
  cameras(): string[];
}

export interface DemoDomainOptions {
  dir: string;
  builtIn: Tour;
  ctx: TourContext;
  wall: DemoWall | undefined;
  devices: DemoDevices;
  emit(state: DemoState): void;
  log: Logger;
  now?: () => number;
  tickMs?: number;
}

export interface DemoDomain {
  handlers: DemoHandlers;
  /** Every alert change: a new real alert pauses the tour at once. */
  alertChanged(a: Alert): void;
  state(): DemoState;
  close(): Promise<void>;
}

const fail = (code: 'invalid_args' | 'not_found' | 'conflict', message: string): never => {
  throw new HostFailure(code, message);
};

/**
 * The demonstration player on the host: tours from files (and the built-in one), one tour playing
 * at a time for the whole centre. Before a tour starts it snapshots the wall and the LED strip; stop
 * puts them back exactly and gives the heads back. Consoles apply the map view, their layout and the
 * caption from `demo:state`.
 */
export function createDemoDomain(opts: DemoDomainOptions): DemoDomain {
  const now = opts.now ?? Date.now;
  const { log } = opts;
  const store = new TourStore({ dir: opts.dir, ctx: opts.ctx, log });
  let player: PlayerState = IDLE;
  let tour: Tour | null = null;
  let startedBy: string | null = null;
  let startedAt = 0;
  let alertId: string | null = null;
  let problems: string[] = [];
  let snapshot: ReturnType<DemoWall['snapshot']> | null = null;
  /** Heads the tour moved, with their pose from before it. */
  const heads = new Map<string, { pan: number; tilt: number; zoom: number } | null>();
  const seenAlerts = new Set<string>();
  /** Counts applied steps, so a slow step's late problems do not land on the next one. */
  let applySeq = 0;

  // What stop puts back is kept on disk too, so a host that stops mid-tour restores it when it starts again.
  const pendingFile = join(opts.dir, 'before-demo.state');
  const keep = () => {
    try {
      if (snapshot) writeFileAtomic(pendingFile, JSON.stringify({ snapshot, heads: [...heads] }));
      else rmSync(pendingFile, { force: true });
    } catch (e) {
      log('warn', `demo: state from before the tour not kept on disk: ${(e as Error).message}`);
    }
  };
  if (existsSync(pendingFile)) {
    try {
      const left = JSON.parse(readFileSync(pendingFile, 'utf8')) as { snapshot: typeof snapshot; heads: [string, { pan: number; tilt: number; zoom: number } | null][] };
      snapshot = left.snapshot;
      for (const [id, back] of left.heads) heads.set(id, back);
      log('info', 'demo: the host stopped during a tour; putting the wall and heads back as they were');
    } catch (e) {
      log('warn', `demo: ${pendingFile} unreadable (${(e as Error).message}); the wall stays as it is`);
    }
  }

  const tourOf = (name: string): Tour => (name === opts.builtIn.name ? opts.builtIn : (store.get(name) ?? fail('not_found', `no tour "${name}"`)));

  const view = (): DemoState => ({
    status: player.status,
    tour: player.tour,
    index: player.index,
    count: player.count,
    loop: player.loop,
    rehearsal: player.rehearsal,
    pausedBy: player.pausedBy,
    dueAt: player.dueAt,
    ended: player.ended,
    step: tour && player.status !== 'idle' ? (tour.steps[player.index] ?? null) : null,
    startedBy,
    since: player.status === 'idle' ? null : startedAt,
    alertId,
    problems,
  });
  const publish = () => opts.emit(view());

  const apply = (step: DemoStep) => {
    const seq = ++applySeq;
    problems = [];
    if (player.rehearsal) return;
    const note = (what: string, e: unknown) => {
      const msg = `${what}: ${e instanceof Error ? e.message : String(e)}`;
      log('warn', `demo: step ${player.index + 1} of "${player.tour}": ${msg}`);
      if (seq === applySeq) {
        problems = [...problems, msg];
        publish();
      }
    };
    const w = opts.wall;
    if (step.wall && w) {
      try {
        if (step.wall.scene !== undefined) w.recallScene(step.wall.scene);
        else if (step.wall.windows) w.setWindows(step.wall.windows);
      } catch (e) {
        note(`wall ${step.wall.scene ? `scene "${step.wall.scene}"` : 'layout'}`, e);
      }
    }
    if (step.led !== undefined && w) {
      try {
        w.setLed(step.led);
      } catch (e) {
        note('LED', e);
      }
    }
    for (const c of step.cameras) {
      if (!heads.has(c.cameraId)) {
        heads.set(c.cameraId, opts.devices.pose(c.cameraId));
        keep();
      }
      void opts.devices.aim(c).catch((e: unknown) => note(`camera ${c.cameraId}`, e));
    }
    if (step.drill) {
      for (const t of step.drill.towers) {
        const id = opts.devices.cameras().find((c) => c.startsWith(`${t}-`) && c.endsWith(step.drill!.camera));
        if (id && !heads.has(id)) {
          heads.set(id, opts.devices.pose(id));
          keep();
        }
      }
      void opts.devices.drill(step.drill).catch((e: unknown) => note('fire drill', e));
    }
  };

  /** Moves the player; applies the step when it changed. */
  const move = (next: PlayerState) => {
    const changed = next.index !== player.index || next.tour !== player.tour || (player.status === 'idle' && next.status !== 'idle');
    player = next;
    if (changed && tour && next.status !== 'idle') {
      const step = tour.steps[next.index];
      if (step) apply(step);
    }
    publish();
    return view();
  };

  const stop = async (): Promise<DemoState> => {
    if (player.status === 'idle' && !snapshot && !heads.size) return view();
    const wasRehearsal = player.rehearsal;
    player = IDLE;
    tour = null;
    startedBy = null;
    alertId = null;
    problems = [];
    applySeq++;
    if (!wasRehearsal) {
      if (snapshot && opts.wall) {
        try {
          opts.wall.restore(snapshot);
        } catch (e) {
          log('warn', `demo: wall not restored: ${(e as Error).message}`);
          problems = [`wall not restored: ${(e as Error).message}`];
        }
      }
      await Promise.all([...heads].map(([id, back]) => opts.devices.release(id, back).catch((e: Error) => log('warn', `demo: head ${id} not given back: ${e.message}`))));
    }
    snapshot = null;
    heads.clear();
    keep();
    publish();
    return view();
  };
  if (snapshot || heads.size) void stop();

  const timer = setInterval(() => {
    if (!tour || player.status !== 'playing') return;
    const next = playerTick(player, tour, now());
    if (next !== player) move(next);
  }, opts.tickMs ?? 250);
  timer.unref();

  const list = () => {
    const { tours, rejected } = store.load();
    const info = (t: Tour, builtIn: boolean) => ({ name: t.name, description: t.description, steps: t.steps.length, loop: t.loop, builtIn });
    return { tours: [info(opts.builtIn, true), ...[...tours.values()].filter((t) => t.tour.name !== opts.builtIn.name).map((t) => info(t.tour, false))], rejected };
  };

  const store1 = (t: Tour, overwrite: boolean) => {
    if (t.name === opts.builtIn.name) fail('conflict', `"${t.name}" is the built-in tour; save under another name`);
    if (store.get(t.name) && !overwrite) fail('conflict', `a tour named "${t.name}" exists; save with overwrite to replace it`);
    store.save(t);
    log('info', `demo: tour "${t.name}" saved (${t.steps.length} steps)`);
    return { name: t.name, description: t.description, steps: t.steps.length, loop: t.loop, builtIn: false };
  };
  const refused = (reasons: string[]): never => {
    throw new HostFailure('invalid_args', `tour refused: ${reasons.join('; ')}`, reasons.map((m) => ({ path: 'tour', message: m })));
  };

  const handlers: DemoHandlers = {
    'demo:list': async () => list(),
    'demo:get': async ({ name }) => tourOf(name),
    'demo:save': async ({ tour: raw, overwrite }) => {
      const r = parseTourText(JSON.stringify(raw ?? null), opts.ctx);
      return r.ok ? store1(r.tour, overwrite) : refused(r.reasons);
    },
    'demo:delete': async ({ name }) => {
      if (name === opts.builtIn.name) fail('conflict', 'the built-in tour cannot be deleted');
      if (!store.delete(name)) fail('not_found', `no tour "${name}"`);
      return { name };
    },
    'demo:import': async ({ text, overwrite }) => {
      const r = parseTourText(text, opts.ctx);
      return r.ok ? store1(r.tour, overwrite) : refused(r.reasons);
    },
    'demo:export': async ({ name }) => {
      const t = tourOf(name);
      return { fileName: tourFileName(t.name), json: `${JSON.stringify({ ...t, format: TOUR_FORMAT }, null, 2)}\n` };
    },
    'demo:start': async ({ name, at, loop, rehearsal, paused }, ctx) => {
      const t = tourOf(name);
      // A rehearsal never takes the wall from a demonstration in progress; a demonstration ends a rehearsal.
      if (rehearsal && player.status !== 'idle' && !player.rehearsal) fail('conflict', `"${player.tour}" is being presented; rehearse after it ends`);
      if (player.status !== 'idle' && player.rehearsal !== rehearsal) await stop();
      // The state from before the demonstration is taken once: switching tours keeps it.
      if (player.status === 'idle' && !rehearsal && opts.wall) {
        snapshot = opts.wall.snapshot();
        keep();
      }
      if (player.status === 'idle') {
        seenAlerts.clear();
        startedAt = now();
      }
      tour = t;
      startedBy = ctx.clientId;
      alertId = null;
      player = { ...IDLE };
      const started = playerStart(t, now(), { ...(loop !== undefined ? { loop } : {}), at, rehearsal });
      move(started);
      log('info', `demo: "${t.name}" ${rehearsal ? 'rehearsed' : 'started'} at step ${started.index + 1} by ${ctx.session?.user.username ?? ctx.clientId}`);
      return paused ? move(playerPause(player, 'presenter', now())) : view();
    },
    'demo:control': async ({ action, index }) => {
      if (action === 'stop') return stop();
      if (!tour || player.status === 'idle') return fail('conflict', 'no tour is playing');
      const t = now();
      switch (action) {
        case 'next':
          return move(playerNext(player, tour, t));
        case 'prev':
          return move(playerPrev(player, tour, t));
        case 'goto':
          return move(playerGoto(player, tour, index ?? 0, t));
        case 'pause':
          return move(playerPause(player, 'presenter', t));
        case 'blank':
          return move(playerPause(player, 'blank', t));
        case 'resume':
          alertId = null;
          return move(playerResume(player, t));
        case 'toggle':
          if (player.status === 'paused') alertId = null;
          return move(player.status === 'paused' ? playerResume(player, t) : playerPause(player, 'presenter', t));
      }
      return view();
    },
    'demo:state': async () => view(),
    'demo:capture': async (): Promise<DemoCapture> => {
      const s = opts.wall?.snapshot();
      const cameras: DemoCamera[] = opts.devices.cameras().flatMap((id) => {
        const p = opts.devices.pose(id);
        return p ? [{ cameraId: id, pan: Math.round(p.pan * 100) / 100, tilt: Math.round(p.tilt * 100) / 100, zoom: Math.round(p.zoom * 100) / 100 }] : [];
      });
      return { wall: s ? { scene: s.scene, windows: s.windows } : null, led: s?.led.text ?? '', cameras };
    },
  };

  return {
    handlers,
    alertChanged: (a) => {
      // Alarms win: a new real alert pauses the tour before anything else; a drill (the tour's own) does not.
      if (a.drill || a.status !== 'new' || seenAlerts.has(a.id)) return;
      seenAlerts.add(a.id);
      if (player.status === 'idle' || player.rehearsal || a.receivedAt < startedAt) return;
      alertId = a.id;
      move(playerPause(player, 'alert', now()));
      log('info', `demo: "${player.tour}" paused by alert ${a.id}`);
    },
    state: view,
    close: async () => {
      clearInterval(timer);
      await stop();
    },
  };
}

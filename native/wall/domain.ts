import type { z } from 'zod';
import { HostFailure } from '../../common/contract/errors';
import { wallCommands, type WallDecoderEvent } from '../../common/contract/wall';
import type { SiteConfig } from '../../common/site';
import type { Profile } from '../../common/wall';
import type { Logger } from '../host/dispatch';
import type { CallContext } from '../host/registry';
import { WallController, type WallControllerOptions, type WallEventSink } from './controller';
import type { DecoderDriver } from './drivers/driver';
import { HttpJsonLedDriver } from './drivers/http-json';
import { createDecoderDriver, type DecoderConfig, type DecoderDriverContext } from './drivers/registry';
import { SoftwareDecoderDriver } from './drivers/software';
import { DecoderOsdFeeder } from './osd';

type WallCommandName = keyof typeof wallCommands;
type WallHandler<K extends WallCommandName> = (
  args: z.output<(typeof wallCommands)[K]['args']>,
  ctx: CallContext,
) => Promise<z.output<(typeof wallCommands)[K]['result']>>;
/** Every `wall:*` handler; assignable to the host's `HandlerMap`. */
export type WallHandlers = { [K in WallCommandName]: WallHandler<K> };

/** Timing and policy knobs of the controller a site or a test may change. */
export type WallTuning = Pick<
  WallControllerOptions,
  'overBudget' | 'subStreamWeight' | 'splits' | 'bezelCompensation' | 'snapPx' | 'lockIdleMs' | 'historyLimit' | 'pollMs' | 'tickMs' | 'stateCoalesceMs'
>;

export interface WallDomainOptions {
  site: SiteConfig;
  bus: WallEventSink;
  log: Logger;
  /** Folder for `wall.json` and `scenes/`; in memory only without it. */
  stateDir?: string;
  now?: () => number;
  /**
   * URL a decoder plays for a camera stream: fully qualified, reachable from the decoders, with a
   * token the host accepts, e.g. `ws://10.1.1.5:8650/media/t01-visible/main.flv?token=…`.
   */
  mediaUrl(cameraId: string, profile: Profile): string;
  /** Builds a decoder's driver; default: the registry by the site file's `driver` name. */
  driverFor?: (decoder: DecoderConfig, ctx: DecoderDriverContext) => DecoderDriver;
  tuning?: WallTuning;
}

export interface WallDomain {
  handlers: WallHandlers;
  /** Undefined when the site has no wall. */
  controller: WallController | undefined;
  /** Draws the PTZ HUD on networked decoders that take OSD; the composition root feeds it poses. */
  osd: DecoderOsdFeeder | undefined;
  close(): Promise<void>;
}

/**
 * The wall domain: the controller for the site's wall, its decoders' drivers and the `wall:*`
 * handlers. Edits take (and renew) the console's edit lock; alarms and software decoder reports
 * do not need it.
 */
export function createWallDomain(opts: WallDomainOptions): WallDomain {
  const { site, bus, log } = opts;
  const now = opts.now ?? Date.now;
  const wall = site.wall;
  if (!wall) {
    const none = async (): Promise<never> => {
      throw new HostFailure('unavailable', 'this site has no video wall');
    };
    const handlers = Object.fromEntries(Object.keys(wallCommands).map((k) => [k, none])) as unknown as WallHandlers;
    return { handlers, controller: undefined, osd: undefined, close: async () => undefined };
  }

  const cameras = new Map<string, string>();
  for (const t of site.towers) for (const c of t.cameras) cameras.set(c.id, c.name ?? `${t.name} ${c.kind === 'visible' ? '可见光' : '热成像'}`);

  const driverCtx = (decoder: DecoderConfig): DecoderDriverContext => ({
    decoder,
    log,
    now,
    panel: { width: wall.panel.width, height: wall.panel.height },
    publish: (decoderId, layout) => bus.emit('wall:decoderState', { decoderId, layout }),
  });
  // Real time, not the wall clock: the overlay's pace is about the network, not the schedule.
  const osd = new DecoderOsdFeeder({ targets: () => controller.osdTargets(), log });
  // New layouts and decoders that acknowledge one (back from a reboot, too) get their HUD overlay.
  const sink: WallEventSink = {
    emit: (name, payload) => {
      bus.emit(name, payload);
      if (name === 'wall:state') osd.layoutsChanged();
      else if (name === 'wall:decoder') {
        const d = payload as WallDecoderEvent;
        if (d.online) osd.resend(d.decoderId);
      }
    },
  };
  const controller = new WallController({
    wall,
    timeZone: site.site.timeZone,
    cameras,
    driverFor: (d) => opts.driverFor?.(d, driverCtx(d)) ?? createDecoderDriver(driverCtx(d)),
    ...(wall.led?.address ? { led: new HttpJsonLedDriver(wall.led.address) } : {}),
    mediaUrl: opts.mediaUrl,
    bus: sink,
    log,
    now,
    ...(opts.stateDir ? { stateDir: opts.stateDir } : {}),
    ...opts.tuning,
  });
  const c = controller;

  /** Runs an edit for a console that holds (or now takes) the edit lock. */
  const edit =
    <K extends WallCommandName>(run: (args: z.output<(typeof wallCommands)[K]['args']>) => z.output<(typeof wallCommands)[K]['result']>): WallHandler<K> =>
    async (args, ctx) => {
      c.claim(ctx.clientId);
      return run(args);
    };

  const handlers: WallHandlers = {
    'wall:get': async () => c.state(),
    'wall:openWindow': edit<'wall:openWindow'>((a) => c.openWindow({ ...a, ...(a.title !== undefined ? { title: a.title } : {}) })),
    'wall:moveWindow': edit<'wall:moveWindow'>((a) => c.moveWindow(a)),
    'wall:closeWindow': edit<'wall:closeWindow'>((a) => c.closeWindow(a.windowId)),
    'wall:setSplit': edit<'wall:setSplit'>((a) => c.setSplit(a.windowId, a.split)),
    'wall:setPaneSource': edit<'wall:setPaneSource'>((a) => c.setPaneSource(a.windowId, a.pane, a.source)),
    'wall:setPanes': edit<'wall:setPanes'>((a) => c.setPanes(a.windowId, a.panes)),
    'wall:raiseWindow': edit<'wall:raiseWindow'>((a) => c.raiseWindow(a.windowId)),
    'wall:clear': edit<'wall:clear'>(() => c.clear()),
    'wall:undo': edit<'wall:undo'>(() => c.undo()),
    'wall:redo': edit<'wall:redo'>(() => c.redo()),
    'wall:sceneList': async () => c.sceneList(),
    'wall:sceneSave': async ({ name, overwrite }) => c.sceneSave(name, overwrite),
    'wall:sceneRecall': edit<'wall:sceneRecall'>((a) => c.sceneRecall(a.name)),
    'wall:sceneRename': async ({ name, to }) => c.sceneRename(name, to),
    'wall:sceneDelete': async ({ name }) => c.sceneDelete(name),
    'wall:sceneExport': async ({ name }) => c.sceneExport(name),
    'wall:sceneImport': async ({ json, name, overwrite }) => c.sceneImport(json, name, overwrite),
    'wall:sceneSchedule': edit<'wall:sceneSchedule'>((a) => c.setSchedule(a.entries)),
    'wall:alarmRegion': edit<'wall:alarmRegion'>((a) => c.setAlarmRegion(a.rect, a.snap)),
    'wall:alarmTakeover': async ({ cameraId, reason }) => c.alarmTakeover(cameraId, reason),
    'wall:alarmRelease': async ({ cameraId }) => c.alarmRelease(cameraId),
    'wall:led': edit<'wall:led'>((a) => {
      const led = c.setLed(a);
      bus.emit('wall:ledState', led);
      return led;
    }),
    'wall:ledState': async () => c.state().led,
    'wall:lock': async (_a, ctx) => c.claim(ctx.clientId),
    'wall:unlock': async (_a, ctx) => c.unlock(ctx.clientId),
    'wall:decoderReport': async ({ decoderId, revision, outputs }) => {
      const d = c.driverOf(decoderId);
      if (!(d instanceof SoftwareDecoderDriver)) throw new HostFailure('invalid_args', `decoder ${decoderId} is not a software decoder`);
      d.reportFromPage({ revision, outputs });
      await c.pollDecoder(decoderId);
      return { desiredRevision: c.decoderLayout(decoderId).revision };
    },
    'wall:decoderLayout': async ({ decoderId }) => c.decoderLayout(decoderId),
  };

  const osdTimer = setInterval(() => osd.tick(), 1000);
  osdTimer.unref();

  return {
    handlers,
    controller,
    osd,
    close: () => {
      clearInterval(osdTimer);
      osd.close();
      return controller.close();
    },
  };
}

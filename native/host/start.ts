import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { networkInterfaces } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { can } from '../../common/auth';
import type { SiteConfig } from '../../common/site';
import { alertDutyLines } from '../alerts/duty-log';
import { terrainFixUncertainty } from '../../common/alerts';
import type { WallState, WeatherReading } from '../../common/contract';
import { alertRoutes } from '../alerts/routes';
import { createAlertsDomain } from '../alerts/domain';
import { createConferenceDomain } from '../conference/domain';
import { appHandlers } from '../app/handlers';
import { liveStateFrom } from '../duty/live';
import { openDutyService } from '../duty/service';
import { createHealthDomain, type HealthDomain } from '../health/domain';
import { createMapDomain } from '../map/domain';
import { createPtzDomain, type PtzDomain } from '../ptz/domain';
import { createSecurityDomain } from '../security/domain';
import { createWallDomain } from '../wall/domain';
import { BUILT_IN_TOUR, builtInTour } from '../demo/builtin';
import { createDemoDomain } from '../demo/domain';
import { demoDevices, demoWall } from '../demo/wiring';
import { loadSiteFile } from '../site/load';
import { siteHandlers } from '../site/handlers';
import { resolveStreamUrl } from '../site/view';
import { chainBoxes, openKeyFileBox, type SecretBox } from '../secrets/box';
import { secretPaths } from '../secrets/cli';
import { resolveSecretRefs, SecretStore } from '../secrets/store';
import { startControlServer } from '../sim/control';
import { startSimulator, type Simulator } from '../sim/simulator';
import { StreamGatewayError } from '../streams/errors';
import { createStreamGateway, parseStreamKey, type StreamInfo } from '../streams/gateway';
import { streamHandlers } from '../streams/handlers';
import type { Logger } from './dispatch';
import { EventBus } from './event-bus';
import { createLogger } from './log';
import { HandlerRegistry, systemContext, type CallContext } from './registry';
import { startHostServer, type HostAccess } from './server';
import { loadOrCreateTls } from './tls';

export const VERSION = '0.1.0';
/** The client id under which fire alerts steer heads (alarm priority) and take the wall's alarm region. */
const ALERTS_CLIENT = 'alerts';
/** The client id under which a leadership demonstration steers heads (operator priority: people and alarms take a head from it). */
const DEMO_CLIENT = 'demo';

export interface HostOptions {
  /** Site file (JSON or YAML). Without one the host starts the built-in simulated site. */
  siteFile?: string;
  host?: string;
  port?: number;
  token?: string;
  /** Built renderer to serve; defaults to dist/renderer when it exists. */
  staticDir?: string | null;
  /** Linger of idle upstream streams, ms. */
  streamLingerMs?: number;
  /** Folder for the host's data (accounts, audit trail, secrets, clips…); default `.data` in the working directory. */
  dataDir?: string;
  /** The desktop's secret store (Electron safeStorage), when it is real protection; else the key file is used. */
  secretBox?: SecretBox | null;
  /**
   * TLS for the host's HTTP and WebSocket server: the operator's own certificate and key, or a
   * self-signed one kept in the data folder. Always on when listening beyond loopback (the wall PCs
   * and touch controllers on the LAN); off on loopback unless asked for.
   */
  tls?: boolean | { certFile: string; keyFile: string };
  /** With the built-in simulated site: its control port for `npm run sim -- <command>` (unset = none). */
  simControlPort?: number;
  /** The central sync service for the duty log (default: SKYWATCH_SYNC_URL / SKYWATCH_SYNC_TOKEN); without it records stay local. */
  sync?: { url: string; token: string } | null;
  /** Prints a report page to PDF (the desktop app passes Electron's printToPDF); default: the system's Chromium. */
  printPdf?: (html: string) => Promise<Buffer>;
  /** health (运维): the clock of states, availability and ticket deadlines, and how often tickets are reviewed (tests move both). */
  health?: { now?: () => number; reviewEveryMs?: number };
  log?: Logger;
}

/** A running host: its URL, token, the site it serves, and how to stop it. */
export interface RunningHost {
  url: string;
  port: number;
  token: string;
  site: SiteConfig;
  simulator?: Simulator;
  /** State of every stream in the gateway (tests, benchmarks, diagnostics). */
  streams(): StreamInfo[];
  close(): Promise<void>;
}

/** This machine's IPv4 LAN addresses, for the certificate's names. */
function lanAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a) => a !== undefined && a.family === 'IPv4' && !a.internal)
    .map((a) => a!.address);
}

export function defaultStaticDir(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [resolve(here, '../../dist/renderer'), resolve(process.cwd(), 'dist/renderer')];
  return candidates.find((d) => existsSync(join(d, 'index.html')));
}

/**
 * The composition root: loads the site (or starts the simulator), wires the domains to the bus
 * and starts the HTTP/WebSocket server. Electron's main process and `npm run web` both call this.
 */
export async function startHost(opts: HostOptions = {}): Promise<RunningHost> {
  const log = opts.log ?? createLogger('host');
  const startedAt = Date.now();
  let simulator: Simulator | undefined;
  let site: SiteConfig;
  const dataDir = resolve(opts.dataDir ?? '.data');
  if (opts.siteFile) {
    site = await loadSiteFile(opts.siteFile);
    // Camera and decoder passwords and basemap keys named by `secretRef` come from the encrypted store, never the file.
    if (site.credentials.some((c) => c.secretRef) || site.basemaps.some((b) => b.kind === 'xyz' && b.keySecretRef)) {
      const paths = secretPaths(dataDir);
      const keyBox = openKeyFileBox(paths.keyFile, log);
      site = resolveSecretRefs(site, new SecretStore(paths.storeFile, opts.secretBox ? chainBoxes(opts.secretBox, keyBox) : keyBox));
    }
    log('info', `site ${site.site.id} (${site.site.name}) loaded from ${opts.siteFile}: ${site.towers.length} towers`);
  } else {
    simulator = await startSimulator({ host: '127.0.0.1', log: createLogger('sim') });
    site = simulator.site;
    log('info', `no site file: started the built-in simulated site (${site.towers.length} towers, RTSP at ${simulator.rtspBase})`);
  }

  const bus = new EventBus();
  const registry = new HandlerRegistry();
  const gateway = createStreamGateway({
    resolve: (key) => {
      const parsed = parseStreamKey(key);
      if (!parsed) return undefined;
      const url = resolveStreamUrl(site, `${parsed.cameraId}/${parsed.profile}`);
      const codec = site.towers.flatMap((t) => t.cameras).find((c) => c.id === parsed.cameraId)?.codec;
      // Only H.265 cameras have a pass-through form; H.264 is always passed through.
      if (parsed.passThrough && codec !== 'h265') return undefined;
      return url ? { url, ...(codec ? { codec } : {}), ...(parsed.passThrough ? { direct: true } : {}) } : undefined;
    },
    lingerMs: opts.streamLingerMs ?? 10_000,
    log: createLogger('streams'),
  });
  gateway.on('state', (info) => bus.emit('stream:state', info));
  // Stats change with every frame; they cross to the renderer coalesced, every 2 s, for active streams only.
  const statsTimer = setInterval(() => {
    for (const info of gateway.list()) if (info.state !== 'idle') bus.emit('stream:state', info);
  }, 2000);
  statsTimer.unref();

  // Camera reachability comes from the health domain's probes (one state for the board, tree, map and daily check).
  const healthRef: { domain?: HealthDomain } = {};
  const prober = { list: () => healthRef.domain?.monitor.cameraStatus() ?? [] };
  const clipDir = join(dataDir, 'clips');
  mkdirSync(clipDir, { recursive: true });
  const security = createSecurityDomain({ dataDir, policy: site.security, timeZone: site.site.timeZone, log: createLogger('security') });
  security.audit.append({ actor: '-', role: '', source: 'host', action: 'host.start', target: site.site.id, outcome: 'ok', detail: `version ${VERSION}${simulator ? ', simulated site' : ''}` });

  registry.register(security.handlers);
  registry.register(appHandlers(site, VERSION, startedAt));
  registry.register(siteHandlers(site));
  registry.register(streamHandlers(gateway, prober, clipDir));
  const ptz = createPtzDomain({
    site,
    bus,
    log: createLogger('ptz'),
    stateDir: join(dataDir, 'ptz'),
    // The alarm priority is the alerts' own; people get the highest their role allows.
    maxPriority: (ctx) => (ctx.device.kind === 'host' && ctx.clientId === ALERTS_CLIENT ? 'alarm' : can(ctx.session?.user.role, 'ptz.leader') ? 'leader' : 'operator'),
  });
  registry.register(ptz.handlers);
  const map = createMapDomain({ site, siteDir: opts.siteFile ? dirname(resolve(opts.siteFile)) : process.cwd(), dataDir, bus, log: createLogger('map') });
  registry.register(map.handlers);

  // --- health (运维): probes, availability, fault tickets (their lines go to the duty log once it is open) ---
  const healthLate: { wall?: () => WallState | undefined; dutyLine?: (text: string, tower: string) => void } = {};
  const health = await createHealthDomain({
    site,
    dataDir,
    siteDir: opts.siteFile ? dirname(resolve(opts.siteFile)) : process.cwd(),
    streams: () => gateway.list(),
    heads: () => Promise.resolve(ptz.handlers['ptz:heads']!({}, systemContext('health'))),
    wall: () => healthLate.wall?.(),
    emit: {
      changed: (devices, links) => {
        bus.emit('health:changed', { devices, links });
        for (const d of devices) {
          if (!d.id.startsWith('cam:') || d.state === 'unknown') continue;
          const cameraId = d.id.slice(4);
          bus.emit('camera:status', { cameraId, online: d.state !== 'down', reason: d.state === 'down' ? d.detail : null, checkedAt: d.checkedAt ?? d.since });
          // A camera that answers again need not wait out the stream's reconnect backoff.
          if (d.state !== 'down') for (const p of ['main', 'sub']) gateway.retryNow(`${cameraId}/${p}`);
        }
      },
      ticket: (t) => bus.emit('health:ticket', t),
    },
    dutyLine: (text, tower) => healthLate.dutyLine?.(text, tower),
    log: createLogger('health'),
    ...(opts.health?.now ? { now: opts.health.now } : {}),
    ...(opts.health?.reviewEveryMs ? { reviewEveryMs: opts.health.reviewEveryMs } : {}),
  });
  healthRef.domain = health;
  registry.register(health.handlers);

  // Fire alerts: stored before the detector hears 200; a new one takes the wall's alarm region and
  // sends its head to the alarm pose with the alarm priority (which stops its cruise).
  const lastPose = new Map<string, { bearing: number; tilt: number; zoom: number }>();
  bus.on('ptz:pose', (p) => {
    for (const c of p.cameraIds) lastPose.set(c, { bearing: p.bearing, tilt: p.tilt, zoom: p.zoom });
  });
  const alertCtx = systemContext(ALERTS_CLIENT);
  const lastWeather = new Map<string, WeatherReading>();
  bus.on('map:weather', ({ readings }) => {
    for (const r of readings) lastWeather.set(r.towerId, r);
  });
  // The wall is created after the server (it needs the media URL); the alert hooks run later still.
  const late: { wall?: ReturnType<typeof createWallDomain> } = {};
  const alerts = createAlertsDomain({
    site,
    bus,
    log: createLogger('alerts'),
    dir: join(dataDir, 'alerts'),
    hooks: {
      raised: (a) => {
        const tower = site.towers.find((t) => t.id === a.towerId);
        void late.wall?.handlers['wall:alarmTakeover']({ cameraId: a.cameraId, reason: `${tower?.name ?? a.towerId} ${a.kind === 'fire' ? '火点' : '烟雾'}报警` }, alertCtx).catch((e: Error) => log('warn', `alerts: wall takeover for ${a.cameraId}: ${e.message}`));
        if (!tower || !site.towers.flatMap((t) => t.cameras).find((c) => c.id === a.cameraId)?.onvif) return;
        void (async () => {
          await ptz.handlers['ptz:takeControl']!({ cameraId: a.cameraId, priority: 'alarm' }, alertCtx);
          await ptz.handlers['ptz:absolute']!({ cameraId: a.cameraId, pan: ((a.bearing - tower.northOffset) % 360 + 360) % 360, tilt: a.tilt, zoom: a.zoom }, alertCtx);
        })().catch((e: Error) => log('warn', `alerts: PTZ to the alarm pose of ${a.cameraId}: ${e.message}`));
      },
      ended: (a) => {
        void late.wall?.handlers['wall:alarmRelease']({ cameraId: a.cameraId }, alertCtx).catch(() => undefined);
        void ptz.handlers['ptz:releaseControl']!({ cameraId: a.cameraId }, alertCtx).catch(() => undefined);
      },
      snapshot: (cameraId) => gateway.snapshot(`${cameraId}/main`).catch(() => null),
      groundFix: async (a) => {
        const hit = await map.handlers['map:groundFix']!({ towerId: a.towerId, bearing: a.bearing, tilt: a.tilt }, alertCtx);
        if (!hit.ok || hit.lat === undefined || hit.lon === undefined || hit.distance === undefined) return null;
        const tower = site.towers.find((t) => t.id === a.towerId)!;
        return { lat: hit.lat, lon: hit.lon, method: 'terrain', uncertaintyM: terrainFixUncertainty(hit.distance, tower.groundElevation + tower.mastHeight - (hit.height ?? 0), site.alerts.bearingSigmaDeg) };
      },
      weather: (towerId) => {
        const r = lastWeather.get(towerId);
        return r?.ok ? { temperatureC: r.temperatureC, humidityPct: r.humidityPct, windSpeedMs: r.windSpeedMs, windFromDeg: r.windFromDeg } : null;
      },
      // Evidence: 30 s before to 30 s after, as far back as the stream's buffer reaches (it holds the
      // past only while someone watches; the alarm itself keeps the stream pulled for the "after").
      clip: async (a) => {
        const key = `${a.cameraId}/main`;
        const release = gateway.retain(key);
        try {
          for (let attempt = 0; ; attempt++) {
            try {
              const r = await gateway.exportClip({ key, at: a.receivedAt, beforeS: 30, afterS: 30, dir: clipDir, allowPartial: true });
              return { name: basename(r.file), startedAt: r.startedAt, durationS: r.durationS };
            } catch (e) {
              // Nothing buffered yet: the stream is still starting.
              if (!(e instanceof StreamGatewayError && e.code === 'not_active') || attempt >= 20) throw e;
              await new Promise((r) => setTimeout(r, 1000));
            }
          }
        } finally {
          release();
        }
      },
      pose: (cameraId) => lastPose.get(cameraId) ?? null,
    },
  });
  registry.register(alerts.handlers);
  // conference: rooms and signalling; its records reach the duty log once that is open (below).
  const conferenceLog: { write?: (text: string, at: number) => void } = {};
  const conference = createConferenceDomain({
    config: site.conference,
    dataDir,
    bus,
    timeZone: site.site.timeZone,
    record: (text, at) => conferenceLog.write?.(text, at),
    log: createLogger('conference'),
  });
  registry.register(conference.handlers);

  const listenOn = opts.host ?? '127.0.0.1';
  const loopback = /^(127\.|::1$|localhost$)/.test(listenOn);
  const tls =
    opts.tls || !loopback
      ? await loadOrCreateTls({
          dir: join(dataDir, 'tls'),
          ...(typeof opts.tls === 'object' ? opts.tls : {}),
          hostnames: ['localhost', '127.0.0.1', ...(loopback || listenOn === '0.0.0.0' || listenOn === '::' ? lanAddresses() : [listenOn])],
          log,
        })
      : undefined;
  if (tls) log('info', `TLS on; certificate SHA-256 fingerprint ${tls.fingerprint256}${tls.generated ? ' (self-signed, generated)' : ''}`);
  const server = await startHostServer({
    host: listenOn,
    ...(tls ? { tls: { key: tls.key, cert: tls.cert } } : {}),
    port: opts.port ?? 0,
    ...(opts.token ? { token: opts.token } : {}),
    ...(opts.staticDir === null ? {} : { staticDir: opts.staticDir ?? defaultStaticDir() }),
    registry,
    bus,
    media: gateway,
    clipDir,
    exportDir: join(dataDir, 'exports'),
    access: releasingHeads(conference.access(security), ptz),
    routes: [
      ...alertRoutes(alerts),
      ...conference.routes,
      // Map tiles, terrain and the like; the map domain says when a path is not its own.
      {
        pattern: /^\/api\/map\//,
        handle: async (req, res) => {
          const path = new URL(req.url ?? '/', 'http://host').pathname;
          if (!(await map.route(req, res, path))) res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`no such endpoint: ${path}`);
        },
      },
    ],
    log,
  });
  // The simulated detectors post their alarms to this host, and answer `npm run sim -- fire <tower>`.
  let simControl: Server | undefined;
  if (simulator) {
    simulator.detectors.setIngest(`${server.url}/api/alerts/ingest`);
    if (opts.simControlPort !== undefined) {
      simControl = await startControlServer(simulator, '127.0.0.1', opts.simControlPort).then(
        (c) => c.server,
        (e: Error) => void log('warn', `simulator control port ${opts.simControlPort} not opened (${e.message}); \`npm run sim -- fire …\` will not reach this host`),
      );
    }
  }
  // After the server: decoders are handed URLs of its media routes, with a token it accepts.
  const decoderMedia = server.url.replace(/^http/, 'ws');
  const wall = createWallDomain({
    site,
    bus,
    log: createLogger('wall'),
    stateDir: join(dataDir, 'wall'),
    mediaUrl: (cameraId, profile) => `${decoderMedia}/media/${encodeURIComponent(cameraId)}/${profile}.flv?token=${encodeURIComponent(server.token)}`,
  });
  registry.register(wall.handlers);
  late.wall = wall;
  healthLate.wall = () => wall.controller?.state();
  // The wall's networked decoders draw the PTZ HUD as OSD from the heads' poses.
  const osd = wall.osd;
  if (osd) bus.on('ptz:pose', (p) => osd.pose(p));
  registry.register({
    'ptz:decoderPoses': async ({ decoderId }) => {
      const layout = await wall.handlers['wall:decoderLayout']!({ decoderId }, systemContext('decoder'));
      const shown = new Set(layout.outputs.flatMap((o) => (o.stream ? [o.stream.cameraId] : [])));
      const heads = await ptz.handlers['ptz:heads']!({}, systemContext('decoder'));
      return heads.flatMap((h) => (h.pose && h.cameraIds.some((c) => shown.has(c)) ? [h.pose] : []));
    },
  });
  const syncEnv = process.env.SKYWATCH_SYNC_URL && process.env.SKYWATCH_SYNC_TOKEN ? { url: process.env.SKYWATCH_SYNC_URL, token: process.env.SKYWATCH_SYNC_TOKEN } : undefined;
  const syncTo = opts.sync === null ? undefined : (opts.sync ?? syncEnv);
  const duty = await openDutyService({
    dataDir,
    siteId: site.site.id,
    siteName: site.site.name,
    timeZone: site.site.timeZone,
    ...(syncTo ? { sync: syncTo } : {}),
    ...(opts.printPdf ? { printPdf: opts.printPdf } : {}),
    live: (sync) =>
      liveStateFrom({
        site,
        dataDir,
        cameraStatus: () => prober.list(),
        heads: () => Promise.resolve(ptz.handlers['ptz:heads']!({}, systemContext('duty'))),
        wall: () => wall.controller?.state(),
        streams: () => gateway.list(),
        sync,
        links: () => health.monitor.list().filter((d) => d.kind === 'link'),
      }),
    emit: { sync: (s) => bus.emit('duty:sync', s), changed: (kinds) => bus.emit('duty:changed', { kinds }) },
    log: createLogger('duty'),
  });
  registry.register(duty.handlers);
  // Alarms, decisions, follow-ups and closings go into the duty log as they happen, with the picture.
  const logged = new Set<string>();
  const alarmDesk: CallContext = { ...systemContext(ALERTS_CLIENT), device: { id: ALERTS_CLIENT, name: '火情报警', kind: 'host' } };
  bus.on('alert:changed', (a) => {
    const tower = site.towers.find((t) => t.id === a.towerId);
    for (const line of alertDutyLines(a, tower?.name ?? a.towerId, Date.now())) {
      if (logged.has(line.key)) continue;
      logged.add(line.key);
      const file = line.snapshot ? alerts.snapshotPath(line.snapshot) : undefined;
      const attachments = file && existsSync(file) ? [{ name: line.snapshot!, mime: 'image/jpeg', dataBase64: readFileSync(file).toString('base64') }] : [];
      Promise.resolve(duty.handlers['duty:entryAdd']!({ category: 'alarm', text: line.text, tower: tower?.name ?? a.towerId, at: Math.min(line.at, Date.now()), attachments }, alarmDesk)).catch((e: Error) =>
        log('warn', `alerts: duty log entry for alert ${a.id} not written: ${e.message}`),
      );
    }
  });
  // Fault tickets opened, escalated and closed are written to the duty log as fault lines.
  const faultDesk: CallContext = { ...systemContext('health'), device: { id: 'health', name: '运维监测', kind: 'host' } };
  healthLate.dutyLine = (text, tower) =>
    void Promise.resolve(duty.handlers['duty:entryAdd']!({ category: 'fault', text, tower, attachments: [] }, faultDesk)).catch((e: Error) => log('warn', `health: duty log line not written: ${e.message}`));
  health.monitor.start();
  // demo: leadership demonstration mode (领导参观演示). A new real alert pauses a tour as it is raised.
  const demo = createDemoDomain({
    dir: join(dataDir, 'demo'),
    builtIn: builtInTour(site),
    ctx: { towers: new Set(site.towers.map((t) => t.id)), cameras: new Set(site.towers.flatMap((t) => t.cameras.map((c) => c.id))) },
    wall: wall.controller ? demoWall(wall.controller, (led) => bus.emit('wall:ledState', led)) : undefined,
    devices: demoDevices({
      site,
      ptz: { absolute: ptz.handlers['ptz:absolute']!, gotoPreset: ptz.handlers['ptz:gotoPreset']!, takeControl: ptz.handlers['ptz:takeControl']!, releaseControl: ptz.handlers['ptz:releaseControl']! },
      ctx: systemContext(DEMO_CLIENT),
      lastPose: (id) => lastPose.get(id),
      ...(simulator ? { fire: (towerId: string, o: Parameters<Simulator['detectors']['fire']>[1]) => simulator!.detectors.fire(towerId, o) } : {}),
    }),
    emit: (s) => bus.emit('demo:state', s),
    log: createLogger('demo'),
  });
  registry.register(demo.handlers);
  bus.on('alert:changed', (a) => demo.alertChanged(a));
  log('info', `demo: built-in tour "${BUILT_IN_TOUR}" ready`);

  // conference: who joined, when, how long, and the roll calls go into the duty log (category 通话).
  const conferenceDesk: CallContext = { ...systemContext('conference'), device: { id: 'conference', name: '视频会商', kind: 'host' } };
  conferenceLog.write = (text, at) =>
    void Promise.resolve(duty.handlers['duty:entryAdd']!({ category: 'call', text, tower: '', at: Math.min(at, Date.now()), attachments: [] }, conferenceDesk)).catch((e: Error) =>
      log('warn', `conference: duty log entry not written: ${e.message}`),
    );
  const tick = setInterval(() => bus.emit('app:tick', { hostTime: Date.now() }), 5000);
  tick.unref();

  let closing: Promise<void> | undefined;
  return {
    url: server.url,
    port: server.port,
    token: server.token,
    site,
    ...(simulator ? { simulator } : {}),
    streams: () => gateway.list(),
    close: () =>
      (closing ??= (async () => {
        clearInterval(tick);
        clearInterval(statsTimer);
        simControl?.close();
        await server.close();
        // conference: participants cut off by the closing server are not written to a closing duty log.
        conferenceLog.write = undefined;
        await map.close();
        // Heads get their Stop while the simulator (if any) still answers.
        await alerts.close();
        await demo.close();
        await ptz.close();
        await wall.close();
        await health.close();
        await duty.close();
        await gateway.close();
        await simulator?.close();
        security.close();
        conference.close();
      })()),
  };
}

/** A connection that closes gives up the PTZ heads it held (see PtzDomain.clientGone). */
function releasingHeads(inner: HostAccess, ptz: Pick<PtzDomain, 'clientGone'>): HostAccess {
  return {
    gate: inner.gate,
    deviceFor: (token, hostTokenMatches) => inner.deviceFor(token, hostTokenMatches),
    connected: (ctx, close) => inner.connected(ctx, close),
    disconnected: (ctx) => {
      inner.disconnected(ctx);
      ptz.clientGone(ctx.clientId);
    },
    receives: (ctx, event) => inner.receives(ctx, event),
  };
}

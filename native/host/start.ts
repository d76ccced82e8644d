import { existsSync, mkdirSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { can } from '../../common/auth';
import type { SiteConfig } from '../../common/site';
import { appHandlers } from '../app/handlers';
import { startCameraProber } from '../health/camera-probe';
import { createMapDomain } from '../map/domain';
import { createPtzDomain } from '../ptz/domain';
import { createSecurityDomain } from '../security/domain';
import { createWallDomain } from '../wall/domain';
import { loadSiteFile } from '../site/load';
import { siteHandlers } from '../site/handlers';
import { resolveStreamUrl } from '../site/view';
import { chainBoxes, openKeyFileBox, type SecretBox } from '../secrets/box';
import { secretPaths } from '../secrets/cli';
import { resolveSecretRefs, SecretStore } from '../secrets/store';
import { startSimulator, type Simulator } from '../sim/simulator';
import { createStreamGateway, type StreamInfo } from '../streams/gateway';
import { streamHandlers } from '../streams/handlers';
import type { Logger } from './dispatch';
import { EventBus } from './event-bus';
import { createLogger } from './log';
import { HandlerRegistry, systemContext } from './registry';
import { startHostServer } from './server';
import { loadOrCreateTls } from './tls';

export const VERSION = '0.1.0';

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
      const url = resolveStreamUrl(site, key);
      const codec = site.towers.flatMap((t) => t.cameras).find((c) => c.id === key.split('/')[0])?.codec;
      return url ? { url, ...(codec ? { codec } : {}) } : undefined;
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

  const cameras = site.towers.flatMap((t) => t.cameras.map((c) => ({ id: c.id, url: c.streams.main })));
  const prober = startCameraProber({
    cameras,
    onChange: (s) => {
      bus.emit('camera:status', s);
      // A camera that answers again need not wait out the stream's reconnect backoff.
      if (s.online) for (const p of ['main', 'sub']) gateway.retryNow(`${s.cameraId}/${p}`);
    },
  });
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
    maxPriority: (ctx) => (can(ctx.session?.user.role, 'ptz.leader') ? 'leader' : 'operator'),
  });
  registry.register(ptz.handlers);
  const map = createMapDomain({ site, siteDir: opts.siteFile ? dirname(resolve(opts.siteFile)) : process.cwd(), dataDir, bus, log: createLogger('map') });
  registry.register(map.handlers);

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
    access: security,
    routes: [map.route],
    log,
  });
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
  registry.register({
    'ptz:decoderPoses': async ({ decoderId }) => {
      const layout = await wall.handlers['wall:decoderLayout']!({ decoderId }, systemContext('decoder'));
      const shown = new Set(layout.outputs.flatMap((o) => (o.stream ? [o.stream.cameraId] : [])));
      const heads = await ptz.handlers['ptz:heads']!({}, systemContext('decoder'));
      return heads.flatMap((h) => (h.pose && h.cameraIds.some((c) => shown.has(c)) ? [h.pose] : []));
    },
  });
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
        prober.stop();
        await server.close();
        await map.close();
        // Heads get their Stop while the simulator (if any) still answers.
        await ptz.close();
        await wall.close();
        await gateway.close();
        await simulator?.close();
        security.close();
      })()),
  };
}

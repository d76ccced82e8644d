import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SiteConfig } from '../../common/site';
import { buildSimulatedSite, SIMULATED_TOWERS } from '../site/simulated';
import { createCameraSource } from './camera-source';
import { createSimDetectors, startAlertReceiver, type AlertReceiver, type SimDetectors } from './detectors';
import { startDecoderFleet, type DecoderFleet } from './decoder/fleet';
import { SIM_ONVIF_CREDENTIALS, startOnvifFleet, type OnvifFleet } from './onvif/fleet';
import { LinkEmulator, type LinkQuality } from './link-emulator';
import { RtspServer } from './rtsp-server';
import { simulatedMapFiles } from './terrain';
import { startWeatherSim, type WeatherSim } from './weather';

/** A simulated tower: its own RTSP endpoint (as a real tower has its own address) and cameras. */
interface SimTower {
  id: string;
  name: string;
  rtsp: RtspServer;
  port: number;
  /** false while its link is cut: the port refuses connections. */
  linkUp: boolean;
}

export interface SimulatorOptions {
  host?: string;
  /** First RTSP port; tower i listens on basePort + i. 0 = ephemeral ports (tests, embedded use). */
  rtspBasePort?: number;
  /** First wall decoder port; decoder i listens on basePort + i, the LED controller after them. 0 = ephemeral. */
  decoderBasePort?: number;
  /** First ONVIF port; tower i's head listens on basePort + i. 0 = ephemeral. */
  onvifBasePort?: number;
  /** Folder for pose files and other run-time state. */
  stateDir?: string;
  /** First port of the weather stations' server. 0 = ephemeral. */
  weatherPort?: number;
  /** Folder where the generated basemap and elevation model are cached (default: one per machine in the temp folder). */
  mapDir?: string;
  /** Frame rate of the sub streams (default 15, as sites set it; main streams run at 25). */
  subStreamFps?: number;
  /** Cameras encode this long, then replay it in a loop (console load benchmarks; see CameraSourceOptions). */
  replaySeconds?: number;
  log?: (level: 'debug' | 'info' | 'warn' | 'error', msg: string) => void;
}

/** The site simulator: every device is a real network peer on loopback. */
export interface Simulator {
  readonly site: SiteConfig;
  /** RTSP base of the first tower (for messages). */
  readonly rtspBase: string;
  /** Cuts or restores a tower's link: its RTSP port closes (connections refused) or opens again. */
  setTowerLink(towerId: string, up: boolean): Promise<void>;
  /** The simulated PTZ heads (fault injection in tests). */
  readonly onvif: OnvifFleet;
  /** The towers' weather stations (fault injection, fixed values in tests). */
  readonly weather: WeatherSim;
  /** The wall's 15 simulated networked decoders and the LED controller (fault injection in tests). */
  readonly decoders: DecoderFleet;
  /** The towers' fire detectors (`fire()` raises an alarm at the host once it knows the host's ingest URL). */
  readonly detectors: SimDetectors;
  /** Receives the alert reports the host sends. */
  readonly receiver: AlertReceiver;
  towers(): { id: string; name: string; port: number; linkUp: boolean; streams: ReturnType<RtspServer['stats']> }[];
  // --- health (运维) fault injection ---
  /** Degrades a tower's link: latency and loss its link emulator applies to the probes' datagrams. */
  setLinkQuality(towerId: string, q: { latencyMs?: number; lossPct?: number }): LinkQuality;
  /** Kills or revives one camera (`t01-visible`): its RTSP requests go unanswered. */
  setCamera(cameraId: string, up: boolean): void;
  /** Powers a wall decoder off or on (`d03`). */
  setDecoder(decoderId: string, up: boolean): Promise<void>;
  links(): { id: string; address: string; quality: LinkQuality }[];
  close(): Promise<void>;
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? (() => undefined);
  const stateDir = opts.stateDir ?? join(tmpdir(), `skywatch-sim-${process.pid}`);
  mkdirSync(stateDir, { recursive: true });
  const towers = new Map<string, SimTower>();

  for (const [i, t] of SIMULATED_TOWERS.entries()) {
    const rtsp = new RtspServer({ host, port: opts.rtspBasePort ? opts.rtspBasePort + i : 0, lingerMs: 5000, log: (m) => log('debug', `${t.id} rtsp: ${m}`) });
    for (const kind of ['visible', 'thermal'] as const) {
      for (const profile of ['main', 'sub'] as const) {
        rtsp.addSource(
          createCameraSource({
            path: `/${t.id}/${kind}/${profile}`,
            towerId: t.id,
            towerName: t.name,
            kind,
            profile,
            ...(profile === 'sub' && opts.subStreamFps ? { fps: opts.subStreamFps } : {}),
            ...(opts.replaySeconds ? { replaySeconds: opts.replaySeconds } : {}),
            poseFile: join(stateDir, `${t.id}-${kind}.pose.txt`),
            log: (m) => log('warn', `${t.id}/${kind}/${profile}: ${m}`),
          }),
        );
      }
    }
    const { port } = await rtsp.listen();
    towers.set(t.id, { id: t.id, name: t.name, rtsp, port, linkUp: true });
  }

  // health (运维): each tower's link as a UDP echo peer the link probes measure.
  const links = new Map<string, LinkEmulator>();
  for (const t of SIMULATED_TOWERS) links.set(t.id, await LinkEmulator.start(host));
  const rtspBase = (id: string) => `rtsp://${host}:${towers.get(id)?.port ?? 0}`;
  // One ONVIF PTZ head per tower; it writes the pose files the camera pictures draw.
  const onvif: OnvifFleet = await startOnvifFleet({
    host,
    towers: SIMULATED_TOWERS,
    rtspBase,
    stateDir,
    basePort: opts.onvifBasePort ?? 0,
    log: (level, msg) => log(level, `onvif: ${msg}`),
  });
  const decoders = await startDecoderFleet({ host, basePort: opts.decoderBasePort ?? 0, count: 15, log: (level, msg) => log(level, `decoder: ${msg}`) });
  const detectors = createSimDetectors(
    SIMULATED_TOWERS.map((t) => ({
      id: t.id,
      name: t.name,
      streamUrl: (kind) => `${rtspBase(t.id)}/${t.id}/${kind}/sub`,
      pose: () => {
        const p = onvif.devices.get(t.id)?.head.pose();
        return p ? { pan: p.pan, tilt: p.tilt, zoom: p.zoom } : { pan: 0, tilt: 0, zoom: 1 };
      },
    })),
    (level, msg) => log(level, msg),
  );
  const receiver = await startAlertReceiver(host);
  const weather = await startWeatherSim({ host, port: opts.weatherPort ?? 0, stations: SIMULATED_TOWERS.map((t) => ({ id: `${t.id}-ws`, elevationM: t.elev + 25 })) });
  const map = await simulatedMapFiles(opts.mapDir);
  const site = buildSimulatedSite({
    map,
    weatherStation: (id) => weather.urlOf(id),
    linkAddress: (id) => links.get(id)?.address,
    rtspBase,
    onvif: { url: (id) => onvif.urlOf(id), credentials: { ...SIM_ONVIF_CREDENTIALS } },
    decoders: { address: (id) => decoders.addressOf(id), ledAddress: decoders.ledAddress },
    alerts: { detectorToken: (id) => detectors.tokenOf(id), recipients: [
        { name: '模拟接收端', url: receiver.url, receives: ['reports'] },
        { name: '值班长手机', url: receiver.leaderUrl, receives: ['escalations'] },
      ],
    },
  });
  const first = [...towers.values()][0];

  return {
    site,
    rtspBase: `rtsp://${host}:${first?.port ?? 0}`,
    async setTowerLink(towerId, up) {
      const t = towers.get(towerId);
      if (!t) throw new Error(`no simulated tower ${towerId}`);
      if (t.linkUp === up) return;
      t.linkUp = up;
      links.get(towerId)?.set({ up });
      await onvif.setLink(towerId, up);
      if (up) {
        await t.rtsp.listen();
        log('info', `tower ${towerId} (${t.name}): link restored`);
      } else {
        await t.rtsp.close();
        log('info', `tower ${towerId} (${t.name}): link cut`);
      }
    },
    towers: () => [...towers.values()].map((t) => ({ id: t.id, name: t.name, port: t.port, linkUp: t.linkUp, streams: t.rtsp.stats() })),
    setLinkQuality(towerId, q) {
      const l = links.get(towerId);
      if (!l) throw new Error(`no simulated tower ${towerId}`);
      l.set({ ...(q.latencyMs !== undefined ? { latencyMs: Math.max(0, q.latencyMs) } : {}), ...(q.lossPct !== undefined ? { lossPct: Math.min(100, Math.max(0, q.lossPct)) } : {}) });
      log('info', `tower ${towerId}: link latency ${l.state().latencyMs} ms, loss ${l.state().lossPct}%`);
      return l.state();
    },
    setCamera(cameraId, up) {
      const m = /^(.+)-(visible|thermal)$/.exec(cameraId);
      const t = m ? towers.get(m[1]!) : undefined;
      if (!m || !t) throw new Error(`no simulated camera ${cameraId} (e.g. t01-visible, t01-thermal)`);
      t.rtsp.silence(`/${m[1]}/${m[2]}`, !up);
      log('info', `camera ${cameraId}: ${up ? 'restored' : 'dead'}`);
    },
    async setDecoder(decoderId, up) {
      const d = decoders.get(decoderId);
      if (!d) throw new Error(`no simulated decoder ${decoderId}`);
      await (up ? d.start() : d.kill());
    },
    links: () => [...links.entries()].map(([id, l]) => ({ id, address: l.address, quality: l.state() })),
    onvif,
    decoders,
    detectors,
    receiver,
    weather,
    async close() {
      await receiver.close();
      await weather.close();
      await onvif.close();
      await decoders.close();
      await Promise.all([...links.values()].map((l) => l.close()));
      await Promise.all([...towers.values()].map((t) => (t.linkUp ? t.rtsp.close() : Promise.resolve())));
    },
  };
}

import type { OnvifDevice, OnvifDeviceOptions } from './device';
import { startOnvifDevice } from './device';

/** Credentials of every simulated head (the simulated site file refers to them). */
export const SIM_ONVIF_CREDENTIALS = { id: 'sim-onvif', user: 'admin', password: 'skywatch-sim' } as const;

export interface OnvifFleetOptions {
  host?: string;
  towers: ReadonlyArray<{ id: string; name: string; northOffset: number }>;
  /** RTSP base of a tower, e.g. `rtsp://127.0.0.1:8554` (GetStreamUri answers `<base>/<id>/<kind>/<profile>`). */
  rtspBase: (towerId: string) => string;
  /** Presets and pose files; the pose files are the ones the simulated cameras draw. */
  stateDir: string;
  /** First port; tower i listens on basePort + i. 0 = ephemeral ports. */
  basePort?: number;
  /** Per-tower overrides (a model that ignores Timeout, a skewed clock, …). */
  override?: (towerId: string) => Partial<OnvifDeviceOptions> | undefined;
  log?: OnvifDeviceOptions['log'];
}

/** One simulated ONVIF PTZ device per tower, as the site simulator runs them. */
export interface OnvifFleet {
  readonly devices: ReadonlyMap<string, OnvifDevice>;
  /** Device service URL of a tower's head (the site file's `onvif.url`). */
  urlOf(towerId: string): string | undefined;
  /** Cuts or restores a tower's PTZ link together with its other links. */
  setLink(towerId: string, up: boolean): Promise<void>;
  close(): Promise<void>;
}

export async function startOnvifFleet(opts: OnvifFleetOptions): Promise<OnvifFleet> {
  const devices = new Map<string, OnvifDevice>();
  try {
    for (const [i, t] of opts.towers.entries()) {
      const base = opts.rtspBase(t.id);
      const stream = (kind: string) => ({ main: `${base}/${t.id}/${kind}/main`, sub: `${base}/${t.id}/${kind}/sub` });
      const dev = await startOnvifDevice({
        towerId: t.id,
        towerName: t.name,
        northOffset: t.northOffset,
        ...(opts.host ? { host: opts.host } : {}),
        port: opts.basePort ? opts.basePort + i : 0,
        streams: { visible: stream('visible'), thermal: stream('thermal') },
        credentials: { user: SIM_ONVIF_CREDENTIALS.user, password: SIM_ONVIF_CREDENTIALS.password },
        stateDir: opts.stateDir,
        ...(opts.log ? { log: opts.log } : {}),
        ...opts.override?.(t.id),
      });
      devices.set(t.id, dev);
    }
  } catch (e) {
    await Promise.all([...devices.values()].map((d) => d.close()));
    throw e;
  }
  return {
    devices,
    urlOf: (id) => devices.get(id)?.url,
    async setLink(id, up) {
      await devices.get(id)?.setReachable(up);
    },
    async close() {
      await Promise.all([...devices.values()].map((d) => d.close()));
    },
  };
}

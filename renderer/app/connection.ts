import { locked, onSignedIn, refreshAuth, signedOut } from '../auth/session';
import { applyHotspotChange } from '../map/map-slice';
import { applyFault, headsSnapshot } from '../ptz/ptz-slice';
import { onSelfLearned, selfIdentity } from '../ptz/self-identity';
import { hostAddress, type HostAddress } from './bridge';
import { CallError, HostClient } from './host-client';
import { useAppStore } from './store';

let client: HostClient | undefined;
let address: HostAddress | undefined;

/** The host client; `connectHost()` must have run. */
export function host(): HostClient {
  if (!client) throw new Error('host client not started');
  return client;
}

export function hostAddr(): HostAddress {
  if (!address) throw new Error('host client not started');
  return address;
}

let hevcDecodes: boolean | undefined;

/** Whether this browser's MSE decodes HEVC (Chromium with platform HEVC, Edge, Safari); Debian's Chromium does not. */
export function browserDecodesHevc(): boolean {
  hevcDecodes ??= typeof MediaSource !== 'undefined' && ['hvc1.1.6.L93.B0', 'hev1.1.6.L93.B0'].some((c) => MediaSource.isTypeSupported(`video/mp4; codecs="${c}"`));
  return hevcDecodes;
}

/**
 * The gateway's key of the stream a tile plays over FLV: an H.265 camera passes through untouched
 * (`.hevc`) where the browser decodes HEVC, and is transcoded to H.264 by the gateway elsewhere.
 */
export function flvStreamKey(cameraId: string, profile: 'main' | 'sub', decodesHevc = browserDecodesHevc()): string {
  const codec = useAppStore.getState().site?.towers.flatMap((t) => t.cameras).find((c) => c.id === cameraId)?.codec;
  return `${cameraId}/${profile}${codec === 'h265' && decodesHevc ? '.hevc' : ''}`;
}

/** URL of a camera's live stream over WebSocket-FLV. */
export function mediaWsUrl(cameraId: string, profile: 'main' | 'sub'): string {
  const a = hostAddr();
  const key = flvStreamKey(cameraId, profile);
  return `${a.wsBase}/media/${encodeURIComponent(cameraId)}/${key.slice(key.indexOf('/') + 1)}.flv?token=${encodeURIComponent(a.token)}`;
}

/** URL of a camera's live stream for the chosen transport: WS-FLV, or an HLS playlist for weak links. */
export function mediaUrl(cameraId: string, profile: 'main' | 'sub', transport: 'ws-flv' | 'hls'): string {
  if (transport === 'ws-flv') return mediaWsUrl(cameraId, profile);
  const a = hostAddr();
  return `${a.httpBase}/media/${encodeURIComponent(cameraId)}/${profile}/hls/index.m3u8?token=${encodeURIComponent(a.token)}`;
}

/** Opens the link to the host and writes host events into the store, outside React. */
export function connectHost(): HostClient {
  if (client) return client;
  address = hostAddress();
  const c = new HostClient(`${address.wsBase}/api/ws?token=${encodeURIComponent(address.token)}`);
  client = c;
  const set = useAppStore.setState;

  const loadAll = async () => {
    try {
      const [info, site, statuses, streams] = await Promise.all([
        c.call('app:info', {}),
        c.call('site:get', {}),
        c.call('camera:statusList', {}),
        c.call('stream:list', {}),
      ]);
      set({
        info,
        site,
        clockOffsetMs: info.hostTime - Date.now(),
        cameraStatus: Object.fromEntries(statuses.map((s) => [s.cameraId, s])),
        streams: Object.fromEntries(streams.map((s) => [s.key, s])),
      });
    } catch (e) {
      console.warn('initial load failed', e);
    }
  };

  // PTZ is loaded apart from the rest: a host without the PTZ domain answers unknown_command,
  // which must not keep the site and streams from loading.
  const loadPtz = async () => {
    try {
      const heads = await c.call('ptz:heads', {});
      set(headsSnapshot(heads));
    } catch (e) {
      const code = e instanceof CallError ? e.error.code : undefined;
      set({ ptzService: code === 'unknown_command' ? 'absent' : 'unknown' });
      if (code !== 'unknown_command') console.warn('PTZ heads could not be loaded', e);
    }
  };

  // The wall, like PTZ, is optional: a host without it answers unknown_command and the mirror says so.
  const loadWall = async () => {
    try {
      set({ wall: await c.call('wall:get', {}), wallSelfId: null });
    } catch (e) {
      if (!(e instanceof CallError && e.error.code === 'unknown_command')) console.warn('wall could not be loaded', e);
    }
  };

  // The map's hotspots and weather, optional like PTZ and the wall.
  const loadMap = async () => {
    try {
      const [hotspots, weather] = await Promise.all([c.call('map:hotspots', {}), c.call('map:weather', {})]);
      set({ mapHotspots: hotspots, mapWeather: weather.readings, mapDangerLevels: weather.levels });
    } catch (e) {
      if (!(e instanceof CallError && e.error.code === 'unknown_command')) console.warn('map data could not be loaded', e);
    }
  };

  c.onState((link) => {
    set({ link });
    // Everything else is loaded once a person is signed in on the (new) connection.
    if (link === 'open') refreshAuth().catch((e: unknown) => console.warn('auth state could not be read', e));
  });
  c.onHello((clientId) => {
    // A new connection is a new client at the host, with its own id, which the host now tells us.
    selfIdentity.reset();
    selfIdentity.confirmed(clientId);
    set({ ptzSelfId: clientId });
  });
  // Alerts, like the wall, are optional on a host.
  const loadAlerts = async () => {
    try {
      useAppStore.getState().setAlerts((await c.call('alert:list', {})).alerts);
    } catch (e) {
      if (!(e instanceof CallError && (e.error.code === 'unknown_command' || e.error.code === 'forbidden'))) console.warn('alerts could not be loaded', e);
    }
  };

  // Duty sync state for the status bar; a host without the duty domain simply shows none.
  const loadDuty = async () => {
    try {
      set({ dutySync: await c.call('duty:syncStatus', {}) });
    } catch (e) {
      if (!(e instanceof CallError && ['unknown_command', 'forbidden', 'unavailable'].includes(e.error.code))) console.warn('duty sync state could not be read', e);
    }
  };

  // Health (运维), optional like the wall.
  const loadHealth = async () => {
    try {
      const [st, tickets] = await Promise.all([c.call('health:state', {}), c.call('health:tickets', { status: 'open' })]);
      set({ healthDevices: Object.fromEntries(st.devices.map((d) => [d.id, d])), healthLinks: st.links, healthTargetPct: st.targetPct, healthTickets: Object.fromEntries(tickets.map((t) => [t.id, t])) });
    } catch (e) {
      if (!(e instanceof CallError && ['unknown_command', 'forbidden'].includes(e.error.code))) console.warn('health state could not be loaded', e);
    }
  };

  onSignedIn(() => {
    void loadHealth();
    void loadDuty();
    void loadAll();
    void loadPtz();
    void loadWall();
    void loadAlerts();
    void loadMap();
  });
  c.on('alert:changed', (a) => useAppStore.getState().alertChanged(a));
  c.on('auth:session', ({ state }) => {
    if (state === 'locked') locked();
    else if (state === 'signedOut') signedOut();
    else refreshAuth().catch(() => undefined);
  });
  onSelfLearned((id) => set({ ptzSelfId: id }));
  c.on('app:tick', ({ hostTime }) => set({ clockOffsetMs: hostTime - Date.now() }));
  c.on('camera:status', (s) => set((st) => ({ cameraStatus: { ...st.cameraStatus, [s.cameraId]: s } })));
  c.on('stream:state', (s) => set((st) => ({ streams: { ...st.streams, [s.key]: s } })));
  c.on('duty:sync', (s) => set({ dutySync: s }));
  // health (运维)
  c.on('health:changed', ({ devices, links }) => useAppStore.getState().healthChanged(devices, links));
  c.on('health:ticket', (t) => useAppStore.getState().ticketChanged(t));
  c.on('duty:changed', () => {
    set((st) => ({ dutyRevision: st.dutyRevision + 1 }));
    // Without a centre there is no agent to report the count of records waiting: read it.
    if (useAppStore.getState().dutySync?.state === 'off') void loadDuty();
  });

  // PTZ. Poses come several times a second per moving head: they are stored, but read by the HUD
  // through `subscribe` into refs, so no component re-renders per pose.
  // The host announces a head's first connection with no event, only later changes: a pose from a
  // head still listed as connecting proves it online, and the snapshot is fetched again for its model.
  let refetch: ReturnType<typeof setTimeout> | undefined;
  c.on('ptz:pose', (p) => {
    const head = useAppStore.getState().ptzHeads[p.headId];
    if (head?.link === 'connecting' && !refetch) {
      refetch = setTimeout(() => {
        refetch = undefined;
        void loadPtz();
      }, 1500);
    }
    set((st) => {
      const known = p.cameraIds.every((id) => st.ptzCameraHead[id] === p.headId);
      return {
        ptzPoses: { ...st.ptzPoses, [p.headId]: p },
        ...(known ? {} : { ptzCameraHead: { ...st.ptzCameraHead, ...Object.fromEntries(p.cameraIds.map((id) => [id, p.headId])) } }),
        ...(head?.link === 'connecting' ? { ptzHeads: { ...st.ptzHeads, [p.headId]: { ...head, link: 'online' as const } } } : {}),
      };
    });
  });
  c.on('ptz:control', (ctl) => {
    if (ctl.holder) selfIdentity.holder(ctl.headId, ctl.holder.clientId, ctl.holder.until);
    set((st) => ({ ptzControl: { ...st.ptzControl, [ctl.headId]: ctl } }));
  });
  c.on('ptz:fault', (f) => set((st) => applyFault(st, f)));
  c.on('ptz:cruise', (cr) => set((st) => ({ ptzCruise: { ...st.ptzCruise, [cr.headId]: cr } })));
  // Presets changed by anyone: refetch the head's list if this console has it.
  c.on('ptz:action', (a) => {
    if ((a.action !== 'setPreset' && a.action !== 'removePreset') || a.outcome !== 'ok') return;
    if (!useAppStore.getState().ptzPresets[a.headId]) return;
    const cameraId = a.cameraId ?? Object.entries(useAppStore.getState().ptzCameraHead).find(([, h]) => h === a.headId)?.[0];
    if (!cameraId) return;
    c.call('ptz:presets', { cameraId })
      .then((r) => set((st) => ({ ptzPresets: { ...st.ptzPresets, [r.headId]: [...r.presets].sort((x, y) => x.preset - y.preset) } })))
      .catch(() => undefined);
  });
  c.on('wall:state', (wall) => set({ wall }));
  c.on('map:hotspots', (ch) => set((st) => ({ mapHotspots: applyHotspotChange(st.mapHotspots, ch) })));
  c.on('map:weather', ({ readings }) => set({ mapWeather: readings }));
  c.connect();
  return c;
}

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

/** URL of a camera's live stream over WebSocket-FLV. */
export function mediaWsUrl(cameraId: string, profile: 'main' | 'sub'): string {
  const a = hostAddr();
  return `${a.wsBase}/media/${encodeURIComponent(cameraId)}/${profile}.flv?token=${encodeURIComponent(a.token)}`;
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
  onSignedIn(() => {
    void loadAll();
    void loadPtz();
    void loadWall();
    void loadMap();
  });
  c.on('auth:session', ({ state }) => {
    if (state === 'locked') locked();
    else if (state === 'signedOut') signedOut();
    else refreshAuth().catch(() => undefined);
  });
  onSelfLearned((id) => set({ ptzSelfId: id }));
  c.on('app:tick', ({ hostTime }) => set({ clockOffsetMs: hostTime - Date.now() }));
  c.on('camera:status', (s) => set((st) => ({ cameraStatus: { ...st.cameraStatus, [s.cameraId]: s } })));
  c.on('stream:state', (s) => set((st) => ({ streams: { ...st.streams, [s.key]: s } })));

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

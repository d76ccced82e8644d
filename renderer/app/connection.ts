import { hostAddress, type HostAddress } from './bridge';
import { HostClient } from './host-client';
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

  c.onState((link) => {
    set({ link });
    if (link === 'open') void loadAll();
  });
  c.on('app:tick', ({ hostTime }) => set({ clockOffsetMs: hostTime - Date.now() }));
  c.on('camera:status', (s) => set((st) => ({ cameraStatus: { ...st.cameraStatus, [s.cameraId]: s } })));
  c.on('stream:state', (s) => set((st) => ({ streams: { ...st.streams, [s.key]: s } })));
  c.connect();
  return c;
}

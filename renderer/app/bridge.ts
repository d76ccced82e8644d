/** What Electron's preload hands over; absent in a plain browser. */
export interface ShellBridge {
  readonly hostUrl: string;
  readonly token: string;
  readonly shell: 'electron';
}

declare global {
  interface Window {
    skywatch?: ShellBridge;
  }
}

export interface HostAddress {
  /** HTTP origin of the host, e.g. http://127.0.0.1:8650 */
  httpBase: string;
  /** WebSocket origin of the host, e.g. ws://127.0.0.1:8650 */
  wsBase: string;
  token: string;
}

const TOKEN_KEY = 'skywatch.token';

/**
 * Finds the host and its token: from Electron's preload, or in a browser from the URL
 * (`?token=`) — kept in sessionStorage and removed from the address bar so it is not
 * left in screenshots or history.
 */
export function hostAddress(): HostAddress {
  const bridge = window.skywatch;
  if (bridge) {
    const u = new URL(bridge.hostUrl);
    return { httpBase: u.origin, wsBase: u.origin.replace(/^http/, 'ws'), token: bridge.token };
  }
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
  }
  const token = fromUrl ?? sessionStorage.getItem(TOKEN_KEY) ?? '';
  const origin = window.location.origin;
  return { httpBase: origin, wsBase: origin.replace(/^http/, 'ws'), token };
}

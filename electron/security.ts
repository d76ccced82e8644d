import { desktopCapturer, session, shell, type BrowserWindowConstructorOptions, type WebContents } from 'electron';

/** CSP of every window: no eval, no remote code; media and sockets only to the host. */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self' ws: wss:",
  "worker-src 'self' blob:",
  "font-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The web preferences every window gets: isolated, sandboxed, no Node in the page. */
export function secureWebPreferences(preload: string | undefined, extraArgs: string[], opts: { javascript?: boolean } = {}): BrowserWindowConstructorOptions['webPreferences'] {
  return {
    ...(preload ? { preload } : {}),
    // Off for windows that only render a document (the hidden window that prints reports to PDF).
    javascript: opts.javascript ?? true,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    spellcheck: false,
    backgroundThrottling: false,
    autoplayPolicy: 'no-user-gesture-required',
    additionalArguments: extraArgs,
  };
}

/** Same origin by parsing, never by prefix: `http://127.0.0.1:8650@evil/` and `…:86500/` start with the host's origin too. */
export function sameOrigin(url: string, origin: string): boolean {
  try {
    return new URL(url).origin === origin;
  } catch {
    return false;
  }
}

/** Session-wide rules: CSP on every response, no permission unless listed. */
export function hardenSession(hostOrigin: string): void {
  const ses = session.defaultSession;
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  // Camera and microphone are for the video conference; everything else is refused.
  const allowed = new Set(['media', 'fullscreen']);
  ses.setPermissionRequestHandler((wc, permission, callback) => {
    callback(allowed.has(permission) && sameOrigin(wc.getURL(), hostOrigin));
  });
  ses.setPermissionCheckHandler((_wc, permission, origin) => allowed.has(permission) && sameOrigin(origin, hostOrigin));
  // Screen sharing in the conference (getDisplayMedia): the host's pages get the primary screen (the
  // system picker where the platform has one); anyone else gets nothing.
  ses.setDisplayMediaRequestHandler(
    (request, callback) => {
      if (!request.videoRequested || !sameOrigin(request.securityOrigin, hostOrigin)) return callback(null);
      desktopCapturer.getSources({ types: ['screen'] }).then(
        (sources) => callback(sources[0] ? { video: sources[0] } : null),
        () => callback(null),
      );
    },
    { useSystemPicker: true },
  );
}

/** No navigation away from the host and no new windows; external links open in the system browser. */
export function lockNavigation(contents: WebContents, hostOrigin: string): void {
  contents.on('will-navigate', (event, url) => {
    if (!sameOrigin(url, hostOrigin)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url) && !sameOrigin(url, hostOrigin)) void shell.openExternal(url);
    return { action: 'deny' };
  });
}

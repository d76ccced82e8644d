import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it, vi } from 'vitest';

// Electron hardening, checked without the Electron binary: `electron` is replaced by small fakes that
// record what the shell asks of it, and the shell's sources are read as TypeScript.

type Listener = (...args: never[]) => unknown;
type Call = (...args: unknown[]) => unknown;
interface FakeEvent {
  defaultPrevented: boolean;
  preventDefault(): void;
}
interface OpenHandlerResult {
  action: 'allow' | 'deny';
}

const fake = vi.hoisted(() => {
  const order: string[] = [];
  const newEvent = (): FakeEvent => {
    const e = {
      defaultPrevented: false,
      preventDefault() {
        e.defaultPrevented = true;
      },
    };
    return e;
  };

  class FakeWebContents {
    readonly listeners = new Map<string, Listener[]>();
    openHandler: ((details: { url: string }) => OpenHandlerResult) | undefined;
    url = '';
    on(name: string, fn: Listener): this {
      this.listeners.set(name, [...(this.listeners.get(name) ?? []), fn]);
      return this;
    }
    setWindowOpenHandler(fn: (details: { url: string }) => OpenHandlerResult): void {
      this.openHandler = fn;
    }
    getURL(): string {
      return this.url;
    }
    /** Emits like Electron: returns the event so the test can see whether it was prevented. */
    emit(name: string, ...args: unknown[]): FakeEvent {
      const event = newEvent();
      for (const fn of this.listeners.get(name) ?? []) (fn as Call)(event, ...args);
      return event;
    }
  }

  class FakeBrowserWindow {
    static readonly instances: FakeBrowserWindow[] = [];
    static getAllWindows(): FakeBrowserWindow[] {
      return FakeBrowserWindow.instances;
    }
    readonly webContents = new FakeWebContents();
    loadedUrl: string | undefined;
    constructor(readonly options: { webPreferences?: Record<string, unknown> } & Record<string, unknown>) {
      order.push('new BrowserWindow');
      FakeBrowserWindow.instances.push(this);
    }
    once(): this {
      return this;
    }
    maximize(): void {}
    show(): void {}
    async loadURL(url: string): Promise<void> {
      order.push(`loadURL ${url}`);
      this.loadedUrl = url;
      this.webContents.url = url;
    }
  }

  const appListeners = new Map<string, Listener[]>();
  const app = {
    isPackaged: false,
    on(name: string, fn: Listener) {
      appListeners.set(name, [...(appListeners.get(name) ?? []), fn]);
      return app;
    },
    whenReady: () => Promise.resolve(),
    quit: vi.fn(),
    exit: vi.fn(),
  };

  type HeadersCallback = (r: { responseHeaders?: Record<string, string[]> }) => void;
  const session = {
    onHeadersReceived: undefined as ((details: { responseHeaders?: Record<string, string[]> }, cb: HeadersCallback) => void) | undefined,
    permissionRequest: undefined as ((wc: { getURL(): string }, permission: string, cb: (ok: boolean) => void) => void) | undefined,
    permissionCheck: undefined as ((wc: unknown, permission: string, origin: string) => boolean) | undefined,
    displayMedia: undefined as ((req: { videoRequested: boolean; securityOrigin: string }, cb: (streams: { video?: unknown } | null) => void) => void) | undefined,
  };
  const defaultSession = {
    webRequest: {
      onHeadersReceived(fn: NonNullable<typeof session.onHeadersReceived>) {
        order.push('CSP installed');
        session.onHeadersReceived = fn;
      },
    },
    setPermissionRequestHandler(fn: NonNullable<typeof session.permissionRequest>) {
      session.permissionRequest = fn;
    },
    setPermissionCheckHandler(fn: NonNullable<typeof session.permissionCheck>) {
      session.permissionCheck = fn;
    },
    setDisplayMediaRequestHandler(fn: NonNullable<typeof session.displayMedia>) {
      session.displayMedia = fn;
    },
  };

  const safe = { available: true, backend: 'gnome_libsecret' as string };
  const safeStorage = {
    isEncryptionAvailable: () => safe.available,
    getSelectedStorageBackend: () => safe.backend,
    // Not real encryption: enough to see that the box frames and unframes what safeStorage returns.
    encryptString: (s: string) => Buffer.from(`sealed(${s})`),
    decryptString: (b: Buffer) => {
      const m = /^sealed\((.*)\)$/s.exec(b.toString());
      if (!m) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return m[1] as string;
    },
  };

  const host = { url: 'http://127.0.0.1:8650', port: 8650, token: 'T0k3n-test', close: vi.fn(async () => undefined) };

  return {
    order,
    FakeWebContents,
    FakeBrowserWindow,
    app,
    appListeners,
    session,
    safe,
    host,
    newEvent,
    openExternal: vi.fn(async () => undefined),
    exposeInMainWorld: vi.fn(),
    startHost: vi.fn(async () => host),
    module: {
      app,
      BrowserWindow: FakeBrowserWindow,
      screen: { getPrimaryDisplay: () => ({ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }) },
      session: { defaultSession },
      safeStorage,
      desktopCapturer: { getSources: async () => [{ id: 'screen:0:0', name: 'Entire screen' }] },
    },
  };
});

vi.mock('electron', () => ({
  ...fake.module,
  shell: { openExternal: fake.openExternal },
  contextBridge: { exposeInMainWorld: fake.exposeInMainWorld },
}));
vi.mock('../native/host/start', () => ({ startHost: fake.startHost }));

const { CSP, hardenSession, lockNavigation, secureWebPreferences } = await import('./security');
const { safeStorageBox } = await import('./secret-box');

const here = dirname(fileURLToPath(import.meta.url));
const ORIGIN = fake.host.url;

function cspDirectives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name as string, values]),
  );
}

describe('secureWebPreferences', () => {
  const prefs = secureWebPreferences('/app/preload.js', ['--skywatch-host=x']);

  it('isolates and sandboxes the page, with no Node anywhere in it', () => {
    expect(prefs).toMatchObject({
      preload: '/app/preload.js',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      additionalArguments: ['--skywatch-host=x'],
    });
  });

  it('sets only reviewed keys (a new one, e.g. enableBlinkFeatures, needs a look first)', () => {
    expect(Object.keys(prefs ?? {}).sort()).toEqual(
      [
        'preload', 'contextIsolation', 'sandbox', 'nodeIntegration', 'nodeIntegrationInWorker', 'nodeIntegrationInSubFrames', 'webSecurity',
        'allowRunningInsecureContent', 'experimentalFeatures', 'webviewTag', 'spellcheck', 'backgroundThrottling', 'autoplayPolicy', 'additionalArguments',
        'javascript',
      ].sort(),
    );
    expect(prefs?.javascript).toBe(true);
  });

  it('gives a document-only window (report printing) no preload and no scripts, isolated all the same', () => {
    const print = secureWebPreferences(undefined, [], { javascript: false });
    expect(print).not.toHaveProperty('preload');
    expect(print).toMatchObject({ javascript: false, contextIsolation: true, sandbox: true, nodeIntegration: false });
  });
});

describe('Content-Security-Policy', () => {
  const d = cspDirectives(CSP);

  it('allows scripts from the host only: no eval, no inline, no remote', () => {
    expect(CSP).not.toContain("'unsafe-eval'");
    expect(CSP).not.toContain("'wasm-unsafe-eval'");
    expect(d.get('script-src')).toEqual(["'self'"]);
    expect(d.get('default-src')).toEqual(["'self'"]);
    expect(d.get('object-src')).toEqual(["'none'"]);
    expect(d.get('base-uri')).toEqual(["'none'"]);
    expect(d.get('frame-ancestors')).toEqual(["'none'"]);
    for (const [name, values] of d) expect(values, name).not.toContain('*');
  });

  it('is put on every response by the session', () => {
    hardenSession(ORIGIN);
    let headers: Record<string, string[]> | undefined;
    fake.session.onHeadersReceived?.({ responseHeaders: { 'content-type': ['text/html'] } }, (r) => (headers = r.responseHeaders));
    expect(headers?.['Content-Security-Policy']).toEqual([CSP]);
    expect(headers?.['content-type']).toEqual(['text/html']);
  });
});

describe('session permissions', () => {
  beforeAll(() => hardenSession(ORIGIN));
  const ask = (url: string, permission: string) =>
    new Promise<boolean>((r) => fake.session.permissionRequest?.({ getURL: () => url }, permission, r));

  it('grants media and full screen to the host page only, and nothing else', async () => {
    expect(await ask(`${ORIGIN}/`, 'media')).toBe(true);
    expect(await ask(`${ORIGIN}/`, 'fullscreen')).toBe(true);
    for (const p of ['geolocation', 'notifications', 'clipboard-read', 'openExternal', 'hid', 'serial', 'usb']) expect(await ask(`${ORIGIN}/`, p), p).toBe(false);
    expect(await ask('https://evil.example/', 'media')).toBe(false);
    expect(fake.session.permissionCheck?.(null, 'media', ORIGIN)).toBe(true);
    expect(fake.session.permissionCheck?.(null, 'geolocation', ORIGIN)).toBe(false);
    expect(fake.session.permissionCheck?.(null, 'media', 'https://evil.example')).toBe(false);
  });

  it('shares the screen with the host page only (conference screen sharing)', async () => {
    const share = (securityOrigin: string, videoRequested = true) => new Promise<unknown>((r) => fake.session.displayMedia?.({ videoRequested, securityOrigin }, r));
    expect(await share(ORIGIN)).toEqual({ video: { id: 'screen:0:0', name: 'Entire screen' } });
    expect(await share('https://evil.example')).toBeNull();
    expect(await share(ORIGIN, false)).toBeNull();
  });

  // Origins are compared parsed: a prefix match would let another port on the same address through.
  it('does not grant media to another port on the same address', async () => {
    expect(await ask('http://127.0.0.1:86501/', 'media')).toBe(false);
  });
});

describe('lockNavigation', () => {
  const wc = new fake.FakeWebContents();
  beforeAll(() => lockNavigation(wc as never, ORIGIN));

  it('keeps the window on the host', () => {
    expect(wc.emit('will-navigate', `${ORIGIN}/wall?x=1`).defaultPrevented).toBe(false);
    for (const url of ['https://evil.example/', 'file:///etc/passwd', 'http://127.0.0.2:8650/', 'javascript:alert(1)', 'data:text/html,x']) {
      expect(wc.emit('will-navigate', url).defaultPrevented, url).toBe(true);
    }
  });

  it('refuses every new window; only http(s) links elsewhere go to the system browser', () => {
    fake.openExternal.mockClear();
    for (const url of [`${ORIGIN}/popup`, 'https://example.org/help', 'file:///etc/passwd', 'javascript:alert(1)', 'smb://server/share', 'ms-msdt:x']) {
      expect(wc.openHandler?.({ url }), url).toEqual({ action: 'deny' });
    }
    expect(fake.openExternal.mock.calls).toEqual([['https://example.org/help']]);
  });

  it('refuses <webview>', () => {
    expect(wc.emit('will-attach-webview', {}, {}).defaultPrevented).toBe(true);
  });

  // A prefix match would let `http://127.0.0.1:8650@evil.example/` (userinfo) and `http://127.0.0.1:86500/` through.
  it('is not fooled by a URL that merely starts with the host origin', () => {
    expect(wc.emit('will-navigate', `${ORIGIN}@evil.example/`).defaultPrevented).toBe(true);
    expect(wc.emit('will-navigate', `${ORIGIN}0/`).defaultPrevented).toBe(true);
  });
});

describe('electron/main.ts at run time', () => {
  beforeAll(async () => {
    await import('./main');
    await vi.waitFor(() => expect(fake.FakeBrowserWindow.instances[0]?.loadedUrl).toBeDefined());
  });

  it('creates the console window with secureWebPreferences and hands over only the host URL and token', () => {
    expect(fake.FakeBrowserWindow.instances).toHaveLength(1);
    const win = fake.FakeBrowserWindow.instances[0] as InstanceType<typeof fake.FakeBrowserWindow>;
    const prefs = win.options.webPreferences;
    expect(prefs).toEqual(secureWebPreferences(prefs?.preload as string, [`--skywatch-host=${ORIGIN}`, `--skywatch-token=${fake.host.token}`]));
    expect(prefs?.preload).toMatch(/preload\.js$/);
    expect(win.loadedUrl).toBe(`${ORIGIN}/`);
  });

  it('hardens the session before the first window exists', () => {
    expect(fake.order.indexOf('CSP installed')).toBeGreaterThanOrEqual(0);
    expect(fake.order.indexOf('CSP installed')).toBeLessThan(fake.order.indexOf('new BrowserWindow'));
  });

  it('locks navigation and new windows of the console window', () => {
    const wc = (fake.FakeBrowserWindow.instances[0] as InstanceType<typeof fake.FakeBrowserWindow>).webContents;
    expect(wc.emit('will-navigate', 'https://evil.example/').defaultPrevented).toBe(true);
    expect(wc.emit('will-navigate', `${ORIGIN}/other`).defaultPrevented).toBe(false);
    expect(wc.openHandler?.({ url: `${ORIGIN}/x` })).toEqual({ action: 'deny' });
  });

  it('locks every other web contents as it is created (devtools, popups, frames)', () => {
    const wc = new fake.FakeWebContents();
    for (const fn of fake.appListeners.get('web-contents-created') ?? []) (fn as Call)(fake.newEvent(), wc);
    expect(wc.emit('will-navigate', 'https://evil.example/').defaultPrevented).toBe(true);
    expect(wc.openHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(wc.emit('will-attach-webview', {}, {}).defaultPrevented).toBe(true);
  });

  it('stops the host on quit', async () => {
    const e = fake.newEvent();
    for (const fn of fake.appListeners.get('before-quit') ?? []) (fn as Call)(e);
    expect(e.defaultPrevented).toBe(true);
    await vi.waitFor(() => expect(fake.app.quit).toHaveBeenCalled());
    expect(fake.host.close).toHaveBeenCalledTimes(1);
  });
});

describe('electron/preload.ts', () => {
  const ALLOWED_KEYS = ['hostUrl', 'shell', 'token'];

  it('exposes one frozen object of allow-listed plain values, and no functions', async () => {
    const argv = process.argv;
    process.argv = [...argv, `--skywatch-host=${ORIGIN}`, '--skywatch-token=abc'];
    try {
      await import('./preload');
    } finally {
      process.argv = argv;
    }
    expect(fake.exposeInMainWorld).toHaveBeenCalledTimes(1);
    const [name, api] = fake.exposeInMainWorld.mock.calls[0] as unknown as [string, Record<string, unknown>];
    expect(name).toBe('skywatch');
    expect(Object.isFrozen(api)).toBe(true);
    expect(Object.keys(api).sort()).toEqual(ALLOWED_KEYS);
    for (const [k, v] of Object.entries(api)) expect(typeof v, k).toBe('string');
    expect(api).toEqual({ hostUrl: ORIGIN, token: 'abc', shell: 'electron' });
  });

  it('imports nothing but contextBridge from electron (no ipcRenderer handed to the page)', () => {
    const src = readFileSync(join(here, 'preload.ts'), 'utf8');
    const imports = [...src.matchAll(/^import\s+(.*?)\s+from\s+['"]([^'"]+)['"]/gm)].map((m) => `${m[1]} from ${m[2]}`);
    expect(imports).toEqual(['{ contextBridge } from electron']);
    expect(src).not.toMatch(/ipcRenderer|require\(|process\.env/);
  });
});

describe('shell sources (static checks)', () => {
  const sources = readdirSync(here)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.config.ts'))
    .map((f) => ({ file: f, text: readFileSync(join(here, f), 'utf8') }));

  function walk(node: ts.Node, visit: (n: ts.Node) => void): void {
    visit(node);
    node.forEachChild((c) => walk(c, visit));
  }

  it('every new BrowserWindow gets webPreferences from secureWebPreferences, and nothing overrides it', () => {
    let count = 0;
    for (const { file, text } of sources) {
      const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
      walk(sf, (n) => {
        if (!ts.isNewExpression(n) || n.expression.getText(sf) !== 'BrowserWindow') return;
        count++;
        const where = `${file}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}`;
        const arg = n.arguments?.[0];
        expect(arg && ts.isObjectLiteralExpression(arg), `${where}: options must be an object literal`).toBe(true);
        const props = (arg as ts.ObjectLiteralExpression).properties;
        expect(props.some(ts.isSpreadAssignment), `${where}: no spread in window options`).toBe(false);
        const wp = props.filter((p) => p.name?.getText(sf) === 'webPreferences');
        expect(wp, where).toHaveLength(1);
        const init = ts.isPropertyAssignment(wp[0] as ts.Node) ? (wp[0] as ts.PropertyAssignment).initializer : undefined;
        expect(init && ts.isCallExpression(init) && init.expression.getText(sf) === 'secureWebPreferences', `${where}: webPreferences: secureWebPreferences(...)`).toBe(true);
      });
    }
    expect(count).toBeGreaterThan(0);
  });

  it('main.ts locks navigation of every web contents and hardens the session before opening windows', () => {
    const main = sources.find((s) => s.file === 'main.ts')?.text ?? '';
    expect(main).toMatch(/app\.on\(\s*'web-contents-created'[\s\S]*?lockNavigation\(/);
    expect(main.indexOf('hardenSession(')).toBeGreaterThan(-1);
    expect(main.indexOf('hardenSession(')).toBeLessThan(main.indexOf('await createConsoleWindow('));
    const security = sources.find((s) => s.file === 'security.ts')?.text ?? '';
    expect(security).toMatch(/on\(\s*'will-navigate'[\s\S]*?preventDefault\(\)/);
    expect(security).toMatch(/setWindowOpenHandler\([\s\S]*?return \{ action: 'deny' \}/);
  });

  it('nothing in the shell turns a protection off', () => {
    const forbidden = [
      /nodeIntegration\w*:\s*true/,
      /contextIsolation:\s*false/,
      /sandbox:\s*false/,
      /webSecurity:\s*false/,
      /webviewTag:\s*true/,
      /allowRunningInsecureContent:\s*true/,
      /action:\s*'allow'/,
      /unsafe-eval/,
      /disable-web-security|ignore-certificate-errors|no-sandbox/,
      /setCertificateVerifyProc|'certificate-error'/,
      /enableRemoteModule/,
    ];
    for (const { file, text } of sources) for (const re of forbidden) expect(text, `${file} ${re}`).not.toMatch(re);
  });
});

describe('safeStorageBox', () => {
  const lines: string[] = [];
  const log = (level: string, msg: string) => lines.push(`${level} ${msg}`);

  it('seals as enc:ss1: and opens its own values', () => {
    fake.safe.available = true;
    fake.safe.backend = 'gnome_libsecret';
    const box = safeStorageBox(log, 'linux');
    expect(box?.backend).toBe('safeStorage');
    const sealed = box?.encrypt('hunter2') ?? '';
    expect(sealed).toMatch(/^enc:ss1:[A-Za-z0-9+/]+=*$/);
    expect(sealed).not.toContain('hunter2');
    expect(box?.decrypt(sealed)).toBe('hunter2');
    expect(lines.at(-1)).toMatch(/safeStorage \(gnome_libsecret\)/);
  });

  it('refuses key-file values, plain text and damaged values without echoing them', () => {
    const box = safeStorageBox(log, 'linux');
    expect(() => box?.decrypt('enc:v1:AAAA')).toThrow(/sealed with the key file/);
    expect(() => box?.decrypt('hunter2')).toThrow(/not a sealed secret/);
    expect(() => box?.decrypt('hunter2')).not.toThrow(/hunter2/);
    expect(() => box?.decrypt('enc:ss1:!!')).toThrow(/not base64/);
    expect(() => box?.decrypt(`enc:ss1:${Buffer.from('tampered').toString('base64')}`)).toThrow(/could not decrypt/);
  });

  it.each(['basic_text', 'unknown'])('falls back to the key file on Linux with the %s backend', (backend) => {
    fake.safe.available = true;
    fake.safe.backend = backend;
    lines.length = 0;
    expect(safeStorageBox(log, 'linux')).toBeNull();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`"${backend}".*using the key file instead`));
  });

  it('falls back when encryption is not available, and trusts Keychain/DPAPI elsewhere', () => {
    fake.safe.available = false;
    lines.length = 0;
    expect(safeStorageBox(log, 'darwin')).toBeNull();
    expect(lines).toEqual([expect.stringMatching(/not available; using the key file instead/)]);
    fake.safe.available = true;
    fake.safe.backend = 'basic_text'; // only consulted on Linux
    expect(safeStorageBox(log, 'win32')?.backend).toBe('safeStorage');
    expect(lines.at(-1)).toMatch(/DPAPI/);
  });
});

import { app, BrowserWindow, screen } from 'electron';
import { join } from 'node:path';
import { startHost, type RunningHost } from '../native/host/start';
import { hardenSession, lockNavigation, secureWebPreferences } from './security';
import { safeStorageBox } from './secret-box';

let host: RunningHost | undefined;

/** Duty reports to PDF with Electron's own Chromium: a hidden window without scripts prints the page. */
async function printToPdf(html: string): Promise<Buffer> {
  const win = new BrowserWindow({ show: false, webPreferences: secureWebPreferences(undefined, [], { javascript: false }) });
  try {
    await win.loadURL(`data:text/html;charset=utf-8,${encodeURIComponent(html)}`);
    return await win.webContents.printToPDF({ pageSize: 'A4', printBackground: true, preferCSSPageSize: true });
  } finally {
    win.destroy();
  }
}

async function createConsoleWindow(h: RunningHost): Promise<BrowserWindow> {
  const primary = screen.getPrimaryDisplay();
  const win = new BrowserWindow({
    x: primary.workArea.x,
    y: primary.workArea.y,
    width: primary.workArea.width,
    height: primary.workArea.height,
    backgroundColor: '#0b0f14',
    title: '指挥中心视频大屏',
    show: false,
    webPreferences: secureWebPreferences(join(__dirname, 'preload.js'), [`--skywatch-host=${h.url}`, `--skywatch-token=${h.token}`]),
  });
  lockNavigation(win.webContents, h.url);
  win.once('ready-to-show', () => {
    win.maximize();
    win.show();
  });
  await win.loadURL(`${h.url}/`);
  return win;
}

app.on('web-contents-created', (_e, contents) => {
  // Before the host runs there is nothing to navigate to: lock to an origin that matches nothing.
  lockNavigation(contents, host?.url ?? 'null://');
});

app.whenReady().then(async () => {
  const staticDir = app.isPackaged ? join(process.resourcesPath, 'renderer') : join(__dirname, '../../dist/renderer');
  const log = (level: string, msg: string) => console.log(`${level} [secrets] ${msg}`);
  host = await startHost({ staticDir, secretBox: safeStorageBox(log), simControlPort: 8660, printPdf: printToPdf, ...(process.env.SITE_FILE ? { siteFile: process.env.SITE_FILE } : {}) });
  hardenSession(host.url);
  await createConsoleWindow(host);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0 && host) void createConsoleWindow(host);
  });
}).catch((e: unknown) => {
  console.error('failed to start:', e);
  app.exit(1);
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

let quitting = false;
app.on('before-quit', (event) => {
  if (quitting || !host) return;
  quitting = true;
  event.preventDefault();
  void host.close().finally(() => app.quit());
});

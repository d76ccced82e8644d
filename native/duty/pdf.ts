import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The Chromium to print with: CHROMIUM_PATH, or the system's. */
export function chromiumPath(): string | undefined {
  return [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p): p is string => !!p && existsSync(p));
}

/** Renders a self-contained HTML page to PDF bytes. */
export type PdfRenderer = (html: string) => Promise<Buffer>;

/** Saves what `render` prints under `outDir` with the given name. */
export function pdfSaver(outDir: string, render: PdfRenderer): (html: string, name: string) => Promise<{ file: string; bytes: Buffer }> {
  return async (html, name) => {
    const bytes = await render(html);
    mkdirSync(outDir, { recursive: true });
    const file = join(outDir, name.replace(/[\\/:*?"<>|\s]+/g, '_'));
    writeFileSync(file, bytes);
    return { file, bytes };
  };
}

/**
 * Prints a self-contained HTML page to PDF with headless Chromium (`--print-to-pdf`), the same
 * engine that shows it in the console. The desktop app passes Electron's `webContents.printToPDF`
 * instead (HostOptions.printPdf); the host under plain Node uses the browser binary.
 */
export function chromiumPdf(browser: string): PdfRenderer {
  return async (html) => {
    const work = mkdtempSync(join(tmpdir(), 'duty-pdf-'));
    try {
      const src = join(work, 'report.html');
      const out = join(work, 'report.pdf');
      writeFileSync(src, html);
      await new Promise<void>((resolve, reject) => {
        const args = ['--headless', '--no-sandbox', '--disable-gpu', '--no-pdf-header-footer', `--user-data-dir=${join(work, 'profile')}`, `--print-to-pdf=${out}`, pathToFileURL(src).href];
        const p = spawn(browser, args, { stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        p.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
        const timer = setTimeout(() => p.kill('SIGKILL'), 60_000);
        p.on('error', reject);
        p.on('exit', (code) => {
          clearTimeout(timer);
          if (code === 0 && existsSync(out)) resolve();
          else reject(new Error(`Chromium could not print the report (exit ${code}): ${err.trim().split('\n').at(-1) ?? ''}`));
        });
      });
      return readFileSync(out);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  };
}

/** The PDF printer of this host: the given renderer, else Chromium when installed, else none. */
export function pdfPrinter(outDir: string, browser: string | null | undefined = chromiumPath(), render?: PdfRenderer): ((html: string, name: string) => Promise<{ file: string; bytes: Buffer }>) | undefined {
  if (render) return pdfSaver(outDir, render);
  return browser ? pdfSaver(outDir, chromiumPdf(browser)) : undefined;
}

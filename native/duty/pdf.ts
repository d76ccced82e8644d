import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The Chromium to print with: CHROMIUM_PATH, or the system's. */
export function chromiumPath(): string | undefined {
  return [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p): p is string => !!p && existsSync(p));
}

/**
 * Prints a self-contained HTML page to PDF with headless Chromium (`--print-to-pdf`), the same
 * engine that shows it in the console, and saves it in `outDir`. In the desktop build Electron's
 * `webContents.printToPDF` does the same; the host under plain Node uses the browser binary.
 */
export function pdfPrinter(outDir: string, browser: string | null | undefined = chromiumPath()): ((html: string, name: string) => Promise<{ file: string; bytes: Buffer }>) | undefined {
  if (!browser) return undefined;
  return async (html, name) => {
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
      const bytes = readFileSync(out);
      mkdirSync(outDir, { recursive: true });
      const file = join(outDir, name.replace(/[\\/:*?"<>|\s]+/g, '_'));
      writeFileSync(file, bytes);
      return { file, bytes };
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  };
}

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';
import type { RunningHost } from '../native/host/start';
import { SESSION_STORAGE_KEY, sessionToken } from '../tests/accounts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../tests/chromium';

/** One benchmark result row: what was measured, the figure, and the goal it is held against. */
export interface BenchRow {
  bench: string;
  metric: string;
  value: number;
  unit: string;
  goal?: string;
  peer?: { name: string; value: number };
}


export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
};

export function printTable(rows: BenchRow[]): void {
  const lines = rows.map((r) => [
    r.bench,
    r.metric,
    `${r.value.toFixed(r.value < 10 ? 2 : 0)} ${r.unit}`,
    r.peer ? `${r.peer.name}: ${r.peer.value.toFixed(0)} ${r.unit} (x${(r.peer.value / r.value).toFixed(1)})` : '',
    r.goal ?? '',
  ]);
  const head = ['bench', 'metric', 'value', 'peer (ratio)', 'goal'];
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cols: string[]) => cols.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(fmt(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const l of lines) console.log(fmt(l));
}

export function saveResults(name: string, rows: BenchRow[], extra: Record<string, unknown> = {}): string {
  const dir = 'bench/results';
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ name, at: new Date().toISOString(), machine: { cpus: 2 }, rows, ...extra }, null, 2));
  return file;
}

/** CPU seconds (user+system) a process has used so far, from /proc (Linux). */
export function procCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
  } catch {
    return 0;
  }
}

/** Resident memory of a process in MB, from /proc (Linux). */
export function procRssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * The simulated site in a process of its own (as a real site is elsewhere), so what the bench measures
 * in its own process is the host alone. Returns the site file it wrote and how to stop it.
 */
/**
 * The simulator in its own process; every stream at 25 fps, as the benchmarks are specified.
 * `replaySeconds`: cameras encode that long and then replay it, so the machine's cores go to the
 * console being measured rather than to seventeen camera encoders (real cameras encode elsewhere).
 */
export async function startSeparateSimulator(rtspPort: number, controlPort: number, opts: { replaySeconds?: number } = {}): Promise<{ siteFile: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sim-'));
  const siteFile = join(dir, 'sim-site.json');
  const args = ['--import', 'tsx', resolve('native/sim/cli.ts'), '--rtsp-port', String(rtspPort), '--control-port', String(controlPort), '--site-out', siteFile, '--sub-fps', '25'];
  if (opts.replaySeconds) args.push('--replay', String(opts.replaySeconds));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((ok, fail) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Site file for it')) ok();
    });
    child.once('exit', (code) => fail(new Error(`simulator exited (${code})`)));
  });
  return {
    siteFile,
    stop: () =>
      new Promise<void>((ok) => {
        child.once('exit', () => ok());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}

/** A fresh data folder for a benchmark's host: its own accounts, never the developer's `.data`. */
export function benchDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'bench-host-'));
}

/** Signs the page in as the test shift leader before it loads the console (tests/accounts.ts). */
export async function signInPage(page: Page, host: RunningHost): Promise<void> {
  const token = await sessionToken(host, 'leader');
  await page.addInitScript(`try { sessionStorage.setItem(${JSON.stringify(SESSION_STORAGE_KEY)}, ${JSON.stringify(token)}); } catch {}`);
}

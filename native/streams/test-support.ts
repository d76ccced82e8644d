import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { streamKeyFromPath, hlsPathFromUrl, type StreamGateway } from './gateway';

/** Test helpers shared by the gateway's feature tests. */

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until(what: string, cond: () => boolean, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Pids of processes whose command line contains `marker` (pgrep exits 1 when none match). */
export function pidsMatching(marker: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** Running and not a zombie: an orphaned zombie in a container may never be reaped, yet it is dead. */
export function isAlive(pid: number): boolean {
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** ffprobe's JSON for a file: `-show_format -show_streams` plus any extra arguments. */
export function ffprobe(file: string, extra: string[] = []): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile('ffprobe', ['-v', 'error', '-of', 'json', '-show_format', '-show_streams', ...extra, file], (err, stdout, stderr) => {
      if (err) reject(new Error(`ffprobe ${file}: ${stderr || err.message}`));
      else resolve(JSON.parse(stdout) as Record<string, unknown>);
    });
  });
}

export interface MediaServer {
  port: number;
  base: string;
  close(): Promise<void>;
}

/** HTTP routes as the host wires them: FLV, HLS and snapshots. */
export async function startMediaServer(gateway: StreamGateway): Promise<MediaServer> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const hls = hlsPathFromUrl(url.pathname);
    if (hls) return gateway.handleHls(req, res, hls.key, hls.file);
    const snap = /^\/api\/snapshot\/([^/]+)\/(main|sub)\.jpg$/.exec(url.pathname);
    if (snap) return gateway.handleSnapshot(req, res, `${snap[1]}/${snap[2]}`);
    gateway.handleHttpFlv(req, res, streamKeyFromPath(url.pathname) ?? url.pathname);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    base: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestClip } from './test-media';
import { isAlive, until } from './test-support';

const here = dirname(fileURLToPath(import.meta.url));
let dir: string;
let clip: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orphans-test-'));
  clip = await makeTestClip(dir, { name: 'clip.mp4', seconds: 2, gop: 25 });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a killed host', () => {
  it('leaves no ffmpeg behind (kill -9)', async () => {
    const hlsRoot = join(dir, 'hls');
    mkdirSync(hlsRoot);
    // A camera that accepts the connection and never answers. The ffmpeg waiting on it neither
    // writes (no SIGPIPE) nor reads EOF when its host dies: only PR_SET_PDEATHSIG ends it quickly.
    const sockets = new Set<Socket>();
    const silent = createServer((s) => sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const host = spawn(process.execPath, ['--import', 'tsx', join(here, 'orphan-host.fixture.ts'), clip, hlsRoot, `rtsp://127.0.0.1:${port}/x`], {
      cwd: join(here, '../..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    host.stdout.on('data', (b: Buffer) => (out += b.toString()));
    host.stderr.on('data', (b: Buffer) => (err += b.toString()));
    try {
      await until('the host to report its ffmpeg pids', () => out.includes('\n') || host.exitCode !== null, 15_000);
      expect(err).toBe('');
      const pids = JSON.parse(out) as { host: number; upstream: number; stalled: number; hls: number[] };
      const ffmpegs = [pids.upstream, pids.stalled, ...pids.hls];
      expect(pids.hls).toHaveLength(1);
      await until('the stalled camera to be connected', () => sockets.size === 1, 5000);
      for (const pid of ffmpegs) expect(isAlive(pid)).toBe(true);

      process.kill(pids.host, 'SIGKILL'); // no exit handler runs: only the kernel can clean up
      const t0 = Date.now();
      await until('every ffmpeg to die with its host', () => ffmpegs.every((pid) => !isAlive(pid)), 2000);
      expect(Date.now() - t0).toBeLessThan(2000);
    } finally {
      if (host.exitCode === null) host.kill('SIGKILL');
      for (const s of sockets) s.destroy();
      silent.close();
    }
  }, 30_000);
});

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DutyStore } from '../../native/duty/store';
import { PgCentralStore } from '../../native/sync/central-pg';
import { startSyncServer, type RunningSyncServer } from '../../native/sync/server';
import { startTestPostgres, type TestPostgres } from '../postgres';

/*
 * Two console sites and the central service on PostgreSQL, a TCP proxy between them that cuts
 * connections mid-request at random, 50 kill -9 of a site process in all (during writes and sync),
 * site clocks skewed by −10 and +10 minutes. Then: every acknowledged record is on both sites and the
 * centre exactly once, all three checksums agree, and nothing is left waiting. See docs/sync.md.
 */

const KILLS_PER_SITE = 25;
const SKEW = { east: -600_000, west: +600_000 } as const;
type SiteId = keyof typeof SKEW;

/** Forwards to `target`; while `cutting`, cuts about a third of new connections after a few ms and live ones at random. */
function startCuttingProxy(targetPort: number): Promise<{ port: number; cuts: () => number; setCutting(on: boolean): void; close(): Promise<void> }> {
  let cutting = true;
  let cuts = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    if (cutting && Math.random() < 0.35) {
      setTimeout(() => {
        if (!cutting) return;
        cuts++;
        client.destroy();
        upstream.destroy();
      }, Math.random() * 40);
    }
  });
  // Kept-alive connections carry many requests: cut live ones too, whatever they are doing.
  const cutter = setInterval(() => {
    if (!cutting || sockets.size === 0 || Math.random() > 0.4) return;
    const live = [...sockets];
    const victim = live[Math.floor(Math.random() * live.length)]!;
    cuts++;
    victim.destroy();
  }, 20);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as { port: number }).port,
        cuts: () => cuts,
        setCutting: (on) => void (cutting = on),
        close: () =>
          new Promise<void>((r) => {
            clearInterval(cutter);
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      }),
    ),
  );
}

/** Which records differ between the sites and the centre (for the failure message). */
async function differences(dir: string, central: PgCentralStore): Promise<string> {
  const centre = new Map((await central.pull('nobody', '0', 100_000)).records.map((r) => [r.id, JSON.stringify(r)]));
  const out: string[] = [];
  for (const site of ['east', 'west']) {
    const s = await DutyStore.open({ file: join(dir, `${site}.sqlite`), site, timeZone: 'Asia/Shanghai' });
    for (const row of await s.db.all<{ id: string }>('SELECT id FROM records')) {
      const mine = JSON.stringify(await s.get(row.id));
      if (centre.get(row.id) !== mine) out.push(`${site} ${row.id}:\n  site   ${mine}\n  centre ${centre.get(row.id)}`);
    }
    await s.close();
  }
  return out.slice(0, 6).join('\n');
}

describe('duty sync reliability: cut links, kill -9, skewed clocks', () => {
  let dir: string;
  let childJs: string;
  let postgres: TestPostgres;
  let central: PgCentralStore;
  let server: RunningSyncServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'duty-rel-'));
    // Bundled once, so each of the 50 restarts costs a plain `node` start, not a TypeScript compile.
    // Inside the project, so the bundle resolves sqlite3 and pg from its node_modules.
    childJs = join(__dirname, '../../node_modules/.cache/skywatch-tests', `duty-site-${process.pid}.mjs`);
    await build({ entryPoints: [join(__dirname, 'duty-site.child.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: childJs, external: ['sqlite3', 'pg'], logLevel: 'silent' });
    postgres = await startTestPostgres();
    central = await PgCentralStore.open(await postgres.newDatabase());
    server = await startSyncServer({ store: central, tokens: { east: 'tok-east', west: 'tok-west' } });
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await central?.close();
    await postgres?.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(childJs, { force: true });
  });

  const run = (site: SiteId, syncUrl: string, drain = false): { child: ChildProcess; lines: string[]; exited: Promise<void> } => {
    const child = spawn(process.execPath, [childJs], {
      cwd: join(__dirname, '../..'),
      env: { ...process.env, DB_FILE: join(dir, `${site}.sqlite`), SITE: site, SKEW_MS: String(SKEW[site]), SYNC_URL: syncUrl, TOKEN: `tok-${site}`, ...(drain ? { DRAIN: '1' } : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const parts = buf.split('\n');
      buf = parts.pop()!; // a line cut by the kill is not an acknowledgement
      lines.push(...parts);
    });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<void>((resolve) => child.on('exit', (code, signal) => (code && code !== 0 && !signal ? (console.error(err), resolve()) : resolve())));
    return { child, lines, exited };
  };

  it('keeps every acknowledged record exactly once everywhere with equal checksums', async () => {
    const proxy = await startCuttingProxy(server.port);
    const syncUrl = `http://127.0.0.1:${proxy.port}`;
    const acked: Record<SiteId, Set<string>> = { east: new Set(), west: new Set() };
    let kills = 0;

    const rounds = async (site: SiteId) => {
      for (let i = 0; i < KILLS_PER_SITE; i++) {
        const p = run(site, syncUrl);
        await expect.poll(() => p.lines.includes('ready') || p.child.exitCode !== null, { timeout: 10_000, interval: 5 }).toBe(true);
        expect(p.child.exitCode, `site ${site} exited on its own`).toBeNull();
        // A random moment: while it writes, pushes and pulls.
        await new Promise((r) => setTimeout(r, 30 + Math.random() * 220));
        p.child.kill('SIGKILL');
        await p.exited;
        kills++;
        for (const l of p.lines) if (l.startsWith('ack ')) acked[site].add(l.slice(4));
      }
    };
    await Promise.all([rounds('east'), rounds('west')]);
    expect(kills).toBe(2 * KILLS_PER_SITE);

    // The link heals; both sites catch up (a stuck sync would time out here).
    proxy.setCutting(false);
    const drained: Record<string, string> = {};
    for (let pass = 0; pass < 2; pass++) {
      for (const site of ['east', 'west'] as const) {
        const p = run(site, syncUrl, true);
        await p.exited;
        drained[site] = p.lines.find((l) => l.startsWith('drained')) ?? '(no answer)';
      }
    }
    await proxy.close();

    const centre = await central.checksum();
    const sums: Record<string, { count: number; sha256: string }> = { centre };
    const ids: Record<string, Set<string>> = {};
    for (const site of ['east', 'west'] as const) {
      const s = await DutyStore.open({ file: join(dir, `${site}.sqlite`), site, timeZone: 'Asia/Shanghai' });
      sums[site] = await s.checksum();
      const rows = await s.db.all<{ id: string }>('SELECT id FROM records');
      ids[site] = new Set(rows.map((r) => r.id));
      expect(rows.length, `duplicate ids on ${site}`).toBe(ids[site]!.size);
      expect(await s.pendingCount(), `outbox of ${site}`).toBe(0);
      expect((await s.rejections()).length).toBe(0);
      await s.close();
    }
    const all = new Set([...acked.east, ...acked.west]);
    if (sums.east!.sha256 !== centre.sha256 || sums.west!.sha256 !== centre.sha256) console.error(await differences(dir, central));
    for (const site of ['east', 'west'] as const) for (const id of all) expect(ids[site]!.has(id), `${id} on ${site}`).toBe(true);
    expect(sums.east).toEqual(centre);
    expect(sums.west).toEqual(centre);
    expect(drained.east).toBe(`drained ${centre.count} ${centre.sha256}`);
    console.log(
      `reliability: ${kills} kills, ${acked.east.size + acked.west.size} acknowledged writes (${all.size} distinct records), ${proxy.cuts()} connections cut, ${centre.count} records, checksum ${centre.sha256.slice(0, 16)}…`,
    );
  }, 180_000);
});

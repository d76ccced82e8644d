import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/*
 * A private PostgreSQL server for tests and benchmarks: a fresh cluster (initdb) in a temporary
 * folder on a free port, started with pg_ctl and removed afterwards. Installs the Debian package
 * first when no server binaries are found (scripts/ensure-system.mjs). As root, the server runs as
 * the `postgres` user (PostgreSQL refuses to run as root). TEST_DATABASE_URL points at an existing
 * server instead.
 */

export interface TestPostgres {
  /** A URL for a new, empty database on the server. */
  newDatabase(name?: string): Promise<string>;
  stop(): Promise<void>;
}

function serverBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

let counter = 0;

export async function startTestPostgres(): Promise<TestPostgres> {
  const external = process.env.TEST_DATABASE_URL;
  if (external) return { newDatabase: (name) => createDb(external, name), stop: async () => undefined };

  let bin = serverBin();
  if (!bin) {
    const r = spawnSync(process.execPath, ['scripts/ensure-system.mjs', '--for', 'postgres'], { stdio: 'inherit' });
    bin = serverBin();
    if (r.status !== 0 || !bin) throw new Error('PostgreSQL server binaries not found and could not be installed (apt-get install postgresql), or set TEST_DATABASE_URL');
  }
  const isRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'pgtest-'));
  const data = join(dir, 'data');
  const asPg = (cmd: string, args: string[]) => (isRoot ? execFileSync('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], { stdio: 'pipe' }) : execFileSync(join(bin, cmd), args, { stdio: 'pipe' }));
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  asPg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-instructions']);
  const port = await freePort();
  asPg('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200`, 'start']);
  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  return {
    newDatabase: (name) => createDb(url, name),
    stop: async () => {
      try {
        asPg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

async function createDb(adminUrl: string, name = `t${process.pid}_${Date.now()}_${counter++}`): Promise<string> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

#!/usr/bin/env node
// Installs the system packages the project needs when they are missing (a fresh machine has none).
// Usage: node scripts/ensure-system.mjs --for start|sim|test|bench|postgres
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const purpose = (() => {
  const i = process.argv.indexOf('--for');
  return i >= 0 ? process.argv[i + 1] : 'start';
})();

const onPath = (cmd) => (process.env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, cmd)));
const hasCjkFont = () => {
  if (!onPath('fc-list')) return false;
  try {
    return execFileSync('fc-list', [':lang=zh'], { encoding: 'utf8' }).trim().length > 0;
  } catch {
    return false;
  }
};

const hasPostgresServer = () => {
  const root = '/usr/lib/postgresql';
  return existsSync(root) && readdirSync(root).some((v) => existsSync(join(root, v, 'bin', 'initdb')));
};

/** Each need: how to tell it is met, and the Debian packages that meet it. */
const needs = [
  { what: 'ffmpeg', ok: () => Boolean(process.env.FFMPEG_PATH) || onPath('ffmpeg'), pkgs: ['ffmpeg'], for: ['start', 'sim', 'test', 'bench'] },
  { what: 'CJK fonts (tower names in video and UI)', ok: hasCjkFont, pkgs: ['fonts-noto-cjk', 'fontconfig'], for: ['start', 'sim', 'test', 'bench'] },
  { what: 'Chromium (browser tests)', ok: () => existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'), pkgs: ['chromium'], for: ['test', 'bench'] },
  { what: 'openssl (the host\'s TLS certificate on the LAN)', ok: () => onPath('openssl'), pkgs: ['openssl'], for: ['start', 'test'] },
  { what: 'setpriv (child processes die with the host)', ok: () => process.platform !== 'linux' || existsSync('/usr/bin/setpriv'), pkgs: ['util-linux'], for: ['start', 'sim', 'test', 'bench'] },
  { what: 'PostgreSQL server (sync service tests and benchmarks)', ok: hasPostgresServer, pkgs: ['postgresql'], for: ['test', 'bench', 'postgres'] },
  // health (运维): link latency with 20 000-byte ICMP pings; without it the probes use TCP connect time.
  { what: 'ping (link latency probes)', ok: () => onPath('ping'), pkgs: ['iputils-ping'], for: ['start', 'test', 'bench'] },
];

const missing = needs.filter((n) => n.for.includes(purpose) && !n.ok());
if (missing.length === 0) process.exit(0);

const pkgs = [...new Set(missing.flatMap((n) => n.pkgs))];
console.log(`Missing: ${missing.map((n) => n.what).join(', ')} — installing ${pkgs.join(' ')} …`);

if (process.platform !== 'linux' || !onPath('apt-get')) {
  console.error(`Cannot install automatically on this system. Install: ${pkgs.join(', ')} (or set FFMPEG_PATH / CHROMIUM_PATH).`);
  process.exit(1);
}
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const prefix = isRoot ? [] : onPath('sudo') ? ['sudo', '-n'] : null;
if (!prefix) {
  console.error(`Run as root, or install first: sudo apt-get install -y ${pkgs.join(' ')}`);
  process.exit(1);
}
const run = (args) => {
  const [cmd, ...rest] = [...prefix, ...args];
  const r = spawnSync(cmd, rest, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return r.status === 0;
};
if (!run(['apt-get', 'update', '-qq']) || !run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...pkgs])) {
  console.error(`apt-get could not install ${pkgs.join(' ')}. Install them by hand and run again.`);
  process.exit(1);
}
const still = missing.filter((n) => !n.ok());
if (still.length) {
  console.error(`Still missing after install: ${still.map((n) => n.what).join(', ')}`);
  process.exit(1);
}
console.log('System packages ready.');

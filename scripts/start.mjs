#!/usr/bin/env node
// `npm start`: the desktop app where the Electron binary is present, otherwise web mode (same host, any Chromium).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const args = process.argv.slice(2);
const webOnly = args.includes('--web');
const passThrough = args.filter((a) => a !== '--web');

const step = (cmd, cmdArgs) => {
  const r = spawnSync(cmd, cmdArgs, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
step(process.execPath, ['scripts/ensure-system.mjs', '--for', 'start']);
step(process.execPath, ['scripts/build-renderer-if-stale.mjs']);

function electronBinary() {
  try {
    const require = createRequire(import.meta.url);
    const dir = join(require.resolve('electron/package.json'), '..');
    const pathTxt = join(dir, 'path.txt');
    if (!existsSync(pathTxt)) return undefined;
    const bin = join(dir, 'dist', readFileSync(pathTxt, 'utf8').trim());
    return existsSync(bin) ? bin : undefined;
  } catch {
    return undefined;
  }
}

const electron = webOnly ? undefined : electronBinary();
if (electron) {
  step(process.execPath, ['scripts/build-electron.mjs']);
  const child = spawn(electron, ['.', ...passThrough], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  if (!webOnly) console.log('Electron binary not installed (it cannot be downloaded here): starting in web mode — open the printed URL in Chromium.');
  const child = spawn(process.execPath, ['--import', 'tsx', 'native/host/main.ts', ...passThrough], { stdio: 'inherit' });
  const forward = (sig) => child.kill(sig);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code) => process.exit(code ?? 0));
}

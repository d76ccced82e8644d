#!/usr/bin/env node
// Builds the renderer when dist/renderer is missing or older than any source it is built from.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const out = 'dist/renderer/index.html';
const newest = (dir) => {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
};
const srcTime = Math.max(newest('renderer'), newest('common'), existsSync('assets') ? newest('assets') : 0);
if (existsSync(out) && statSync(out).mtimeMs >= srcTime && !process.argv.includes('--force')) process.exit(0);
console.log('Building the console …');
const r = spawnSync('npx', ['vite', 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'], { stdio: 'inherit' });
process.exit(r.status ?? 1);

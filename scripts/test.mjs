#!/usr/bin/env node
// `npm test`: the whole suite — lint (incl. folder import rules), type checks, unit + integration, browser end-to-end.
import { spawnSync } from 'node:child_process';

const steps = [
  ['system packages', process.execPath, ['scripts/ensure-system.mjs', '--for', 'test']],
  ['lint', 'npx', ['eslint', '.', '--max-warnings', '0']],
  ['typecheck', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']],
  ['typecheck electron/', 'npx', ['tsc', '-p', 'electron/tsconfig.json', '--noEmit']],
  ['unit + integration', 'npx', ['vitest', 'run']],
  ['build console', process.execPath, ['scripts/build-renderer-if-stale.mjs', '--force']],
  ['end-to-end (Chromium)', 'npx', ['playwright', 'test']],
];

const only = process.argv.slice(2);
const results = [];
for (const [name, cmd, args] of steps) {
  if (only.length && !only.some((o) => name.startsWith(o))) continue;
  const t0 = Date.now();
  console.log(`\n=== ${name} ===`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, FORCE_COLOR: process.env.CI ? '0' : '1' } });
  const ok = r.status === 0;
  results.push({ name, ok, s: ((Date.now() - t0) / 1000).toFixed(1) });
  if (!ok) break;
}
console.log('\n=== summary ===');
for (const r of results) console.log(`${r.ok ? 'PASS' : 'FAIL'}  ${r.name}  (${r.s} s)`);
const failed = results.filter((r) => !r.ok).length;
process.exit(failed ? 1 : 0);

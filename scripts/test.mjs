#!/usr/bin/env node
// `npm test`: the whole suite — lint (incl. folder import rules), type checks, unit + integration, browser end-to-end.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

mkdirSync('.reports', { recursive: true }); // not test-results/: Playwright empties that folder when it starts
for (const f of ['.reports/vitest.json', '.reports/playwright.json']) rmSync(f, { force: true });
process.env.PLAYWRIGHT_JSON_OUTPUT_NAME = '.reports/playwright.json';

const steps = [
  ['system packages', process.execPath, ['scripts/ensure-system.mjs', '--for', 'test']],
  ['lint', 'npx', ['eslint', '.', '--max-warnings', '0']],
  ['typecheck', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']],
  ['typecheck electron/', 'npx', ['tsc', '-p', 'electron/tsconfig.json', '--noEmit']],
  ['unit + integration', 'npx', ['vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile.json=.reports/vitest.json']],
  ['build console', process.execPath, ['scripts/build-renderer-if-stale.mjs', '--force']],
  ['end-to-end (Chromium)', 'npx', ['playwright', 'test', '--reporter=list,json']],
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

// One closing line over every test that ran, from the runners' own JSON reports.
const counts = { passed: 0, failed: 0, skipped: 0 };
if (existsSync('.reports/vitest.json')) {
  const v = JSON.parse(readFileSync('.reports/vitest.json', 'utf8'));
  counts.passed += v.numPassedTests ?? 0;
  counts.failed += v.numFailedTests ?? 0;
  counts.skipped += (v.numPendingTests ?? 0) + (v.numTodoTests ?? 0);
}
if (existsSync('.reports/playwright.json')) {
  const p = JSON.parse(readFileSync('.reports/playwright.json', 'utf8'));
  counts.passed += (p.stats?.expected ?? 0) + (p.stats?.flaky ?? 0);
  counts.failed += p.stats?.unexpected ?? 0;
  counts.skipped += p.stats?.skipped ?? 0;
}
if (failed && counts.failed === 0) counts.failed = failed; // a step such as lint failed
console.log(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
process.exit(failed ? 1 : 0);

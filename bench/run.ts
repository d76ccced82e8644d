import { spawnSync } from 'node:child_process';
import { benchAlerts } from './alerts';
import { benchConference } from './conference';
import { benchDuty } from './duty';
import { benchFanout } from './fanout';
import { benchHealth } from './health';
import { benchLatency } from './latency';
import { benchMap } from './map';
import { benchPtz } from './ptz';
import { benchSoak } from './soak';
import { benchTiles } from './tiles';
import { benchTtff } from './ttff';
import { benchWall } from './wall';
import { printTable, saveResults, type BenchRow } from './lib';

/** `npm run bench [name…]`: runs the benchmarks, prints a table, saves JSON under bench/results/. */
const benches: Record<string, () => Promise<BenchRow[]>> = {
  latency: () => benchLatency(30),
  ttff: () => benchTtff(5),
  ptz: () => benchPtz(),
  tiles: () => benchTiles(),
  fanout: () => benchFanout(),
  wall: () => benchWall(),
  duty: () => benchDuty(),
  alerts: () => benchAlerts(),
  map: () => benchMap(),
  // health (运维)
  health: () => benchHealth(),
  conference: () => benchConference(),
  // Long: 20 minutes by default (SOAK_MINUTES).
  soak: () => benchSoak(),
};

async function main(): Promise<void> {
  for (const step of [['scripts/ensure-system.mjs', '--for', 'bench'], ['scripts/build-renderer-if-stale.mjs']]) {
    const r = spawnSync(process.execPath, step, { stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
  const wanted = process.argv.slice(2);
  const rows: BenchRow[] = [];
  for (const [name, run] of Object.entries(benches)) {
    if (wanted.length && !wanted.includes(name)) continue;
    console.log(`\n--- ${name} ---`);
    rows.push(...(await run()));
  }
  console.log('');
  printTable(rows);
  console.log(`\nsaved ${saveResults('bench', rows)}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

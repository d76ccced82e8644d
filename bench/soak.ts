import { startHost } from '../native/host/start';
import { launchChromium, procRssMb, startSeparateSimulator, type BenchRow, benchDataDir, signInPage } from './lib';

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den ? num / den : 0;
}

/**
 * 9 tiles for SOAK_MINUTES (default 20): renderer JS heap and host RSS sampled every 30 s; reports
 * the growth in MB per 10 minutes (least-squares slope after a 2-minute warm-up).
 */
export async function benchSoak(minutes = Number(process.env.SOAK_MINUTES ?? 20)): Promise<BenchRow[]> {
  const sim = await startSeparateSimulator(20554, 20660, { replaySeconds: 4 });
  const host = await startHost({ port: 0, dataDir: benchDataDir(), siteFile: sim.siteFile, log: () => undefined });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    await signInPage(page, host);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    await page.goto(`${host.url}/?token=${host.token}`);
    await page.getByTestId('link-state').and(page.locator('[data-state="open"]')).waitFor();
    await page.getByTestId('layout-9').click();
    const cams = host.site.towers.flatMap((t) => t.cameras.map((c) => c.id));
    for (let i = 0; i < 9; i++) {
      await page.getByTestId(`tile-${i}`).click();
      await page.getByTestId(`camera-${cams[i]}`).dblclick();
    }
    const t: number[] = [];
    const heap: number[] = [];
    const rss: number[] = [];
    const hostHeap: number[] = [];
    const start = Date.now();
    // Clip buffers (30 s per stream) and GOP caches fill first; JIT and allocator settle after that.
    const warmup = Math.min(4, minutes / 5) * 60_000;
    while (Date.now() - start < minutes * 60_000) {
      await page.waitForTimeout(30_000);
      if (Date.now() - start < warmup) continue;
      const { metrics } = await cdp.send('Performance.getMetrics');
      t.push((Date.now() - start) / 60_000);
      heap.push((metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0) / 1048576);
      rss.push(procRssMb(process.pid));
      hostHeap.push(process.memoryUsage().heapUsed / 1048576);
      console.log(`soak ${t.at(-1)!.toFixed(1)} min: renderer heap ${heap.at(-1)!.toFixed(1)} MB, host heap ${hostHeap.at(-1)!.toFixed(1)} MB, host RSS ${rss.at(-1)!.toFixed(0)} MB`);
    }
    const playing = await page.locator('[data-state="playing"]').count();
    return [
      { bench: `soak 9 tiles ${minutes} min`, metric: 'renderer JS heap slope', value: slope(t, heap) * 10, unit: 'MB/10 min', goal: 'no growth beyond noise' },
      { bench: `soak 9 tiles ${minutes} min`, metric: 'host JS heap slope', value: slope(t, hostHeap) * 10, unit: 'MB/10 min', goal: 'no growth beyond noise' },
      { bench: `soak 9 tiles ${minutes} min`, metric: 'host RSS slope', value: slope(t, rss) * 10, unit: 'MB/10 min', goal: 'no growth beyond noise' },
      { bench: `soak 9 tiles ${minutes} min`, metric: 'tiles still playing at the end', value: playing, unit: '/ 9' },
    ];
  } finally {
    await browser.close();
    await host.close();
    await sim.stop();
  }
}

import { startHost } from '../native/host/start';
import { launchChromium, median, type BenchRow } from './lib';

/**
 * Time to first frame of a console tile, measured in the page: from the operator's double-click on a
 * camera to the first decoded frame presented (requestVideoFrameCallback).
 * cold = nothing running upstream (gateway and simulated camera both start); warm = stream already up.
 */
export async function benchTtff(trials = 5): Promise<BenchRow[]> {
  const host = await startHost({ port: 0, streamLingerMs: 30_000, log: () => undefined });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    await page.goto(`${host.url}/?token=${host.token}`);
    await page.getByTestId('link-state').and(page.locator('[data-state="open"]')).waitFor();
    await page.getByTestId('layout-1').click();

    const openAndTime = async (cameraId: string): Promise<number> => {
      await page.getByTestId(`camera-${cameraId}`).scrollIntoViewIfNeeded();
      // A string, not a function: the bench runs under tsx, whose helpers do not exist in the page.
      const timing = page.evaluate<number>(`new Promise((resolve, reject) => {
        let t0 = 0;
        document.addEventListener('dblclick', () => { t0 = performance.now(); }, { capture: true, once: true });
        const deadline = setTimeout(() => reject(new Error('no frame within 15 s')), 15000);
        const poll = () => {
          const v = document.querySelector('[data-testid="tile-0"] video:not(.pending)');
          if (t0 && v) v.requestVideoFrameCallback(() => { clearTimeout(deadline); resolve(performance.now() - t0); });
          else requestAnimationFrame(poll);
        };
        poll();
      })`);
      await page.getByTestId(`camera-${cameraId}`).dblclick();
      const ms = await timing;
      await page.getByTestId('tile-0').getByRole('button').click(); // close the tile
      return ms;
    };

    const cold: number[] = [];
    const warm: number[] = [];
    const cams = host.site.towers.slice(0, trials).map((t) => `${t.cameras[0]!.id}`);
    for (const cam of cams) cold.push(await openAndTime(cam));
    // The streams are still lingering in the gateway: reopening finds them up, with their GOP cached.
    for (const cam of cams) warm.push(await openAndTime(cam));
    console.log(`ttff cold: ${cold.map((x) => x.toFixed(0)).join(', ')} ms; warm: ${warm.map((x) => x.toFixed(0)).join(', ')} ms`);
    return [
      { bench: 'ttff', metric: `cold, median of ${trials} (main stream, upstream starts)`, value: median(cold), unit: 'ms', goal: '≤ 1500 ms' },
      { bench: 'ttff', metric: `warm, median of ${trials} (GOP cache)`, value: median(warm), unit: 'ms', goal: '≤ 300 ms' },
    ];
  } finally {
    await browser.close();
    await host.close();
  }
}

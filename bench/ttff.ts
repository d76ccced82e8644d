import { spawnOwned, stopChild } from '../native/process/child';
import { locateFfmpeg } from '../native/process/ffmpeg-path';
import { startHost } from '../native/host/start';
import { resolveStreamUrl } from '../native/site/view';
import { launchChromium, median, type BenchRow, benchDataDir, signInPage } from './lib';

/**
 * Time to first frame of a console tile, measured in the page: from the operator's double-click on a
 * camera to the first decoded frame presented (requestVideoFrameCallback).
 * cold = nothing running upstream (gateway and simulated camera both start); warm = stream already up.
 */
export async function benchTtff(trials = 5): Promise<BenchRow[]> {
  const host = await startHost({ port: 0, dataDir: benchDataDir(), streamLingerMs: 30_000, log: () => undefined });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    await signInPage(page, host);
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
      await page.getByTestId('tile-0').locator('.tile-close').click();
      return ms;
    };

    // A real camera encodes all the time; a simulated one only while someone pulls it. For "cold" the
    // camera is kept encoding by an independent RTSP client, so what is timed is the gateway's upstream start.
    const keepEncoding = (cameraId: string) =>
      spawnOwned(locateFfmpeg().path, ['-loglevel', 'quiet', '-rtsp_transport', 'tcp', '-i', resolveStreamUrl(host.site, `${cameraId}/main`)!, '-c', 'copy', '-f', 'null', '-'], { stdio: 'ignore' });
    const cold: number[] = [];
    const warm: number[] = [];
    const fullyCold: number[] = [];
    const cams = host.site.towers.slice(0, trials).map((t) => `${t.cameras[0]!.id}`);
    for (const cam of cams) {
      const keeper = keepEncoding(cam);
      await page.waitForTimeout(3000);
      cold.push(await openAndTime(cam));
      await stopChild(keeper);
    }
    // The streams are still lingering in the gateway: reopening finds them up, with their GOP cached.
    for (const cam of cams) warm.push(await openAndTime(cam));
    // Nothing running at all: the simulated encoder starts too (not a situation a real camera has).
    for (const t of host.site.towers.slice(trials, trials * 2)) fullyCold.push(await openAndTime(t.cameras[1]!.id));
    console.log(`ttff cold: ${cold.map((x) => x.toFixed(0)).join(', ')} ms; warm: ${warm.map((x) => x.toFixed(0)).join(', ')} ms; simulated encoder also starting: ${fullyCold.map((x) => x.toFixed(0)).join(', ')} ms`);
    return [
      { bench: 'ttff', metric: `cold, median of ${trials} (camera encoding, gateway upstream starts)`, value: median(cold), unit: 'ms', goal: '≤ 1500 ms' },
      { bench: 'ttff', metric: `warm, median of ${trials} (GOP cache)`, value: median(warm), unit: 'ms', goal: '≤ 300 ms' },
      { bench: 'ttff', metric: `simulated encoder also starting, median of ${trials}`, value: median(fullyCold), unit: 'ms' },
    ];
  } finally {
    await browser.close();
    await host.close();
  }
}

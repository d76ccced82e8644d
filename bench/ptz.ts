import { startHost } from '../native/host/start';
import type { OnvifRequestRecord } from '../native/sim/onvif/device';
import { launchChromium, median, percentile, type BenchRow, benchDataDir, signInPage } from './lib';

const TRIALS = 15;

// A fake Thrustmaster T.16000M (no real input device can be created here); the page reads it through
// navigator.getGamepads as it would read the real one.
const FAKE_PAD = `
  (() => {
    const pad = { id: 'Thrustmaster T.16000M (Vendor: 044f Product: b10a)', index: 0, connected: true, mapping: '', timestamp: 0,
      axes: [0, 0, 0, 0, 0, 0], buttons: Array.from({ length: 16 }, () => ({ pressed: false, touched: false, value: 0 })) };
    window.__pad = pad;
    window.__setX = (x) => { pad.axes[0] = x; pad.timestamp = performance.now(); return performance.timeOrigin + performance.now(); };
    Object.defineProperty(navigator, 'getGamepads', { configurable: true, value: () => [pad, null, null, null] });
  })();`;

/**
 * Joystick → ONVIF request on the wire (at the simulated head), stick released → Stop on the wire,
 * requests per second under continuous stick motion, and head moving → HUD showing the new bearing.
 */
export async function benchPtz(): Promise<BenchRow[]> {
  const host = await startHost({ port: 0, dataDir: benchDataDir(), log: () => undefined });
  const browser = await launchChromium();
  const device = host.simulator!.onvif.devices.get('t01')!;
  const records: OnvifRequestRecord[] = [];
  device.onRequest((r) => records.push(r));
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    await signInPage(page, host);
    await page.addInitScript({ content: FAKE_PAD });
    await page.goto(`${host.url}/?token=${host.token}`);
    await page.getByTestId('link-state').and(page.locator('[data-state="open"]')).waitFor();
    await page.getByTestId('layout-1').click();
    await page.getByTestId('camera-t01-visible').dblclick();
    await page.locator('[data-testid="hud-0"][data-bearing]:not([data-bearing=""])').waitFor({ timeout: 30_000 });
    await page.evaluate(`(() => {
      window.__hud = [];
      const el = document.querySelector('[data-testid="hud-0"]');
      new MutationObserver(() => window.__hud.push({ t: performance.timeOrigin + performance.now(), b: el.dataset.bearing })).observe(el, { attributes: true, attributeFilter: ['data-bearing'] });
    })()`);

    const press: number[] = [];
    const release: number[] = [];
    const hud: number[] = [];
    const rates: number[] = [];
    const isMove = (r: OnvifRequestRecord) => r.action === 'ContinuousMove';
    const isStop = (r: OnvifRequestRecord) => r.action === 'Stop';
    const after = (t: number, pred: (r: OnvifRequestRecord) => boolean) => records.find((r) => r.at >= t && pred(r));
    for (let i = 0; i < TRIALS; i++) {
      const t0 = await page.evaluate<number>(`window.__setX(${i % 2 ? -0.8 : 0.8})`);
      // Continuous motion: the stick keeps moving a little every 40 ms for 1.5 s.
      const holdStart = Date.now();
      for (let k = 0; Date.now() - holdStart < 1500; k++) {
        await page.evaluate(`window.__setX(${(i % 2 ? -1 : 1) * (0.6 + 0.3 * Math.sin(k / 3))})`);
        await page.waitForTimeout(40);
      }
      const moveRec = after(t0, isMove);
      if (moveRec) {
        press.push(moveRec.at - t0);
        const h = await page.evaluate<{ t: number }[]>(`window.__hud`);
        const firstHud = h.find((x) => x.t > moveRec.at);
        if (firstHud) hud.push(firstHud.t - moveRec.at);
        const windowStart = moveRec.at + 200;
        const n = records.filter((r) => r.at >= windowStart && r.at <= windowStart + 1000 && isMove(r)).length;
        rates.push(n);
      }
      const t1 = await page.evaluate<number>(`window.__setX(0)`);
      await page.waitForTimeout(800);
      const stopRec = after(t1, isStop);
      if (stopRec) release.push(stopRec.at - t1);
    }
    console.log(`ptz: press→wire ${press.map((x) => x.toFixed(0)).join(' ')} ms; release→Stop ${release.map((x) => x.toFixed(0)).join(' ')} ms; req/s ${rates.join(' ')}; move→HUD ${hud.map((x) => x.toFixed(0)).join(' ')} ms`);
    return [
      { bench: 'ptz', metric: 'joystick → ContinuousMove on the wire, p95', value: percentile(press, 95), unit: 'ms', goal: '≤ 50 ms' },
      { bench: 'ptz', metric: 'stick released → Stop on the wire, p95', value: percentile(release, 95), unit: 'ms', goal: '≤ 100 ms' },
      { bench: 'ptz', metric: 'PTZ requests per second under continuous stick motion, max', value: Math.max(...rates), unit: '/s', goal: '≤ 10' },
      { bench: 'ptz', metric: 'head starts moving → HUD shows new bearing, median', value: median(hud), unit: 'ms', goal: '≤ 250 ms' },
      { bench: 'ptz', metric: 'head starts moving → HUD shows new bearing, p95', value: percentile(hud, 95), unit: 'ms', goal: '≤ 250 ms' },
    ];
  } finally {
    await browser.close();
    await host.close();
  }
}

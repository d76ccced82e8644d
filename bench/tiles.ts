import { startHost } from '../native/host/start';
import { launchChromium, procCpuSeconds, procRssMb, startSeparateSimulator, type BenchRow, benchDataDir, signInPage } from './lib';

const WINDOW_S = 30;

/**
 * 16 sub-stream tiles (4x4 grid) plus one main-stream player in one Chromium page: dropped-frame ratio,
 * gateway CPU per stream (host process + its copy-mode ffmpeg), host RSS.
 */
export async function benchTiles(): Promise<BenchRow[]> {
  // Cameras replay recorded GOPs: the two cores go to the console measured, not to seventeen encoders.
  const sim = await startSeparateSimulator(18554, 18660, { replaySeconds: 4 });
  const host = await startHost({ port: 0, dataDir: benchDataDir(), siteFile: sim.siteFile, log: () => undefined });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 }, bypassCSP: true });
    await signInPage(page, host);
    await page.goto(`${host.url}/?token=${host.token}`);
    await page.getByTestId('link-state').and(page.locator('[data-state="open"]')).waitFor();
    await page.getByTestId('layout-16').click();
    const cams = host.site.towers.flatMap((t) => t.cameras.map((c) => c.id));
    for (let i = 0; i < 16; i++) {
      await page.getByTestId(`tile-${i}`).click();
      await page.getByTestId(`camera-${cams[i]}`).dblclick();
    }
    // The 17th: one main stream, played by mpegts.js in the same page.
    await page.addScriptTag({ path: 'node_modules/mpegts.js/dist/mpegts.js' });
    const mainUrl = `${host.url.replace('http', 'ws')}/media/${cams[16]}/main.flv?token=${host.token}`;
    await page.evaluate(`(() => {
      const v = document.createElement('video'); v.muted = true; v.autoplay = true; v.id = 'main17';
      v.style = 'position:fixed;right:0;bottom:0;width:480px;height:270px;z-index:9';
      document.body.appendChild(v);
      const p = mpegts.createPlayer({ type: 'flv', isLive: true, url: ${JSON.stringify(mainUrl)}, hasAudio: false }, { enableStashBuffer: false, liveSync: true });
      p.attachMediaElement(v); p.load(); p.play();
    })()`);
    for (let i = 0; i < 16; i++) await page.getByTestId(`tile-${i}`).and(page.locator('[data-state="playing"]')).waitFor({ timeout: 60_000 });
    await page.waitForTimeout(5000);

    // Frames since the first call, per video element: an element first seen later counts from zero, and
    // one whose counters went back (its player was rebuilt) counts from its reset.
    const quality = () => page.evaluate<{ total: number; dropped: number; playing: number }>(`(() => {
      const first = !window.__q0;
      window.__q0 = window.__q0 || new Map();
      let total = 0, dropped = 0, playing = 0;
      for (const v of document.querySelectorAll('video')) {
        const q = v.getVideoPlaybackQuality();
        if (!window.__q0.has(v)) window.__q0.set(v, first ? { t: q.totalVideoFrames, d: q.droppedVideoFrames } : { t: 0, d: 0 });
        const base = window.__q0.get(v);
        if (q.totalVideoFrames < base.t) { base.t = 0; base.d = 0; }
        total += q.totalVideoFrames - base.t; dropped += q.droppedVideoFrames - base.d;
        if (q.totalVideoFrames > 0) playing++;
      }
      return { total, dropped, playing };
    })()`);
    const upstreamPids = () => host.streams().flatMap((s) => (s.stats.pid ? [s.stats.pid] : []));
    await quality();
    const hostCpu0 = process.cpuUsage();
    const ff0 = upstreamPids().reduce((a, p) => a + procCpuSeconds(p), 0);
    await page.waitForTimeout(WINDOW_S * 1000);
    const q1 = await quality();
    const hostCpu = process.cpuUsage(hostCpu0);
    const ff1 = upstreamPids().reduce((a, p) => a + procCpuSeconds(p), 0);
    const streams = upstreamPids().length;
    const hostCorePct = ((hostCpu.user + hostCpu.system) / 1e6 / WINDOW_S) * 100;
    const ffCorePct = ((ff1 - ff0) / WINDOW_S) * 100;
    const frames = q1.total;
    const dropped = q1.dropped;
    console.log(`tiles: ${q1.playing} videos playing, ${frames} frames, ${dropped} dropped; ${streams} upstreams; host ${hostCorePct.toFixed(1)} % + ffmpeg ${ffCorePct.toFixed(1)} % of a core`);
    return [
      { bench: 'tiles 16+1', metric: `dropped frames over ${WINDOW_S} s`, value: (dropped / Math.max(1, frames)) * 100, unit: '%', goal: '< 1 %' },
      { bench: 'tiles 16+1', metric: 'gateway CPU per stream (host JS + copy ffmpeg)', value: (hostCorePct + ffCorePct) / Math.max(1, streams), unit: '% core', goal: '< 2 % of a core' },
      { bench: 'tiles 16+1', metric: 'host RSS', value: procRssMb(process.pid), unit: 'MB' },
    ];
  } finally {
    await browser.close();
    await host.close();
    await sim.stop();
  }
}

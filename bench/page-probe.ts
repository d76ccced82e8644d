import { build } from 'esbuild';
import type { Page } from '@playwright/test';

/**
 * In-page latency probe: on every presented frame of a video, reads the simulator's timestamp strip
 * from the picture and records now − generation time. Injected as a string (the strip decoder is
 * bundled with esbuild), so the page needs nothing of ours.
 */
export async function installLatencyProbe(page: Page): Promise<void> {
  const bundle = await build({
    stdin: { contents: "export { decodeTimestampStrip, stripDeltaMs, stripLayout } from './native/sim/timestamp-strip';", resolveDir: process.cwd(), loader: 'ts' },
    bundle: true,
    write: false,
    format: 'iife',
    globalName: '__strip',
    target: 'es2022',
  });
  // Init scripts may run inside a function scope, so the bundle's top-level var is made global explicitly.
  await page.addInitScript({ content: bundle.outputFiles[0]!.text.replace(/^\s*var __strip\s*=/m, 'globalThis.__strip =') });
  await page.addInitScript({
    content: `
      window.__lat = { samples: [], buffer: [], misses: 0, watching: new WeakSet() };
      window.__watchLatency = (video) => {
        if (window.__lat.watching.has(video)) return;
        window.__lat.watching.add(video);
        const canvas = document.createElement('canvas');
        const ctx = canvas.getContext('2d', { willReadFrequently: true });
        const onFrame = (now, meta) => {
          if (!video.isConnected) return;
          const w = video.videoWidth;
          if (w > 0) {
            const rows = Math.ceil(__strip.stripLayout(w).barHeight) + 1;
            if (canvas.width !== w || canvas.height !== rows) { canvas.width = w; canvas.height = rows; }
            ctx.drawImage(video, 0, 0, w, rows, 0, 0, w, rows);
            const ts = __strip.decodeTimestampStrip(ctx.getImageData(0, 0, w, rows).data, w, rows);
            const shownAt = performance.timeOrigin + (meta.expectedDisplayTime || now);
            if (ts === undefined) window.__lat.misses++;
            else window.__lat.samples.push(__strip.stripDeltaMs(shownAt, ts));
            const b = video.buffered;
            if (b.length) window.__lat.buffer.push((b.end(b.length - 1) - video.currentTime) * 1000);
          }
          video.requestVideoFrameCallback(onFrame);
        };
        video.requestVideoFrameCallback(onFrame);
      };
      window.__latReset = () => { window.__lat.samples = []; window.__lat.buffer = []; window.__lat.misses = 0; };
    `,
  });
}

/** Starts probing every video matching `selector` and collects for `ms`; returns the samples. */
export async function collectLatency(page: Page, selector: string, ms: number): Promise<{ samples: number[]; buffer: number[]; misses: number }> {
  await page.evaluate(`(() => { window.__latReset(); document.querySelectorAll(${JSON.stringify(selector)}).forEach((v) => window.__watchLatency(v)); })()`);
  await page.waitForTimeout(ms);
  return page.evaluate<{ samples: number[]; buffer: number[]; misses: number }>(`({ samples: window.__lat.samples, buffer: window.__lat.buffer, misses: window.__lat.misses })`);
}

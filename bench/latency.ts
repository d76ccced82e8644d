import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { spawnOwned, stopChild } from '../native/process/child';
import { locateFfmpeg } from '../native/process/ffmpeg-path';
import { startHost } from '../native/host/start';
import { resolveStreamUrl } from '../native/site/view';
import { launchChromium, median, percentile, type BenchRow, benchDataDir, signInPage } from './lib';
import { collectLatency, installLatencyProbe } from './page-probe';

const CAMERA = 't01-visible';

/**
 * Glass-to-glass latency of one simulated 25 fps camera, read from the timestamp strip in the
 * picture: ours (gateway → WS-FLV → mpegts.js in a console tile) against the usual alternative,
 * ffmpeg-made HLS (2 s segments, ffmpeg defaults) played by hls.js with its defaults — same camera, same run.
 */
export async function benchLatency(seconds = 30): Promise<BenchRow[]> {
  const host = await startHost({ port: 0, dataDir: benchDataDir(), log: () => undefined });
  const browser = await launchChromium();
  const hlsDir = mkdtempSync(join(tmpdir(), 'bench-hls-'));
  let hlsFfmpeg: ReturnType<typeof spawnOwned> | undefined;
  const server = createServer((req, res) => {
    const path = normalize(new URL(req.url ?? '/', 'http://x').pathname);
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><body style="margin:0;background:#000">
        <video id="v" muted autoplay playsinline style="width:100vw;height:100vh"></video>
        <script src="/hls.js"></script>
        <script>const h = new Hls(); h.loadSource('/hls/index.m3u8'); h.attachMedia(document.getElementById('v'));
          h.on(Hls.Events.ERROR, (e, d) => { if (d.fatal) setTimeout(() => location.reload(), 1000); });</script></body>`);
      return;
    }
    try {
      if (path === '/hls.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync('node_modules/hls.js/dist/hls.min.js'));
      else if (path.startsWith('/hls/')) {
        const body = readFileSync(join(hlsDir, path.slice(5)));
        res.writeHead(200, { 'content-type': path.endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : 'video/mp2t', 'cache-control': 'no-cache' }).end(body);
      } else res.writeHead(404).end();
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    await signInPage(page, host);
    await installLatencyProbe(page);
    // Ours: the console, one tile maximised on the main stream.
    await page.goto(`${host.url}/?token=${host.token}`);
    await page.getByTestId('link-state').and(page.locator('[data-state="open"]')).waitFor();
    await page.getByTestId('layout-1').click();
    await page.getByTestId(`camera-${CAMERA}`).dblclick();
    await page.getByTestId('tile-0').and(page.locator('[data-state="playing"]')).waitFor({ timeout: 20_000 });
    await page.waitForTimeout(3000);
    const ours = await collectLatency(page, '[data-testid="tile-0"] video', seconds * 1000);

    // Peer: ffmpeg pulls the same camera and writes HLS; hls.js plays it.
    const url = resolveStreamUrl(host.site, `${CAMERA}/main`)!;
    hlsFfmpeg = spawnOwned(locateFfmpeg().path, ['-hide_banner', '-loglevel', 'error', '-rtsp_transport', 'tcp', '-i', url, '-c', 'copy', '-f', 'hls', '-hls_time', '2', '-hls_list_size', '6', '-hls_flags', 'delete_segments', join(hlsDir, 'index.m3u8')], { stdio: ['ignore', 'ignore', 'pipe'] });
    hlsFfmpeg.stderr?.resume();
    const peer = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await installLatencyProbe(peer);
    await new Promise((r) => setTimeout(r, 7000)); // let a few segments exist
    await peer.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await peer.waitForFunction(`document.getElementById('v').currentTime > 1`, undefined, { timeout: 30_000 });
    await peer.waitForTimeout(3000);
    const hls = await collectLatency(peer, '#v', seconds * 1000);

    console.log(`samples: ours ${ours.samples.length} (unreadable ${ours.misses}), hls ${hls.samples.length} (unreadable ${hls.misses})`);
    if (!ours.samples.length || !hls.samples.length) throw new Error("no latency samples: the strip could not be read");
    const oursMed = median(ours.samples);
    const hlsMed = median(hls.samples);
    console.log(`latency ours: n=${ours.samples.length} (unreadable ${ours.misses}), median ${oursMed.toFixed(0)} ms, p95 ${percentile(ours.samples, 95).toFixed(0)} ms; of which player buffer median ${median(ours.buffer).toFixed(0)} ms`);
    console.log(`latency HLS:  n=${hls.samples.length} (unreadable ${hls.misses}), median ${hlsMed.toFixed(0)} ms, p95 ${percentile(hls.samples, 95).toFixed(0)} ms`);
    return [
      { bench: 'latency', metric: `glass-to-glass median, ${seconds} s (WS-FLV + mpegts.js)`, value: oursMed, unit: 'ms', goal: '≤ 250 ms, ≥ 5x lower than HLS', peer: { name: 'ffmpeg HLS + hls.js', value: hlsMed } },
      { bench: 'latency', metric: `glass-to-glass p95, ${seconds} s`, value: percentile(ours.samples, 95), unit: 'ms', peer: { name: 'ffmpeg HLS + hls.js', value: percentile(hls.samples, 95) } },
    ];
  } finally {
    if (hlsFfmpeg) await stopChild(hlsFfmpeg);
    server.close();
    await browser.close();
    await host.close();
    rmSync(hlsDir, { recursive: true, force: true });
  }
}

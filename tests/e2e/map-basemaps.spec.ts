import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wgs84ToGcj02 } from '../../common/gcj02';
import { distance, latLon } from '../../common/geo';
import { startHost } from '../../native/host/start';
import { buildSimulatedSite } from '../../native/site/simulated';
import { simulatedMapFiles } from '../../native/sim/terrain';
import { consoleUrl, expect, test as base } from './fixtures';
import { ConsolePage } from './pages/console.page';
import { MapPage } from './pages/map.page';

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/**
 * A site file whose basemaps cannot all be shown: a missing MBTiles file, a tile server that does not
 * answer, and the relief map declared in GCJ-02 (so the overlays move onto that datum).
 */
const test = base.extend<object, { host: Awaited<ReturnType<typeof startHost>> }>({
  host: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const dir = mkdtempSync(join(tmpdir(), 'e2e-basemaps-'));
      const map = await simulatedMapFiles();
      const site = buildSimulatedSite({ rtspBase: 'rtsp://127.0.0.1:9', map });
      const port = await closedPort();
      site.basemaps.push(
        { id: 'missing', name: '县局影像（缺失）', kind: 'mbtiles', path: 'maps/county.mbtiles', crs: 'wgs84' },
        { id: 'dead', name: '县局瓦片服务', kind: 'xyz', url: `http://127.0.0.1:${port}/{z}/{x}/{y}.png`, subdomains: [], tileSize: 256, minzoom: 0, maxzoom: 18, crs: 'wgs84' },
        { id: 'mars', name: '火星底图', kind: 'mbtiles', path: map.basemap, crs: 'gcj02' },
      );
      writeFileSync(join(dir, 'site.json'), JSON.stringify({ ...site, site: { ...site.site, simulated: false } }));
      const host = await startHost({ siteFile: join(dir, 'site.json'), port: 0, dataDir: join(dir, 'data') });
      await use(host);
      await host.close();
      rmSync(dir, { recursive: true, force: true });
    },
    { scope: 'worker', timeout: 120_000 },
  ],
});

test('a basemap that cannot be shown says why in the layer panel; a GCJ-02 basemap moves the overlays onto its datum', async ({ page, host }, testInfo) => {
  const con = new ConsolePage(page);
  const map = new MapPage(page);
  await con.open(consoleUrl(host));
  await map.open();
  expect(await map.chooseBasemap('missing')).toBe('failed');
  await expect(page.getByTestId('map-basemap-state-missing')).toContainText(/file not found: .*maps\/county\.mbtiles/);
  expect(await map.chooseBasemap('dead')).toBe('failed');
  await expect(page.getByTestId('map-basemap-state-dead')).toContainText('cannot be reached: ECONNREFUSED');
  // The rest of the map keeps working: towers, and a bearing fix.
  await expect(map.towers).toHaveCount(19);
  await map.addBearing('t01', 120);
  await map.addBearing('t07', 200);
  await expect(page.getByTestId('map-fix-decimal')).toBeVisible();
  await page.waitForTimeout(300);
  await map.work.screenshot({ path: testInfo.outputPath('map-basemap-failed.png') });

  // GCJ-02: 仙人山's marker moves by its GCJ-02 shift, in the direction of the shift; the fix's numbers stay WGS84.
  const fixBefore = await page.getByTestId('map-fix-decimal').textContent();
  const a = await map.towerPoint('t01');
  const ref = await map.towerPoint('t10');
  expect(await map.chooseBasemap('mars')).toBe('ok');
  await expect(page.getByTestId('map-canvas')).toHaveAttribute('data-crs', 'gcj02');
  await expect.poll(async () => (await map.towerPoint('t01')).x - a.x).toBeGreaterThan(1);
  const b = await map.towerPoint('t01');
  const ref2 = await map.towerPoint('t10');
  // Pixels per metre from two towers 14 km apart (both shift by nearly the same amount).
  const pxPerM = Math.hypot(ref.x - a.x, ref.y - a.y) / distance(latLon(31.2612, 119.3555), latLon(31.1547, 119.4729));
  const g = wgs84ToGcj02(31.2612, 119.3555);
  const shiftM = distance(latLon(31.2612, 119.3555), latLon(g.lat, g.lon));
  expect(Math.abs(Math.hypot(b.x - a.x, b.y - a.y) / pxPerM - shiftM)).toBeLessThan(120);
  expect(Math.hypot(ref2.x - ref.x, ref2.y - ref.y)).toBeGreaterThan(1);
  await expect(page.getByTestId('map-fix-decimal')).toHaveText(fixBefore ?? '');
});

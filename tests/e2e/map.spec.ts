import { bearing, destination, formatLatLonDecimal, formatLatLonDms, intersect, inverse, latLon } from '../../common/geo';
import { angleDiff } from '../../common/ptz';
import { consoleUrl, expect, test } from './fixtures';
import { ConsolePage } from './pages/console.page';
import { MapPage } from './pages/map.page';

test('the map draws the 19 towers offline, with live cones', async ({ page, host }, testInfo) => {
  // No network at all: any request that is not the host's is a failure of the offline style.
  const foreign: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(host.url) && !r.url().startsWith('ws') && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) foreign.push(r.url());
  });
  const con = new ConsolePage(page);
  const map = new MapPage(page);
  await con.open(consoleUrl(host));
  await map.open();
  await expect(map.towers).toHaveCount(19);
  await expect(map.tower('t01')).toContainText('仙人山');
  // Cones are drawn for heads whose pose is known; every tower's marker carries its cone's bearing.
  await expect.poll(async () => (await map.towers.evaluateAll((els) => els.filter((e) => e.hasAttribute('data-bearing')).length))).toBeGreaterThan(0);
  await expect.poll(() => map.towers.evaluateAll((els) => els.filter((e) => e.getAttribute('data-state') === 'online').length)).toBeGreaterThan(0);
  await page.waitForTimeout(500);
  await map.work.screenshot({ path: testInfo.outputPath('map.png') });
  expect(foreign).toEqual([]);
});

test('"look here" turns the nearest tower and its cone follows', async ({ page, host }) => {
  const con = new ConsolePage(page);
  const map = new MapPage(page);
  await con.open(consoleUrl(host));
  await map.open();
  await expect.poll(() => map.coneBearing('t04')).not.toBeNull();
  const before = (await map.coneBearing('t04')) as number;
  // ~2 km due south (or west) of 丫髻山 (north up, no rotation): its nearest PTZ tower is 丫髻山 itself.
  const p = await map.towerPoint('t04');
  const target = Math.abs(angleDiff(before, 180)) < 20 ? { x: p.x - 35, y: p.y, bearing: 270 } : { x: p.x, y: p.y + 35, bearing: 180 };
  await map.lookHere(target);
  await expect(page.getByTestId('map-slew')).toContainText('丫髻山');
  await expect
    .poll(async () => Math.abs(angleDiff((await map.coneBearing('t04')) ?? 0, target.bearing)), { timeout: 20_000, message: 'cone turns to the target' })
    .toBeLessThan(2);
  // The camera was opened in the grid.
  await page.getByTestId('tab-video').click();
  await expect(page.locator('[data-camera="t04-visible"]').first()).toBeVisible();
});

test('two bearing lines give a fix with its coordinates', async ({ page, host }, testInfo) => {
  const con = new ConsolePage(page);
  const map = new MapPage(page);
  await con.open(consoleUrl(host));
  await map.open();
  await expect(page.getByTestId('map-fix-none')).toBeVisible();
  await map.addBearing('t01', 120);
  await map.addBearing('t07', 200);
  await expect(page.getByTestId('map-lines').locator('li')).toHaveCount(2);
  const fix = intersect({ from: latLon(31.2612, 119.3555), bearing: 120 }, { from: latLon(31.2854, 119.4186), bearing: 200 });
  expect(fix).toBeDefined();
  await expect(page.getByTestId('map-fix-decimal')).toHaveText(formatLatLonDecimal(fix as NonNullable<typeof fix>));
  await expect(page.getByTestId('map-fix-dms')).toHaveText(formatLatLonDms(fix as NonNullable<typeof fix>));
  await expect(page.getByTestId('map-fix')).toContainText('仙人山');
  await expect(page.getByTestId('map-fix')).toContainText('金山');
  await page.waitForTimeout(300);
  await map.work.screenshot({ path: testInfo.outputPath('map-fix.png') });

  // Distance measure: two clicks on empty map give a geodesic length.
  const box = await map.work.boundingBox();
  if (!box) throw new Error('map not drawn');
  await page.getByTestId('map-measure').click();
  await page.mouse.click(box.x + 60, box.y + 640);
  await page.mouse.click(box.x + 260, box.y + 640);
  await expect(page.getByTestId('map-measure-total')).toHaveText(/(全长|Total) \d+\.\d\d (千米|km)/);
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('map-measure')).toHaveAttribute('aria-pressed', 'false');
});

test('the layer panel switches to the site\'s MBTiles basemap served by the host', async ({ page, host }, testInfo) => {
  const con = new ConsolePage(page);
  const map = new MapPage(page);
  const tiles: number[] = [];
  page.on('response', (r) => {
    if (r.url().includes('/api/map/tiles/sim-relief/')) tiles.push(r.status());
  });
  await con.open(consoleUrl(host));
  await map.open();
  expect(await map.chooseBasemap('sim-relief')).toBe('ok');
  await expect.poll(() => tiles.filter((s) => s === 200).length, { message: 'relief tiles are fetched from the host' }).toBeGreaterThan(1);
  expect(tiles.filter((s) => s >= 400)).toEqual([]);
  // Overlays stay on the WGS84 datum of this basemap; the towers are still all there.
  await expect(page.getByTestId('map-canvas')).toHaveAttribute('data-crs', 'wgs84');
  await expect(map.towers).toHaveCount(19);
  // Weather from the simulated stations sits beside the towers.
  await expect(page.getByTestId('map-weather-t01')).toContainText(/m\/s -?\d+°C \d+%/);
  await page.waitForTimeout(800);
  await map.work.screenshot({ path: testInfo.outputPath('map-relief.png') });
  // And back to the built-in map.
  await page.getByTestId('map-basemap-offline').check();
  await expect(page.getByTestId('map-basemap-state-sim-relief')).toHaveCount(0);
});

test('a FIRMS file is imported: good rows shown, bad rows counted, a hotspot gives the nearest towers and "look here"', async ({ page, host }, testInfo) => {
  const con = new ConsolePage(page);
  const map = new MapPage(page);
  await con.open(consoleUrl(host));
  await map.open();
  // Hotspots 3 km south-east of 丫髻山 an hour ago, and two broken rows.
  const at = new Date(Date.now() - 3_600_000);
  const date = at.toISOString().slice(0, 10);
  const time = at.toISOString().slice(11, 16).replace(':', '');
  const t04 = latLon(31.2105, 119.4478);
  const spots = [destination(t04, 135, 3000), destination(t04, 220, 4000), destination(t04, 60, 6000)];
  const csv = [
    'latitude,longitude,brightness,scan,track,acq_date,acq_time,satellite,confidence,version,bright_t31,frp,daynight',
    ...spots.map((p, i) => `${p.lat.toFixed(5)},${p.lon.toFixed(5)},33${i}.5,0.4,0.4,${date},${time},N,${i === 2 ? 'l' : 'h'},2.0NRT,290.1,${5 + i},D`),
    `31.2,not-a-number,330,0.4,0.4,${date},${time},N,h,2.0NRT,290,5,D`,
    `31.2,119.4,330,0.4,0.4,${date},${time}`,
  ].join('\n');
  await map.importHotspots('VIIRS_NOAA20_近实时.csv', csv);
  const report = page.getByTestId('map-hotspot-report');
  await expect(report).toContainText(/(导入|imported) ?3/);
  await expect(report).toContainText(/(错误行 2 行|2 bad rows)/);
  await expect(report).toContainText(/(第 5 行|Line 5)/);
  await expect(page.getByTestId('map-hotspot-count')).toContainText(/3/);
  // A file that is not FIRMS at all says so, and what was imported stays.
  await map.importHotspots('report.csv', 'name,value\nfoo,1\n');
  await expect(report).toContainText('missing required column(s) latitude, longitude, acq_date, acq_time');
  await expect(page.getByTestId('map-hotspot-count')).toContainText(/3/);

  // Click the first hotspot: the nearest towers with their bearings, 丫髻山 first.
  const p = await map.pointOf(spots[0]!.lat, spots[0]!.lon);
  await page.mouse.click(p.x, p.y);
  const card = page.getByTestId('map-hotspot-card');
  await expect(card).toBeVisible();
  const near = card.getByTestId('map-hotspot-near').locator('li');
  await expect(near.first()).toContainText('丫髻山');
  await expect(near.first()).toContainText(/3\.0\d (千米|km)/);
  await expect(near.first()).toContainText(/135\.\d°/);
  await page.waitForTimeout(300);
  await map.work.screenshot({ path: testInfo.outputPath('map-hotspots.png') });
  await card.getByTestId('map-hotspot-look-t04').click();
  await expect(page.getByTestId('map-slew')).toContainText('丫髻山');
  await expect
    .poll(async () => Math.abs(angleDiff((await map.coneBearing('t04')) ?? 0, bearing(t04, spots[0]!))), { timeout: 20_000, message: 'the cone turns to the hotspot' })
    .toBeLessThan(1);
  // The HUD panel follows the head.
  await expect(page.getByTestId('map-hud')).toContainText('丫髻山');
});

test('search flies to a place; area measure gives km² and hectares', async ({ page, host }) => {
  const con = new ConsolePage(page);
  const map = new MapPage(page);
  await con.open(consoleUrl(host));
  await map.open();
  await page.getByTestId('map-search').fill('天目');
  await expect(page.getByTestId('map-search-hits')).toContainText('天目湖');
  await page.getByTestId('map-search').press('Enter');
  await expect(page.getByTestId('map-search-hits')).toHaveCount(0);
  await page.getByTestId('map-measure-area').click();
  const box = await map.work.boundingBox();
  if (!box) throw new Error('map not drawn');
  for (const [dx, dy] of [[100, 300], [300, 300], [300, 500]]) await page.mouse.click(box.x + dx!, box.y + dy!);
  await expect(page.getByTestId('map-measure-area-total')).toHaveText(/(面积|Area) \d+\.\d{3} (平方千米|km²)/);
});

test('single-tower fix: a camera turned to a hotspot meets the ground at the hotspot', async ({ page, host }) => {
  const con = new ConsolePage(page);
  const map = new MapPage(page);
  await con.open(consoleUrl(host));
  await map.open();
  await expect.poll(() => map.coneBearing('t10')).not.toBeNull();
  // A hotspot on the near flank of 落马岭, ~3.9 km from 第一峰: in sight over 第一峰's own slope (a spot
  // down in a valley close by is hidden behind it, and the fix rightly lands on that slope).
  const t10 = latLon(31.1547, 119.4729);
  const t11 = latLon(31.1702, 119.5215);
  const spot = destination(t11, bearing(t11, t10), 1000);
  const at = new Date(Date.now() - 1_800_000).toISOString();
  await map.importHotspots(
    'flank.csv',
    `latitude,longitude,acq_date,acq_time,confidence\n${spot.lat.toFixed(5)},${spot.lon.toFixed(5)},${at.slice(0, 10)},${at.slice(11, 16).replace(':', '')},h\n`,
  );
  const p = await map.pointOf(spot.lat, spot.lon);
  await page.mouse.click(p.x, p.y);
  // Turned from 第一峰, chosen in the hotspot's list of nearest towers.
  await page.getByTestId('map-hotspot-look-t10').click();
  await expect(page.getByTestId('map-slew')).toContainText('第一峰');
  await expect.poll(async () => Math.abs(angleDiff((await map.coneBearing('t10')) ?? 0, bearing(t10, spot))), { timeout: 20_000 }).toBeLessThan(0.3);
  await page.waitForTimeout(1500);
  const tp = await map.towerPoint('t10');
  await page.mouse.click(tp.x, tp.y);
  await page.getByTestId('map-card-groundfix').click();
  const box = page.getByTestId('map-groundfix');
  await expect(box).toContainText('第一峰');
  const dec = (await box.locator('.map-fix-dec').textContent()) ?? '';
  const [flat, flon] = dec.split(/[,\s]+/).map(Number);
  // The DEM's 25 m pixels and the pose reported to 0.1°: the fix lies within 150 m of the hotspot.
  expect(inverse(latLon(flat!, flon!), spot).distance).toBeLessThan(150);
});

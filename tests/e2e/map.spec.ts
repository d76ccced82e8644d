import { formatLatLonDecimal, formatLatLonDms, intersect, latLon } from '../../common/geo';
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

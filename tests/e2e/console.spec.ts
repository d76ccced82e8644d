import { consoleUrl, expect, test } from './fixtures';
import { ConsolePage } from './pages/console.page';

test('console shows the 19 towers of the simulated site with online state', async ({ page, host }) => {
  const con = new ConsolePage(page);
  await con.open(consoleUrl(host));
  await expect(page.locator('[data-testid^="tower-"]')).toHaveCount(19);
  await expect(page.getByTestId('tower-t01')).toContainText('仙人山');
  await expect(page.getByTestId('tower-t19')).toContainText('老鸭浪');
  await expect(page.getByTestId('tree-count')).toContainText('38/38', { timeout: 20_000 });
  // The token is taken off the address bar once read.
  expect(page.url()).not.toContain('token=');
});

test('a camera dragged onto a tile plays live video (frames advance)', async ({ page, host }, testInfo) => {
  const con = new ConsolePage(page);
  await con.open(consoleUrl(host));
  await con.setLayout(4);
  const t0 = Date.now();
  await con.dragCameraToTile('t01-visible', 0);
  await con.expectPlaying(0);
  testInfo.annotations.push({ type: 'time-to-playing-ms', description: String(Date.now() - t0) });
  await con.dragCameraToTile('t03-thermal', 1);
  await con.expectPlaying(1);
  await page.screenshot({ path: testInfo.outputPath('console-playing.png') });
});

test('double-click maximises a tile with the main stream, without a black flash, and restores the grid', async ({ page, host }) => {
  const con = new ConsolePage(page);
  await con.open(consoleUrl(host));
  await con.setLayout(9);
  await con.dragCameraToTile('t02-visible', 0);
  await expect(con.tile(0)).toContainText('子码流');
  await con.expectPlaying(0);
  // Record every state the tile passes through while it switches from the sub to the main stream.
  await con.tile(0).evaluate((el) => {
    const seen: string[] = [];
    (window as unknown as { tileStates: string[] }).tileStates = seen;
    new MutationObserver(() => seen.push(el.getAttribute('data-state') ?? '')).observe(el, { attributes: true, attributeFilter: ['data-state'] });
  });
  await con.tile(0).dblclick();
  await expect(page.locator('[data-testid^="tile-"]')).toHaveCount(1);
  await expect(con.tile(0)).toContainText('主码流');
  await expect(con.tile(0).locator('video')).toHaveCount(1, { timeout: 15_000 }); // the sub-stream layer is gone
  await con.expectPlaying(0);
  expect(await page.evaluate(() => (window as unknown as { tileStates: string[] }).tileStates)).not.toContain('connecting');
  await con.tile(0).dblclick();
  await expect(page.locator('[data-testid^="tile-"]')).toHaveCount(9);
});

test('English can be switched on and the choice is kept', async ({ page, host }) => {
  const con = new ConsolePage(page);
  await con.open(consoleUrl(host));
  await page.getByRole('button', { name: 'English' }).click();
  await expect(page.getByRole('heading', { name: 'Sites' })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Sites' })).toBeVisible();
  await page.getByRole('button', { name: '中文' }).click();
  await expect(page.getByRole('heading', { name: '监控点位' })).toBeVisible();
});

test('without the token the host refuses the API', async ({ page, host }) => {
  const res = await page.request.get(`${host.url}/api/anything`);
  expect(res.status()).toBe(401);
});

test('weak-link mode plays the tiles over HLS, and live mode switches back', async ({ page, host }) => {
  const con = new ConsolePage(page);
  await con.open(consoleUrl(host));
  await con.setLayout(4);
  await con.dragCameraToTile('t08-visible', 0);
  await con.expectPlaying(0);
  const hlsRequests: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/hls/')) hlsRequests.push(r.url());
  });
  await page.getByTestId('transport-toggle').click();
  await expect(page.getByTestId('transport-toggle')).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(() => hlsRequests.some((u) => u.endsWith('.ts') || u.includes('.ts?')), { timeout: 30_000 }).toBe(true);
  await con.expectPlaying(0, 30_000);
  await page.getByTestId('transport-toggle').click();
  await expect(page.getByTestId('transport-toggle')).toHaveAttribute('aria-pressed', 'false');
  await con.expectPlaying(0);
});

import { consoleUrl, expect, test } from './fixtures';
import { ConsolePage } from './pages/console.page';

// Refreshes docs/screenshot.png for the README: UPDATE_README_SCREENSHOT=1 npx playwright test readme-screenshot
test('README screenshot: 3x3 grid of live towers', async ({ page, host }) => {
  test.skip(!process.env.UPDATE_README_SCREENSHOT, 'only when refreshing the README screenshot');
  const con = new ConsolePage(page);
  await con.open(consoleUrl(host));
  await con.setLayout(9);
  const cams = ['t01-visible', 't01-thermal', 't03-visible', 't07-visible', 't07-thermal', 't10-visible', 't12-thermal', 't14-visible', 't18-visible'];
  for (const [i, id] of cams.entries()) {
    await con.tile(i).click();
    await con.camera(id).dblclick();
  }
  for (let i = 0; i < cams.length; i++) await expect(con.tile(i)).toHaveAttribute('data-state', 'playing', { timeout: 30_000 });
  await con.tile(4).hover();
  await page.waitForTimeout(1500);
  await page.screenshot({ path: 'docs/screenshot.png' });
});

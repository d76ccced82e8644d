import { consoleUrl, expect, test } from './fixtures';
import { ConsolePage } from './pages/console.page';

test('all 16 tiles of a 4x4 grid play at once (frames advance in every one)', async ({ page, host }, testInfo) => {
  test.setTimeout(150_000);
  const con = new ConsolePage(page);
  await con.open(consoleUrl(host));
  await con.setLayout(16);
  const cams = host.site.towers.slice(0, 8).flatMap((t) => t.cameras.map((c) => c.id));
  for (const [i, id] of cams.entries()) {
    await con.tile(i).click();
    await con.camera(id).dblclick();
    await expect(con.tile(i)).toHaveAttribute('data-camera', id);
  }
  for (let i = 0; i < 16; i++) await expect(con.tile(i)).toHaveAttribute('data-state', 'playing', { timeout: 60_000 });
  // Every tile's decoded frame count must grow; sampled together so one slow tile cannot hide behind the rest.
  const counts = () => Promise.all(Array.from({ length: 16 }, (_, i) => con.frames(i)));
  const before = await counts();
  await expect
    .poll(async () => (await counts()).filter((n, i) => n > before[i]! + 10).length, { timeout: 30_000, message: 'tiles with advancing frames' })
    .toBe(16);
  await page.screenshot({ path: testInfo.outputPath('grid-4x4.png') });
});

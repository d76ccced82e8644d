import { consoleUrl, expect, test } from './fixtures';
import { DecoderPreview, WallPage } from './pages/wall.page';

/*
 * The tour editor (轮巡设置) as an operator uses it: a camera on a pane, three cameras in its tour
 * with a short dwell on sub streams, and the simulated decoder of that panel stepping through them.
 */
test('a 3-camera tour built in the editor steps the decoder through its cameras; edited and stopped from the same place', async ({ page, browser, host }) => {
  test.setTimeout(180_000);
  const wall = new WallPage(page);
  const cams = host.site.towers.slice(6, 9).map((t) => t.cameras[0]!.id);
  const windowId = await wall.windowWithCamera(consoleUrl(host), cams[0]!, 0, 1);
  const decoderId = (await wall.panel(0, 1).getAttribute('data-decoder'))!;

  await wall.openTourEditor(windowId, 0);
  // The pane's camera is the first of the tour; bad input is explained and blocks applying.
  expect(await wall.tourCameras()).toEqual([cams[0]]);
  await expect(page.getByTestId('tour-apply')).toBeDisabled();
  await expect(page.getByTestId('tour-problem')).toContainText('至少需要 2 路');
  await wall.buildTour([cams[2]!, cams[1]!], 4, 'sub');
  await expect(page.getByTestId('tour-problem')).toContainText('5–600');
  await expect(page.getByTestId('tour-apply')).toBeDisabled();
  const dwellS = 10;
  await page.getByTestId('tour-dwell').fill(String(dwellS));
  // Reorder from the keyboard: the last camera (cams[1]) one up, so the order is cams 0, 1, 2.
  await page.getByTestId('tour-item-2').focus();
  await page.keyboard.press('Alt+ArrowUp');
  expect(await wall.tourCameras()).toEqual(cams);
  await page.screenshot({ path: '/tmp/wall-tour-editor.png' });
  await page.getByTestId('tour-apply').click();
  await expect(wall.tourEditor).toHaveCount(0);

  // The mirror marks the pane as touring: step 1 of 3 and the seconds to the next step.
  const badge = wall.tourBadge(windowId, 0);
  await expect(badge).toContainText('⟳ 1/3', { timeout: 10_000 });
  await expect(badge).toContainText(/1\/3 \d+ 秒/);
  await page.screenshot({ path: '/tmp/wall-tour-mirror.png' });
  await wall.release();
  // The console's thumbnails would compete with the decoder for the CPUs of the test machine.
  await page.goto('about:blank');

  const preview = await DecoderPreview.open(browser, host.simulator!.decoders.addressOf(decoderId)!);
  const shown = () => preview.page.locator(`[data-output="${windowId}.0"]`).getAttribute('data-camera');
  // Each step after the dwell, in the order of the list, and the new camera's frames advance.
  const seen: string[] = [];
  for (const next of [cams[1]!, cams[2]!, cams[0]!]) {
    await expect.poll(shown, { timeout: (dwellS + 15) * 1000, intervals: [250] }).toBe(next);
    seen.push(next);
    if (next === cams[1]) await preview.expectPlaying(next, 15_000);
  }
  expect(seen).toEqual([cams[1], cams[2], cams[0]]);
  await preview.close();

  // Edit it again: the editor reads the running tour back; stop leaves the pane on one camera.
  await wall.open(consoleUrl(host));
  await wall.openTourEditor(windowId, 0);
  expect(await wall.tourCameras()).toEqual(cams);
  await expect(page.getByTestId('tour-dwell')).toHaveValue(String(dwellS));
  await page.getByTestId('tour-stop').click();
  await expect(wall.tourBadge(windowId, 0)).toHaveCount(0);
  const pane = page.getByTestId(`wall-pane-${windowId}-0`);
  expect(cams).toContain(await pane.getAttribute('data-asked'));
  await wall.clear();
  await wall.release();
});

test('a 4-split window tours as one: the editor builds a synchronised tour over the four panes', async ({ page, host }) => {
  test.setTimeout(90_000);
  const wall = new WallPage(page);
  const cams = host.site.towers.slice(0, 6).map((t) => t.cameras[0]!.id);
  const windowId = await wall.windowWithCamera(consoleUrl(host), cams[0]!, 1, 2);
  await page.getByTestId(`wall-pane-${windowId}-0`).click();
  await page.getByTestId('wall-split-4').click();
  await wall.openTourEditor(windowId, 1);
  await page.getByTestId('tour-sync').check();
  await wall.buildTour(cams.slice(1), 30, 'sub');
  await page.getByTestId('tour-apply').click();
  // All four panes tour together, on one clock, paging through groups of four (pane 2 was empty: the list is cams 1-5).
  for (let i = 0; i < 4; i++) await expect(wall.tourBadge(windowId, i)).toContainText('⟳ 1/2', { timeout: 10_000 });
  await expect(page.getByTestId(`wall-pane-${windowId}-3`)).toHaveAttribute('data-asked', cams[4]!);
  await page.screenshot({ path: '/tmp/wall-tour-sync.png' });
  // Read back as the one list it was built from.
  await wall.openTourEditor(windowId, 2);
  await expect(page.getByTestId('tour-sync')).toBeChecked();
  expect(await wall.tourCameras()).toEqual(cams.slice(1));
  await page.getByTestId('tour-stop').click();
  for (let i = 0; i < 4; i++) await expect(wall.tourBadge(windowId, i)).toHaveCount(0);
  await wall.clear();
  await wall.release();
});

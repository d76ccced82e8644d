import { consoleUrl, expect, test } from './fixtures';
import { DecoderPreview, WallPage } from './pages/wall.page';

test.describe.configure({ mode: 'serial' });

test('a camera dragged onto the mirror plays on the decoder of that panel', async ({ page, browser, host }, testInfo) => {
  test.setTimeout(120_000);
  const wall = new WallPage(page);
  await wall.open(consoleUrl(host));
  await wall.clear();
  await expect(page.getByTestId('wall-lock')).toHaveClass(/mine/);

  const cam = host.site.towers[0]!.cameras[0]!.id;
  // Panel row 1, column 2 (0-based) is decoder d08 of the 3 x 5 wall.
  await wall.dragCameraToPanel(cam, 1, 2);
  await expect(wall.windows()).toHaveCount(1);
  const decoderId = await wall.panel(1, 2).getAttribute('data-decoder');
  expect(decoderId).toBeTruthy();
  await wall.expectReportedPlaying(cam);

  const address = host.simulator!.decoders.addressOf(decoderId!);
  expect(address).toBeTruthy();
  const preview = await DecoderPreview.open(browser, address!);
  await preview.expectPlaying(cam);
  // The networked decoder draws the PTZ HUD the host sends it as OSD, over the picture.
  await expect(preview.output(cam)).toHaveAttribute('data-osd', /^[东南西北]{1,2} \d+\.\d° 俯仰 [+−]\d+\.\d° \d+\.\d×$/, { timeout: 15_000 });
  await expect(preview.output(cam).locator('.h .m')).toBeVisible();
  await preview.page.screenshot({ path: testInfo.outputPath('networked-decoder-hud.png') });
  await preview.close();

  // The same panel as a software decoder page: it lays out and plays what the host asks of that decoder.
  const soft = await browser.newPage();
  // The query form of the route: under `/decoder/<id>` the host does not find the renderer's relative assets.
  await soft.goto(`${consoleUrl(host, '/decoder')}&id=${decoderId!}`);
  await expect(soft.locator(`.dec-out[data-camera="${cam}"]`)).toHaveAttribute('data-state', 'playing', { timeout: 30_000 });
  // The PTZ HUD over the picture: bearing as a compass word and degrees, tilt, zoom, the aiming mark.
  const hud = soft.locator(`.dec-out[data-camera="${cam}"] .dec-hud`);
  await expect(hud).toBeVisible({ timeout: 15_000 });
  await expect(hud).toContainText(/[东南西北]{1,2} \d+\.\d°\s+俯仰 [+−]\d+\.\d°\s+\d+\.\d×/);
  await expect(hud.locator('.dec-hud-mark')).toBeVisible();
  await soft.screenshot({ path: testInfo.outputPath('software-decoder-hud.png') });
  await soft.close();

  await page.screenshot({ path: testInfo.outputPath('wall-one-window.png') });
  await wall.release();
});

test('a recalled scene restores every pane', async ({ page, host }, testInfo) => {
  test.setTimeout(150_000);
  const wall = new WallPage(page);
  await wall.open(consoleUrl(host));
  await wall.clear();

  const cams = host.site.towers.slice(0, 3).map((t) => t.cameras[0]!.id);
  await wall.dragCameraToPanel(cams[0]!, 0, 0);
  await expect(wall.windows()).toHaveCount(1);
  // Split the window in four and put another camera in its second pane.
  await page.getByTestId('wall-split-4').click();
  const win = wall.windows().first();
  const windowId = (await win.getAttribute('data-testid'))!.replace('wall-window-', '');
  await wall.camera(cams[1]!).dragTo(page.getByTestId(`wall-pane-${windowId}-1`));
  await wall.dragCameraToPanel(cams[2]!, 1, 3);
  await expect(wall.windows()).toHaveCount(2);
  for (const c of cams) await wall.expectReportedPlaying(c, 45_000);

  const scene = `e2e-${Date.now()}`;
  await wall.saveScene(scene);
  await wall.clear();
  for (const c of cams) await expect(wall.paneShowing(c)).toHaveCount(0, { timeout: 20_000 });

  await wall.recallScene(scene);
  await expect(wall.windows()).toHaveCount(2);
  for (const c of cams) await wall.expectReportedPlaying(c, 45_000);
  await expect(page.getByTestId('wall-error')).toHaveCount(0);
  // Let thumbnails show a picture before the picture of the mirror is taken.
  await page.waitForTimeout(2500);
  await wall.mirror.screenshot({ path: testInfo.outputPath('wall-mirror.png') });
  await page.screenshot({ path: testInfo.outputPath('wall-workspace.png') });
  await wall.deleteScene(scene);
  await wall.release();
});

test('a window moved with the mouse snaps to panel edges; Ctrl+Z puts it back, Delete closes it', async ({ page, host }) => {
  const wall = new WallPage(page);
  await wall.open(consoleUrl(host));
  await wall.clear();
  await wall.dragCameraToPanel(host.site.towers[0]!.cameras[0]!.id, 0, 0);
  const win = wall.windows().first();
  await expect(win).toHaveAttribute('data-rect', '0,0,1920,1080');
  const windowId = (await win.getAttribute('data-testid'))!.replace('wall-window-', '');

  // One panel to the right and a little down: off by less than the host's 48 px snap.
  const p0 = (await wall.panel(0, 0).boundingBox())!;
  const p1 = (await wall.panel(0, 1).boundingBox())!;
  const bar = page.getByTestId(`wall-window-bar-${windowId}`);
  await win.click();
  const b = (await bar.boundingBox())!;
  await page.mouse.move(b.x + 20, b.y + 8);
  await page.mouse.down();
  await page.mouse.move(b.x + 20 + (p1.x - p0.x) / 2, b.y + 10, { steps: 4 });
  await page.mouse.move(b.x + 20 + (p1.x - p0.x) + 3, b.y + 10, { steps: 4 });
  await page.mouse.up();
  await expect(win).toHaveAttribute('data-rect', '1920,0,1920,1080');

  await page.keyboard.press('Control+z');
  await expect(win).toHaveAttribute('data-rect', '0,0,1920,1080');
  await win.click();
  await page.keyboard.press('Delete');
  await expect(wall.windows()).toHaveCount(0);
  await wall.release();
});

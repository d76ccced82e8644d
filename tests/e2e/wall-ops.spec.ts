import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { groupTour } from '../../common/wall';
import { openContractSocket, type ContractSocket } from '../integration/contract-socket';
import { consoleUrl, expect, test } from './fixtures';
import { DecoderPreview, ledSpeed, WallPage } from './pages/wall.page';

/*
 * The wall as the room runs it: tours on the decoders, a decoder that dies and comes back, the
 * schedule of scenes and the alarm region edited in the console, the scrolling LED strip, and bad
 * input refused with its reason. Decoders are the 15 networked simulators of the built-in site.
 */
test.describe.configure({ mode: 'serial' });

/** The contract as another party uses it (the alerts domain, a second console): a value or the error. */
async function call<T = unknown>(socket: ContractSocket, name: string, args: unknown): Promise<T> {
  const m = await socket.call(name, args);
  if (m.t !== 'result' || !m.ok) throw new Error(`${name}: ${JSON.stringify(m)}`);
  return m.value as T;
}

test('a 4-pane synchronised tour advances after its dwell: the decoder plays the next group of cameras', async ({ page, browser, host }) => {
  test.setTimeout(150_000);
  const wall = new WallPage(page);
  await wall.open(consoleUrl(host));
  await wall.clear();
  await wall.release();
  // The console's thumbnails would compete with the decoder for the two CPUs of a test machine.
  await page.goto('about:blank');

  // Five cameras in a 4-pane window: group 1 is cameras 0-3, group 2 is camera 4 and 0-2 again.
  const cams = host.site.towers.slice(0, 5).map((t) => t.cameras[0]!.id);
  const dwellS = 30;
  const other = await openContractSocket(host, { as: 'leader' });
  try {
    await call(other, 'wall:lock', {});
    const t0 = Date.now();
    const opened = await call<{ windowId: string }>(other, 'wall:openWindow', {
      rect: { x: 0, y: 0, w: 1920, h: 1080 },
      split: 4,
      // Sub streams: the test is about when the decoder switches, not about decoding four HD streams.
      panes: groupTour(cams, 4, dwellS, 'sub'),
    });
    await call(other, 'wall:unlock', {});
    const d01 = host.simulator!.decoders.addressOf('d01')!;
    const preview = await DecoderPreview.open(browser, d01);
    const shown = () => Promise.all([0, 1, 2, 3].map((i) => preview.page.locator(`[data-output="${opened.windowId}.${i}"]`).getAttribute('data-camera')));
    // The decoder shows the first group…
    await expect.poll(shown, { timeout: 10_000 }).toEqual(cams.slice(0, 4));
    // …and after the dwell the next one, every pane switched together (one layout revision).
    await expect.poll(shown, { timeout: (dwellS + 10) * 1000, intervals: [250] }).toEqual([cams[4], cams[0], cams[1], cams[2]]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(dwellS * 1000 - 500);
    // The new camera plays: its frames advance.
    await preview.expectPlaying(cams[4]!, 45_000);
    // The mirror shows what the decoder reports: the tour's new camera in its first pane.
    await wall.open(consoleUrl(host));
    await expect(page.getByTestId(`wall-pane-${opened.windowId}-0`)).toHaveAttribute('data-asked', cams[4]!, { timeout: 10_000 });
    await preview.close();
  } finally {
    other.close();
  }
  await wall.clear();
  await wall.release();
});

test('a decoder killed and restarted gets its panes back: red on the mirror while offline, playing again after', async ({ page, browser, host }, testInfo) => {
  test.setTimeout(150_000);
  const wall = new WallPage(page);
  await wall.open(consoleUrl(host));
  await wall.clear();
  const cam = host.site.towers[5]!.cameras[0]!.id;
  await wall.dragCameraToPanel(cam, 0, 2);
  const decoderId = (await wall.panel(0, 2).getAttribute('data-decoder'))!;
  await wall.expectReportedPlaying(cam, 45_000);

  const device = host.simulator!.decoders.get(decoderId)!;
  await device.kill();
  await expect(wall.panel(0, 2)).toHaveAttribute('data-online', 'false', { timeout: 10_000 });
  await expect(wall.panel(0, 2)).toHaveClass(/offline/);
  await expect(wall.panel(0, 2)).toContainText('解码器离线');
  await page.screenshot({ path: testInfo.outputPath('wall-decoder-offline.png') });

  await device.start();
  await expect(wall.panel(0, 2)).toHaveAttribute('data-online', 'true', { timeout: 15_000 });
  await expect(wall.panel(0, 2)).not.toHaveClass(/offline/);
  // Without any operator action the decoder got its layout back and plays it.
  await wall.expectReportedPlaying(cam, 30_000);
  const preview = await DecoderPreview.open(browser, device.address);
  await preview.expectPlaying(cam, 30_000);
  await preview.close();
  await wall.clear();
  await wall.release();
});

test('the schedule of scenes is edited in the console and kept by the host', async ({ page, host }, testInfo) => {
  test.setTimeout(120_000);
  const wall = new WallPage(page);
  await wall.open(consoleUrl(host));
  await wall.clear();
  await wall.dragCameraToPanel(host.site.towers[0]!.cameras[0]!.id, 0, 0);
  await wall.saveScene('日间预案');
  await wall.dragCameraToPanel(host.site.towers[1]!.cameras[1]!.id, 2, 4);
  await wall.saveScene('夜间预案');

  await wall.addScheduleEntry('19:00', '夜间预案');
  await wall.addScheduleEntry('07:00', '日间预案');
  await wall.saveSchedule();
  // The host sorts by time and answers with the next change.
  await expect.poll(() => wall.scheduleShown()).toEqual(['07:00 日间预案', '19:00 夜间预案']);
  const next = page.getByTestId('wall-schedule-next');
  await expect(next).toHaveAttribute('data-scene', /^(日间预案|夜间预案)$/);
  const at = Number(await next.getAttribute('data-at'));
  expect(at).toBeGreaterThan(Date.now());
  expect(at - Date.now()).toBeLessThanOrEqual(12 * 3600_000 + 60_000);
  await expect(next).toContainText(/下次：.*调用 (日间预案|夜间预案)/);

  // Weekdays only for the night entry; the host keeps them.
  await page.getByTestId('wall-schedule-1').getByRole('button', { name: '六' }).click();
  await page.getByTestId('wall-schedule-1').getByRole('button', { name: '日' }).click();
  await wall.saveSchedule();
  await wall.schedule.screenshot({ path: testInfo.outputPath('wall-schedule.png') });

  // A fresh console reads the schedule back from the host.
  await wall.release();
  await wall.open(consoleUrl(host));
  await expect.poll(() => wall.scheduleShown()).toEqual(['07:00 日间预案', '19:00 夜间预案']);
  await expect(page.getByTestId('wall-schedule-1').getByRole('button', { name: '六' })).toHaveAttribute('aria-pressed', 'false');
  const other = await openContractSocket(host, { as: 'leader' });
  try {
    const list = await call<{ schedule: { entries: unknown[] } }>(other, 'wall:sceneList', {});
    expect(list.schedule.entries).toEqual([
      { time: '07:00', scene: '日间预案' },
      { time: '19:00', scene: '夜间预案', days: [1, 2, 3, 4, 5] },
    ]);
  } finally {
    other.close();
  }

  // Deleting an entry and saving leaves the other.
  await page.getByTestId('wall-schedule-delete-0').click();
  await wall.saveSchedule();
  await expect.poll(() => wall.scheduleShown()).toEqual(['19:00 夜间预案']);
  await expect(page.getByTestId('wall-schedule-next')).toHaveAttribute('data-scene', '夜间预案');
  await page.getByTestId('wall-schedule-delete-0').click();
  await wall.saveSchedule();
  await expect(page.getByTestId('wall-schedule-next')).toHaveAttribute('data-scene', '');
  await wall.deleteScene('日间预案');
  await wall.deleteScene('夜间预案');
  await wall.clear();
  await wall.release();
});

test('the alarm region is drawn on the mirror, taken over by an alarm and given back', async ({ page, browser, host }, testInfo) => {
  test.setTimeout(150_000);
  const wall = new WallPage(page);
  await wall.open(consoleUrl(host));
  await wall.clear();
  const mine = host.site.towers[2]!.cameras[0]!.id;
  await wall.dragCameraToPanel(mine, 0, 4);
  await wall.expectReportedPlaying(mine, 45_000);

  // Dragged from inside panel (0,3) to inside panel (1,4): the region is those four whole panels.
  await wall.drawAlarmRegion({ row: 0, column: 3 }, { row: 1, column: 4 });
  await expect(wall.alarmRegion).toHaveAttribute('data-rect', '5760,0,3840,2160');
  await expect(page.getByTestId('wall-alarm-state')).toContainText('2 × 2 块屏');

  // The alerts domain asks for the region (through the composition root; here as a contract client).
  const alarmCam = host.site.towers[7]!.cameras[1]!.id;
  const reason = '疑似烟火 · 置信度 0.93';
  const alerts = await openContractSocket(host, { as: 'leader' });
  try {
    await call(alerts, 'wall:alarmTakeover', { cameraId: alarmCam, reason });
  } finally {
    alerts.close();
  }
  await expect(wall.alarmWindow).toHaveAttribute('data-cameras', alarmCam);
  await expect(wall.alarmWindow).toContainText(reason);
  await expect(page.getByTestId(`wall-alarm-hold-${alarmCam}`)).toContainText(reason);
  // The decoder behind the panel now plays the alarm camera over the operator's window.
  await expect(wall.alarmWindow.locator('[data-testid="wall-pane-alarm-0"]')).toHaveAttribute('data-state', 'playing', { timeout: 45_000 });
  const preview = await DecoderPreview.open(browser, host.simulator!.decoders.addressOf('d05')!);
  await preview.expectPlaying(alarmCam, 45_000);
  await page.waitForTimeout(1500);
  await page.screenshot({ path: testInfo.outputPath('wall-alarm-takeover.png') });

  await page.getByTestId('wall-alarm-release').click();
  await expect(wall.alarmWindow).toHaveCount(0);
  await expect(page.getByTestId(`wall-alarm-hold-${alarmCam}`)).toHaveCount(0);
  // What was there comes back.
  await wall.expectReportedPlaying(mine, 30_000);
  await preview.expectPlaying(mine, 30_000);
  await preview.close();

  await page.getByTestId('wall-alarm-clear').click();
  await expect(wall.alarmRegion).toHaveCount(0);
  await wall.clear();
  await wall.release();
});

test('the LED strip scrolls at its speed and colour on the mirror, the LED output page and the LED controller', async ({ page, browser, host }) => {
  test.setTimeout(90_000);
  const wall = new WallPage(page);
  await wall.open(consoleUrl(host));
  const text = '今日森林火险等级：四级（高度危险），严禁野外用火';
  await wall.sendLed(text, '#ffb020', 120);

  const mirrorText = page.getByTestId('wall-led').locator('.led-text');
  await expect(mirrorText).toHaveText(text);
  await expect(page.getByTestId('wall-led')).toHaveAttribute('data-scrolling', 'true');
  const onMirror = await ledSpeed(mirrorText);
  expect(onMirror.pxS).toBeGreaterThan(120 * 0.8);
  expect(onMirror.pxS).toBeLessThan(120 * 1.2);
  expect(onMirror.colour).toBe('rgb(255, 176, 32)');

  // The LED output as a page, like a decoder page: only the host token, nobody signed in.
  const ctx = await browser.newContext();
  const out = await ctx.newPage();
  await out.goto(consoleUrl(host, '/led'));
  const outText = out.getByTestId('led-strip').locator('.led-text');
  await expect(outText).toHaveText(text);
  const onPage = await ledSpeed(outText);
  expect(onPage.pxS).toBeGreaterThan(120 * 0.8);
  expect(onPage.pxS).toBeLessThan(120 * 1.2);
  expect(onPage.colour).toBe('rgb(255, 176, 32)');

  // The simulated LED controller got it over the network and scrolls it on its own page.
  const led = await DecoderPreview.open(browser, host.simulator!.decoders.ledAddress!);
  await expect(led.page.locator('#strip')).toHaveAttribute('data-text', text, { timeout: 10_000 });
  const onDevice = await ledSpeed(led.page.locator('#text'));
  expect(onDevice.pxS).toBeGreaterThan(120 * 0.8);
  expect(onDevice.pxS).toBeLessThan(120 * 1.2);
  expect(onDevice.colour).toBe('rgb(255, 176, 32)');

  // A new speed takes effect everywhere; 0 stops the text.
  await wall.sendLed(text, '#ffb020', 40);
  await expect(out.getByTestId('led-strip')).toHaveAttribute('data-speed', '40');
  const slower = await ledSpeed(outText);
  expect(slower.pxS).toBeGreaterThan(40 * 0.75);
  expect(slower.pxS).toBeLessThan(40 * 1.25);
  await wall.sendLed('', '#ffb020', 40);
  await expect(out.getByTestId('led-strip')).toHaveAttribute('data-scrolling', 'false');
  await expect(page.getByTestId('wall-led')).toHaveCount(0);
  await led.close();
  await ctx.close();
  await wall.release();
});

test('bad scene files are refused with the reason and the wall keeps its state', async ({ page, host }, testInfo) => {
  const wall = new WallPage(page);
  await wall.open(consoleUrl(host));
  await wall.clear();
  const cam = host.site.towers[0]!.cameras[0]!.id;
  await wall.dragCameraToPanel(cam, 1, 1);
  await expect(wall.windows()).toHaveCount(1);
  const before = await wall.windows().first().getAttribute('data-rect');

  const corrupt = testInfo.outputPath('corrupt.wall-scene.json');
  writeFileSync(corrupt, '{"format": "skywatch-wall-scene", "windows": [');
  await page.getByTestId('wall-scene-import').setInputFiles(corrupt);
  await expect(page.getByTestId('wall-scenes')).toContainText('scene refused: not JSON');

  const otherWall = join(testInfo.outputDir, 'small.wall-scene.json');
  writeFileSync(
    otherWall,
    JSON.stringify({ format: 'skywatch-wall-scene', version: 1, name: '小屏', savedAt: Date.now(), wall: { rows: 2, columns: 2, panelWidth: 1920, panelHeight: 1080 }, windows: [] }),
  );
  await page.getByTestId('wall-scene-import').setInputFiles(otherWall);
  await expect(page.getByTestId('wall-scenes')).toContainText('is for a 2 x 2 wall of 1920x1080 panels; this wall is 3 x 5 of 1920x1080');

  const stranger = join(testInfo.outputDir, 'stranger.wall-scene.json');
  writeFileSync(
    stranger,
    JSON.stringify({
      format: 'skywatch-wall-scene',
      version: 1,
      name: '陌生',
      savedAt: Date.now(),
      wall: { rows: 3, columns: 5, panelWidth: 1920, panelHeight: 1080 },
      windows: [{ id: 'w1', rect: { x: 0, y: 0, w: 1920, h: 1080 }, split: 1, panes: [{ kind: 'camera', cameraId: 't99-visible' }] }],
    }),
  );
  await page.getByTestId('wall-scene-import').setInputFiles(stranger);
  await expect(page.getByTestId('wall-scenes')).toContainText('scene refused: unknown camera "t99-visible"');

  // None of them became a scene, and the wall is as it was.
  await expect(page.getByTestId('wall-scene-小屏')).toHaveCount(0);
  await expect(page.getByTestId('wall-scene-陌生')).toHaveCount(0);
  await expect(wall.windows()).toHaveCount(1);
  await expect(wall.windows().first()).toHaveAttribute('data-rect', before!);
  await wall.expectReportedPlaying(cam);
  await wall.clear();
  await wall.release();
});

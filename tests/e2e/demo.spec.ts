import type { Page } from '@playwright/test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WallState } from '../../common/contract';
import { TOUR_FORMAT } from '../../common/demo';
import { startHost, type RunningHost } from '../../native/host/start';
import { SIMULATED_TOWERS } from '../../native/site/simulated';
import { openContractSocket } from '../integration/contract-socket';
import { consoleUrl, expect, test as base } from './fixtures';
import { DemoPage } from './pages/demo.page';
import { MapPage } from './pages/map.page';
import { PtzPage } from './pages/ptz.page';

/*
 * Leadership demonstration: the built-in tour moves the wall and the map as scripted, presenter keys
 * step forward and back and blank the screen, a real detector alarm pauses the tour, and Esc puts the
 * wall, the LED and the console back as they were. A bad tour file in the data folder is refused
 * with the reason while the others load.
 */

// A host whose data folder holds one good and one bad tour file before it starts.
const test = base.extend<object, { host: RunningHost }>({
  host: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const dataDir = mkdtempSync(join(tmpdir(), 'e2e-demo-'));
      mkdirSync(join(dataDir, 'demo'));
      writeFileSync(join(dataDir, 'demo', 'short.tour.yaml'), `format: ${TOUR_FORMAT}\nversion: 1\nname: 短介绍\nsteps:\n  - title: 大屏\n    led: 短介绍\n`);
      writeFileSync(join(dataDir, 'demo', 'bad.tour.json'), JSON.stringify({ format: TOUR_FORMAT, version: 1, name: '坏', steps: [{ title: '一' }, { title: '二', map: { center: { lat: 31, lon: 119 }, zoom: 99 } }] }));
      const host = await startHost({ port: 0, streamLingerMs: 3000, dataDir });
      await use(host);
      await host.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
    { scope: 'worker', timeout: 60_000 },
  ],
});

const centreOf = async (page: Page) => {
  const v = await page.getByTestId('map-canvas').getAttribute('data-center');
  const [lat, lon] = (v ?? 'NaN,NaN').split(',').map(Number);
  return { lat: lat!, lon: lon! };
};

test('the built-in tour drives wall and map, presenter keys and joystick buttons step it, an alert pauses it, Esc restores', async ({ page, host }, testInfo) => {
  // Typically 30–40 s; the margin is for a loaded machine.
  test.setTimeout(90_000);
  const leader = await openContractSocket(host, { as: 'leader' });
  const wall = () => leader.value<WallState>('wall:get', {});
  // The duty operator's wall and LED before the visit.
  await leader.value('wall:led', { text: '值班中' });
  await leader.value('wall:openWindow', { rect: { x: 7680, y: 2160, w: 1920, h: 1080 }, split: 1, panes: [null], title: '值班' });
  await leader.value('wall:unlock', {});
  const before = await wall();

  const joystick = new PtzPage(page);
  await joystick.installFakeGamepad();
  await page.goto(consoleUrl(host));
  await expect(page.getByTestId('link-state')).toHaveAttribute('data-state', 'open');
  // The operator had the map somewhere else.
  const map = new MapPage(page);
  await map.open();
  const canvas = page.getByTestId('map-canvas');
  const box = (await canvas.boundingBox())!;
  // Zooming in on a point right of centre moves the centre toward it.
  await page.mouse.move(box.x + box.width * 0.85, box.y + box.height * 0.3);
  for (let i = 0; i < 4; i++) {
    await page.mouse.wheel(0, -400);
    await page.waitForTimeout(150);
  }
  await expect.poll(async () => (await centreOf(page)).lon).toBeGreaterThan(119.45);
  // The wheel zoom eases on after the last notch: take the view once it has been still for 600 ms.
  let last = '';
  await expect
    .poll(async () => {
      const now = JSON.stringify(await centreOf(page));
      const still = now === last;
      last = now;
      return still;
    }, { intervals: [600], timeout: 15_000 })
    .toBe(true);
  const mapBefore = await centreOf(page);

  const demo = new DemoPage(page);
  await demo.openAuthoring();
  await expect(demo.tour('系统概览')).toBeVisible();
  await expect(demo.tour('短介绍')).toBeVisible();
  await expect(demo.rejected('bad.tour.json')).toContainText('第2步 steps[1].map.zoom: must be at most 20');
  // Capture step: what is on show now becomes a new step of the open tour.
  await demo.tour('短介绍').click();
  await expect(page.getByTestId('demo-step')).toHaveCount(1);
  await page.getByTestId('demo-capture').click();
  await expect(page.getByTestId('demo-step')).toHaveCount(2);
  await expect(page.getByTestId('demo-step').nth(1)).toContainText('一张图视角');
  await page.screenshot({ path: testInfo.outputPath('demo-authoring.png') });

  // Step 1: overview — the wall's live window, the LED greeting, the map over all towers.
  await demo.start('系统概览');
  await demo.at(0);
  await expect(demo.captionTitle).toHaveText('森林防火视频监控系统总览');
  await expect(page.getByTestId('map-canvas')).toHaveAttribute('data-loaded', 'true');
  const lats = SIMULATED_TOWERS.map((t) => t.lat);
  const lons = SIMULATED_TOWERS.map((t) => t.lon);
  const mid = { lat: (Math.min(...lats) + Math.max(...lats)) / 2, lon: (Math.min(...lons) + Math.max(...lons)) / 2 };
  await expect.poll(async () => Math.abs((await centreOf(page)).lon - mid.lon) + Math.abs((await centreOf(page)).lat - mid.lat), { timeout: 10_000 }).toBeLessThan(0.01);
  expect((await wall()).windows.map((w) => w.id)).toEqual(['demo-live']);
  expect((await wall()).led.text).toBe('欢迎各位领导莅临指导');
  await expect(page.getByTestId('demo-caption')).toBeVisible();
  // Operator clutter is hidden.
  await expect(page.locator('.statusbar')).toBeHidden();
  await page.screenshot({ path: testInfo.outputPath('demo-presenter.png') });

  // → next: the thermal camera on the wall and in the grid; PageUp back; PageDown forward again.
  await page.keyboard.press('ArrowRight');
  await demo.at(1);
  await expect(demo.captionTitle).toHaveText('热成像云台：全天候发现火点');
  await expect.poll(async () => (await wall()).windows.map((w) => w.id)).toEqual(['demo-thermal']);
  await page.keyboard.press('PageUp');
  await demo.at(0);
  await expect.poll(async () => (await wall()).windows.map((w) => w.id)).toEqual(['demo-live']);
  await page.keyboard.press('PageDown');
  await demo.at(1);
  // The joystick's camera-stepping buttons step the tour while it runs (T.16000M: 13 previous, 12 next).
  await joystick.setButton(13, true);
  await demo.at(0);
  await joystick.setButton(13, false);
  await joystick.setButton(12, true);
  await demo.at(1);
  await joystick.setButton(12, false);
  // B blanks the screen (and pauses); B again resumes.
  await page.keyboard.press('b');
  await expect(page.getByTestId('demo-blank')).toBeVisible();
  await demo.at(1, 'paused');
  await page.keyboard.press('b');
  await expect(page.getByTestId('demo-blank')).toBeHidden();
  await demo.at(1);

  // The presenter's console reloads mid-tour: it picks the tour up and still knows how it was before.
  await page.reload();
  await expect(page.getByTestId('link-state')).toHaveAttribute('data-state', 'open');
  await demo.at(1);

  // A real alarm pauses the tour at once; its pop is on top; the caption gives way.
  const r = await host.simulator!.detectors.fire('t12', { kind: 'fire' });
  expect(r.status).toBe(200);
  await expect(page.getByTestId('alert-pop')).toBeVisible({ timeout: 10_000 });
  await expect(page.getByTestId('alert-drill')).toHaveCount(0);
  await expect(demo.badge).toHaveAttribute('data-paused-by', 'alert');
  await expect(page.getByTestId('demo-caption')).toBeHidden();
  await page.screenshot({ path: testInfo.outputPath('demo-alert.png') });
  // Afterwards the tour can resume.
  await page.keyboard.press('b');
  await demo.at(1);

  // Esc leaves the demonstration: wall, LED, console workspace and map view as before.
  await page.keyboard.press('Escape');
  await expect(demo.badge).toBeHidden();
  await expect.poll(async () => (await wall()).windows).toEqual(before.windows);
  expect((await wall()).led).toEqual(before.led);
  await expect(page.getByTestId('demo-work')).toBeVisible();
  await expect(page.locator('.statusbar')).toBeVisible();
  await map.open();
  await expect.poll(async () => Math.abs((await centreOf(page)).lon - mapBefore.lon) + Math.abs((await centreOf(page)).lat - mapBefore.lat), { timeout: 10_000 }).toBeLessThan(0.001);
  leader.close();
});

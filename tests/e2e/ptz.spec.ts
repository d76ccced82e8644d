import type { HostApi } from '../../common/contract';
import { angleDiff } from '../../common/ptz';
import { openContractSocket } from '../integration/contract-socket';
import { consoleUrl, expect, test } from './fixtures';
import { ConsolePage } from './pages/console.page';
import { PtzPage, hostCall } from './pages/ptz.page';

// Each test steers its own tower: a head stays held by the page that last moved it for 30 s (or
// until that page closes), and every page is a client of its own.

test('the joystick turns the head, the HUD and the host follow, and releasing the stick stops it', async ({ page, host }, testInfo) => {
  const con = new ConsolePage(page);
  const ptz = new PtzPage(page);
  await ptz.installFakeGamepad();
  await con.open(consoleUrl(host));
  await con.setLayout(4);
  await con.dragCameraToTile('t01-visible', 0);
  await con.dragCameraToTile('t01-thermal', 1);
  await con.tile(0).click();
  await expect(ptz.panel).toHaveAttribute('data-camera', 't01-visible');
  await expect(page.getByTestId('ptz-joystick')).toHaveAttribute('data-connected', 'true');
  await ptz.expectHudPose(0);
  await ptz.expectHudPose(1);
  await con.expectPlaying(0);

  const b0 = await ptz.bearing(0);
  // Stick fully right, throttle fully forward (full speed).
  await ptz.setAxes({ 0: 1, 3: -1 });
  await expect.poll(() => ptz.turnedSince(0, b0), { timeout: 10_000, message: 'HUD bearing increases' }).toBeGreaterThan(10);
  // The HUD is redrawn from pose events several times a second (through refs, not renders).
  const updates = await ptz.hud(0).evaluate(
    (el) =>
      new Promise<number>((resolve) => {
        let n = 0;
        const mo = new MutationObserver(() => n++);
        mo.observe(el, { attributes: true, attributeFilter: ['data-bearing'] });
        setTimeout(() => {
          mo.disconnect();
          resolve(n);
        }, 1000);
      }),
  );
  expect(updates, 'HUD bearing updates in 1 s while moving').toBeGreaterThanOrEqual(5);
  const moving = await hostCall(host, 'ptz:status', { cameraId: 't01-visible' });
  expect(moving.moving).toBe(true);
  expect(angleDiff(b0, moving.bearing)).toBeGreaterThan(10);

  await ptz.setAxes({ 0: 0 });
  const still = await ptz.expectStill(0);
  // Both cameras of the tower sit on one head: the thermal tile's HUD turned with it.
  expect(await ptz.bearing(1)).toBe(still);
  const stopped = await hostCall(host, 'ptz:status', { cameraId: 't01-visible' });
  expect(stopped.moving).toBe(false);
  expect(Math.abs(angleDiff(still, stopped.bearing))).toBeLessThan(0.1);

  // Ctrl+click halfway to the right edge of the picture brings that point to the centre:
  // atan(0.5·tan(HFOV/2)) to the right.
  const hfov = Number(await ptz.hud(0).getAttribute('data-hfov'));
  const expected = (Math.atan(0.5 * Math.tan((hfov * Math.PI) / 360)) * 180) / Math.PI;
  const p = await ptz.picturePoint(0, 0.5, 0);
  await page.keyboard.down('Control');
  await page.mouse.click(p.x, p.y);
  await page.keyboard.up('Control');
  await expect.poll(() => ptz.turnedSince(0, still), { timeout: 10_000, message: 'click-to-centre turn' }).toBeGreaterThan(expected - 0.5);
  const centred = await ptz.expectStill(0);
  expect(angleDiff(still, centred)).toBeCloseTo(expected, 0);

  await expect(page.getByTestId('ptz-control')).toHaveAttribute('data-state', 'mine');
  await page.waitForTimeout(600); // let the live picture catch up with the HUD for the screenshot
  await page.screenshot({ path: testInfo.outputPath('ptz-console-hud.png') });
});

test('the arrow pad moves while held and stops on release; keys move; a preset is saved and recalled', async ({ page, host }, testInfo) => {
  const con = new ConsolePage(page);
  const ptz = new PtzPage(page);
  await con.open(consoleUrl(host));
  await con.setLayout(1);
  await con.dragCameraToTile('t11-visible', 0);
  await expect(ptz.panel).toHaveAttribute('data-camera', 't11-visible');
  await ptz.expectHudPose(0);
  await page.getByTestId('ptz-speed').fill('64');

  // Arrow pad: hold right for 1.5 s, release.
  const b0 = await ptz.bearing(0);
  await ptz.hold('ptz-pad-right', 1500);
  const b1 = await ptz.expectStill(0);
  expect(angleDiff(b0, b1)).toBeGreaterThan(5);

  // Save the view as preset 7 with a Chinese name.
  await page.getByTestId('ptz-preset-number').fill('7');
  await page.getByTestId('ptz-preset-name').fill('东坡火点');
  await page.getByTestId('ptz-preset-save').click();
  await expect(page.getByTestId('ptz-preset-7')).toContainText('东坡火点');

  // Keyboard: the grid has focus; hold ← for a second.
  await con.tile(0).click();
  await page.keyboard.down('ArrowLeft');
  await page.waitForTimeout(1200);
  await page.keyboard.up('ArrowLeft');
  const b2 = await ptz.expectStill(0);
  expect(angleDiff(b1, b2)).toBeLessThan(-5);

  // Recall preset 7: the head returns to the saved bearing.
  await page.getByTestId('ptz-preset-goto-7').click();
  await expect.poll(async () => Math.abs(await ptz.turnedSince(0, b1)), { timeout: 15_000, message: 'back at the preset' }).toBeLessThan(0.2);
  await ptz.expectStill(0);
  const atPreset = await hostCall(host, 'ptz:status', { cameraId: 't11-visible' });
  expect(Math.abs(angleDiff(b1, atPreset.bearing))).toBeLessThan(0.2);

  // The HUD can be switched off for this tile, and that is remembered.
  await page.getByTestId('hud-toggle-0').click();
  await expect(ptz.hud(0)).toHaveCount(0);
  await page.reload();
  await expect(con.tile(0)).toHaveAttribute('data-camera', 't11-visible');
  await expect(page.getByTestId('hud-toggle-0')).toHaveAttribute('aria-pressed', 'false');
  await expect(ptz.hud(0)).toHaveCount(0);
  await page.getByTestId('hud-toggle-0').click();
  await ptz.expectHudPose(0);
  await page.screenshot({ path: testInfo.outputPath('ptz-console-single.png') });
});

test('a head held by another console disables the controls and says who and until when; take-over; faults are shown', async ({ page, host }, testInfo) => {
  const con = new ConsolePage(page);
  const ptz = new PtzPage(page);
  await con.open(consoleUrl(host));
  await con.setLayout(4);
  await con.dragCameraToTile('t06-visible', 0);
  await ptz.expectHudPose(0);
  await expect(page.getByTestId('ptz-control')).toHaveAttribute('data-state', 'free');

  // Another console takes the head (and stays connected: a console that closes gives its heads up).
  const otherConsole = await openContractSocket(host, { as: 'operator' });
  const other = await otherConsole.value<HostApi['ptz:takeControl']['result']>('ptz:takeControl', { cameraId: 't06-visible', priority: 'operator' });
  // Named as the person signed in there, not as a connection id.
  const who = other.holder?.who ?? '';
  expect(who).toBe('李值班员');
  await expect(page.getByTestId('ptz-control')).toHaveAttribute('data-state', 'other');
  await expect(page.getByTestId('ptz-control')).toContainText(who);
  await expect(page.getByTestId('ptz-control')).toContainText(/至 \d\d:\d\d:\d\d/);
  await expect(page.getByTestId('ptz-pad-right')).toBeDisabled();
  await page.getByTestId('ptz-panel').screenshot({ path: testInfo.outputPath('ptz-panel-held.png') });
  await page.getByTestId('ptz-takeover').click();
  await expect(page.getByTestId('ptz-control')).toHaveAttribute('data-state', 'mine');
  await expect(page.getByTestId('ptz-pad-right')).toBeEnabled();
  otherConsole.close();

  // The tower's link is cut: the panel says so in words, the HUD marks the head offline.
  const sim = host.simulator;
  if (!sim) throw new Error('the e2e host runs the simulated site');
  await sim.setTowerLink('t06', false);
  try {
    await expect(page.getByTestId('ptz-fault')).toBeVisible({ timeout: 20_000 });
    await expect(page.getByTestId('ptz-fault')).toContainText('云台故障');
    await expect(ptz.hud(0)).toContainText('云台离线');
    await page.screenshot({ path: testInfo.outputPath('ptz-fault.png') });
  } finally {
    await sim.setTowerLink('t06', true);
  }
  await expect(page.getByTestId('ptz-fault')).toHaveCount(0, { timeout: 30_000 });
});

test.describe('touch controller', () => {
  test.use({ hasTouch: true, viewport: { width: 1280, height: 800 } });

  test('the /touch route renders, and its virtual joystick moves the camera', async ({ page, host }, testInfo) => {
    const ptz = new PtzPage(page);
    await page.goto(consoleUrl(host, '/touch'));
    await expect(page.getByTestId('touch-app')).toBeVisible();
    await expect(page.getByTestId('link-state')).toHaveAttribute('data-state', 'open');
    await page.getByTestId('touch-camera-t05-visible').tap();
    await expect(page.getByTestId('touch-video')).toHaveAttribute('data-camera', 't05-visible');
    await ptz.expectHudPose('touch');
    await expect(page.getByTestId('touch-wall-send')).toBeDisabled();
    await page.locator('.touch-speed input').fill('64');

    const b0 = await ptz.bearing('touch');
    const lift = await ptz.touchStick(0.9, 0);
    await expect(page.getByTestId('touch-joystick')).toHaveAttribute('data-x', /^0\.[5-9]/);
    await expect.poll(() => ptz.turnedSince('touch', b0), { timeout: 10_000, message: 'bearing increases under the stick' }).toBeGreaterThan(8);
    await lift();
    const still = await ptz.expectStill('touch');
    const s = await hostCall(host, 'ptz:status', { cameraId: 't05-visible' });
    expect(s.moving).toBe(false);
    expect(Math.abs(angleDiff(still, s.bearing))).toBeLessThan(0.1);
    await expect(page.getByTestId('touch-video')).toHaveAttribute('data-state', 'playing', { timeout: 20_000 });
    await page.waitForTimeout(500);
    await page.screenshot({ path: testInfo.outputPath('ptz-touch.png') });
  });
});

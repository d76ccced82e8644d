import { networkInterfaces } from 'node:os';
import type { Page } from '@playwright/test';
import { CHROMIUM_PATH } from '../chromium';
import { CONFERENCE_CHROMIUM_ARGS, LOOPBACK_ONLY_ICE, REMOTE_FRAMES } from '../conference-media';
import { consoleUrl, expect, test } from './fixtures';

/*
 * 视频会商 end to end, with Chromium's fake camera and microphone: the centre starts a room on the
 * console, a forest farm joins by link (no account), a third participant joins; every side sees the
 * others' pictures advance; the centre shares a live tower camera and it arrives at the far side;
 * one participant leaving does not disturb the others.
 *
 * No media may leave the machine. Run inside a network namespace with only loopback
 * (`unshare -n sh -c 'ip link set lo up; npx playwright test tests/e2e/conference.spec.ts'`); where
 * that is not possible, the pages take only loopback ICE candidates (the init script below), so
 * every media path is 127.0.0.1 either way. No STUN/TURN server is configured.
 */

test.use({ launchOptions: { executablePath: CHROMIUM_PATH, args: CONFERENCE_CHROMIUM_ARGS } });

const LOOPBACK_ONLY = LOOPBACK_ONLY_ICE;

const onlyLoopback = Object.values(networkInterfaces())
  .flat()
  .every((a) => a?.internal);

const remoteFrames = (page: Page) => page.evaluate(REMOTE_FRAMES) as Promise<Record<string, number>>;

/** Every remote picture of the page advances (at least `n` of them). */
async function remoteVideoAdvances(page: Page, n: number): Promise<void> {
  await expect.poll(async () => Object.values(await remoteFrames(page)).filter((f) => f > 5).length, { timeout: 20_000 }).toBeGreaterThanOrEqual(n);
  const before = await remoteFrames(page);
  await expect
    .poll(async () => {
      const now = await remoteFrames(page);
      return Object.keys(before).filter((id) => (now[id] ?? 0) > (before[id] ?? 0) + 5).length;
    }, { timeout: 10_000 })
    .toBeGreaterThanOrEqual(n);
}

test('two and three participants confer; a tower camera is shared; one leaving does not break the others', async ({ page, browser, host }, testInfo) => {
  // Typically 25–40 s; the margin is for a loaded CI machine.
  test.setTimeout(90_000);
  testInfo.annotations.push({ type: 'network', description: onlyLoopback ? 'loopback-only namespace' : 'loopback ICE candidates only' });
  await page.addInitScript(LOOPBACK_ONLY);
  await page.goto(consoleUrl(host));
  await page.getByTestId('tab-conference').click();
  await expect(page.getByTestId('conf-lobby')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('conference-lobby.png') });
  await page.getByTestId('conf-name').fill('森林防火会商');
  await page.getByTestId('conf-start').click();
  await expect(page.getByTestId('conf-room')).toBeVisible();

  // The farm is invited by link and joins with only a browser.
  await page.getByTestId('conf-invite-site').selectOption('longtan-farm');
  await page.getByTestId('conf-invite').click();
  const link = await page.getByTestId('conf-invite-link').inputValue();
  expect(link).toMatch(/\/join\?room=.+&token=cj1\./);
  const farmCtx = await browser.newContext();
  await farmCtx.addInitScript(LOOPBACK_ONLY);
  const farm = await farmCtx.newPage();
  await farm.goto(link);
  await expect(farm.getByTestId('conf-guest-name')).toHaveValue('龙潭林场');
  await farm.getByTestId('conf-guest-join').click();
  await expect(farm.getByTestId('conf-count')).toHaveText(/2/);
  await remoteVideoAdvances(page, 1);
  await remoteVideoAdvances(farm, 1);

  // A third participant (another link) joins: everyone sees the two others.
  await page.getByTestId('conf-invite-site').selectOption('daibu');
  await page.getByTestId('conf-invite').click();
  await expect(page.getByTestId('conf-invite-link')).not.toHaveValue(link);
  const link2 = await page.getByTestId('conf-invite-link').inputValue();
  const townCtx = await browser.newContext();
  await townCtx.addInitScript(LOOPBACK_ONLY);
  const town = await townCtx.newPage();
  // A link altered on the way is refused with a clear message, before any connection.
  await town.goto(link2.replace(/token=cj1\.[^.]+\./, 'token=cj1.AAAA.'));
  await expect(town.getByTestId('conf-error')).toHaveText('邀请链接无效，请向指挥中心索取新的链接');
  await town.goto(link2);
  await town.getByTestId('conf-guest-join').click();
  await expect(page.getByTestId('conf-count')).toHaveText(/3/);
  await Promise.all([remoteVideoAdvances(page, 2), remoteVideoAdvances(farm, 2), remoteVideoAdvances(town, 2)]);

  // The call goes on under another workspace: the others are still heard, and the room is there on return.
  await page.getByTestId('tab-video').click();
  await expect(page.locator('audio[data-peer]')).toHaveCount(2);
  await page.getByTestId('tab-conference').click();
  await expect(page.getByTestId('conf-count')).toHaveText(/3/);
  await remoteVideoAdvances(page, 2);

  // 点名: the centre calls the sites; the farm answers on its page when it sees the call, the next one does not.
  await page.getByTestId('rollcall-start').click();
  await expect(farm.getByTestId('rollcall-answer')).toContainText('龙潭林场');
  await farm.getByTestId('rollcall-answer').click();
  await expect(page.getByTestId('rollcall-entry').filter({ hasText: '龙潭林场' })).toHaveAttribute('data-status', 'present');
  await page.getByTestId('rollcall-end').click();
  await expect(page.getByTestId('rollcall-summary')).toHaveText('应到 5，实到 1');
  await expect(town.getByTestId('rollcall-entry').filter({ hasText: '戴埠镇' })).toHaveAttribute('data-status', 'absent');

  // The centre shares a live tower camera (with its HUD): the farm sees the 16:9 tower picture, moving.
  const centreId = await page.locator('[data-testid=conf-tile][data-self]').getAttribute('data-peer');
  const atFarm = farm.locator(`[data-testid=conf-tile][data-peer="${centreId}"]`);
  const aspect = () => atFarm.locator('video').evaluate((v: HTMLVideoElement) => (v.videoHeight ? v.videoWidth / v.videoHeight : 0));
  expect(await aspect()).toBeCloseTo(4 / 3, 1); // the fake camera
  await page.getByTestId('conf-tower-camera').selectOption('t01-visible');
  await page.getByTestId('conf-tower-share').click();
  await expect(atFarm).toHaveAttribute('data-video', 'tower', { timeout: 20_000 });
  await expect.poll(aspect, { timeout: 15_000 }).toBeCloseTo(16 / 9, 1);
  await remoteVideoAdvances(farm, 2);
  await page.screenshot({ path: testInfo.outputPath('conference.png') });

  // The town leaves: the centre and the farm go on with each other.
  await town.getByTestId('conf-leave').click();
  await expect(page.getByTestId('conf-count')).toHaveText(/2/);
  await expect(farm.getByTestId('conf-count')).toHaveText(/2/);
  await remoteVideoAdvances(page, 1);
  await remoteVideoAdvances(farm, 1);
  // 会商上墙: a window over the top-left panels (d01 among them) shows the participant grid; the decoder page joins receive-only.
  await page.getByTestId('conf-to-wall').click();
  const wallCtx = await browser.newContext();
  await wallCtx.addInitScript(LOOPBACK_ONLY);
  const wall = await wallCtx.newPage();
  await wall.goto(`${consoleUrl(host, '/decoder')}&id=d01`);
  const grid = wall.getByTestId('wall-conference');
  await expect(grid.locator('figure')).toHaveCount(2, { timeout: 15_000 });
  await expect(grid.locator('figcaption')).toHaveText(['王值班长', '龙潭林场']);
  const wallFrames = () => grid.locator('video').evaluateAll((vs) => vs.map((v) => (v as HTMLVideoElement).getVideoPlaybackQuality().totalVideoFrames));
  await expect.poll(async () => (await wallFrames()).filter((n) => n > 5).length, { timeout: 20_000 }).toBe(2);
  await expect(page.getByTestId('conf-count')).toHaveText(/2/); // the wall is not a participant in the grid
  await wall.screenshot({ path: testInfo.outputPath('conference-wall.png') });
  await expect(page.getByTestId('conf-to-wall')).toBeDisabled(); // 已上墙
  await wallCtx.close();

  // The farm's browser vanishes without leaving: the host removes it; the centre is alone, the call still up.
  await farmCtx.close();
  await expect(page.getByTestId('conf-count')).toHaveText(/1/);
  await expect(page.getByTestId('conf-room')).toBeVisible();
  await townCtx.close();
});

import type { Alert } from '../../common/alerts';
import { destination, inverse, latLon } from '../../common/geo';
import { SIMULATED_TOWERS } from '../../native/site/simulated';
import { openContractSocket } from '../integration/contract-socket';
import { consoleUrl, expect, test } from './fixtures';
import { MapPage } from './pages/map.page';
import { DecoderPreview } from './pages/wall.page';

test.describe.configure({ mode: 'serial' });

test('a detector fires: the pop shows snapshot and live video, the wall alarm region takes the camera; confirm → a report reaches the receiver', async ({ page, browser, host }, testInfo) => {
  test.setTimeout(150_000);
  const sim = host.simulator!;
  // The shift leader marks the right two columns of the wall as the alarm region.
  const leader = await openContractSocket(host, { as: 'leader' });
  await leader.value('wall:alarmRegion', { rect: { x: 5760, y: 0, w: 3840, h: 2160 }, snap: true });

  await page.goto(consoleUrl(host));
  await expect(page.getByTestId('link-state')).toHaveAttribute('data-state', 'open');
  const fired = Date.now();
  const r = await sim.detectors.fire('仙人山', { kind: 'fire' });
  expect(r.status).toBe(200);

  const pop = page.getByTestId('alert-pop');
  await expect(pop).toBeVisible({ timeout: 10_000 });
  const popMs = Date.now() - fired;
  await expect(pop).toHaveAttribute('data-camera', 't01-visible');
  await expect(pop.locator('#alert-title')).toContainText('火点报警 · 仙人山');
  // The detector's picture, loaded, with its detection box.
  const img = pop.getByTestId('alert-snapshot').locator('img');
  await expect.poll(() => img.evaluate((i: HTMLImageElement) => i.naturalWidth), { timeout: 10_000 }).toBeGreaterThan(300);
  await expect(pop.locator('.alert-box')).toHaveCount(1);
  await expect(pop.getByTestId('alert-bearing')).toHaveText(/^[东南西北]{1,2} \d+\.\d°$/);
  // Live video of the alarm camera: frames advance.
  const video = pop.getByTestId('alert-live').locator('video').first();
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 30_000 }).toBeGreaterThan(0.5);
  const t1 = await video.evaluate((v: HTMLVideoElement) => v.currentTime);
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 10_000 }).toBeGreaterThan(t1 + 0.5);
  await page.screenshot({ path: testInfo.outputPath('alert-pop.png') });
  // 一张图: the map at the fire with the bearing line from the tower; the pop docks beside it.
  await pop.getByTestId('alert-map').click();
  await expect(page.getByTestId('tab-map')).toHaveAttribute('aria-selected', 'true');
  await expect(pop).toHaveClass(/docked/);
  // The alarm's bearing line is on the map; cross it with a second tower's sighting 3 km out; one click gives the alert that fix.
  const alarm = (await leader.value<{ alerts: Alert[] }>('alert:list', {})).alerts.find((a) => a.status === 'new')!;
  const [t01, t02] = ['t01', 't02'].map((id) => SIMULATED_TOWERS.find((t) => t.id === id)!);
  const fire = destination(latLon(t01!.lat, t01!.lon), alarm.bearing, 3000);
  const map = new MapPage(page);
  await map.addBearing('t02', Number(inverse(latLon(t02!.lat, t02!.lon), fire).bearing.toFixed(2)));
  await expect(page.getByTestId('map-fix')).toBeVisible();
  await expect(page.getByTestId('map-fix').getByTestId('map-fix-places')).toContainText(/附近地名：.+方向 \d+\.\d 千米/);
  await page.getByTestId('map-fix').getByTestId('map-fix-to-alert').click();
  await expect(page.getByTestId('map-fix').getByTestId('map-fix-sent')).toContainText('已发送至仙人山报警');
  await expect(pop.getByTestId('alert-position')).toContainText('在一张图标定');
  const located = (await leader.value<{ alerts: Alert[] }>('alert:list', {})).alerts.find((a) => a.id === alarm.id)!.position!;
  expect(inverse(latLon(located.lat, located.lon), fire).distance).toBeLessThan(50);
  await page.getByTestId('map-fix').getByTestId('map-fix-to-duty').click();
  await expect(page.getByTestId('map-fix').getByTestId('map-fix-sent')).toContainText('已记入值班日志');
  const dutyAlarms = async () => JSON.stringify(await leader.value('duty:search', { category: 'alarm' }));
  await expect.poll(dutyAlarms, { timeout: 10_000 }).toContain('一张图定位');
  expect(await dutyAlarms()).toContain('报警位置经');
  await page.waitForTimeout(1000);
  await page.screenshot({ path: testInfo.outputPath('alert-on-map.png') });
  await page.getByTestId('tab-video').click();
  await expect(pop).not.toHaveClass(/docked/);

  // The wall: a decoder of the alarm region plays the alarm camera.
  const decoderId = 'd05';
  const address = sim.decoders.addressOf(decoderId)!;
  const preview = await DecoderPreview.open(browser, address);
  await preview.expectPlaying('t01-visible', 45_000);
  await preview.close();
  testInfo.annotations.push({ type: 'pop', description: `${popMs} ms from the detector's POST to the pop` });

  // Confirm: the first report reaches the simulated receiver; the pop gives way to the observation list.
  await pop.getByTestId('alert-confirm').click();
  await expect(pop).toHaveCount(0);
  const row = page.getByTestId('observe-row');
  await expect(row).toHaveCount(1);
  await expect.poll(() => sim.receiver.received.length, { timeout: 15_000 }).toBeGreaterThan(0);
  expect(sim.receiver.received[0]!.body).toMatchObject({ report: 0, tower: { name: '仙人山' }, kind: 'fire' });
  await expect(row.getByTestId('observe-reports')).toContainText('已推送 1');
  await page.screenshot({ path: testInfo.outputPath('alert-observing.png') });

  // 警讯确认解除: the wall gives the region back.
  await row.getByTestId('observe-close').click();
  await expect(row).toHaveCount(0);
  await expect.poll(async () => (await leader.value<{ alarm: { active: unknown[] } }>('wall:get', {})).alarm.active.length, { timeout: 10_000 }).toBe(0);
  leader.close();
});

test('a false alarm is dismissed with its reason; two alarms at once queue and neither is hidden; the alarm log counts them', async ({ page, host }, testInfo) => {
  test.setTimeout(120_000);
  const sim = host.simulator!;
  await page.goto(consoleUrl(host));
  await expect(page.getByTestId('link-state')).toHaveAttribute('data-state', 'open');
  await Promise.all([sim.detectors.fire('瓦屋山', { kind: 'smoke' }), sim.detectors.fire('金山', { kind: 'fire' })]);
  const pop = page.getByTestId('alert-pop');
  await expect(pop).toBeVisible({ timeout: 10_000 });
  await expect(pop.getByTestId('alert-queue')).toContainText('另有 1 条报警');
  // Fire before smoke.
  await expect(pop.locator('#alert-title')).toContainText('金山');
  await pop.getByTestId('alert-false').click();
  await pop.getByTestId('alert-reason-lights').click();
  await expect(pop.locator('#alert-title')).toContainText('瓦屋山');
  await expect(pop.getByTestId('alert-queue')).toHaveCount(0);
  await pop.getByTestId('alert-false').click();
  await pop.getByTestId('alert-reason-cloud').click();
  await expect(pop).toHaveCount(0);
  const stats = await (await openContractSocket(host, { as: 'leader' })).value<{ falseAlarmReasons: Record<string, number> }>('alert:stats', {});
  expect(stats.falseAlarmReasons).toEqual({ lights: 1, cloud: 1 });
  // 报警记录: the statistics and the log show them.
  await page.getByTestId('tab-alerts').click();
  await expect(page.getByTestId('alerts-reasons')).toContainText('灯光');
  await expect(page.getByTestId('alerts-reasons')).toContainText('云');
  await expect(page.locator('[data-testid="alerts-row"][data-status="false_alarm"]')).toHaveCount(2);
  await page.screenshot({ path: testInfo.outputPath('alerts-log.png') });
});

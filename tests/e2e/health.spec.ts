import { consoleUrl, expect, test } from './fixtures';

test('运维 board: a dead camera turns red within seconds, a slow link shows degraded, a ticket opened by hand appears with its timers', async ({ page, host }, testInfo) => {
  test.setTimeout(60_000);
  const sim = host.simulator!;
  await page.setViewportSize({ width: 1600, height: 1000 });
  await page.goto(consoleUrl(host));
  await expect(page.getByTestId('link-state')).toHaveAttribute('data-state', 'open');
  await page.getByTestId('tab-health').click();
  const board = page.getByTestId('health-workspace');
  await expect(board.getByTestId('health-cell-cam:t03-visible')).toHaveAttribute('data-state', 'up', { timeout: 15_000 });

  sim.setCamera('t03-visible', false);
  sim.setLinkQuality('t05', { latencyMs: 320 });
  await expect(board.getByTestId('health-cell-cam:t03-visible')).toHaveAttribute('data-state', 'down', { timeout: 15_000 });
  await expect(board.getByTestId('health-cell-cam:t03-visible')).toHaveCSS('background-color', 'rgba(229, 72, 77, 0.35)');
  await expect(board.getByTestId('health-cell-cam:t03-thermal')).toHaveAttribute('data-state', 'up');
  await expect(board.getByTestId('health-cell-link:t05')).toHaveAttribute('data-state', 'degraded', { timeout: 25_000 });
  // The camera tree shows the same state.
  await expect(page.getByTestId('tower-t05').locator('.dot').first()).toHaveAttribute('data-health', 'degraded');
  await expect(board.getByTestId('health-site-availability')).toContainText('%');
  await page.screenshot({ path: testInfo.outputPath('health-board.png') });

  await page.getByTestId('health-tab-tickets').click();
  await board.getByLabel('故障描述').fill('瓦屋山可见光画面中断');
  await board.getByLabel('故障等级').selectOption('2');
  await board.getByLabel('点位', { exact: true }).selectOption('t03');
  await page.getByRole('button', { name: '开立工单' }).click();
  const ticket = page.locator('.health-ticket').filter({ hasText: '瓦屋山可见光画面中断' });
  await expect(ticket).toBeVisible();
  await expect(ticket.locator('.level')).toHaveText('二级（主要）');
  await expect(ticket).toContainText(/响应：剩余 [01]:\d\d/);
  await expect(page.getByTestId('health-tab-tickets').locator('.health-badge')).toHaveText(/^[1-9]\d*$/);
  await page.screenshot({ path: testInfo.outputPath('health-tickets.png') });
  // The weekly inspection from the checklist template: a result is kept.
  await page.getByTestId('health-tab-inspections').click();
  const first = page.locator('.health-items li').first();
  await first.getByRole('button', { name: '正常' }).click();
  await expect(first).toHaveClass(/\bok\b/);
  await page.screenshot({ path: testInfo.outputPath('health-inspections.png') });
  sim.setCamera('t03-visible', true);
  sim.setLinkQuality('t05', { latencyMs: 2 });
});

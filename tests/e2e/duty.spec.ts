import { consoleUrl, expect, test } from './fixtures';
import { ConsolePage } from './pages/console.page';
import { DutyPage } from './pages/duty.page';

test.describe('duty workspace (值班)', () => {
  test('sign on, keyboard entry, open item, handover, daily check, search and report', async ({ page, host }) => {
    const console_ = new ConsolePage(page);
    await console_.open(consoleUrl(host));
    const duty = new DutyPage(page);
    await duty.open();

    await page.getByTestId('duty-sign-on').click();
    await expect(page.getByTestId('duty-on-duty')).not.toContainText('无人上岗');
    await expect(page.getByTestId('duty-sign-off')).toBeVisible();

    await duty.quickEntry('社渚镇 画面中断，已电话通知运维', 3);
    const row = page.getByTestId('duty-timeline-row').filter({ hasText: '社渚镇 画面中断' });
    await expect(row).toContainText('设备故障');

    await page.getByTestId('duty-item-text').fill('瓦屋山 云台卡顿待修');
    await page.getByTestId('duty-item-text').press('Enter');
    await expect(page.getByTestId('duty-open-items')).toContainText('瓦屋山 云台卡顿待修');

    // The sync state is in the status bar (no central service here: off, with the records waiting).
    await expect(page.getByTestId('sync-state')).toHaveAttribute('data-state', 'off');
    await page.screenshot({ path: '/tmp/duty-shift.png' });

    await duty.tab('handover');
    await expect(page.getByTestId('duty-handover')).toContainText('将移交的未结事项：1 项');
    await page.getByTestId('duty-hand-to').fill('李四');
    await page.getByTestId('duty-hand-summary').fill('白班平稳；瓦屋山云台待修');
    await page.getByTestId('duty-hand-submit').click();
    await expect(page.getByTestId('duty-handover')).toContainText('未确认');

    await duty.tab('check');
    const lines = page.getByTestId('duty-check-line');
    await expect(lines.first()).toBeVisible();
    expect(await lines.count()).toBeGreaterThanOrEqual(19 + 19 + 2);
    // Lines the system could not tell about must be marked before confirming.
    for (const unknown of await page.locator('[data-testid="duty-check-line"][data-auto="unknown"]').all()) await unknown.getByRole('button', { name: '正常' }).click();
    await page.screenshot({ path: '/tmp/duty-check.png' });
    await page.getByTestId('duty-check-confirm').click();
    await expect(page.getByTestId('duty-check-confirmed')).toBeVisible();

    await duty.tab('search');
    // Other specs share this host and write lines naming 社渚镇 too (map fixes, fault tickets): search this entry's own words.
    await page.getByTestId('duty-search-text').fill('已电话通知运维');
    await page.getByTestId('duty-search-go').click();
    await expect(page.getByTestId('duty-search-row')).toHaveCount(1);

    await duty.tab('reports');
    const report = page.frameLocator('[data-testid="duty-report-frame"]');
    await expect(report.locator('h1')).toContainText('值班日报');
    await expect(report.locator('body')).toContainText('社渚镇 画面中断');
    await page.screenshot({ path: '/tmp/duty-report.png' });
  });
});

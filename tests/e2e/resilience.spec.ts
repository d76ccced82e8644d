import { consoleUrl, expect, test } from './fixtures';
import { ConsolePage } from './pages/console.page';

test('a tower whose link dies shows "no signal" and plays again when it returns; other tiles keep playing', async ({ page, host }) => {
  const sim = host.simulator;
  test.skip(!sim, 'needs the built-in simulator');
  const con = new ConsolePage(page);
  await con.open(consoleUrl(host));
  await con.setLayout(4);
  await con.dragCameraToTile('t05-visible', 0);
  await con.dragCameraToTile('t06-thermal', 1);
  await con.expectPlaying(0);
  await con.expectPlaying(1);

  await sim!.setTowerLink('t05', false);
  await expect(con.tile(0)).toHaveAttribute('data-state', 'stalled', { timeout: 8000 });
  await expect(con.tile(0)).toContainText('信号中断');
  await con.expectPlaying(1);

  await sim!.setTowerLink('t05', true);
  await con.expectPlaying(0, 30_000);
  await con.expectPlaying(1);
});

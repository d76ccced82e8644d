import { startHost } from '../native/host/start';
import { benchDataDir, launchChromium, signInPage } from './lib';
const host = await startHost({ port: 0, dataDir: benchDataDir(), log: () => undefined });
const browser = await launchChromium();
const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
await signInPage(page, host);
await page.goto(`${host.url}/?token=${host.token}`);
await page.getByTestId('link-state').and(page.locator('[data-state="open"]')).waitFor();
for (const [tab, wait, file] of (process.env.SHOTS ?? 'tab-health:12000:/tmp/s1.png').split(',').map((x) => x.split(':'))) {
  await page.getByTestId(tab!).click();
  await page.waitForTimeout(Number(wait));
  await page.screenshot({ path: file! });
}
await browser.close(); await host.close();

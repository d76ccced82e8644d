import { expect, type Browser, type Locator, type Page } from '@playwright/test';

/** Page object of the wall workspace (the mirror, its toolbar and the scenes panel). */
export class WallPage {
  constructor(readonly page: Page) {}

  get mirror(): Locator {
    return this.page.getByTestId('wall-mirror');
  }

  camera(id: string): Locator {
    return this.page.getByTestId(`camera-${id}`);
  }

  panel(row: number, column: number): Locator {
    return this.page.getByTestId(`wall-panel-${row}-${column}`);
  }

  windows(): Locator {
    return this.mirror.locator('[data-testid^="wall-window-"]:not([data-testid^="wall-window-bar"])');
  }

  /** Panes whose decoders report a camera. */
  paneShowing(cameraId: string): Locator {
    return this.mirror.locator(`[data-testid^="wall-pane-"][data-camera="${cameraId}"]`);
  }

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await expect(this.page.getByTestId('link-state')).toHaveAttribute('data-state', 'open');
    await this.page.getByTestId('tab-wall').click();
    await expect(this.mirror).toBeVisible();
    // Every panel drawn (3 x 5) and its decoder known.
    await expect(this.mirror.locator('[data-testid^="wall-panel-"]')).toHaveCount(15);
  }

  async clear(): Promise<void> {
    await this.page.getByTestId('wall-clear').click();
    await expect(this.windows()).toHaveCount(0);
  }

  /** Drags a camera from the tree onto a panel of the mirror (empty wall there opens a window). */
  async dragCameraToPanel(cameraId: string, row: number, column: number): Promise<void> {
    await this.camera(cameraId).dragTo(this.panel(row, column));
  }

  /** Waits until the decoders report the camera playing in a pane of the mirror. */
  async expectReportedPlaying(cameraId: string, timeout = 30_000): Promise<void> {
    await expect(this.paneShowing(cameraId).first()).toHaveAttribute('data-state', 'playing', { timeout });
  }

  /** Gives the edit lock back, so the next console (or test) can edit at once. */
  async release(): Promise<void> {
    await this.page.getByTestId('wall-unlock').click();
    await expect(this.page.getByTestId('wall-lock')).not.toHaveClass(/mine/);
  }

  async deleteScene(name: string): Promise<void> {
    await this.page.getByTestId(`wall-scene-delete-${name}`).click();
    await expect(this.page.getByTestId(`wall-scene-${name}`)).toHaveCount(0);
  }

  async saveScene(name: string): Promise<void> {
    await this.page.getByTestId('wall-scene-name').fill(name);
    await this.page.getByTestId('wall-scene-save').click();
    await expect(this.page.getByTestId(`wall-scene-${name}`)).toBeVisible();
  }

  async recallScene(name: string): Promise<void> {
    await this.page.getByTestId(`wall-scene-recall-${name}`).click();
  }
}

/**
 * A simulated decoder's own preview page (what its HDMI output shows). The fleet's addresses carry
 * basic-auth credentials; a browser will not send those from the URL, so they go to the context.
 */
export class DecoderPreview {
  private constructor(readonly page: Page) {}

  static async open(browser: Browser, address: string): Promise<DecoderPreview> {
    const u = new URL(address);
    const httpCredentials = { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
    u.username = '';
    u.password = '';
    const ctx = await browser.newContext({ httpCredentials });
    const page = await ctx.newPage();
    await page.goto(u.toString());
    return new DecoderPreview(page);
  }

  output(cameraId: string): Locator {
    return this.page.locator(`[data-output][data-camera="${cameraId}"]`);
  }

  /** Waits until an output plays the camera and proves it: the video's time keeps advancing. */
  async expectPlaying(cameraId: string, timeout = 30_000): Promise<void> {
    const out = this.output(cameraId).first();
    await expect(out).toHaveAttribute('data-state', 'playing', { timeout });
    const time = () => out.locator('video').evaluate((v: HTMLVideoElement) => v.currentTime);
    const before = await time();
    await expect.poll(time, { timeout: 10_000 }).toBeGreaterThan(before + 0.5);
  }

  async close(): Promise<void> {
    await this.page.context().close();
  }
}

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

  // The schedule of scenes (定时预案)

  get schedule(): Locator {
    return this.page.getByTestId('wall-schedule');
  }

  scheduleEntries(): Locator {
    return this.schedule.locator('.wall-schedule-entry');
  }

  /** Adds an entry in the editor (not yet saved): a time of day and a scene. */
  async addScheduleEntry(time: string, scene: string): Promise<void> {
    const i = await this.scheduleEntries().count();
    await this.page.getByTestId('wall-schedule-add').click();
    await this.page.getByTestId(`wall-schedule-time-${i}`).fill(time);
    await this.page.getByTestId(`wall-schedule-scene-${i}`).selectOption(scene);
  }

  async saveSchedule(): Promise<void> {
    await this.page.getByTestId('wall-schedule-save').click();
    await expect(this.page.getByTestId('wall-schedule-save')).toBeDisabled();
  }

  /** The entries the editor shows, as "HH:MM scene". */
  async scheduleShown(): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < (await this.scheduleEntries().count()); i++) {
      const time = await this.page.getByTestId(`wall-schedule-time-${i}`).inputValue();
      const scene = await this.page.getByTestId(`wall-schedule-scene-${i}`).inputValue();
      out.push(`${time} ${scene}`);
    }
    return out;
  }

  // The alarm region

  get alarmRegion(): Locator {
    return this.mirror.getByTestId('wall-alarm-region');
  }

  get alarmWindow(): Locator {
    return this.mirror.getByTestId('wall-alarm-window');
  }

  /** Marks the alarm region by dragging on the mirror from one panel to another (inner points of both). */
  async drawAlarmRegion(from: { row: number; column: number }, to: { row: number; column: number }): Promise<void> {
    await this.page.getByTestId('wall-alarm-mark').click();
    await expect(this.mirror.getByTestId('wall-alarm-draw')).toBeVisible();
    const a = (await this.panel(from.row, from.column).boundingBox())!;
    const b = (await this.panel(to.row, to.column).boundingBox())!;
    await this.page.mouse.move(a.x + a.width * 0.3, a.y + a.height * 0.3);
    await this.page.mouse.down();
    await this.page.mouse.move(b.x + b.width * 0.5, b.y + b.height * 0.4, { steps: 6 });
    await expect(this.mirror.getByTestId('wall-alarm-sketch')).toBeVisible();
    await this.page.mouse.up();
    await expect(this.mirror.getByTestId('wall-alarm-draw')).toHaveCount(0);
  }

  // Camera tours (轮巡)

  /** On a cleared wall, drops a camera on a panel and answers the id of the window that opens. */
  async windowWithCamera(url: string, cameraId: string, row: number, column: number): Promise<string> {
    await this.open(url);
    await this.clear();
    await this.dragCameraToPanel(cameraId, row, column);
    await expect(this.windows()).toHaveCount(1);
    return (await this.windows().first().getAttribute('data-testid'))!.replace('wall-window-', '');
  }

  get tourEditor(): Locator {
    return this.page.getByTestId('tour-editor');
  }

  /** Selects a pane on the mirror and opens the tour editor for it. */
  async openTourEditor(windowId: string, pane: number): Promise<void> {
    await this.page.getByTestId(`wall-pane-${windowId}-${pane}`).click();
    await this.page.getByTestId('wall-tour').click();
    await expect(this.tourEditor).toBeVisible();
  }

  /** The cameras of the tour being edited, in order. */
  async tourCameras(): Promise<string[]> {
    return this.tourEditor.locator('[data-testid^="tour-item-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-camera') ?? ''));
  }

  /** Fills the editor: cameras added from its list (after those already there), the dwell and the stream. */
  async buildTour(cameras: readonly string[], dwellS: number, profile: 'auto' | 'main' | 'sub'): Promise<void> {
    for (const id of cameras) await this.page.getByTestId(`tour-add-${id}`).click();
    await this.page.getByTestId('tour-dwell').fill(String(dwellS));
    await this.page.getByTestId(`tour-profile-${profile}`).click();
  }

  tourBadge(windowId: string, pane: number): Locator {
    return this.mirror.getByTestId(`wall-tour-${windowId}-${pane}`);
  }

  // The LED strip

  async sendLed(text: string, colour: string, speedPxS: number): Promise<void> {
    await this.page.getByTestId('wall-led-text').fill(text);
    await this.page.getByTestId('wall-led-colour').fill(colour);
    await this.page.getByTestId('wall-led-speed').fill(String(speedPxS));
    await this.page.getByTestId('wall-led-send').click();
  }
}

/**
 * How fast the text of an LED strip moves, in the strip's own pixels a second: the drawn motion over
 * `ms` divided by the drawn text height over the strip's 32-pixel line. Read from the element's
 * computed transform, so it measures what the compositor is told, not what was configured.
 */
export async function ledSpeed(text: Locator, ms = 1500): Promise<{ pxS: number; colour: string }> {
  const sample = () =>
    text.evaluate((el) => {
      const m = new DOMMatrix(getComputedStyle(el).transform);
      return { x: m.m41, t: performance.now(), font: parseFloat(getComputedStyle(el).fontSize), colour: getComputedStyle(el).color };
    });
  const a = await sample();
  await text.page().waitForTimeout(ms);
  const b = await sample();
  return { pxS: ((a.x - b.x) / ((b.t - a.t) / 1000)) * (32 / a.font), colour: a.colour };
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

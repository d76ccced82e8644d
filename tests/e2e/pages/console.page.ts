import { expect, type Locator, type Page } from '@playwright/test';

/** Page object of the operator console. */
export class ConsolePage {
  constructor(readonly page: Page) {}

  tile(i: number): Locator {
    return this.page.getByTestId(`tile-${i}`);
  }

  camera(id: string): Locator {
    return this.page.getByTestId(`camera-${id}`);
  }

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await expect(this.page.getByTestId('link-state')).toHaveAttribute('data-state', 'open');
  }

  async setLayout(n: 1 | 4 | 9 | 16): Promise<void> {
    await this.page.getByTestId(`layout-${n}`).click();
    await expect(this.page.getByTestId('video-grid')).toHaveAttribute('data-layout', String(n));
  }

  async dragCameraToTile(cameraId: string, tile: number): Promise<void> {
    await this.camera(cameraId).dragTo(this.tile(tile));
    await expect(this.tile(tile)).toHaveAttribute('data-camera', cameraId);
  }

  /** Decoded frame count of a tile's video element. */
  async frames(tile: number): Promise<number> {
    return this.tile(tile)
      .locator('video:not(.pending)')
      .evaluate((v: HTMLVideoElement) => v.getVideoPlaybackQuality().totalVideoFrames);
  }

  /** Waits until a tile plays and proves it: its decoded frame count keeps growing. */
  async expectPlaying(tile: number, timeout = 20_000): Promise<void> {
    await expect(this.tile(tile)).toHaveAttribute('data-state', 'playing', { timeout });
    const before = await this.frames(tile);
    await expect.poll(() => this.frames(tile), { timeout: 5000 }).toBeGreaterThan(before + 5);
  }
}

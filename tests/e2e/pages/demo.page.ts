import { expect, type Locator, type Page } from '@playwright/test';

/** Page object of the demonstration mode: the 演示 authoring tab and the presenter view. */
export class DemoPage {
  constructor(readonly page: Page) {}

  get badge(): Locator {
    return this.page.getByTestId('demo-badge');
  }

  get captionTitle(): Locator {
    return this.page.getByTestId('demo-caption-title');
  }

  tour(name: string): Locator {
    return this.page.locator(`[data-testid="demo-tour"][data-name="${name}"]`);
  }

  rejected(file: string): Locator {
    return this.page.locator(`[data-testid="demo-rejected"][data-file="${file}"]`);
  }

  async openAuthoring(): Promise<void> {
    await this.page.getByTestId('tab-demo').click();
    await expect(this.page.getByTestId('demo-work')).toBeVisible();
  }

  /** Opens a tour in the editor and starts it on the wall. */
  async start(name: string): Promise<void> {
    await this.tour(name).click();
    await expect(this.page.getByTestId('demo-name')).toHaveValue(name);
    await this.page.getByTestId('demo-start').click();
    await expect(this.badge).toBeVisible();
  }

  /** Waits until the presenter view shows a step (0-based) in a state. */
  async at(index: number, status: 'playing' | 'paused' = 'playing'): Promise<void> {
    await expect(this.badge).toHaveAttribute('data-index', String(index));
    await expect(this.badge).toHaveAttribute('data-status', status);
  }
}

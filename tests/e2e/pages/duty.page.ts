import { expect, type Page } from '@playwright/test';

/** Page object of the duty workspace (值班). */
export class DutyPage {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.getByTestId('tab-duty').click();
    await expect(this.page.getByTestId('duty-workspace')).toBeVisible();
  }

  async tab(name: 'shift' | 'handover' | 'check' | 'maintenance' | 'roster' | 'search' | 'reports'): Promise<void> {
    await this.page.getByTestId(`duty-tab-${name}`).click();
  }

  /** Types an entry the keyboard way: Alt+<n> for the category, Ctrl+Enter to save. */
  async quickEntry(text: string, categoryKey: number): Promise<void> {
    const box = this.page.getByTestId('duty-entry-text');
    await box.click();
    await box.press(`Alt+${categoryKey}`);
    await box.fill(text);
    await box.press('Control+Enter');
    await expect(box).toHaveValue('');
  }
}

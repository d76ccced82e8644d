import { expect, type Locator, type Page } from '@playwright/test';

/** Page object of the map workspace ("一张图"). */
export class MapPage {
  constructor(readonly page: Page) {}

  get work(): Locator {
    return this.page.getByTestId('map-work');
  }

  get towers(): Locator {
    return this.page.locator('[data-testid^="map-tower-"]');
  }

  tower(id: string): Locator {
    return this.page.getByTestId(`map-tower-${id}`);
  }

  /** Switches to the map tab and waits for the offline style to load. */
  async open(): Promise<void> {
    await this.page.getByTestId('tab-map').click();
    await expect(this.page.getByTestId('map-canvas')).toHaveAttribute('data-loaded', 'true');
  }

  /** True bearing of the tower's drawn view cone (the `bearing` property of its cone polygon). */
  async coneBearing(towerId: string): Promise<number | null> {
    const v = await this.tower(towerId).getAttribute('data-bearing');
    return v === null ? null : Number(v);
  }

  /** Screen position of a tower's dot centre (the marker's geographic anchor). */
  async towerPoint(towerId: string): Promise<{ x: number; y: number }> {
    const box = await this.tower(towerId).locator('.map-tower-dot').boundingBox();
    if (!box) throw new Error(`tower ${towerId} not drawn`);
    return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  }

  /** Right-clicks the map at a screen point and chooses "look here". */
  async lookHere(at: { x: number; y: number }): Promise<void> {
    await this.page.mouse.click(at.x, at.y, { button: 'right' });
    await this.page.getByTestId('map-look-here').click();
  }

  async addBearing(towerId: string, degrees: number): Promise<void> {
    await this.page.getByTestId('map-bearing-tower').selectOption(towerId);
    await this.page.getByTestId('map-bearing-degrees').fill(String(degrees));
    await this.page.getByTestId('map-bearing-add').click();
  }

  /** Chooses a basemap in the layer panel and waits for the host's verdict on it. */
  async chooseBasemap(id: string): Promise<string | null> {
    await this.page.getByTestId(`map-basemap-${id}`).check();
    const state = this.page.getByTestId(`map-basemap-state-${id}`);
    await expect(state).not.toHaveAttribute('data-state', 'checking');
    return state.getAttribute('data-state');
  }

  /** Imports a FIRMS CSV through the hotspot panel's file picker. */
  async importHotspots(name: string, csv: string): Promise<void> {
    await this.page.getByTestId('map-hotspot-file').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
    await expect(this.page.getByTestId('map-hotspot-report')).toContainText(name);
  }

  /** Screen position of a WGS84 point on the (WGS84) map canvas. */
  async pointOf(lat: number, lon: number): Promise<{ x: number; y: number }> {
    // The tower markers are the reference: two towers give the linear map near them (north up, Mercator is locally linear).
    const a = await this.towerPoint('t01');
    const b = await this.towerPoint('t10');
    const [la, lb] = [
      { lat: 31.2612, lon: 119.3555 },
      { lat: 31.1547, lon: 119.4729 },
    ];
    const merc = (l: number) => Math.log(Math.tan(Math.PI / 4 + (l * Math.PI) / 360));
    const sx = (b.x - a.x) / (lb.lon - la.lon);
    const sy = (b.y - a.y) / (merc(lb.lat) - merc(la.lat));
    return { x: a.x + (lon - la.lon) * sx, y: a.y + (merc(lat) - merc(la.lat)) * sy };
  }
}

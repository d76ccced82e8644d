import { describe, expect, it } from 'vitest';
import { hudLines, hudText } from './hud';

describe('HUD text', () => {
  it('gives the bearing as a compass word and degrees, the tilt with its sign, and the zoom', () => {
    expect(hudText({ bearing: 134.96, tilt: -3.14, zoom: 12 })).toBe('东南 135.0°   俯仰 −3.1°   12.0×');
    expect(hudText({ bearing: 359.97, tilt: 2, zoom: 1 })).toBe('北 0.0°   俯仰 +2.0°   1.0×');
    expect(hudText({ bearing: -90, tilt: 0, zoom: 32 })).toMatch(/^西 270\.0°/);
  });

  it("gives the same as lines for a decoder's OSD", () => {
    expect(hudLines({ bearing: 45.04, tilt: 0, zoom: 3.25 })).toEqual(['东北 45.0°', '俯仰 +0.0°', '3.3×']);
  });
});

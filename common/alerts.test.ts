import { describe, expect, it } from 'vitest';
import { terrainFixUncertainty } from './alerts';

describe('single-tower fix uncertainty', () => {
  it('grows with distance and as the ray grazes the ground, never beyond the distance itself', () => {
    const steep = terrainFixUncertainty(3000, 300, 0.5);
    const grazing = terrainFixUncertainty(3000, 30, 0.5);
    expect(steep).toBeGreaterThan(60);
    expect(grazing).toBeGreaterThan(steep * 5);
    expect(terrainFixUncertainty(6000, 300, 0.5)).toBeGreaterThan(steep);
    expect(terrainFixUncertainty(3000, 0, 0.5)).toBeLessThanOrEqual(Math.round(2.4477 * Math.hypot(3000 * (0.5 * Math.PI) / 180, 3000)));
  });
});

import { describe, expect, it } from 'vitest';
import { containRect, toPicture } from './picture';

describe('picture geometry under object-fit: contain', () => {
  it('puts bars left and right of a 4:3 picture in a 16:9 box', () => {
    expect(containRect({ width: 1600, height: 900 }, { width: 384, height: 288 })).toEqual({ x: 200, y: 0, width: 1200, height: 900 });
  });

  it('puts bars above and below a 16:9 picture in a tall box', () => {
    expect(containRect({ width: 400, height: 400 }, { width: 1280, height: 720 })).toEqual({ x: 0, y: 87.5, width: 400, height: 225 });
  });

  it('uses the whole box while the picture size is unknown', () => {
    expect(containRect({ width: 300, height: 200 }, { width: 0, height: 0 })).toEqual({ x: 0, y: 0, width: 300, height: 200 });
  });

  it('maps clicks to normalised picture coordinates and refuses the bars', () => {
    const pic = containRect({ width: 1600, height: 900 }, { width: 384, height: 288 });
    expect(toPicture({ x: 800, y: 450 }, pic)).toEqual({ x: 0, y: 0 });
    expect(toPicture({ x: 1400, y: 0 }, pic)).toEqual({ x: 1, y: -1 });
    expect(toPicture({ x: 500, y: 675 }, pic)).toEqual({ x: -0.5, y: 0.5 });
    expect(toPicture({ x: 100, y: 450 }, pic)).toBeNull();
  });
});

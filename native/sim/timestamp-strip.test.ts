import { describe, expect, it } from 'vitest';
import {
  STRIP_CELLS,
  decodeTimestampStrip,
  encodeTimestampCells,
  stripDeltaMs,
  stripLayout,
  toUint32,
} from './timestamp-strip';

/** Renders the strip the way the ffmpeg filtergraph does, over a mid-grey picture. */
function renderFrame(ms: number, width: number, height: number): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(width * height * 4).fill(128);
  const { cell, barWidth, barHeight } = stripLayout(width);
  const cells = encodeTimestampCells(ms);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 4;
      rgba[p + 3] = 255;
      if (x >= barWidth || y >= barHeight) continue;
      const index = Math.floor(x / cell);
      const white = y < cell && index < STRIP_CELLS && cells[index] === 1;
      rgba[p] = rgba[p + 1] = rgba[p + 2] = white ? 235 : 16;
    }
  }
  return rgba;
}

describe('timestamp strip decoder', () => {
  it('decodes what the layout encodes, at native and rescaled sizes', () => {
    for (const ms of [0, 1, 0x7fffffff, 0xffffffff, 1_732_000_123_456 % 2 ** 32, 123_456_789]) {
      for (const [w, h] of [
        [1280, 720],
        [640, 360],
        [960, 540],
        [320, 180],
      ] as const) {
        expect(decodeTimestampStrip(renderFrame(ms, w, h), w, h)).toBe(toUint32(ms));
      }
    }
  });

  it('rejects pictures without a valid strip', () => {
    const w = 640;
    const h = 360;
    expect(decodeTimestampStrip(new Uint8ClampedArray(w * h * 4), w, h)).toBeUndefined();
    const noisy = new Uint8ClampedArray(w * h * 4).map((_, i) => (i * 2654435761) % 251);
    expect(decodeTimestampStrip(noisy, w, h)).toBeUndefined();
    // One flipped data cell breaks the parity of its byte.
    const frame = renderFrame(0x12345678, w, h);
    const cell = stripLayout(w).cell;
    const x0 = 10 * cell;
    for (let y = 0; y < cell; y++) {
      for (let x = x0; x < x0 + cell; x++) {
        const p = (y * w + x) * 4;
        const v = (frame[p] ?? 0) > 128 ? 16 : 235;
        frame[p] = frame[p + 1] = frame[p + 2] = v;
      }
    }
    expect(decodeTimestampStrip(frame, w, h)).toBeUndefined();
    expect(decodeTimestampStrip(new Uint8ClampedArray(10), w, h)).toBeUndefined();
  });

  it('computes differences across the 2^32 wrap', () => {
    expect(stripDeltaMs(5, 2 ** 32 - 5)).toBe(10);
    expect(stripDeltaMs(2 ** 32 - 5, 5)).toBe(-10);
    expect(stripDeltaMs(Date.now(), Date.now() - 250)).toBeGreaterThanOrEqual(250);
  });
});

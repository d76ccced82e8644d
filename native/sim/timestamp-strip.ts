/**
 * Machine-readable timestamp strip burned into every simulated camera frame, and its decoder.
 *
 * This file must stay free of Node imports: the renderer decodes the strip from canvas ImageData
 * to measure glass-to-glass latency.
 *
 * Layout (see docs/simulated-cameras.md): a single row of square cells at the very top-left of the
 * frame, cell size = frame width / 80 (16 px at 1280, 8 px at 640), so the layout scales with the
 * picture and cells sit on the codec's block grid. Cells, left to right:
 *   4 start-guard cells, 32 data cells (ms, MSB first), 4 odd-parity cells (one per data byte,
 *   most significant byte first), 4 end-guard cells.
 * White = 1, black = 0. A black margin half a cell high lies under the row and one cell to its right.
 */

/** Frame width divided by this gives the cell size in pixels. */
export const STRIP_WIDTH_DIVISOR = 80;
export const STRIP_START_GUARD: readonly number[] = [1, 0, 1, 1];
export const STRIP_END_GUARD: readonly number[] = [1, 1, 0, 1];
export const STRIP_DATA_BITS = 32;
export const STRIP_PARITY_BITS = 4;
export const STRIP_DATA_OFFSET = STRIP_START_GUARD.length;
export const STRIP_PARITY_OFFSET = STRIP_DATA_OFFSET + STRIP_DATA_BITS;
export const STRIP_END_OFFSET = STRIP_PARITY_OFFSET + STRIP_PARITY_BITS;
export const STRIP_CELLS = STRIP_END_OFFSET + STRIP_END_GUARD.length;

export interface StripLayout {
  /** Cell edge in pixels (may be fractional when decoding a rescaled frame). */
  cell: number;
  cells: number;
  /** The black background: x 0..barWidth, y 0..barHeight. */
  barWidth: number;
  barHeight: number;
}

export function stripLayout(width: number): StripLayout {
  const cell = width / STRIP_WIDTH_DIVISOR;
  return { cell, cells: STRIP_CELLS, barWidth: cell * (STRIP_CELLS + 1), barHeight: cell * 1.5 };
}

/** Odd parity over the 8 bits of byte `byteIndex` (0 = most significant) of `ms`. */
export function parityBit(ms: number, byteIndex: number): number {
  let v = (ms >>> (8 * (3 - byteIndex))) & 0xff;
  let ones = 0;
  while (v) {
    ones += v & 1;
    v >>>= 1;
  }
  return ones % 2 === 0 ? 1 : 0;
}

/** The cell values (0/1) for a timestamp, left to right. */
export function encodeTimestampCells(ms: number): number[] {
  const v = toUint32(ms);
  const cells = [...STRIP_START_GUARD];
  for (let i = 0; i < STRIP_DATA_BITS; i++) cells.push((v >>> (31 - i)) & 1);
  for (let b = 0; b < STRIP_PARITY_BITS; b++) cells.push(parityBit(v, b));
  cells.push(...STRIP_END_GUARD);
  return cells;
}

/** Wall-clock milliseconds reduced mod 2^32, as carried by the strip. */
export function toUint32(ms: number): number {
  const m = Math.floor(ms) % 0x1_0000_0000;
  return m < 0 ? m + 0x1_0000_0000 : m;
}

/**
 * Signed difference a - b between two strip timestamps, taking the mod-2^32 wrap (every ~49.7
 * days) into account. Use it as `stripDeltaMs(Date.now(), decoded)` to get a frame's age.
 */
export function stripDeltaMs(a: number, b: number): number {
  const d = toUint32(toUint32(a) - toUint32(b));
  return d >= 0x8000_0000 ? d - 0x1_0000_0000 : d;
}

/** Mean luma (BT.601 weights) over the central half of cell `index`. */
function cellLuma(rgba: Uint8ClampedArray, width: number, height: number, cell: number, index: number): number {
  const x0 = Math.floor(index * cell + cell / 4);
  const x1 = Math.max(x0 + 1, Math.ceil((index + 1) * cell - cell / 4));
  const y0 = Math.floor(cell / 4);
  const y1 = Math.max(y0 + 1, Math.ceil(cell - cell / 4));
  let sum = 0;
  let n = 0;
  for (let y = y0; y < y1 && y < height; y++) {
    for (let x = x0; x < x1 && x < width; x++) {
      const p = (y * width + x) * 4;
      sum += 0.299 * (rgba[p] ?? 0) + 0.587 * (rgba[p + 1] ?? 0) + 0.114 * (rgba[p + 2] ?? 0);
      n++;
    }
  }
  return n > 0 ? sum / n : 0;
}

/**
 * Decodes the strip from an RGBA frame (e.g. `ImageData.data`) of the whole picture, at its
 * original size or uniformly rescaled. Returns the wall-clock ms (mod 2^32) at which the frame was
 * generated, or undefined when no valid strip is found (guards, contrast or parity fail).
 */
export function decodeTimestampStrip(rgba: Uint8ClampedArray, width: number, height: number): number | undefined {
  if (width <= 0 || height <= 0 || rgba.length < width * height * 4) return undefined;
  const { cell } = stripLayout(width);
  if (cell < 2 || cell > height) return undefined;
  const luma: number[] = [];
  for (let i = 0; i < STRIP_CELLS; i++) luma.push(cellLuma(rgba, width, height, cell, i));

  const guards: Array<[number, number]> = [
    ...STRIP_START_GUARD.map((bit, i): [number, number] => [bit, luma[i] ?? 0]),
    ...STRIP_END_GUARD.map((bit, i): [number, number] => [bit, luma[STRIP_END_OFFSET + i] ?? 0]),
  ];
  const whites = guards.filter(([bit]) => bit === 1).map(([, l]) => l);
  const blacks = guards.filter(([bit]) => bit === 0).map(([, l]) => l);
  const white = Math.min(...whites);
  const black = Math.max(...blacks);
  // Guards must be clearly two-toned; otherwise this is not a strip (or it is too degraded to trust).
  if (white - black < 64) return undefined;
  const threshold = (white + black) / 2;
  const margin = (white - black) * 0.1;

  const bits: number[] = [];
  for (const l of luma) {
    if (Math.abs(l - threshold) < margin) return undefined;
    bits.push(l > threshold ? 1 : 0);
  }
  let ms = 0;
  for (let i = 0; i < STRIP_DATA_BITS; i++) ms = ms * 2 + (bits[STRIP_DATA_OFFSET + i] ?? 0);
  for (let b = 0; b < STRIP_PARITY_BITS; b++) {
    if (bits[STRIP_PARITY_OFFSET + b] !== parityBit(ms, b)) return undefined;
  }
  return ms;
}

import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodePng, encodePng } from './png';

describe('PNG', () => {
  it('round-trips RGB and RGBA pixels', () => {
    const rgb = Uint8Array.from({ length: 5 * 3 * 3 }, (_, i) => (i * 37) & 255);
    const back = decodePng(encodePng(5, 3, rgb, 3));
    expect(back.width).toBe(5);
    expect(back.height).toBe(3);
    for (let i = 0; i < 15; i++) expect([...back.data.subarray(i * 4, i * 4 + 4)]).toEqual([rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2], 255]);
    const rgba = Uint8Array.from({ length: 2 * 2 * 4 }, (_, i) => 250 - i);
    expect([...decodePng(encodePng(2, 2, rgba, 4)).data]).toEqual([...rgba]);
  });
  it('undoes the sub, up, average and Paeth filters', () => {
    // 2×2 RGB, row 0 with filter 1 (sub), row 1 with filter 4 (Paeth); expected pixels worked out by hand.
    const raw = Buffer.from([1, 10, 20, 30, 5, 5, 5, 4, 1, 1, 1, 2, 2, 2]);
    const png = encodePng(2, 2, new Uint8Array(12), 3);
    // Swap in our hand-filtered IDAT: same IHDR, new data.
    const ihdrEnd = 8 + 25;
    const body = deflateSync(raw);
    const head = Buffer.alloc(8);
    head.writeUInt32BE(body.length, 0);
    head.write('IDAT', 4, 'ascii');
    const crc = Buffer.alloc(4);
    const file = Buffer.concat([png.subarray(0, ihdrEnd), head, body, crc, Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82])]);
    const { data } = decodePng(file);
    // Row 0: (10,20,30), (15,25,35). Row 1 Paeth: first pixel predictor = up → (11,21,31); second: a=(11,21,31), b=(15,25,35), c=(10,20,30) → p=16,26,36 → b → (17,27,37).
    expect([...data]).toEqual([10, 20, 30, 255, 15, 25, 35, 255, 11, 21, 31, 255, 17, 27, 37, 255]);
  });
  it('names what it cannot read', () => {
    expect(() => decodePng(Buffer.from('RIFF0000WEBPVP8 '))).toThrow(/not a PNG image \(it is WebP\)/);
    expect(() => decodePng(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toThrow(/JPEG/);
  });
});

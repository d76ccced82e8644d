import { crc32, deflateSync, inflateSync } from 'node:zlib';

/**
 * The PNG subset that map tiles use: 8-bit RGB or RGBA (grey and palette read too), not interlaced.
 * Terrain-RGB tiles must be lossless, so the DEM sampler decodes them here rather than trusting a
 * browser canvas; the simulated site encodes its tiles with the same code.
 */

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Decoded pixels, always RGBA. */
export interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

function chunk(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])) >>> 0, 0);
  return Buffer.concat([head, body, crc]);
}

/** Encodes RGB (3 channels) or RGBA (4) pixels, filter "none" per row. */
export function encodePng(width: number, height: number, pixels: Uint8Array, channels: 3 | 4): Buffer {
  if (pixels.length !== width * height * channels) throw new Error(`encodePng: ${pixels.length} bytes given for ${width}×${height}×${channels}`);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = channels === 4 ? 6 : 2;
  const stride = width * channels;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

const paeth = (a: number, b: number, c: number): number => {
  const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
};

/** Decodes a PNG; throws an Error saying what is unsupported or broken. */
export function decodePng(buf: Uint8Array): Rgba {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 8 || !b.subarray(0, 8).equals(SIGNATURE)) {
    const kind = b.subarray(0, 4).toString('latin1') === 'RIFF' ? ' (it is WebP)' : b[0] === 0xff && b[1] === 0xd8 ? ' (it is JPEG, which is lossy)' : '';
    throw new Error(`not a PNG image${kind}`);
  }
  let pos = 8;
  let width = 0, height = 0, depth = 0, colour = 0, interlace = 0;
  let palette: Buffer | undefined, trns: Buffer | undefined;
  const idat: Buffer[] = [];
  while (pos + 8 <= b.length) {
    const len = b.readUInt32BE(pos);
    const type = b.toString('latin1', pos + 4, pos + 8);
    const body = b.subarray(pos + 8, pos + 8 + len);
    if (body.length < len) throw new Error(`PNG chunk ${type} is cut short`);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      depth = body[8]!;
      colour = body[9]!;
      interlace = body[12]!;
    } else if (type === 'PLTE') palette = body;
    else if (type === 'tRNS') trns = body;
    else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  if (!width || !height) throw new Error('PNG has no IHDR');
  if (depth !== 8) throw new Error(`PNG bit depth ${depth} is not supported (8 only)`);
  if (interlace) throw new Error('interlaced PNG is not supported');
  const channels = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[colour];
  if (!channels) throw new Error(`PNG colour type ${colour} is not supported`);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length < (stride + 1) * height) throw new Error('PNG image data is cut short');
  const px = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1, dst = y * stride, up = dst - stride;
    for (let i = 0; i < stride; i++) {
      const x = raw[src + i]!;
      const a = i >= channels ? px[dst + i - channels]! : 0;
      const u = y > 0 ? px[up + i]! : 0;
      const c = y > 0 && i >= channels ? px[up + i - channels]! : 0;
      px[dst + i] = (filter === 0 ? x : filter === 1 ? x + a : filter === 2 ? x + u : filter === 3 ? x + ((a + u) >> 1) : x + paeth(a, u, c)) & 255;
    }
  }
  const out = new Uint8Array(width * height * 4);
  for (let i = 0, j = 0; i < width * height; i++, j += channels) {
    let r: number, g: number, bl: number, al = 255;
    if (colour === 3) {
      const k = px[j]!;
      if (!palette) throw new Error('palette PNG without PLTE');
      r = palette[k * 3]!; g = palette[k * 3 + 1]!; bl = palette[k * 3 + 2]!;
      al = trns && k < trns.length ? trns[k]! : 255;
    } else if (channels <= 2) {
      r = g = bl = px[j]!;
      if (channels === 2) al = px[j + 1]!;
    } else {
      r = px[j]!; g = px[j + 1]!; bl = px[j + 2]!;
      if (channels === 4) al = px[j + 3]!;
    }
    out[i * 4] = r; out[i * 4 + 1] = g; out[i * 4 + 2] = bl; out[i * 4 + 3] = al;
  }
  return { width, height, data: out };
}

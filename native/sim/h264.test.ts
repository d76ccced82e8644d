import { describe, expect, it } from 'vitest';
import {
  AccessUnitAssembler,
  AnnexBSplitter,
  NalType,
  RtpDepacketizer,
  nalType,
  packetizeAccessUnit,
  packetizeNal,
  parseRtpPacket,
  profileLevelId,
  splitAnnexB,
  writeRtpHeader,
  type AssembledUnit,
} from './h264';

/** A NAL unit of the given type whose body never contains a start code (bytes 0x10..0xff). */
function nal(type: number, size: number, seed = 1, firstMbZero = true): Buffer {
  const b = Buffer.alloc(size);
  b[0] = 0x60 | type;
  let x = seed;
  for (let i = 1; i < size; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    b[i] = 0x10 + (x % 0xf0);
  }
  if ((type === NalType.Slice || type === NalType.Idr) && size > 1) {
    b[1] = firstMbZero ? (b[1] ?? 0) | 0x80 : (b[1] ?? 0) & 0x7f;
  }
  return b;
}

const SC3 = Buffer.from([0, 0, 1]);
const SC4 = Buffer.from([0, 0, 0, 1]);

function annexB(nals: Buffer[], long = (i: number) => i % 2 === 0): Buffer {
  return Buffer.concat(nals.flatMap((n, i) => [long(i) ? SC4 : SC3, n]));
}

/** Hex strings compare much faster than Buffers in `toEqual`. */
const hex = (list: readonly Buffer[]): string[] => list.map((b) => b.toString('hex'));

function splitIncrementally(stream: Buffer, cuts: number[]): Buffer[] {
  const s = new AnnexBSplitter();
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of [...cuts, stream.length]) {
    out.push(...s.push(stream.subarray(prev, c)));
    prev = c;
  }
  out.push(...s.flush());
  return out;
}

describe('AnnexBSplitter', () => {
  const nals = [nal(NalType.Aud, 2), nal(NalType.Sps, 12), nal(NalType.Pps, 5), nal(NalType.Idr, 300), nal(NalType.Slice, 40)];
  const stream = Buffer.concat([Buffer.from([0xff, 0x00]), annexB(nals)]);

  it('splits a whole stream with 3- and 4-byte start codes, dropping leading garbage', () => {
    expect(splitAnnexB(stream)).toEqual(nals);
  });

  it('gives the same NAL units for every single cut position (split start codes included)', () => {
    for (let cut = 1; cut < stream.length; cut++) {
      expect(hex(splitIncrementally(stream, [cut]))).toEqual(hex(nals));
    }
  });

  it('handles byte-by-byte input and three-way cuts', () => {
    const cuts = Array.from({ length: stream.length - 1 }, (_, i) => i + 1);
    expect(hex(splitIncrementally(stream, cuts))).toEqual(hex(nals));
    for (let a = 1; a < 30; a += 3) {
      for (let b = a + 1; b < stream.length; b += 7) expect(hex(splitIncrementally(stream, [a, b]))).toEqual(hex(nals));
    }
  });

  it('emits a NAL only once the next start code has arrived', () => {
    const s = new AnnexBSplitter();
    expect(s.push(Buffer.concat([SC4, nals[1] ?? Buffer.alloc(0)]))).toEqual([]);
    expect(s.push(SC3)).toEqual([nals[1]]);
    expect(s.flush()).toEqual([]);
  });

  it('strips trailing zero bytes (trailing_zero_8bits)', () => {
    const n = nal(NalType.Slice, 10);
    const out = splitAnnexB(Buffer.concat([SC3, n, Buffer.from([0, 0, 0]), SC4, n]));
    expect(out).toEqual([n, n]);
  });
});

describe('AccessUnitAssembler', () => {
  function assemble(nals: Buffer[]): AssembledUnit[] {
    const a = new AccessUnitAssembler();
    return [...nals.flatMap((n) => a.push(n)), ...a.flush()];
  }

  it('groups by access unit delimiters and drops the AUDs', () => {
    const aud = nal(NalType.Aud, 2);
    const [sps, pps, sei, idr, p1, p2] = [
      nal(NalType.Sps, 10),
      nal(NalType.Pps, 4),
      nal(NalType.Sei, 20),
      nal(NalType.Idr, 100),
      nal(NalType.Slice, 30),
      nal(NalType.Slice, 30, 7),
    ];
    const units = assemble([aud, sps, pps, sei, idr, aud, p1, aud, p2]);
    expect(units).toEqual([
      { nals: [sps, pps, sei, idr], isKeyframe: true },
      { nals: [p1], isKeyframe: false },
      { nals: [p2], isKeyframe: false },
    ]);
  });

  it('keeps multi-slice pictures together and splits on first_mb_in_slice == 0 without AUDs', () => {
    const sps = nal(NalType.Sps, 10);
    const pps = nal(NalType.Pps, 4);
    const idrA = nal(NalType.Idr, 50, 1, true);
    const idrB = nal(NalType.Idr, 50, 2, false);
    const pA = nal(NalType.Slice, 20, 3, true);
    const pB = nal(NalType.Slice, 20, 4, false);
    const pC = nal(NalType.Slice, 20, 5, true);
    const units = assemble([sps, pps, idrA, idrB, pA, pB, pC, sps, pps, idrA]);
    expect(units.map((u) => u.nals)).toEqual([[sps, pps, idrA, idrB], [pA, pB], [pC], [sps, pps, idrA]]);
    expect(units.map((u) => u.isKeyframe)).toEqual([true, false, false, true]);
  });
});

describe('RTP packetisation', () => {
  it('sends small NAL units whole', () => {
    const n = nal(NalType.Slice, 100);
    expect(packetizeNal(n, 1388)).toEqual([n]);
  });

  it('fragments large NAL units as FU-A and reassembles them exactly', () => {
    for (const size of [1389, 1390, 2776, 2777, 50_000]) {
      const n = nal(NalType.Idr, size, size);
      const payloads = packetizeNal(n, 1388);
      expect(payloads.length).toBe(Math.ceil((size - 1) / 1386));
      for (const [i, p] of payloads.entries()) {
        expect(p.length).toBeLessThanOrEqual(1388);
        expect(nalType(p)).toBe(NalType.FuA);
        expect((p[0] ?? 0) & 0x60).toBe((n[0] ?? 0) & 0x60);
        expect(((p[1] ?? 0) & 0x80) !== 0).toBe(i === 0);
        expect(((p[1] ?? 0) & 0x40) !== 0).toBe(i === payloads.length - 1);
        expect((p[1] ?? 0) & 0x1f).toBe(NalType.Idr);
      }
      const d = new RtpDepacketizer();
      expect(hex(payloads.flatMap((p) => d.push(p)))).toEqual(hex([n]));
    }
  });

  it('round-trips a whole access unit through RTP packets', () => {
    const au = [nal(NalType.Aud, 2), nal(NalType.Sps, 10), nal(NalType.Pps, 4), nal(NalType.Idr, 10_000)];
    const payloads = packetizeAccessUnit(au);
    const d = new RtpDepacketizer();
    const packets = payloads.map((payload, i) => {
      const buf = Buffer.alloc(12 + payload.length);
      writeRtpHeader(buf, 0, { payloadType: 96, marker: i === payloads.length - 1, sequence: 65535 + i, timestamp: 2 ** 32 - 1, ssrc: 0xdeadbeef });
      payload.copy(buf, 12);
      return buf;
    });
    const parsed = packets.map((p) => parseRtpPacket(p));
    expect(parsed.map((p) => p?.sequence)).toEqual(parsed.map((_, i) => (65535 + i) & 0xffff));
    expect(parsed.every((p) => p?.timestamp === 2 ** 32 - 1 && p.ssrc === 0xdeadbeef && p.payloadType === 96)).toBe(true);
    expect(parsed.map((p) => p?.marker)).toEqual(parsed.map((_, i) => i === parsed.length - 1));
    // The AUD is not sent over RTP.
    expect(parsed.flatMap((p) => (p ? d.push(p.payload) : []))).toEqual(au.slice(1));
  });

  it('drops an FU-A run whose start was lost', () => {
    const payloads = packetizeNal(nal(NalType.Idr, 5000), 1388);
    const d = new RtpDepacketizer();
    expect(payloads.slice(1).flatMap((p) => d.push(p))).toEqual([]);
  });

  it('rejects non-RTP input', () => {
    expect(parseRtpPacket(Buffer.alloc(5))).toBeUndefined();
    expect(parseRtpPacket(Buffer.alloc(20))).toBeUndefined();
  });

  it('derives profile-level-id from the SPS', () => {
    expect(profileLevelId(Buffer.from([0x67, 0x42, 0xc0, 0x1f, 0xda]))).toBe('42c01f');
  });
});

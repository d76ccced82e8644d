/**
 * H.264 elementary-stream helpers for the simulated cameras: incremental Annex-B splitting,
 * grouping NAL units into access units, and RTP packetisation per RFC 6184.
 */

/** NAL unit types used here (ITU-T H.264 table 7-1, RFC 6184 §5.2). */
export const NalType = {
  Slice: 1,
  Idr: 5,
  Sei: 6,
  Sps: 7,
  Pps: 8,
  Aud: 9,
  EndOfSequence: 10,
  EndOfStream: 11,
  Filler: 12,
  StapA: 24,
  FuA: 28,
} as const;

/** One coded picture: its NAL units (no start codes, no AUD), presentation time and key-frame flag. */
export interface AccessUnit {
  readonly nals: readonly Buffer[];
  /** Presentation time on a 90 kHz clock, starting near 0 when the source starts. */
  readonly pts: number;
  /** True when the unit holds an IDR slice, i.e. a decoder can start here. */
  readonly isKeyframe: boolean;
}

export function nalType(nal: Uint8Array): number {
  return (nal[0] ?? 0) & 0x1f;
}

function isVcl(type: number): boolean {
  return type >= 1 && type <= 5;
}

const START_CODE = Buffer.from([0, 0, 1]);

/** Drops trailing zero bytes: they belong to a following 4-byte start code or are trailing_zero_8bits. */
function trimTrailingZeros(buf: Buffer): Buffer {
  let end = buf.length;
  while (end > 0 && buf[end - 1] === 0) end--;
  return end === buf.length ? buf : buf.subarray(0, end);
}

/**
 * Incremental Annex-B splitter. Chunks may split start codes or NAL units anywhere; a NAL unit is
 * returned once the start code after it has arrived (or on `flush`). Bytes before the first start
 * code are discarded, as a decoder would.
 */
export class AnnexBSplitter {
  private pending: Buffer = Buffer.alloc(0);
  /** Where the start-code search resumes in `pending`; earlier bytes are known not to start one. */
  private scanFrom = 0;
  private inNal = false;

  push(chunk: Uint8Array): Buffer[] {
    const out: Buffer[] = [];
    const buf = this.pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.pending, chunk]);
    let nalStart = 0;
    let from = this.scanFrom;
    for (;;) {
      const i = buf.indexOf(START_CODE, from);
      if (i < 0) break;
      if (this.inNal) {
        const nal = trimTrailingZeros(buf.subarray(nalStart, i));
        if (nal.length > 0) out.push(nal);
      }
      this.inNal = true;
      nalStart = i + 3;
      from = nalStart;
    }
    if (this.inNal) {
      this.pending = buf.subarray(nalStart);
    } else {
      // Keep only what could be the beginning of a split start code.
      this.pending = buf.subarray(Math.max(0, buf.length - 2));
      nalStart = 0;
    }
    // The last two bytes may be the first two bytes of a start code completed by the next chunk.
    this.scanFrom = Math.max(0, this.pending.length - 2);
    return out;
  }

  /** Returns the NAL unit still buffered at end of stream, if any. */
  flush(): Buffer[] {
    const out: Buffer[] = [];
    if (this.inNal) {
      const nal = trimTrailingZeros(this.pending);
      if (nal.length > 0) out.push(nal);
    }
    this.reset();
    return out;
  }

  reset(): void {
    this.pending = Buffer.alloc(0);
    this.scanFrom = 0;
    this.inNal = false;
  }
}

/** Splits a complete Annex-B byte stream into NAL units. */
export function splitAnnexB(stream: Uint8Array): Buffer[] {
  const s = new AnnexBSplitter();
  return [...s.push(stream), ...s.flush()];
}

/** A finished access unit before the source assigns it a timestamp. */
export interface AssembledUnit {
  nals: Buffer[];
  isKeyframe: boolean;
}

/**
 * Groups NAL units into access units. A unit ends at an access unit delimiter, or — for encoders
 * without AUDs — when a parameter set / SEI or a slice with first_mb_in_slice == 0 follows a slice
 * (H.264 §7.4.1.2.3). Either way a unit is only known to be complete when the next one begins,
 * which costs one frame interval of latency.
 */
export class AccessUnitAssembler {
  private nals: Buffer[] = [];
  private hasVcl = false;
  private keyframe = false;

  push(nal: Buffer): AssembledUnit[] {
    const out: AssembledUnit[] = [];
    const type = nalType(nal);
    let startsNew = false;
    if (type === NalType.Aud) startsNew = true;
    else if (this.hasVcl) {
      if (type === NalType.Sps || type === NalType.Pps || type === NalType.Sei || (type >= 14 && type <= 18)) {
        startsNew = true;
      } else if ((type === NalType.Slice || type === NalType.Idr) && firstMbIsZero(nal)) {
        startsNew = true;
      }
    }
    if (startsNew) {
      const done = this.take();
      if (done) out.push(done);
    }
    if (type === NalType.Aud || type === NalType.Filler) return out;
    this.nals.push(nal);
    if (isVcl(type)) this.hasVcl = true;
    if (type === NalType.Idr) this.keyframe = true;
    if (type === NalType.EndOfSequence || type === NalType.EndOfStream) {
      const done = this.take();
      if (done) out.push(done);
    }
    return out;
  }

  /** Returns the unit in progress at end of stream, if it holds a slice. */
  flush(): AssembledUnit[] {
    const done = this.take();
    return done ? [done] : [];
  }

  private take(): AssembledUnit | undefined {
    const unit = this.hasVcl ? { nals: this.nals, isKeyframe: this.keyframe } : undefined;
    // Parameter sets seen before any slice stay with the unit that follows them.
    if (unit || this.nals.length > 32) this.nals = [];
    if (unit) {
      this.hasVcl = false;
      this.keyframe = false;
    }
    return unit;
  }
}

/** first_mb_in_slice is the first ue(v) of the slice header; the value 0 is coded as a single 1 bit. */
function firstMbIsZero(nal: Uint8Array): boolean {
  return nal.length > 1 && ((nal[1] ?? 0) & 0x80) !== 0;
}

/** `profile-level-id` for SDP (RFC 6184 §8.1): the three bytes after the SPS NAL header, in hex. */
export function profileLevelId(sps: Uint8Array): string {
  if (sps.length < 4) return '42e01f';
  return Buffer.from(sps.subarray(1, 4)).toString('hex');
}

/** Default RTP payload size: fits an Ethernet MTU of ~1400 with the 12-byte RTP header. */
export const DEFAULT_MAX_PAYLOAD = 1400 - 12;

/**
 * RTP payloads for one NAL unit (RFC 6184 packetization-mode=1): the NAL itself if it fits,
 * otherwise FU-A fragments (§5.8) whose FU header carries the original type.
 */
export function packetizeNal(nal: Buffer, maxPayload = DEFAULT_MAX_PAYLOAD): Buffer[] {
  if (nal.length === 0) return [];
  if (nal.length <= maxPayload) return [nal];
  if (maxPayload < 3) throw new RangeError('maxPayload too small for FU-A');
  const header = nal[0] ?? 0;
  const indicator = (header & 0xe0) | NalType.FuA;
  const type = header & 0x1f;
  const chunk = maxPayload - 2;
  const out: Buffer[] = [];
  for (let off = 1; off < nal.length; off += chunk) {
    const end = Math.min(nal.length, off + chunk);
    const p = Buffer.allocUnsafe(2 + end - off);
    p[0] = indicator;
    p[1] = (off === 1 ? 0x80 : 0) | (end === nal.length ? 0x40 : 0) | type;
    nal.copy(p, 2, off, end);
    out.push(p);
  }
  return out;
}

/** RTP payloads for a whole access unit; the last one is the one to carry the marker bit. */
export function packetizeAccessUnit(nals: readonly Buffer[], maxPayload = DEFAULT_MAX_PAYLOAD): Buffer[] {
  const out: Buffer[] = [];
  for (const nal of nals) {
    if (nalType(nal) === NalType.Aud) continue;
    for (const p of packetizeNal(nal, maxPayload)) out.push(p);
  }
  return out;
}

/**
 * Reassembles NAL units from RTP payloads (single NAL, STAP-A, FU-A). Used by tests and by
 * anything that wants to check what a client would receive; incomplete FU-A runs are dropped.
 */
export class RtpDepacketizer {
  private fu: Buffer[] | undefined;

  push(payload: Buffer): Buffer[] {
    const type = nalType(payload);
    if (type === NalType.FuA) {
      if (payload.length < 2) return [];
      const fuHeader = payload[1] ?? 0;
      const start = (fuHeader & 0x80) !== 0;
      const end = (fuHeader & 0x40) !== 0;
      if (start) {
        const header = Buffer.from([((payload[0] ?? 0) & 0xe0) | (fuHeader & 0x1f)]);
        this.fu = [header, payload.subarray(2)];
      } else if (this.fu) {
        this.fu.push(payload.subarray(2));
      }
      if (end && this.fu) {
        const nal = Buffer.concat(this.fu);
        this.fu = undefined;
        return [nal];
      }
      return [];
    }
    this.fu = undefined;
    if (type === NalType.StapA) {
      const out: Buffer[] = [];
      let off = 1;
      while (off + 2 <= payload.length) {
        const size = payload.readUInt16BE(off);
        off += 2;
        if (off + size > payload.length) break;
        out.push(payload.subarray(off, off + size));
        off += size;
      }
      return out;
    }
    return payload.length > 0 ? [payload] : [];
  }
}

export interface RtpHeader {
  payloadType: number;
  marker: boolean;
  sequence: number;
  timestamp: number;
  ssrc: number;
}

export const RTP_HEADER_SIZE = 12;

/** Writes a 12-byte RTP header (RFC 3550 §5.1, no CSRC, no extension) into `out` at `offset`. */
export function writeRtpHeader(out: Buffer, offset: number, h: RtpHeader): void {
  out[offset] = 0x80;
  out[offset + 1] = (h.marker ? 0x80 : 0) | (h.payloadType & 0x7f);
  out.writeUInt16BE(h.sequence & 0xffff, offset + 2);
  out.writeUInt32BE(h.timestamp >>> 0, offset + 4);
  out.writeUInt32BE(h.ssrc >>> 0, offset + 8);
}

export interface RtpPacket extends RtpHeader {
  payload: Buffer;
}

/** Parses an RTP packet; returns undefined for anything that is not RTP version 2. */
export function parseRtpPacket(buf: Buffer): RtpPacket | undefined {
  if (buf.length < RTP_HEADER_SIZE || ((buf[0] ?? 0) >> 6) !== 2) return undefined;
  const b0 = buf[0] ?? 0;
  const csrcCount = b0 & 0x0f;
  let off = RTP_HEADER_SIZE + 4 * csrcCount;
  if ((b0 & 0x10) !== 0) {
    if (buf.length < off + 4) return undefined;
    off += 4 + 4 * buf.readUInt16BE(off + 2);
  }
  let end = buf.length;
  if ((b0 & 0x20) !== 0) end -= buf[buf.length - 1] ?? 0;
  if (off > end) return undefined;
  return {
    payloadType: (buf[1] ?? 0) & 0x7f,
    marker: ((buf[1] ?? 0) & 0x80) !== 0,
    sequence: buf.readUInt16BE(2),
    timestamp: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    payload: buf.subarray(off, end),
  };
}

/**
 * Incremental FLV (ISO "Flash Video" v10) demuxer and the few builders the gateway needs.
 *
 * The gateway never decodes media: it only needs tag boundaries, timestamps and the
 * keyframe / sequence-header flags to cut streams at decodable points.
 */

export const FLV_TAG_AUDIO = 8;
export const FLV_TAG_VIDEO = 9;
export const FLV_TAG_SCRIPT = 18;
export type FlvTagType = typeof FLV_TAG_AUDIO | typeof FLV_TAG_VIDEO | typeof FLV_TAG_SCRIPT;

/** FLV header (9 bytes) + PreviousTagSize0 (4 bytes). */
export const FLV_HEADER_BYTES = 13;
/** Tag header before the body. */
export const FLV_TAG_HEADER_BYTES = 11;
/** PreviousTagSize after each body. */
const PREV_TAG_SIZE_BYTES = 4;
/** The format allows 16 MiB bodies, but no real frame gets near this; anything larger is a desynchronised stream. */
export const DEFAULT_MAX_TAG_BYTES = 8 * 1024 * 1024;

const AVC_CODEC_ID = 7;
const HEVC_CODEC_ID = 12;
const AAC_SOUND_FORMAT = 10;

export interface FlvHeaderInfo {
  audio: boolean;
  video: boolean;
}

export interface FlvTag {
  type: FlvTagType;
  /** Decode timestamp in ms, including the extended (high) byte. */
  timestamp: number;
  /** Tag body. A view into `raw`. */
  data: Buffer;
  /** Tag header + body + PreviousTagSize: forwardable as is. */
  raw: Buffer;
  /** Video frame type 1 (key frame). */
  isKeyframe: boolean;
  /** AVC/HEVC packet type 0 or AAC packet type 0: decoder configuration, not a frame. */
  isSequenceHeader: boolean;
}

export class FlvParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlvParseError';
  }
}

export function flvHeader(flags: FlvHeaderInfo): Buffer {
  const b = Buffer.alloc(FLV_HEADER_BYTES);
  b.write('FLV', 0, 'latin1');
  b[3] = 1;
  b[4] = (flags.audio ? 0x04 : 0) | (flags.video ? 0x01 : 0);
  b.writeUInt32BE(9, 5);
  // PreviousTagSize0 stays 0.
  return b;
}

function classify(type: FlvTagType, data: Buffer): { isKeyframe: boolean; isSequenceHeader: boolean } {
  if (type === FLV_TAG_VIDEO && data.length >= 1) {
    const b0 = data[0] ?? 0;
    const codec = b0 & 0x0f;
    const isKeyframe = b0 >> 4 === 1;
    const isSequenceHeader = (codec === AVC_CODEC_ID || codec === HEVC_CODEC_ID) && data.length >= 2 && data[1] === 0;
    return { isKeyframe, isSequenceHeader };
  }
  if (type === FLV_TAG_AUDIO && data.length >= 2) {
    return { isKeyframe: false, isSequenceHeader: (data[0] ?? 0) >> 4 === AAC_SOUND_FORMAT && data[1] === 0 };
  }
  return { isKeyframe: false, isSequenceHeader: false };
}

function readTimestamp(raw: Buffer): number {
  return ((raw[7] ?? 0) * 0x1000000 + raw.readUIntBE(4, 3)) >>> 0;
}

function tagFromRaw(raw: Buffer): FlvTag {
  const type = raw[0] as FlvTagType;
  const size = raw.readUIntBE(1, 3);
  const data = raw.subarray(FLV_TAG_HEADER_BYTES, FLV_TAG_HEADER_BYTES + size);
  return { type, timestamp: readTimestamp(raw), data, raw, ...classify(type, data) };
}

/** Builds a complete tag (header, body, PreviousTagSize) with stream id 0. */
export function buildTag(type: FlvTagType, timestamp: number, data: Buffer): FlvTag {
  const raw = Buffer.alloc(FLV_TAG_HEADER_BYTES + data.length + PREV_TAG_SIZE_BYTES);
  raw[0] = type;
  raw.writeUIntBE(data.length, 1, 3);
  writeTimestamp(raw, timestamp);
  data.copy(raw, FLV_TAG_HEADER_BYTES);
  raw.writeUInt32BE(FLV_TAG_HEADER_BYTES + data.length, FLV_TAG_HEADER_BYTES + data.length);
  return tagFromRaw(raw);
}

function writeTimestamp(raw: Buffer, timestamp: number): void {
  const ts = timestamp >>> 0;
  raw.writeUIntBE(ts & 0xffffff, 4, 3);
  raw[7] = (ts >>> 24) & 0xff;
}

/**
 * The same tag with another timestamp. Copies, because the original `raw` may be shared with
 * viewers or the GOP cache and must not change under them.
 */
export function withTimestamp(tag: FlvTag, timestamp: number): FlvTag {
  if (tag.timestamp === timestamp >>> 0) return tag;
  const raw = Buffer.from(tag.raw);
  writeTimestamp(raw, timestamp);
  return tagFromRaw(raw);
}

/** Script tag whose first AMF0 value is the string "onMetaData". */
export function isMetadataTag(tag: FlvTag): boolean {
  if (tag.type !== FLV_TAG_SCRIPT || tag.data.length < 13 || tag.data[0] !== 0x02) return false;
  const len = tag.data.readUInt16BE(1);
  return len === 10 && tag.data.toString('latin1', 3, 13) === 'onMetaData';
}

/** A video tag carrying a picture (not a sequence header, end-of-sequence or command frame). */
export function isVideoFrame(tag: FlvTag): boolean {
  if (tag.type !== FLV_TAG_VIDEO || tag.isSequenceHeader) return false;
  const frameType = (tag.data[0] ?? 0) >> 4;
  if (frameType === 5) return false;
  const codec = (tag.data[0] ?? 0) & 0x0f;
  if (codec === AVC_CODEC_ID || codec === HEVC_CODEC_ID) return tag.data[1] === 1;
  return true;
}

export interface FlvDemuxerOptions {
  maxTagBytes?: number;
}

/**
 * Push-based demuxer: feed arbitrary chunks, get complete tags back. Chunk boundaries may fall
 * anywhere, including inside the header. Tags lying wholly inside one chunk are views into it
 * (no copy); only tags spanning chunks are copied.
 */
export class FlvDemuxer {
  private readonly maxTagBytes: number;
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes consumed so far, for error messages. */
  private position = 0;
  private headerInfo: FlvHeaderInfo | undefined;
  private headerSkip = 0;

  constructor(opts: FlvDemuxerOptions = {}) {
    this.maxTagBytes = opts.maxTagBytes ?? DEFAULT_MAX_TAG_BYTES;
  }

  /** The parsed FLV header flags, once the header has arrived. */
  get header(): FlvHeaderInfo | undefined {
    return this.headerInfo;
  }

  /** Bytes held waiting for the rest of a tag. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /** Feeds a chunk; returns the tags it completed. Throws FlvParseError on malformed input. */
  push(chunk: Buffer): FlvTag[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const out: FlvTag[] = [];
    if (!this.headerInfo && !this.parseHeader()) return out;
    if (this.headerSkip > 0) {
      const n = Math.min(this.headerSkip, this.buffered);
      this.take(n);
      this.headerSkip -= n;
      if (this.headerSkip > 0) return out;
    }
    for (;;) {
      if (this.buffered < FLV_TAG_HEADER_BYTES) break;
      const head = this.peek(FLV_TAG_HEADER_BYTES);
      const type = head[0] ?? 0;
      if (type !== FLV_TAG_AUDIO && type !== FLV_TAG_VIDEO && type !== FLV_TAG_SCRIPT) {
        throw new FlvParseError(`unexpected FLV tag type ${type} at byte ${this.position} (encrypted or desynchronised stream)`);
      }
      const size = head.readUIntBE(1, 3);
      if (size > this.maxTagBytes) {
        throw new FlvParseError(`FLV tag of ${size} bytes at byte ${this.position} exceeds the ${this.maxTagBytes}-byte limit`);
      }
      const total = FLV_TAG_HEADER_BYTES + size + PREV_TAG_SIZE_BYTES;
      if (this.buffered < total) break;
      const at = this.position;
      const raw = this.take(total);
      const prev = raw.readUInt32BE(FLV_TAG_HEADER_BYTES + size);
      if (prev !== FLV_TAG_HEADER_BYTES + size) {
        throw new FlvParseError(`PreviousTagSize ${prev} does not match tag size ${FLV_TAG_HEADER_BYTES + size} at byte ${at}`);
      }
      out.push(tagFromRaw(raw));
    }
    return out;
  }

  private parseHeader(): boolean {
    if (this.buffered < FLV_HEADER_BYTES) {
      // Fail fast on a wrong signature instead of waiting for 13 bytes of garbage.
      const have = this.peek(Math.min(3, this.buffered));
      if (have.toString('latin1') !== 'FLV'.slice(0, have.length)) throw this.badSignature(have);
      return false;
    }
    const h = this.take(FLV_HEADER_BYTES);
    if (h.toString('latin1', 0, 3) !== 'FLV') throw this.badSignature(h.subarray(0, 3));
    if (h[3] !== 1) throw new FlvParseError(`unsupported FLV version ${h[3] ?? '?'}`);
    const dataOffset = h.readUInt32BE(5);
    if (dataOffset < 9 || dataOffset > 1024) throw new FlvParseError(`bad FLV header size ${dataOffset}`);
    const flags = h[4] ?? 0;
    this.headerInfo = { audio: (flags & 0x04) !== 0, video: (flags & 0x01) !== 0 };
    // A longer header pushes PreviousTagSize0 further; we consumed 4 bytes of it already.
    this.headerSkip = dataOffset - 9;
    return true;
  }

  private badSignature(got: Buffer): FlvParseError {
    return new FlvParseError(`not an FLV stream: expected signature "FLV", got 0x${got.toString('hex')}`);
  }

  private peek(n: number): Buffer {
    const first = this.chunks[0];
    if (first && first.length >= n) return first.subarray(0, n);
    return Buffer.concat(this.chunks, n);
  }

  private take(n: number): Buffer {
    const first = this.chunks[0];
    let out: Buffer;
    if (first && first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      out = Buffer.concat(this.chunks, n);
      let left = n;
      while (left > 0) {
        const c = this.chunks[0];
        if (!c) break;
        if (c.length <= left) {
          left -= c.length;
          this.chunks.shift();
        } else {
          this.chunks[0] = c.subarray(left);
          left = 0;
        }
      }
    }
    this.buffered -= n;
    this.position += n;
    return out;
  }
}

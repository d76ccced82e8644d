/*
 * Fragmented MP4 (as ffmpeg writes it with `-movflags empty_moov+default_base_moof+frag_every_frame`)
 * to FLV, for H.265 cameras played without transcoding. ffmpeg 5.1's FLV muxer cannot carry HEVC, so
 * ffmpeg copies the camera's stream into fragmented MP4 and this turns each sample into an FLV tag:
 * HEVC with codec id 12 (the FLV extension that SRS, nginx-http-flv and mpegts.js read: the AVC
 * layout — packet type, composition time, then an HEVCDecoderConfigurationRecord or length-prefixed
 * NAL units), AAC as usual. The gateway then caches and fans these tags out like any other stream.
 */

import { buildTag, flvHeader, FLV_TAG_AUDIO, FLV_TAG_VIDEO } from './flv';

export class Fmp4Error extends Error {
  constructor(message: string) {
    super(`fragmented MP4: ${message}`);
    this.name = 'Fmp4Error';
  }
}

const HEVC_CODEC_ID = 12;
const AAC_SOUND = 0xaf; // AAC, 44 kHz, 16-bit, stereo: the flags FLV requires for AAC whatever the real rate
/** Boxes larger than this are refused: a camera frame is far smaller; a bigger one means a broken stream. */
const MAX_BOX = 32 * 1024 * 1024;

interface Track {
  id: number;
  kind: 'video' | 'audio';
  timescale: number;
  /** hvcC or AudioSpecificConfig. */
  config: Buffer;
  defaultDuration: number;
  defaultSize: number;
  defaultFlags: number;
}

interface Sample {
  track: Track;
  /** Offset from the start of the moof. */
  offset: number;
  size: number;
  dts: number;
  cto: number;
  key: boolean;
}

interface Box {
  type: string;
  /** Payload, without the header. */
  body: Buffer;
}

function children(buf: Buffer): Box[] {
  const out: Box[] = [];
  let p = 0;
  while (p + 8 <= buf.length) {
    let size = buf.readUInt32BE(p);
    const type = buf.toString('latin1', p + 4, p + 8);
    let header = 8;
    if (size === 1) {
      if (p + 16 > buf.length) throw new Fmp4Error(`box ${type} is cut short`);
      size = Number(buf.readBigUInt64BE(p + 8));
      header = 16;
    } else if (size === 0) size = buf.length - p;
    if (size < header || p + size > buf.length) throw new Fmp4Error(`box ${type} claims ${size} bytes, ${buf.length - p} left`);
    out.push({ type, body: buf.subarray(p + header, p + size) });
    p += size;
  }
  return out;
}

const child = (buf: Buffer, type: string): Buffer | undefined => children(buf).find((b) => b.type === type)?.body;

function path(buf: Buffer, ...types: string[]): Buffer | undefined {
  let cur: Buffer | undefined = buf;
  for (const t of types) {
    if (!cur) return undefined;
    cur = child(cur, t);
  }
  return cur;
}

/** An MPEG-4 descriptor (ES_Descriptor and its children) at `p`: tag, body. */
function descriptor(buf: Buffer, p: number): { tag: number; body: Buffer; end: number } {
  const tag = buf[p] ?? 0;
  let len = 0;
  let q = p + 1;
  for (let i = 0; i < 4; i++) {
    const b = buf[q++] ?? 0;
    len = (len << 7) | (b & 0x7f);
    if (!(b & 0x80)) break;
  }
  return { tag, body: buf.subarray(q, q + len), end: q + len };
}

/** The AudioSpecificConfig inside an esds box. */
function audioSpecificConfig(esds: Buffer): Buffer {
  const es = descriptor(esds, 4); // after version + flags
  if (es.tag !== 0x03) throw new Fmp4Error('esds without an ES descriptor');
  const flags = es.body[2] ?? 0;
  let p = 3;
  if (flags & 0x80) p += 2;
  if (flags & 0x40) p += 1 + (es.body[p] ?? 0);
  if (flags & 0x20) p += 2;
  const dc = descriptor(es.body, p);
  if (dc.tag !== 0x04) throw new Fmp4Error('esds without a decoder config descriptor');
  const dsi = descriptor(dc.body, 13);
  if (dsi.tag !== 0x05 || dsi.body.length < 2) throw new Fmp4Error('esds without an AudioSpecificConfig');
  return Buffer.from(dsi.body);
}

function parseTrak(trak: Buffer): Track | undefined {
  const tkhd = child(trak, 'tkhd');
  const mdhd = path(trak, 'mdia', 'mdhd');
  const hdlr = path(trak, 'mdia', 'hdlr');
  const stsd = path(trak, 'mdia', 'minf', 'stbl', 'stsd');
  if (!tkhd || !mdhd || !hdlr || !stsd) throw new Fmp4Error('a track lacks tkhd, mdhd, hdlr or stsd');
  const id = tkhd.readUInt32BE(tkhd[0] === 1 ? 20 : 12);
  const timescale = mdhd.readUInt32BE(mdhd[0] === 1 ? 20 : 12);
  const handler = hdlr.toString('latin1', 8, 12);
  const entries = children(stsd.subarray(8));
  const entry = entries[0];
  if (!entry) throw new Fmp4Error(`track ${id} has no sample description`);
  if (handler === 'vide') {
    if (entry.type !== 'hvc1' && entry.type !== 'hev1') throw new Fmp4Error(`track ${id} is ${entry.type}, not HEVC`);
    // VisualSampleEntry: 78 bytes before its child boxes.
    const hvcC = child(entry.body.subarray(78), 'hvcC');
    if (!hvcC) throw new Fmp4Error(`HEVC track ${id} has no hvcC`);
    if (((hvcC[21] ?? 3) & 3) !== 3) throw new Fmp4Error('HEVC NAL length fields are not 4 bytes');
    return { id, kind: 'video', timescale, config: Buffer.from(hvcC), defaultDuration: 0, defaultSize: 0, defaultFlags: 0 };
  }
  if (handler === 'soun') {
    if (entry.type !== 'mp4a') return undefined; // not AAC: left out, as FLV players would not play it
    // AudioSampleEntry: 28 bytes before its child boxes.
    const esds = child(entry.body.subarray(28), 'esds');
    if (!esds) throw new Fmp4Error(`AAC track ${id} has no esds`);
    return { id, kind: 'audio', timescale, config: audioSpecificConfig(esds), defaultDuration: 0, defaultSize: 0, defaultFlags: 0 };
  }
  return undefined;
}

function videoTag(ts: number, key: boolean, packetType: 0 | 1, ctsMs: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head[0] = ((key ? 1 : 2) << 4) | HEVC_CODEC_ID;
  head[1] = packetType;
  head.writeIntBE(Math.round(ctsMs), 2, 3);
  return buildTag(FLV_TAG_VIDEO, Math.max(0, Math.round(ts)), Buffer.concat([head, payload])).raw;
}

const audioTag = (ts: number, packetType: 0 | 1, payload: Buffer): Buffer =>
  buildTag(FLV_TAG_AUDIO, Math.max(0, Math.round(ts)), Buffer.concat([Buffer.from([AAC_SOUND, packetType]), payload])).raw;

/** Streaming converter: push ffmpeg's output as it comes, get FLV bytes back. */
export class Fmp4ToFlv {
  private pending: Buffer = Buffer.alloc(0);
  private tracks = new Map<number, Track>();
  private started = false;
  private moofSamples: Sample[] | null = null;
  private moofStart = 0;
  /** Stream offset of `pending[0]`. */
  private consumed = 0;
  private t0: number | null = null;

  /** Whether the stream has video / audio (known once the moov has been read). */
  get layout(): { video: boolean; audio: boolean } {
    const kinds = [...this.tracks.values()].map((t) => t.kind);
    return { video: kinds.includes('video'), audio: kinds.includes('audio') };
  }

  push(chunk: Buffer): Buffer {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: Buffer[] = [];
    for (;;) {
      if (this.pending.length < 8) break;
      let size = this.pending.readUInt32BE(0);
      const type = this.pending.toString('latin1', 4, 8);
      let header = 8;
      if (size === 1) {
        if (this.pending.length < 16) break;
        size = Number(this.pending.readBigUInt64BE(8));
        header = 16;
      }
      if (size < header || size > MAX_BOX) throw new Fmp4Error(`box ${JSON.stringify(type)} of ${size} bytes`);
      if (this.pending.length < size) break;
      const body = this.pending.subarray(header, size);
      const start = this.consumed;
      this.pending = this.pending.subarray(size);
      this.consumed += size;
      this.box(type, body, start, header, out);
    }
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  private box(type: string, body: Buffer, start: number, header: number, out: Buffer[]): void {
    if (type === 'moov') return this.moov(body, out);
    if (type === 'moof') {
      if (!this.started) throw new Fmp4Error('a fragment before the movie header');
      this.moofStart = start;
      this.moofSamples = this.moof(body);
      return;
    }
    if (type === 'mdat' && this.moofSamples) {
      const dataStart = start + header - this.moofStart;
      for (const s of this.moofSamples) {
        const at = s.offset - dataStart;
        if (at < 0 || at + s.size > body.length) throw new Fmp4Error(`a sample of ${s.size} bytes lies outside its mdat`);
        const data = body.subarray(at, at + s.size);
        const ts = this.ms(s.track, s.dts);
        out.push(s.track.kind === 'video' ? videoTag(ts, s.key, 1, (s.cto * 1000) / s.track.timescale, data) : audioTag(ts, 1, data));
      }
      this.moofSamples = null;
    }
    // ftyp, free, sidx, mfra…: nothing to carry.
  }

  /** Milliseconds from the first sample of the stream. */
  private ms(track: Track, dts: number): number {
    const t = (dts * 1000) / track.timescale;
    if (this.t0 === null) this.t0 = t;
    return t - this.t0;
  }

  private moov(body: Buffer, out: Buffer[]): void {
    if (this.started) throw new Fmp4Error('a second movie header');
    for (const b of children(body)) {
      if (b.type !== 'trak') continue;
      const t = parseTrak(b.body);
      if (t) this.tracks.set(t.id, t);
    }
    for (const trex of children(path(body, 'mvex') ?? Buffer.alloc(0)).filter((b) => b.type === 'trex')) {
      const t = this.tracks.get(trex.body.readUInt32BE(4));
      if (!t) continue;
      t.defaultDuration = trex.body.readUInt32BE(12);
      t.defaultSize = trex.body.readUInt32BE(16);
      t.defaultFlags = trex.body.readUInt32BE(20);
    }
    const { video, audio } = this.layout;
    if (!video) throw new Fmp4Error('no HEVC video track');
    this.started = true;
    out.push(flvHeader({ video, audio }));
    for (const t of this.tracks.values()) out.push(t.kind === 'video' ? videoTag(0, true, 0, 0, t.config) : audioTag(0, 0, t.config));
  }

  private moof(body: Buffer): Sample[] {
    const samples: Sample[] = [];
    for (const traf of children(body).filter((b) => b.type === 'traf')) {
      const tfhd = child(traf.body, 'tfhd');
      if (!tfhd) throw new Fmp4Error('a track fragment without tfhd');
      const flags = tfhd.readUIntBE(1, 3);
      const track = this.tracks.get(tfhd.readUInt32BE(4));
      if (!track) continue; // a track left out (not AAC)
      let p = 8;
      let base = 0;
      if (flags & 0x1) {
        base = Number(tfhd.readBigUInt64BE(p)) - this.moofStart;
        p += 8;
      }
      if (flags & 0x2) p += 4;
      let duration = track.defaultDuration;
      let size = track.defaultSize;
      let sflags = track.defaultFlags;
      if (flags & 0x8) duration = tfhd.readUInt32BE((p += 4) - 4);
      if (flags & 0x10) size = tfhd.readUInt32BE((p += 4) - 4);
      if (flags & 0x20) sflags = tfhd.readUInt32BE((p += 4) - 4);
      const tfdt = child(traf.body, 'tfdt');
      let dts = tfdt ? (tfdt[0] === 1 ? Number(tfdt.readBigUInt64BE(4)) : tfdt.readUInt32BE(4)) : 0;
      for (const trun of children(traf.body).filter((b) => b.type === 'trun')) {
        const r = trun.body;
        const version = r[0] ?? 0;
        const tf = r.readUIntBE(1, 3);
        const count = r.readUInt32BE(4);
        let q = 8;
        let offset = base;
        if (tf & 0x1) offset = base + r.readInt32BE((q += 4) - 4);
        let first: number | undefined;
        if (tf & 0x4) first = r.readUInt32BE((q += 4) - 4);
        const per = [tf & 0x100, tf & 0x200, tf & 0x400, tf & 0x800].filter(Boolean).length * 4;
        if (q + count * per > r.length) throw new Fmp4Error(`trun of ${count} samples is cut short`);
        for (let i = 0; i < count; i++) {
          const d = tf & 0x100 ? r.readUInt32BE((q += 4) - 4) : duration;
          const s = tf & 0x200 ? r.readUInt32BE((q += 4) - 4) : size;
          let f = tf & 0x400 ? r.readUInt32BE((q += 4) - 4) : sflags;
          if (i === 0 && first !== undefined) f = first;
          const cto = tf & 0x800 ? (version ? r.readInt32BE((q += 4) - 4) : r.readUInt32BE((q += 4) - 4)) : 0;
          // sample_is_non_sync_sample (bit 16) clear = a keyframe.
          samples.push({ track, offset, size: s, dts, cto, key: track.kind === 'audio' || !(f & 0x10000) });
          offset += s;
          dts += d;
        }
      }
    }
    return samples;
  }
}

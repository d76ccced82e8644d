import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTag,
  FLV_TAG_AUDIO,
  FLV_TAG_SCRIPT,
  FLV_TAG_VIDEO,
  FlvDemuxer,
  flvHeader,
  FlvParseError,
  isMetadataTag,
  isVideoFrame,
  withTimestamp,
  type FlvTag,
} from './flv';
import { makeTestClip } from './test-media';

let dir: string;
let file: Buffer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'flv-test-'));
  // The brief's reference clip: default x264 preset, so B-frames and composition times are present.
  file = readFileSync(await makeTestClip(dir, { name: 'out.flv', seconds: 3, gop: 25, preset: 'medium' }));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Deterministic PRNG so a failure can be reproduced. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 0x100000000;
  };
}

const summary = (tags: FlvTag[]) => tags.map((t) => ({ type: t.type, ts: t.timestamp, key: t.isKeyframe, seq: t.isSequenceHeader, hex: t.raw.toString('base64') }));

describe('FlvDemuxer', () => {
  it('parses a real ffmpeg FLV in one pass', () => {
    const d = new FlvDemuxer();
    const tags = d.push(file);
    expect(d.header).toEqual({ audio: false, video: true });
    expect(d.pendingBytes).toBe(0);
    expect(isMetadataTag(tags[0]!)).toBe(true);
    expect(tags[1]!.type).toBe(FLV_TAG_VIDEO);
    expect(tags[1]!.isSequenceHeader).toBe(true);
    const frames = tags.filter(isVideoFrame);
    // ffmpeg ends with an AVC end-of-sequence packet, which is no frame.
    expect(tags.at(-1)!.data[1]).toBe(2);
    expect(frames).toHaveLength(75);
    // -g 25: keyframes at frames 0, 25, 50.
    expect(frames.flatMap((t, i) => (t.isKeyframe ? [i] : []))).toEqual([0, 25, 50]);
    expect(frames[0]!.timestamp).toBe(0);
    expect(frames.at(-1)!.timestamp).toBe(2960);
    const total = 13 + tags.reduce((n, t) => n + t.raw.length, 0);
    expect(total).toBe(file.length);
  });

  it('gives the same tags whatever the chunking', () => {
    const whole = summary(new FlvDemuxer().push(file));
    for (const seed of [1, 2, 3]) {
      const rand = rng(seed);
      const d = new FlvDemuxer();
      const got: FlvTag[] = [];
      let off = 0;
      while (off < file.length) {
        // Mostly small chunks, including 1-byte ones that split headers, some large ones.
        const r = rand();
        const n = r < 0.3 ? 1 + Math.floor(rand() * 16) : r < 0.9 ? 1 + Math.floor(rand() * 4096) : 1 + Math.floor(rand() * 200_000);
        got.push(...d.push(file.subarray(off, off + n)));
        off += n;
      }
      expect(summary(got)).toEqual(whole);
      expect(d.pendingBytes).toBe(0);
    }
  });

  it('rejects garbage with a clear error', () => {
    expect(() => new FlvDemuxer().push(Buffer.from('GIF89a'))).toThrow(/not an FLV stream/);
    expect(() => new FlvDemuxer().push(Buffer.from('FL'))).not.toThrow();
    expect(() => new FlvDemuxer().push(Buffer.from('FX'))).toThrow(FlvParseError);

    const huge = Buffer.concat([flvHeader({ audio: false, video: true }), Buffer.from([9, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0])]);
    expect(() => new FlvDemuxer().push(huge)).toThrow(/exceeds the \d+-byte limit/);

    const badType = Buffer.concat([flvHeader({ audio: false, video: true }), Buffer.alloc(15, 0x41)]);
    expect(() => new FlvDemuxer().push(badType)).toThrow(/unexpected FLV tag type 65 at byte 13/);

    const tag = buildTag(FLV_TAG_VIDEO, 0, Buffer.from([0x17, 1, 0, 0, 0]));
    tag.raw.writeUInt32BE(999, tag.raw.length - 4);
    expect(() => new FlvDemuxer().push(Buffer.concat([flvHeader({ audio: false, video: true }), tag.raw]))).toThrow(/PreviousTagSize 999/);
  });

  it('builds headers and tags, with extended timestamps', () => {
    const h = flvHeader({ audio: true, video: true });
    expect(h.toString('hex')).toBe('464c5601050000000900000000');
    const big = 0x12345678;
    const video = buildTag(FLV_TAG_VIDEO, big, Buffer.from([0x17, 0, 0, 0, 0, 1, 2]));
    const audio = buildTag(FLV_TAG_AUDIO, 5, Buffer.from([0xaf, 1, 9, 9]));
    const script = buildTag(FLV_TAG_SCRIPT, 0, Buffer.from([2, 0, 10, ...Buffer.from('onMetaData'), 8, 0, 0, 0, 0, 0, 0, 9]));
    const tags = new FlvDemuxer().push(Buffer.concat([h, video.raw, audio.raw, script.raw]));
    expect(tags.map((t) => [t.type, t.timestamp, t.isKeyframe, t.isSequenceHeader])).toEqual([
      [FLV_TAG_VIDEO, big, true, true],
      [FLV_TAG_AUDIO, 5, false, false],
      [FLV_TAG_SCRIPT, 0, false, false],
    ]);
    expect(isMetadataTag(tags[2]!)).toBe(true);

    const moved = withTimestamp(video, 0xff000001);
    expect(moved.timestamp).toBe(0xff000001);
    expect(moved.data.equals(video.data)).toBe(true);
    expect(video.timestamp).toBe(big); // the original is untouched
    expect(new FlvDemuxer().push(Buffer.concat([h, moved.raw]))[0]!.timestamp).toBe(0xff000001);
  });
});

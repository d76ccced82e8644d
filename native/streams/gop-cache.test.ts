import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTag, FLV_TAG_AUDIO, FLV_TAG_VIDEO, FlvDemuxer, isMetadataTag, isVideoFrame, type FlvTag } from './flv';
import { GopCache } from './gop-cache';
import { makeTestClip } from './test-media';

let dir: string;
let tags: FlvTag[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gop-test-'));
  const file = readFileSync(await makeTestClip(dir, { name: 'clip.flv', seconds: 3, gop: 25, audio: true }));
  tags = new FlvDemuxer().push(file);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('GopCache', () => {
  it('starts a late viewer on the latest keyframe, with metadata and both sequence headers first', () => {
    for (const joinAt of [10, 40, 77, 120, tags.length - 1]) {
      const cache = new GopCache();
      for (const t of tags.slice(0, joinAt)) cache.push(t);
      const snap = cache.snapshot();
      expect(isMetadataTag(snap[0]!)).toBe(true);
      expect(snap[1]!.type === FLV_TAG_VIDEO && snap[1]!.isSequenceHeader).toBe(true);
      expect(snap[2]!.type === FLV_TAG_AUDIO && snap[2]!.isSequenceHeader).toBe(true);
      const firstFrame = snap.slice(3).find((t) => t.type === FLV_TAG_VIDEO);
      expect(firstFrame && isVideoFrame(firstFrame) && firstFrame.isKeyframe).toBe(true);
      expect(snap[3]).toBe(firstFrame);
      // The cached GOP is exactly the tail of what came in, starting at the latest keyframe.
      const lastKey = tags.slice(0, joinAt).findLastIndex((t) => isVideoFrame(t) && t.isKeyframe);
      expect(cache.gopTags()).toEqual(tags.slice(lastKey, joinAt).filter((t) => !t.isSequenceHeader && t.type !== 18));
    }
  });

  it('has no GOP before the first keyframe and reports repeated headers as not fresh', () => {
    const cache = new GopCache();
    const headers = tags.filter((t) => isMetadataTag(t) || t.isSequenceHeader);
    for (const t of headers) expect(cache.push(t)).toBe(true);
    for (const t of headers) expect(cache.push(t)).toBe(false);
    expect(cache.hasGop).toBe(false);
    expect(cache.snapshot()).toHaveLength(3);
  });

  it('caps memory when keyframes never come', () => {
    const cache = new GopCache({ maxBytes: 100_000, maxDurationMs: 10_000 });
    cache.push(buildTag(FLV_TAG_VIDEO, 0, Buffer.from([0x17, 1, 0, 0, 0, 0])));
    const inter = Buffer.alloc(10_000, 0);
    inter[0] = 0x27;
    inter[1] = 1;
    let maxHeld = 0;
    for (let i = 1; i < 500; i++) {
      cache.push(buildTag(FLV_TAG_VIDEO, i * 40, inter));
      maxHeld = Math.max(maxHeld, cache.bytes);
    }
    expect(maxHeld).toBeLessThanOrEqual(100_000);
    expect(cache.hasGop).toBe(false);
    expect(cache.isOverflowed).toBe(true);

    const byTime = new GopCache({ maxBytes: 1e9, maxDurationMs: 1000 });
    byTime.push(buildTag(FLV_TAG_VIDEO, 0, Buffer.from([0x17, 1, 0, 0, 0, 0])));
    for (let i = 1; i <= 26; i++) byTime.push(buildTag(FLV_TAG_VIDEO, i * 40, Buffer.from([0x27, 1, 0, 0, 0, 0])));
    expect(byTime.hasGop).toBe(false);
    // The next keyframe starts caching again.
    byTime.push(buildTag(FLV_TAG_VIDEO, 2000, Buffer.from([0x17, 1, 0, 0, 0, 0])));
    expect(byTime.hasGop).toBe(true);
    expect(byTime.isOverflowed).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { ClipBuffer, clipDurationMs, clipFileName, startAt } from './clip-buffer';
import { buildTag, FLV_TAG_AUDIO, FLV_TAG_VIDEO, isVideoFrame, type FlvTag } from './flv';

const config = (n: number) => buildTag(FLV_TAG_VIDEO, 0, Buffer.from([0x17, 0, 0, 0, 0, n]));
const frame = (ts: number, key: boolean, size = 100) => buildTag(FLV_TAG_VIDEO, ts, Buffer.concat([Buffer.from([key ? 0x17 : 0x27, 1, 0, 0, 0]), Buffer.alloc(size)]));
const audio = (ts: number) => buildTag(FLV_TAG_AUDIO, ts, Buffer.from([0xaf, 1, 1, 2, 3]));

/** 25 fps, a keyframe every `gop` frames, arriving on time at `t0 + ts`. */
function feed(buf: ClipBuffer, from: number, count: number, opts: { t0?: number; gop?: number; delay?: (i: number) => number } = {}): FlvTag[] {
  const tags: FlvTag[] = [];
  for (let i = from; i < from + count; i++) {
    const ts = i * 40;
    const t = frame(ts, i % (opts.gop ?? 25) === 0);
    tags.push(t);
    buf.push(t, (opts.t0 ?? 1_000_000) + ts + (opts.delay?.(i) ?? 0));
  }
  return tags;
}

describe('ClipBuffer', () => {
  it('starts on a keyframe, keeps at least maxMs and trims whole GOPs', () => {
    const buf = new ClipBuffer({ maxMs: 3000 });
    buf.push(config(1), 1_000_000);
    // Frames before the first keyframe are useless to a clip.
    buf.push(frame(0, false), 1_000_000);
    expect(buf.oldestAt).toBeUndefined();
    feed(buf, 0, 250); // 10 s
    const all = buf.all()!;
    expect(all.headers.map((t) => t.data.at(-1))).toEqual([1]);
    expect(isVideoFrame(all.items[0]!.tag) && all.items[0]!.tag.isKeyframe).toBe(true);
    expect(buf.spanMs).toBeGreaterThanOrEqual(3000);
    expect(buf.spanMs).toBeLessThan(4000 + 40);
    expect(buf.oldestAt).toBe(1_000_000 + 6000);
  });

  it('selects from the keyframe at or before the requested time, with the configuration in force there', () => {
    const buf = new ClipBuffer({ maxMs: 30_000 });
    buf.push(config(1), 1_000_000);
    feed(buf, 0, 100);
    buf.push(config(2), 1_004_000); // e.g. the camera restarted with new parameters
    feed(buf, 100, 100);
    const sel = buf.from(1_000_000 + 2500)!;
    expect(sel.items[0]!.at).toBe(1_000_000 + 2000);
    expect(sel.headers.map((t) => t.data.at(-1))).toEqual([1]);
    // The change travels inline, where it applies.
    expect(sel.items.some((i) => i.tag.isSequenceHeader)).toBe(true);
    const later = buf.from(1_000_000 + 5500)!;
    expect(later.items[0]!.at).toBe(1_000_000 + 5000);
    expect(later.headers.map((t) => t.data.at(-1))).toEqual([2]);
    expect(buf.from(999_999)).toBeUndefined();
    expect(clipDurationMs(sel.items.filter((i) => i.at <= 1_000_000 + 4000))).toBe(2040);
  });

  it('moves a selection start forward, folding skipped configuration into the headers', () => {
    const buf = new ClipBuffer();
    buf.push(config(1), 1_000_000);
    feed(buf, 0, 50);
    buf.push(config(2), 1_002_000);
    feed(buf, 50, 50);
    const sel = startAt(buf.all()!, 1_000_000 + 3100, true);
    expect(sel.items[0]!.at).toBe(1_000_000 + 3000);
    expect(sel.headers.map((t) => t.data.at(-1))).toEqual([2]);
  });

  it('estimates capture time through a network burst', () => {
    const buf = new ClipBuffer();
    // 3 s of frames arrive on time, then a 2 s stall delivers the next 2 s in one burst.
    const t0 = 1_000_000;
    feed(buf, 0, 150, { t0, delay: (i) => (i >= 75 && i < 125 ? 5000 - i * 40 : 0) });
    const items = buf.all()!.items;
    // Stamped on arrival, the burst would collapse 2 s of video into one instant; estimated, it is off by the allowed drift at most.
    for (const it of items) expect(Math.abs(it.at - (t0 + it.tag.timestamp))).toBeLessThanOrEqual(15);
  });

  it('caps bytes: drops old GOPs, and a single oversized GOP entirely', () => {
    const buf = new ClipBuffer({ maxMs: 60_000, maxBytes: 30_000 });
    feed(buf, 0, 200, { gop: 25 }); // ~120 bytes a frame, ~3 KB a GOP
    expect(buf.bytes).toBeLessThanOrEqual(30_000);
    expect(buf.spanMs).toBeGreaterThan(4000);
    const big = new ClipBuffer({ maxBytes: 5_000 });
    feed(big, 0, 60, { gop: 1000 });
    expect(big.bytes).toBeLessThanOrEqual(5_000);
  });

  it('treats audio frames as entry points when the stream has no video', () => {
    const buf = new ClipBuffer();
    buf.newRun({ audio: true, video: false });
    buf.push(audio(0), 1_000_000);
    buf.push(audio(23), 1_000_023);
    expect(buf.all()!.items).toHaveLength(2);
  });

  it('names clips by camera, profile and ISO time, without colons', () => {
    expect(clipFileName('cam1', 'main', Date.UTC(2025, 0, 31, 12, 0, 5, 250))).toBe('cam1_main_2025-01-31T12-00-05.250Z.mp4');
  });
});

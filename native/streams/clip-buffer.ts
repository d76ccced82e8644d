import { existsSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnOwned } from '../process/child';
import { StreamGatewayError } from './errors';
import { FLV_TAG_AUDIO, FLV_TAG_VIDEO, flvHeader, isMetadataTag, isVideoFrame, withTimestamp, type FlvHeaderInfo, type FlvTag } from './flv';

export const DEFAULT_CLIP_MAX_MS = 30_000;
export const DEFAULT_CLIP_MAX_BYTES = 64 * 1024 * 1024;

/**
 * How fast the wall-clock estimate may move later relative to the stream's own clock: 5 ms per
 * second of video. Ample for a camera clock that runs slow (crystals are off by ~0.1 ms/s), yet a
 * 3 s network burst drags the estimate by only 15 ms (see ClipBuffer.wallTime).
 */
const CLOCK_DRIFT_PER_MS = 0.005;

/** One buffered tag and when it was captured (estimated, epoch ms). */
export interface ClipItem {
  tag: FlvTag;
  at: number;
}

export interface ClipBufferOptions {
  /** Keep at least this much video. Default 30 000. */
  maxMs?: number;
  /** Never hold more than this many bytes. Default 64 MiB. */
  maxBytes?: number;
}

type HeaderSlot = 'metadata' | 'videoConfig' | 'audioConfig';
const SLOT_ORDER = ['metadata', 'videoConfig', 'audioConfig'] as const;

function headerSlot(tag: FlvTag): HeaderSlot | undefined {
  if (isMetadataTag(tag)) return 'metadata';
  if (!tag.isSequenceHeader) return undefined;
  return tag.type === FLV_TAG_VIDEO ? 'videoConfig' : 'audioConfig';
}

/** Where a clip may start: a video keyframe, or any audio frame of a stream without video. */
function isEntryPoint(tag: FlvTag, hasVideo: boolean): boolean {
  return hasVideo ? isVideoFrame(tag) && tag.isKeyframe : tag.type === FLV_TAG_AUDIO && !tag.isSequenceHeader;
}

function orderedHeaders(slots: Partial<Record<HeaderSlot, FlvTag>>): FlvTag[] {
  return SLOT_ORDER.map((s) => slots[s]).filter((t): t is FlvTag => t !== undefined);
}

/** A clip's content: the decoder configuration in force at its first item, then the items. */
export interface ClipSelection {
  headers: FlvTag[];
  items: ClipItem[];
}

/**
 * Moves the start of `sel` forward to its latest entry point at or before `fromAt`, folding any
 * configuration change it skips into the headers. For exports whose window opened after the request.
 */
export function startAt(sel: ClipSelection, fromAt: number, hasVideo: boolean): ClipSelection {
  let start = 0;
  sel.items.forEach((it, i) => {
    if (it.at <= fromAt && isEntryPoint(it.tag, hasVideo)) start = i;
  });
  if (start === 0) return sel;
  const slots: Partial<Record<HeaderSlot, FlvTag>> = {};
  for (const t of sel.headers) {
    const s = headerSlot(t);
    if (s) slots[s] = t;
  }
  for (const it of sel.items.slice(0, start)) {
    const s = headerSlot(it.tag);
    if (s) slots[s] = it.tag;
  }
  return { headers: orderedHeaders(slots), items: sel.items.slice(start) };
}

/**
 * The last `maxMs` of a stream's tags for pre-alarm clips, always starting on a keyframe.
 *
 * FLV timestamps say nothing about wall-clock time, so each tag is stamped on arrival. Arrival
 * alone is a poor clock: after a network hiccup a camera delivers seconds of video in one burst,
 * and every tag of it would get the same time. So the capture time is estimated as the tag's
 * timestamp plus the smallest (arrival − timestamp) seen in this run: the least-delayed arrival
 * is the best estimate of the constant offset between the two clocks.
 */
export class ClipBuffer {
  readonly maxMs: number;
  readonly maxBytes: number;
  private items: ClipItem[] = [];
  private head = 0;
  /** Indices into `items` of the entry points (video keyframes; audio frames of audio-only streams). */
  private keys: number[] = [];
  private byteCount = 0;
  /** Decoder configuration in force at `items[head]`. */
  private base: Partial<Record<HeaderSlot, FlvTag>> = {};
  /** Latest decoder configuration. */
  private current: Partial<Record<HeaderSlot, FlvTag>> = {};
  private hasVideo = true;
  private offset: number | undefined;
  private lastTs = 0;

  constructor(opts: ClipBufferOptions = {}) {
    this.maxMs = opts.maxMs ?? DEFAULT_CLIP_MAX_MS;
    this.maxBytes = opts.maxBytes ?? DEFAULT_CLIP_MAX_BYTES;
  }

  get video(): boolean {
    return this.hasVideo;
  }

  /** A new upstream run: its timeline was rebased, so the wall-clock mapping starts over. */
  newRun(flags: FlvHeaderInfo): void {
    if (flags.video !== this.hasVideo) this.clear();
    this.hasVideo = flags.video;
    this.offset = undefined;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
    this.keys = [];
    this.byteCount = 0;
    this.base = {};
  }

  get bytes(): number {
    return this.byteCount;
  }

  /** Capture time of the oldest entry point; undefined while empty. */
  get oldestAt(): number | undefined {
    const k = this.keys[0];
    return k === undefined ? undefined : this.items[k]?.at;
  }

  /** Capture time of the newest tag; undefined while empty. */
  get newestAt(): number | undefined {
    return this.items.length > this.head ? this.items[this.items.length - 1]?.at : undefined;
  }

  /** Milliseconds of video held. */
  get spanMs(): number {
    const a = this.oldestAt;
    const b = this.newestAt;
    return a === undefined || b === undefined ? 0 : b - a;
  }

  private wallTime(ts: number, arrival: number): number {
    const raw = arrival - ts;
    const drift = Math.max(0, ts - this.lastTs) * CLOCK_DRIFT_PER_MS;
    this.offset = this.offset === undefined ? raw : Math.min(raw, this.offset + drift);
    this.lastTs = ts;
    return ts + this.offset;
  }

  /**
   * Records a tag that arrived at `arrival` (epoch ms). `fresh` is false for a header identical to
   * the one in force (see GopCache.push). Returns the item for live clip exports, or undefined
   * for tags a clip does not need.
   */
  push(tag: FlvTag, arrival: number, fresh = true): ClipItem | undefined {
    const slot = headerSlot(tag);
    if (slot) {
      this.current[slot] = tag;
      if (!fresh) return undefined;
      const item = { tag, at: arrival };
      // Inline, so a clip that spans a configuration change carries the new one where it applies.
      if (this.items.length > this.head) this.append(item);
      else this.base[slot] = tag;
      return item;
    }
    if (tag.type !== FLV_TAG_VIDEO && tag.type !== FLV_TAG_AUDIO) return undefined;
    const item = { tag, at: this.wallTime(tag.timestamp, arrival) };
    const entry = isEntryPoint(tag, this.hasVideo);
    if (this.items.length === this.head) {
      if (!entry) return item;
      this.base = { ...this.current };
    }
    if (entry) this.keys.push(this.items.length);
    this.append(item);
    this.trim(item.at);
    return item;
  }

  private append(item: ClipItem): void {
    this.items.push(item);
    this.byteCount += item.tag.raw.length;
  }

  private trim(newest: number): void {
    for (;;) {
      const second = this.keys[1];
      if (second === undefined) break;
      const secondAt = this.items[second]?.at ?? newest;
      if (newest - secondAt < this.maxMs && this.byteCount <= this.maxBytes) break;
      this.dropBefore(second);
    }
    // One GOP over the byte cap (a camera that hardly ever sends a keyframe): start again at the next one.
    if (this.byteCount > this.maxBytes) this.clear();
  }

  private dropBefore(index: number): void {
    for (let i = this.head; i < index; i++) {
      const it = this.items[i];
      if (!it) continue;
      this.byteCount -= it.tag.raw.length;
      const slot = headerSlot(it.tag);
      if (slot) this.base[slot] = it.tag;
    }
    this.head = index;
    this.keys.shift();
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.keys = this.keys.map((k) => k - this.head);
      this.head = 0;
    }
  }

  /**
   * The buffered tags from the latest entry point at or before `fromAt`, with the decoder
   * configuration in force there. Undefined when `fromAt` is older than the buffer.
   */
  from(fromAt: number): ClipSelection | undefined {
    let start: number | undefined;
    for (const k of this.keys) {
      const it = this.items[k];
      if (!it || it.at > fromAt) break;
      start = k;
    }
    if (start === undefined) return undefined;
    const headers = { ...this.base };
    for (let i = this.head; i < start; i++) {
      const it = this.items[i];
      const slot = it && headerSlot(it.tag);
      if (it && slot) headers[slot] = it.tag;
    }
    return { headers: orderedHeaders(headers), items: this.items.slice(start) };
  }

  /** Like from(), starting at the oldest entry point. */
  all(): ClipSelection | undefined {
    const oldest = this.oldestAt;
    return oldest === undefined ? undefined : this.from(oldest);
  }
}

/** `cam1_main_2025-01-31T12-00-05.250Z.mp4`: sortable, and without the colons Windows forbids. */
export function clipFileName(cameraId: string, profile: string, at: number): string {
  return `${cameraId}_${profile}_${new Date(at).toISOString().replace(/:/g, '-')}.mp4`;
}

export interface WriteClipOptions {
  ffmpegPath: string;
  key: string;
  flags: FlvHeaderInfo;
  headers: readonly FlvTag[];
  /** Starts on an entry point. */
  items: readonly ClipItem[];
  dir: string;
  fileName: string;
}

function lastLines(stderr: string): string {
  return stderr
    .split(/\r?\n/)
    .map((l) => l.replace(/\[[^\]]* @ 0x[0-9a-f]+\] /g, '').trim())
    .filter(Boolean)
    .slice(-3)
    .join(' | ');
}

/** Milliseconds of media in `items`: first to last timestamp plus one frame. */
export function clipDurationMs(items: readonly ClipItem[]): number {
  const video = items.filter((i) => isVideoFrame(i.tag));
  const media = video.length > 0 ? video : items.filter((i) => i.tag.type === FLV_TAG_AUDIO && !i.tag.isSequenceHeader);
  const first = media[0]?.tag.timestamp;
  const last = media.at(-1)?.tag.timestamp;
  const prev = media.at(-2)?.tag.timestamp;
  if (first === undefined || last === undefined) return 0;
  const frame = prev !== undefined && last > prev ? last - prev : 40;
  return last - first + frame;
}

/**
 * Remuxes buffered FLV tags into `dir/fileName` (MP4, stream copy, moov up front so the file
 * plays while it is still being downloaded). Writes to a temporary name first, so a crash never
 * leaves a truncated file under the real name, and never overwrites an existing clip.
 */
export async function writeClip(opts: WriteClipOptions): Promise<{ file: string; bytes: number }> {
  const first = opts.items[0];
  if (!first) throw new StreamGatewayError('export_failed', opts.key, `${opts.key}: nothing to export`);
  // Start the file at 0: MP4 players handle an initial offset inconsistently (edit lists).
  const base = first.tag.timestamp;
  const parts: Buffer[] = [flvHeader(opts.flags), ...opts.headers.map((t) => t.raw)];
  for (const { tag } of opts.items) {
    const media = tag.type === FLV_TAG_AUDIO || tag.type === FLV_TAG_VIDEO;
    if (media && !tag.isSequenceHeader && tag.timestamp < base) continue; // audio interleaved just before the keyframe
    parts.push(withTimestamp(tag, Math.max(0, tag.timestamp - base)).raw);
  }
  await mkdir(opts.dir, { recursive: true });
  const stem = opts.fileName.replace(/\.mp4$/, '');
  const tmp = join(opts.dir, `.${stem}.${process.pid}.${Date.now()}.partial`);
  const stderr = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const args = ['-hide_banner', '-loglevel', 'error', '-f', 'flv', '-i', 'pipe:0', '-map', '0', '-c', 'copy', '-movflags', '+faststart', '-f', 'mp4', '-y', tmp];
    const child = spawnOwned(opts.ffmpegPath, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (s: string) => {
      err = (err + s).slice(-4000);
    });
    child.stdin?.on('error', () => undefined);
    child.on('error', (e) => reject(new StreamGatewayError('export_failed', opts.key, `${opts.key}: cannot run ffmpeg for the clip: ${e.message}`)));
    child.on('close', (code) => resolve({ code, stderr: err }));
    child.stdin?.end(Buffer.concat(parts));
  });
  if (stderr.code !== 0) {
    await rm(tmp, { force: true });
    throw new StreamGatewayError('export_failed', opts.key, `${opts.key}: writing the clip failed (ffmpeg code ${stderr.code ?? '?'}): ${lastLines(stderr.stderr) || 'no output'}`);
  }
  let file = join(opts.dir, `${stem}.mp4`);
  for (let n = 2; existsSync(file); n++) file = join(opts.dir, `${stem}-${n}.mp4`);
  await rename(tmp, file);
  return { file, bytes: (await stat(file)).size };
}

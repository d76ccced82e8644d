import { FLV_TAG_AUDIO, FLV_TAG_VIDEO, isMetadataTag, isVideoFrame, type FlvTag } from './flv';

export interface GopCacheOptions {
  /** Drop the cached GOP once it holds more than this many bytes. */
  maxBytes?: number;
  /** Drop the cached GOP once it spans more than this many ms. */
  maxDurationMs?: number;
}

export const DEFAULT_GOP_MAX_BYTES = 8 * 1024 * 1024;
export const DEFAULT_GOP_MAX_MS = 10_000;

/**
 * What a viewer joining mid-stream needs to start decoding at once: metadata, decoder
 * configuration and every tag since the latest video keyframe.
 *
 * The caps bound memory for streams whose keyframe interval is huge or that never send one;
 * while over the cap the cache holds no GOP and new viewers wait for the next keyframe live.
 */
export class GopCache {
  private readonly maxBytes: number;
  private readonly maxDurationMs: number;
  private metadata: FlvTag | undefined;
  private videoConfig: FlvTag | undefined;
  private audioConfig: FlvTag | undefined;
  private gop: FlvTag[] = [];
  private gopBytes = 0;
  private overflowed = false;

  constructor(opts: GopCacheOptions = {}) {
    this.maxBytes = opts.maxBytes ?? DEFAULT_GOP_MAX_BYTES;
    this.maxDurationMs = opts.maxDurationMs ?? DEFAULT_GOP_MAX_MS;
  }

  /**
   * Records a tag. Returns false when the tag is a metadata or sequence header identical to the
   * one already cached, so the caller can avoid re-sending it to viewers that already have it.
   */
  push(tag: FlvTag): boolean {
    if (isMetadataTag(tag)) {
      const same = this.metadata?.data.equals(tag.data) ?? false;
      this.metadata = tag;
      return !same;
    }
    if (tag.isSequenceHeader) {
      const slot = tag.type === FLV_TAG_VIDEO ? 'videoConfig' : 'audioConfig';
      const same = this[slot]?.data.equals(tag.data) ?? false;
      this[slot] = tag;
      return !same;
    }
    if (tag.type === FLV_TAG_VIDEO && tag.isKeyframe && isVideoFrame(tag)) {
      this.gop = [tag];
      this.gopBytes = tag.raw.length;
      this.overflowed = false;
      return true;
    }
    if (this.gop.length === 0 || (tag.type !== FLV_TAG_VIDEO && tag.type !== FLV_TAG_AUDIO)) return true;
    this.gop.push(tag);
    this.gopBytes += tag.raw.length;
    const first = this.gop[0];
    if (this.gopBytes > this.maxBytes || (first && tag.timestamp - first.timestamp > this.maxDurationMs)) {
      this.gop = [];
      this.gopBytes = 0;
      this.overflowed = true;
    }
    return true;
  }

  /** Forgets the GOP (for example when the upstream restarts) but keeps the decoder configuration. */
  clearGop(): void {
    this.gop = [];
    this.gopBytes = 0;
  }

  /** Forgets everything. */
  clear(): void {
    this.metadata = undefined;
    this.videoConfig = undefined;
    this.audioConfig = undefined;
    this.clearGop();
    this.overflowed = false;
  }

  /** True when a GOP starting on a keyframe is cached. */
  get hasGop(): boolean {
    return this.gop.length > 0;
  }

  /** True when the last GOP was dropped for exceeding the caps. */
  get isOverflowed(): boolean {
    return this.overflowed;
  }

  get bytes(): number {
    return this.gopBytes;
  }

  /** Header tags (metadata, video config, audio config), in the order a decoder expects them. */
  headers(): FlvTag[] {
    const out: FlvTag[] = [];
    if (this.metadata) out.push(this.metadata);
    if (this.videoConfig) out.push(this.videoConfig);
    if (this.audioConfig) out.push(this.audioConfig);
    return out;
  }

  /** Tags from the latest keyframe on; empty when no GOP is cached. */
  gopTags(): readonly FlvTag[] {
    return this.gop;
  }

  /** Everything a new viewer gets after the FLV header. */
  snapshot(): FlvTag[] {
    return [...this.headers(), ...this.gop];
  }
}

/**
 * Decides when a tile's player has stalled, from its decoded-frame count and whether stream bytes
 * still arrive. Shared by the live FLV and the HLS player; pure, so it is tested without a browser.
 *
 * A stall with no bytes arriving is a dead link or upstream: restart soon. A stall while bytes keep
 * arriving is a console short of CPU (the decoder falls behind); tearing the player down would only
 * add a reconnect and a fresh GOP to the load, so it waits much longer before trying that.
 */
export interface WatchdogLimits {
  /** No new frame for this long, with no bytes arriving, is a stall. */
  stallMs: number;
  /** No new frame for this long while bytes still arrive is a stall too. */
  busyStallMs: number;
  /** No first frame within this long after a (re)start, with no bytes arriving, is a stall. */
  firstFrameMs: number;
  /** No first frame within this long while bytes arrive. */
  busyFirstFrameMs: number;
}

export type WatchVerdict = 'progress' | 'waiting' | 'stalled';

export class FrameWatchdog {
  private lastFrames = 0;
  private lastProgressAt = 0;
  private startedAt = 0;
  private lastBytesAt = -Infinity;
  private playing = false;

  constructor(private readonly limits: WatchdogLimits) {}

  /** A (re)start at `now`, with the element's current frame count. */
  reset(now: number, frames: number): void {
    this.startedAt = now;
    this.lastFrames = frames;
    this.lastProgressAt = now;
    this.lastBytesAt = -Infinity;
    this.playing = false;
  }

  /** Stream bytes arrived at `now`. */
  bytes(now: number): void {
    this.lastBytesAt = now;
  }

  check(now: number, frames: number): WatchVerdict {
    if (frames > this.lastFrames) {
      this.lastFrames = frames;
      this.lastProgressAt = now;
      this.playing = true;
      return 'progress';
    }
    const busy = now - this.lastBytesAt <= this.limits.stallMs;
    if (this.playing) {
      const quiet = now - this.lastProgressAt;
      return quiet > (busy ? this.limits.busyStallMs : this.limits.stallMs) ? 'stalled' : 'waiting';
    }
    const waited = now - this.startedAt;
    return waited > (busy ? this.limits.busyFirstFrameMs : this.limits.firstFrameMs) ? 'stalled' : 'waiting';
  }
}

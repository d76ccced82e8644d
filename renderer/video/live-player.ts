import mpegts from 'mpegts.js';
import { FrameWatchdog } from './frame-watchdog';

/**
 * What a tile's player is doing. Transitions:
 *   connecting => playing            first frames decoded
 *   playing    => stalled            no new frame for 2 s (8 s while bytes still arrive), or a loader error
 *   connecting => stalled            no first frame within 6 s (15 s while bytes arrive)
 *   stalled    => connecting         after a backoff the player is destroyed and recreated
 *   any        => unsupported        the browser cannot play this stream at all (no MSE)
 */
export type PlayerState = 'connecting' | 'playing' | 'stalled' | 'unsupported';

export interface PlayerStats {
  decodedFrames: number;
  droppedFrames: number;
  /** seconds of buffered video ahead of the playhead — the player's share of latency */
  bufferSeconds: number;
  restarts: number;
}

const LIMITS = { stallMs: 2000, busyStallMs: 8000, firstFrameMs: 6000, busyFirstFrameMs: 15_000 };
const WATCH_INTERVAL_MS = 250;
const MAX_BACKOFF_MS = 2000;
/** Beyond this much buffered video the playhead is pulled back to the live edge. */
const MAX_BUFFER_S = 1.5;

export interface LivePlayerOptions {
  url: string;
  video: HTMLVideoElement;
  onState: (s: PlayerState) => void;
  hasAudio?: boolean;
}

/**
 * A self-healing live FLV player for one tile. mpegts.js raises no error when a WebSocket goes
 * quiet and has no recovery API, so this wrapper watches decoded frames and rebuilds the player
 * when they stop advancing.
 */
export class LivePlayer {
  private player: mpegts.Player | undefined;
  private state: PlayerState = 'connecting';
  private watchTimer: ReturnType<typeof setInterval> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly watchdog = new FrameWatchdog(LIMITS);
  private failures = 0;
  private restarts = 0;
  private destroyed = false;
  private readonly onVisibility = () => {
    if (document.visibilityState === 'visible') this.chaseLiveEdge(0.2);
  };

  constructor(private readonly opts: LivePlayerOptions) {
    if (!mpegts.isSupported() || !mpegts.getFeatureList().mseLivePlayback) {
      this.setState('unsupported');
      return;
    }
    document.addEventListener('visibilitychange', this.onVisibility);
    this.start();
    this.watchTimer = setInterval(() => this.watch(), WATCH_INTERVAL_MS);
  }

  stats(): PlayerStats {
    const q = this.opts.video.getVideoPlaybackQuality?.();
    return {
      decodedFrames: q?.totalVideoFrames ?? 0,
      droppedFrames: q?.droppedVideoFrames ?? 0,
      bufferSeconds: this.bufferAhead(),
      restarts: this.restarts,
    };
  }

  destroy(): void {
    this.destroyed = true;
    clearInterval(this.watchTimer);
    clearTimeout(this.retryTimer);
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.teardown();
  }

  private setState(s: PlayerState): void {
    if (this.state === s) return;
    this.state = s;
    this.opts.onState(s);
  }

  private start(): void {
    if (this.destroyed) return;
    this.setState('connecting');
    this.watchdog.reset(performance.now(), this.frames());
    const player = mpegts.createPlayer(
      // Streams without audio must say so, or MSE waits for an audio track and the picture stays black.
      { type: 'flv', isLive: true, url: this.opts.url, hasAudio: this.opts.hasAudio ?? false, hasVideo: true },
      {
        // Demuxing in a worker keeps sixteen tiles from competing with the UI for the main thread.
        enableWorker: true,
        enableStashBuffer: false,
        stashInitialSize: 64 * 1024,
        lazyLoad: false,
        autoCleanupSourceBuffer: true,
        autoCleanupMaxBackwardDuration: 10,
        autoCleanupMinBackwardDuration: 5,
        liveBufferLatencyChasing: true,
        liveBufferLatencyMaxLatency: MAX_BUFFER_S,
        liveBufferLatencyMinRemain: 0.15,
        // Gentle catch-up by playback rate keeps the buffer near 120 ms without visible jumps.
        liveSync: true,
        liveSyncMaxLatency: 0.35,
        liveSyncTargetLatency: 0.12,
        liveSyncPlaybackRate: 1.1,
      },
    );
    this.player = player;
    player.on(mpegts.Events.ERROR, () => this.fail());
    // Reported about twice a second; `speed` is the loader's recent KB/s.
    player.on(mpegts.Events.STATISTICS_INFO, (info: { speed?: number }) => {
      if ((info.speed ?? 0) > 0) this.watchdog.bytes(performance.now());
    });
    player.attachMediaElement(this.opts.video);
    player.load();
    const p = player.play();
    if (p && typeof (p as Promise<void>).catch === 'function') (p as Promise<void>).catch(() => undefined);
  }

  private teardown(): void {
    const p = this.player;
    this.player = undefined;
    if (!p) return;
    try {
      p.pause();
      p.unload();
      p.detachMediaElement();
      p.destroy();
    } catch {
      /* a half-dead player may throw while being torn down; it is discarded either way */
    }
  }

  private fail(): void {
    if (this.destroyed || this.retryTimer) return;
    this.setState('stalled');
    this.teardown();
    const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.failures++);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.restarts++;
      this.start();
    }, delay);
  }

  private watch(): void {
    if (!this.player) return;
    const verdict = this.watchdog.check(performance.now(), this.frames());
    if (verdict === 'progress') {
      this.failures = 0;
      this.setState('playing');
      if (this.opts.video.paused) void this.opts.video.play().catch(() => undefined);
    } else if (verdict === 'stalled') {
      this.fail();
      return;
    }
    if (this.bufferAhead() > MAX_BUFFER_S * 2) this.chaseLiveEdge(0.3);
  }

  private frames(): number {
    return this.opts.video.getVideoPlaybackQuality?.().totalVideoFrames ?? 0;
  }

  private bufferAhead(): number {
    const v = this.opts.video;
    const b = v.buffered;
    return b.length ? Math.max(0, b.end(b.length - 1) - v.currentTime) : 0;
  }

  /** A hidden window stops rendering but keeps buffering; on return, jump to the live edge. */
  private chaseLiveEdge(remain: number): void {
    const v = this.opts.video;
    const b = v.buffered;
    if (!b.length) return;
    const end = b.end(b.length - 1);
    if (end - v.currentTime > remain + 0.5) v.currentTime = Math.max(b.start(b.length - 1), end - remain);
  }
}

import Hls from 'hls.js';
import { FrameWatchdog } from './frame-watchdog';
import type { PlayerState, PlayerStats } from './live-player';

/** Segments arrive in bursts of about a second; allow for a slow link. */
const LIMITS = { stallMs: 6000, busyStallMs: 12_000, firstFrameMs: 15_000, busyFirstFrameMs: 25_000 };
const MAX_BACKOFF_MS = 4000;

export interface HlsPlayerOptions {
  url: string;
  video: HTMLVideoElement;
  onState: (s: PlayerState) => void;
}

/**
 * HLS playback for viewers on slow or remote links (hls.js on MSE). Higher latency than WS-FLV, but it
 * survives lossy links and proxies. Same states and self-healing as LivePlayer.
 */
export class HlsPlayer {
  private hls: Hls | undefined;
  private state: PlayerState = 'connecting';
  private timer: ReturnType<typeof setInterval> | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private readonly watchdog = new FrameWatchdog(LIMITS);
  private failures = 0;
  private restarts = 0;
  private destroyed = false;

  constructor(private readonly opts: HlsPlayerOptions) {
    if (!Hls.isSupported()) {
      this.setState('unsupported');
      return;
    }
    this.start();
    this.timer = setInterval(() => this.watch(), 500);
  }

  stats(): PlayerStats {
    const q = this.opts.video.getVideoPlaybackQuality?.();
    const b = this.opts.video.buffered;
    return {
      decodedFrames: q?.totalVideoFrames ?? 0,
      droppedFrames: q?.droppedVideoFrames ?? 0,
      bufferSeconds: b.length ? Math.max(0, b.end(b.length - 1) - this.opts.video.currentTime) : 0,
      restarts: this.restarts,
    };
  }

  destroy(): void {
    this.destroyed = true;
    clearInterval(this.timer);
    clearTimeout(this.retry);
    this.hls?.destroy();
    this.hls = undefined;
  }

  private setState(s: PlayerState): void {
    if (this.state !== s) {
      this.state = s;
      this.opts.onState(s);
    }
  }

  private start(): void {
    this.setState('connecting');
    this.watchdog.reset(performance.now(), this.opts.video.getVideoPlaybackQuality?.().totalVideoFrames ?? 0);
    // Short segments from the gateway (1 s): stay two segments behind the live edge.
    const hls = new Hls({ lowLatencyMode: false, liveSyncDurationCount: 2, liveMaxLatencyDurationCount: 5, maxLiveSyncPlaybackRate: 1.1, backBufferLength: 10, manifestLoadingMaxRetry: 6 });
    this.hls = hls;
    hls.on(Hls.Events.FRAG_LOADED, () => this.watchdog.bytes(performance.now()));
    hls.on(Hls.Events.ERROR, (_e, data) => {
      if (data.fatal) this.fail();
    });
    hls.loadSource(this.opts.url);
    hls.attachMedia(this.opts.video);
    void this.opts.video.play().catch(() => undefined);
  }

  private fail(): void {
    if (this.destroyed || this.retry) return;
    this.setState('stalled');
    this.hls?.destroy();
    this.hls = undefined;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.restarts++;
      this.start();
    }, Math.min(MAX_BACKOFF_MS, 1000 * 2 ** this.failures++));
  }

  private watch(): void {
    if (!this.hls) return;
    const verdict = this.watchdog.check(performance.now(), this.opts.video.getVideoPlaybackQuality?.().totalVideoFrames ?? 0);
    if (verdict === 'progress') {
      this.failures = 0;
      this.setState('playing');
      if (this.opts.video.paused) void this.opts.video.play().catch(() => undefined);
    } else if (verdict === 'stalled') this.fail();
  }
}

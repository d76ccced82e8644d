import { hudLines } from '../../common/hud';
import { mediaWsUrl } from '../app/connection';
import { useAppStore } from '../app/store';
import { LivePlayer, type PlayerState } from '../video/live-player';

/** Frame rate of the shared tower picture (the canvas with the HUD is redrawn at this rate). */
const SHARE_FPS = 15;

/**
 * A live tower camera as a WebRTC video track: the console plays the camera's stream with the
 * same player as its tiles (WS-FLV, mpegts.js) into a hidden <video>, and captures it — through a
 * canvas with the PTZ HUD drawn over it when asked. `stop()` ends the player and the track.
 */
export class TowerShare {
  readonly video = document.createElement('video');
  private readonly player: LivePlayer;
  private canvas: HTMLCanvasElement | null = null;
  private raf: ReturnType<typeof setInterval> | undefined;
  private track: MediaStreamTrack | null = null;
  state: PlayerState = 'connecting';

  constructor(
    readonly cameraId: string,
    private readonly hud: boolean,
  ) {
    this.video.muted = true;
    this.video.playsInline = true;
    this.video.autoplay = true;
    // Kept in the document (off screen): a detached <video> is not painted, so nothing would be captured.
    this.video.style.cssText = 'position:fixed;left:-10000px;top:0;width:640px;height:360px;';
    this.video.dataset.testid = 'tower-share-video';
    document.body.appendChild(this.video);
    this.player = new LivePlayer({ url: mediaWsUrl(cameraId, 'sub'), video: this.video, onState: (s) => (this.state = s) });
  }

  /** The track, once the first frames play (rejects after `timeoutMs`). */
  async start(timeoutMs = 15_000): Promise<MediaStreamTrack> {
    const t0 = Date.now();
    while (this.video.readyState < 2 || this.video.videoWidth === 0) {
      if (this.state === 'unsupported') throw new Error('this browser cannot play the tower stream');
      if (Date.now() - t0 > timeoutMs) throw new Error(`no picture from ${this.cameraId} within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    if (!this.hud) {
      this.track = (this.video as HTMLVideoElement & { captureStream(fps?: number): MediaStream }).captureStream().getVideoTracks()[0] ?? null;
    } else {
      const c = (this.canvas = document.createElement('canvas'));
      c.width = this.video.videoWidth;
      c.height = this.video.videoHeight;
      const g = c.getContext('2d')!;
      this.raf = setInterval(() => this.draw(g, c), 1000 / SHARE_FPS);
      this.draw(g, c);
      this.track = c.captureStream(SHARE_FPS).getVideoTracks()[0] ?? null;
    }
    if (!this.track) throw new Error('the tower picture could not be captured');
    return this.track;
  }

  private draw(g: CanvasRenderingContext2D, c: HTMLCanvasElement): void {
    g.drawImage(this.video, 0, 0, c.width, c.height);
    const st = useAppStore.getState();
    const head = st.ptzCameraHead[this.cameraId];
    const pose = head ? st.ptzPoses[head] : undefined;
    const u = c.height / 20;
    g.strokeStyle = '#7cf29a';
    g.lineWidth = Math.max(1, u / 8);
    g.beginPath();
    g.moveTo(c.width / 2 - u, c.height / 2);
    g.lineTo(c.width / 2 + u, c.height / 2);
    g.moveTo(c.width / 2, c.height / 2 - u);
    g.lineTo(c.width / 2, c.height / 2 + u);
    g.stroke();
    if (!pose) return;
    g.font = `${Math.round(u)}px sans-serif`;
    g.textAlign = 'center';
    g.fillStyle = 'rgba(0,0,0,0.55)';
    g.fillRect(c.width / 2 - 6 * u, 0.3 * u, 12 * u, 1.4 * u);
    g.fillStyle = '#7cf29a';
    g.fillText(hudLines(pose).join('   '), c.width / 2, 1.35 * u);
  }

  stop(): void {
    clearInterval(this.raf);
    this.track?.stop();
    this.player.destroy();
    this.video.remove();
  }
}

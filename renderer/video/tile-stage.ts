import { HlsPlayer } from './hls-player';
import { LivePlayer, type PlayerState, type PlayerStats } from './live-player';

interface TilePlayer {
  stats(): PlayerStats;
  destroy(): void;
}

interface Layer {
  url: string;
  video: HTMLVideoElement;
  player: TilePlayer;
  state: PlayerState;
}

/**
 * The video layers of one tile. Switching source (main ↔ sub stream, another transport) starts the
 * new player on a hidden layer underneath and only swaps when it shows frames, so the operator never
 * sees a black flash; the old layer is then destroyed.
 */
export class TileStage {
  private layers: Layer[] = [];
  private destroyed = false;

  constructor(
    private readonly host: HTMLElement,
    private readonly onState: (s: PlayerState) => void,
  ) {}

  /** The layer the operator sees. */
  private get front(): Layer | undefined {
    return this.layers.find((l) => l.state === 'playing') ?? this.layers[0];
  }

  play(url: string): void {
    if (this.destroyed || this.layers.at(-1)?.url === url) return;
    const video = document.createElement('video');
    video.muted = true;
    video.autoplay = true;
    video.playsInline = true;
    video.disablePictureInPicture = true;
    video.className = 'layer pending';
    this.host.prepend(video);
    const layer: Layer = { url, video, state: 'connecting', player: { stats: () => ({ decodedFrames: 0, droppedFrames: 0, bufferSeconds: 0, restarts: 0 }), destroy: () => undefined } };
    const onState = (s: PlayerState) => this.layerState(layer, s);
    // An HLS playlist URL means the console was set to HLS for a weak link; everything else is live FLV.
    layer.player = /\.m3u8(\?|$)/.test(url) ? new HlsPlayer({ url, video, onState }) : new LivePlayer({ url, video, onState });
    this.layers.push(layer);
    if (this.layers.length === 1) {
      video.className = 'layer';
      this.onState(layer.state);
    }
  }

  stats(): PlayerStats | undefined {
    return this.front?.player.stats();
  }

  /** The video element on show (for tests and overlays). */
  frontVideo(): HTMLVideoElement | undefined {
    return this.front?.video;
  }

  destroy(): void {
    this.destroyed = true;
    for (const l of this.layers) this.drop(l);
    this.layers = [];
  }

  private layerState(layer: Layer, s: PlayerState): void {
    layer.state = s;
    const newest = this.layers.at(-1);
    if (layer === newest && s === 'playing') {
      // The new source shows frames: it becomes the tile, older layers go.
      for (const old of this.layers.slice(0, -1)) this.drop(old);
      this.layers = [layer];
      layer.video.className = 'layer';
    }
    // While a switch is pending, the tile reports the layer still on show.
    const shown = this.layers.length > 1 && this.layers[0]!.state === 'playing' ? this.layers[0]! : newest;
    if (shown) this.onState(shown.state);
  }

  private drop(layer: Layer): void {
    layer.player.destroy();
    layer.video.removeAttribute('src');
    layer.video.load();
    layer.video.remove();
  }
}

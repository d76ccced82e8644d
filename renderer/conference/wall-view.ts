import { host } from '../app/connection';
import { ConferenceCall, gridOf, type CallView } from './mesh';
import './conference.css';

/**
 * A conference on a wall pane: the software decoder page joins the room receive-only (it sends
 * nothing and is not shown in the grid) and draws the participant grid with names into its output.
 * Plain DOM, like the rest of the decoder page. If the room is not open (yet), it tries again.
 */
export class WallConferenceView {
  private readonly call = new ConferenceCall(host());
  /** The whole pane's grid; the decoder page sizes and offsets it to its panel's crop, like a video. */
  readonly grid = document.createElement('div');
  private readonly tiles = new Map<string, { el: HTMLElement; video: HTMLVideoElement; name: HTMLElement }>();
  private off: (() => void) | null = null;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  /** idle (room not open) → connecting → playing (pictures arrive). */
  state: 'idle' | 'connecting' | 'playing' = 'connecting';

  constructor(
    readonly roomId: string,
    parent: HTMLElement,
  ) {
    this.grid.className = 'dec-conf';
    this.grid.dataset.room = roomId;
    this.grid.dataset.testid = 'wall-conference';
    parent.append(this.grid);
    this.off = this.call.subscribe((v) => this.draw(v));
    void this.join();
  }

  private async join(): Promise<void> {
    try {
      await this.call.join({ roomId: this.roomId, receiveOnly: true, name: '大屏', playAudio: false });
    } catch {
      this.state = 'idle';
      if (!this.stopped) this.retry = setTimeout(() => void this.join(), 5000);
    }
  }

  /** Remote pictures decoding (for the decoder's report). */
  frames(): number {
    let n = 0;
    for (const t of this.tiles.values()) n += t.video.getVideoPlaybackQuality?.().totalVideoFrames ?? 0;
    return n;
  }

  private draw(v: CallView | null): void {
    if (!v) return;
    if (v.ended) {
      if (this.state === 'idle') return;
      this.state = 'idle';
      this.retry = setTimeout(() => {
        void this.call.leave().then(() => {
          if (!this.stopped) void this.join();
        });
      }, 5000);
      return;
    }
    const people = gridOf(v);
    const cols = Math.ceil(Math.sqrt(Math.max(1, people.length)));
    this.grid.style.gridTemplateColumns = `repeat(${cols}, 1fr)`;
    const present = new Set(people.map((p) => p.id));
    for (const [id, t] of this.tiles)
      if (!present.has(id)) {
        t.el.remove();
        this.tiles.delete(id);
      }
    for (const p of people) {
      let t = this.tiles.get(p.id);
      if (!t) {
        const el = document.createElement('figure');
        el.className = 'dec-conf-tile';
        const video = document.createElement('video');
        video.muted = true;
        video.autoplay = true;
        video.playsInline = true;
        const name = document.createElement('figcaption');
        el.append(video, name);
        this.grid.append(el);
        t = { el, video, name };
        this.tiles.set(p.id, t);
      }
      t.name.textContent = p.name;
      t.el.classList.toggle('speaking', v.speaker === p.id);
      t.el.dataset.peer = p.id;
      const stream = v.remote[p.id] ?? null;
      if (t.video.srcObject !== stream) {
        t.video.srcObject = stream;
        void t.video.play().catch(() => undefined);
      }
    }
    this.state = Object.keys(v.remote).length > 0 ? 'playing' : 'connecting';
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    this.off?.();
    void this.call.leave();
    this.grid.remove();
  }
}

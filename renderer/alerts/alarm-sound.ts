/**
 * The alarm tone: a two-tone siren made with Web Audio (no sound file, works offline), repeated while
 * an alert waits for a decision; louder and faster once it is escalated. Browsers start audio only
 * after a user gesture; an operator console has had one (the sign-in), a kiosk is started with
 * `--autoplay-policy=no-user-gesture-required`.
 */
export class AlarmSound {
  private ctx: AudioContext | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private level: 'normal' | 'escalated' | null = null;

  play(level: 'normal' | 'escalated'): void {
    if (this.level === level) return;
    this.stop();
    this.level = level;
    const every = level === 'escalated' ? 1200 : 2500;
    this.beep(level);
    this.timer = setInterval(() => this.beep(level), every);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.level = null;
  }

  private beep(level: 'normal' | 'escalated'): void {
    try {
      this.ctx ??= new AudioContext();
      const ctx = this.ctx;
      if (ctx.state === 'suspended') void ctx.resume();
      const gain = ctx.createGain();
      gain.gain.value = level === 'escalated' ? 0.5 : 0.25;
      gain.connect(ctx.destination);
      const osc = ctx.createOscillator();
      osc.type = 'square';
      const t = ctx.currentTime;
      for (let i = 0; i < 4; i++) osc.frequency.setValueAtTime(i % 2 ? 660 : 880, t + i * 0.18);
      osc.connect(gain);
      osc.start(t);
      osc.stop(t + 0.72);
    } catch {
      // No audio device: the flashing pop still shows.
    }
  }
}

/** Who edits the wall. */
export interface WallHold {
  clientId: string;
  since: number;
  until: number;
}

export type LockResult = { ok: true; hold: WallHold; fresh: boolean } | { ok: false; holder: WallHold };

/**
 * One console edits the wall at a time. Taking the lock, or any edit, holds it for `idleMs` more;
 * it lapses after that much inactivity. Pure: the clock is injected.
 */
export class WallLock {
  private hold: WallHold | undefined;

  constructor(private readonly opts: { now: () => number; idleMs: number }) {}

  /** The current holder, or undefined once the hold has lapsed. */
  holder(): WallHold | undefined {
    if (this.hold && this.hold.until <= this.opts.now()) this.hold = undefined;
    return this.hold;
  }

  /** Takes or renews the lock for a client; refuses while another client holds it. */
  acquire(clientId: string): LockResult {
    const now = this.opts.now();
    const current = this.holder();
    if (current && current.clientId !== clientId) return { ok: false, holder: current };
    this.hold = { clientId, since: current?.since ?? now, until: now + this.opts.idleMs };
    return { ok: true, hold: this.hold, fresh: !current };
  }

  /** Gives the lock up; false when the client did not hold it. */
  release(clientId: string): boolean {
    if (this.holder()?.clientId !== clientId) return false;
    this.hold = undefined;
    return true;
  }

  /** True once when a hold has just lapsed (so the change can be announced). */
  expired(): boolean {
    const had = this.hold !== undefined;
    return had && this.holder() === undefined;
  }
}

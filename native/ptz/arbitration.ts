import type { PtzPriority } from '../../common/contract/ptz';

/**
 * Who may steer a head. Whoever commands a free head holds it for `holdMs` after their last
 * command; others are refused until then, unless their priority is higher (operator < shift
 * leader < alarm), in which case they take it over. Pure: data and a clock.
 */

export const PRIORITY_RANK: Record<PtzPriority, number> = { operator: 0, leader: 1, alarm: 2 };

export interface Hold {
  clientId: string;
  /** The person behind the client, as the other consoles are told. */
  who?: string;
  priority: PtzPriority;
  since: number;
  until: number;
}

export type AcquireResult =
  | { ok: true; hold: Hold; /** The hold taken over, if any. */ tookFrom?: Hold; /** True when the holder or expiry changed kind (new hold or takeover). */ fresh: boolean }
  | { ok: false; holder: Hold };

export interface ArbiterOptions {
  now: () => number;
  /** How long a head stays held after its holder's last command, ms. */
  holdMs?: number;
}

export class PtzArbiter {
  private readonly holds = new Map<string, Hold>();
  private readonly now: () => number;
  readonly holdMs: number;

  constructor(opts: ArbiterOptions) {
    this.now = opts.now;
    this.holdMs = opts.holdMs ?? 30_000;
  }

  /** The current holder, if the hold has not expired. Expired holds stay until `expire` announces them. */
  holder(headId: string): Hold | undefined {
    const h = this.holds.get(headId);
    return h && h.until > this.now() ? h : undefined;
  }

  /**
   * Acts on a head: takes it if free or expired, renews the caller's own hold (keeping the
   * higher of its held and requested priority), takes it over with a higher priority, and
   * otherwise refuses with the holder.
   */
  acquire(headId: string, clientId: string, priority: PtzPriority = 'operator', who?: string): AcquireResult {
    const t = this.now();
    const current = this.holder(headId);
    if (current && current.clientId === clientId) {
      const p = PRIORITY_RANK[priority] > PRIORITY_RANK[current.priority] ? priority : current.priority;
      const hold: Hold = { clientId, ...(who ? { who } : {}), priority: p, since: current.since, until: t + this.holdMs };
      this.holds.set(headId, hold);
      return { ok: true, hold, fresh: p !== current.priority };
    }
    if (current && PRIORITY_RANK[priority] <= PRIORITY_RANK[current.priority]) return { ok: false, holder: current };
    const hold: Hold = { clientId, ...(who ? { who } : {}), priority, since: t, until: t + this.holdMs };
    this.holds.set(headId, hold);
    return current ? { ok: true, hold, tookFrom: current, fresh: true } : { ok: true, hold, fresh: true };
  }

  /** Would `acquire` succeed? Does not change anything. */
  wouldAllow(headId: string, clientId: string, priority: PtzPriority = 'operator'): boolean {
    const current = this.holder(headId);
    return !current || current.clientId === clientId || PRIORITY_RANK[priority] > PRIORITY_RANK[current.priority];
  }

  /** Gives a head up; only its holder can. Returns the released hold. */
  release(headId: string, clientId: string): Hold | undefined {
    const current = this.holder(headId);
    if (!current || current.clientId !== clientId) return undefined;
    this.holds.delete(headId);
    return current;
  }

  /** Removes and returns holds that have run out (so their end can be announced). */
  expire(): string[] {
    const t = this.now();
    const out: string[] = [];
    for (const [headId, h] of this.holds) {
      if (h.until <= t) {
        this.holds.delete(headId);
        out.push(headId);
      }
    }
    return out;
  }

  /** Heads currently held, for listing. */
  held(): [string, Hold][] {
    const t = this.now();
    return [...this.holds.entries()].filter(([, h]) => h.until > t);
  }
}

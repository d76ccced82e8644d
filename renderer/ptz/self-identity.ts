/**
 * Learns which client id the host gave this console, so a `ptz:control` event can be read as
 * "held by me" or "held by someone else". The host does not say it directly (its hello carries
 * no client id), but every motion command answers `heldUntil`, and the `ptz:control` event the
 * same claim announces carries the same `until` and the holder's client id. A millisecond
 * timestamp matched on the same head is taken as proof. `ptz:takeControl` answers the holder
 * outright. The id changes with every connection, so `reset()` on reconnect.
 */
const FORMER_KEY = 'skywatch.ptz.clientIds';

export class SelfIdentity {
  private id: string | null = null;
  private readonly acks: { headId: string; until: number }[] = [];
  private readonly holders: { headId: string; until: number; clientId: string }[] = [];
  /** Last `heldUntil` this console was answered, per head (for before the id is known). */
  private readonly lastAck = new Map<string, number>();
  /** Commands of this console awaiting their answer, per head. */
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly onLearn: (id: string) => void) {}

  get clientId(): string | null {
    return this.id;
  }

  reset(): void {
    this.id = null;
    this.acks.length = 0;
    this.holders.length = 0;
    this.lastAck.clear();
    this.inFlight.clear();
  }

  /**
   * A command to a head was sent / answered. The host announces the hold a command takes
   * before it answers the command, so until the answer comes a new hold on that head is
   * presumed ours rather than flashing up as someone else's.
   */
  sent(headId: string): void {
    this.inFlight.set(headId, (this.inFlight.get(headId) ?? 0) + 1);
  }

  answered(headId: string): void {
    const n = (this.inFlight.get(headId) ?? 1) - 1;
    if (n > 0) this.inFlight.set(headId, n);
    else this.inFlight.delete(headId);
  }

  /** A motion command's answer. */
  ack(headId: string, heldUntil: number): void {
    this.lastAck.set(headId, heldUntil);
    if (this.id) return;
    const hit = this.holders.find((h) => h.headId === headId && h.until === heldUntil);
    if (hit) this.learn(hit.clientId);
    else push(this.acks, { headId, until: heldUntil });
  }

  /** A `ptz:control` event's holder. */
  holder(headId: string, clientId: string, until: number): void {
    if (this.id) return;
    if (this.acks.some((a) => a.headId === headId && a.until === until)) this.learn(clientId);
    else push(this.holders, { headId, until, clientId });
  }

  /** The holder as answered to this console's own `ptz:takeControl`. */
  confirmed(clientId: string): void {
    if (!this.id) this.learn(clientId);
  }

  /** Whether a hold is this console's. */
  isMine(headId: string, clientId: string, until: number): boolean {
    if (this.id) return this.id === clientId;
    return this.lastAck.get(headId) === until || this.inFlight.has(headId);
  }

  /** Client ids this browser tab had on earlier connections (a reload or reconnect is a new client). */
  formerIds(): string[] {
    try {
      const v = JSON.parse(sessionStorage.getItem(FORMER_KEY) ?? '[]') as unknown;
      return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
    } catch {
      return [];
    }
  }

  private learn(id: string): void {
    this.id = id;
    try {
      const ids = [id, ...this.formerIds().filter((x) => x !== id)].slice(0, 8);
      sessionStorage.setItem(FORMER_KEY, JSON.stringify(ids));
    } catch {
      /* no session storage (tests, private mode): former connections are simply not recognised */
    }
    this.acks.length = 0;
    this.holders.length = 0;
    this.onLearn(id);
  }
}

function push<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > 32) list.shift();
}

const selfListeners = new Set<(id: string) => void>();

/** This console's identity at the host, kept up to date by the connection. */
export const selfIdentity = new SelfIdentity((id) => selfListeners.forEach((fn) => fn(id)));

/** Called with the client id once it is learned. */
export function onSelfLearned(fn: (id: string) => void): () => void {
  selfListeners.add(fn);
  return () => selfListeners.delete(fn);
}

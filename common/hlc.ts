/*
 * Hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", 2014). A timestamp is the
 * physical wall time in ms, a counter for events within the same ms (or while the physical clock lags
 * behind one already seen), and the node (site) that made it, which breaks ties deterministically.
 * The string form sorts the same way as the timestamps, so stores can compare HLCs as text.
 * Pure: the physical clock is passed in.
 */

/** A hybrid logical clock timestamp. */
export interface Hlc {
  /** Physical part, ms since the epoch. */
  readonly wall: number;
  /** Logical part: events at the same `wall`. */
  readonly counter: number;
  /** The node (site id) that issued it. */
  readonly node: string;
}

const WALL_DIGITS = 15;
const COUNTER_DIGITS = 6;
const MAX_COUNTER = 16 ** COUNTER_DIGITS - 1;
const NODE = /^[A-Za-z0-9_.:-]{1,64}$/;

/** How far ahead of our clock a remote timestamp may be before it is refused, ms (a broken clock, not skew). */
export const DEFAULT_MAX_DRIFT_MS = 24 * 3600_000;

export class HlcError extends Error {
  override name = 'HlcError';
}

/** `000001780000000000-00002a-site1`: sorts as the timestamps do. */
export function formatHlc(t: Hlc): string {
  return `${t.wall.toString().padStart(WALL_DIGITS, '0')}-${t.counter.toString(16).padStart(COUNTER_DIGITS, '0')}-${t.node}`;
}

const PATTERN = new RegExp(`^(\\d{${WALL_DIGITS}})-([0-9a-f]{${COUNTER_DIGITS}})-(.+)$`);

export function parseHlc(s: string): Hlc {
  const m = PATTERN.exec(s);
  if (!m || !NODE.test(m[3]!)) throw new HlcError(`not a hybrid logical clock timestamp: ${JSON.stringify(s).slice(0, 80)}`);
  return { wall: Number(m[1]), counter: parseInt(m[2]!, 16), node: m[3]! };
}

export function isHlc(s: unknown): s is string {
  return typeof s === 'string' && PATTERN.test(s) && NODE.test(PATTERN.exec(s)![3]!);
}

/** Orders two timestamps: wall, then counter, then node. */
export function compareHlc(a: Hlc, b: Hlc): number {
  return a.wall - b.wall || a.counter - b.counter || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0);
}

/** Orders two formatted timestamps (equal to comparing the parsed ones). */
export function compareHlcText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A node's clock: the last timestamp it issued or received, and its physical clock. */
export class HlcClock {
  private last: Hlc;

  constructor(
    readonly node: string,
    private readonly physical: () => number = Date.now,
    private readonly maxDriftMs = DEFAULT_MAX_DRIFT_MS,
  ) {
    if (!NODE.test(node)) throw new HlcError(`node id must be 1–64 letters, digits or _.:- (got ${JSON.stringify(node)})`);
    this.last = { wall: 0, counter: 0, node };
  }

  /** A timestamp for a local event, greater than every one issued or received before. */
  now(): string {
    const pt = this.physical();
    const wall = Math.max(this.last.wall, pt);
    const counter = wall === this.last.wall ? this.last.counter + 1 : 0;
    this.last = this.checked({ wall, counter, node: this.node });
    return formatHlc(this.last);
  }

  /** The last timestamp issued or received (every later `now()` is greater). */
  peek(): string {
    return formatHlc(this.last);
  }

  /** Takes in a timestamp from another node, so that later local events order after it. */
  receive(remote: string): void {
    const r = parseHlc(remote);
    const pt = this.physical();
    if (r.wall - pt > this.maxDriftMs) throw new HlcError(`timestamp ${remote} is ${Math.round((r.wall - pt) / 60000)} min ahead of this clock; check the clock of ${r.node}`);
    const wall = Math.max(this.last.wall, r.wall, pt);
    let counter = 0;
    if (wall === this.last.wall && wall === r.wall) counter = Math.max(this.last.counter, r.counter) + 1;
    else if (wall === this.last.wall) counter = this.last.counter + 1;
    else if (wall === r.wall) counter = r.counter + 1;
    this.last = this.checked({ wall, counter, node: this.node });
  }

  /** Restores the clock after a restart from the greatest timestamp stored. */
  seed(latest: string | null | undefined): void {
    if (!latest) return;
    const t = parseHlc(latest);
    if (compareHlc({ ...t, node: this.node }, this.last) > 0) this.last = { wall: t.wall, counter: t.counter, node: this.node };
  }

  private checked(t: Hlc): Hlc {
    if (t.counter > MAX_COUNTER) throw new HlcError('clock counter overflow: too many events within one millisecond');
    return t;
  }
}

import type { PtzAction } from '../../common/contract/ptz';

/**
 * Where PTZ actions are recorded. In memory for now; the audit trail and the duty log will
 * implement this interface (or subscribe to the `ptz:action` event) when they exist.
 */
export interface PtzActionLog {
  record(action: PtzAction): void;
  /** Newest last. */
  recent(limit?: number): PtzAction[];
}

/** A ring of the last `capacity` actions. */
export class MemoryActionLog implements PtzActionLog {
  private readonly ring: PtzAction[] = [];

  constructor(private readonly capacity = 1000) {}

  record(action: PtzAction): void {
    this.ring.push(action);
    if (this.ring.length > this.capacity) this.ring.splice(0, this.ring.length - this.capacity);
  }

  recent(limit = this.capacity): PtzAction[] {
    return this.ring.slice(-limit);
  }
}

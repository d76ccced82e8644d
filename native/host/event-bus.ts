import type { EventName, HostEvents } from '../../common/contract';

type Listener<E extends EventName> = (payload: HostEvents[E]) => void;
type AnyListener = (name: EventName, payload: HostEvents[EventName]) => void;

/** Typed in-host event bus: domains publish, the WebSocket layer and other domains subscribe. */
export class EventBus {
  private readonly listeners = new Map<EventName, Set<Listener<EventName>>>();
  private readonly all = new Set<AnyListener>();

  on<E extends EventName>(name: E, fn: Listener<E>): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(fn as Listener<EventName>);
    return () => set.delete(fn as Listener<EventName>);
  }

  onAny(fn: AnyListener): () => void {
    this.all.add(fn);
    return () => this.all.delete(fn);
  }

  emit<E extends EventName>(name: E, payload: HostEvents[E]): void {
    for (const fn of this.listeners.get(name) ?? []) fn(payload);
    for (const fn of this.all) fn(name, payload);
  }
}

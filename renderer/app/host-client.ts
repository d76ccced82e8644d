import type { CommandName, EventName, HostApi, HostError, HostEvents, ServerMessage } from '../../common/contract';

/** Connection to the host as the status bar shows it. */
export type LinkState = 'connecting' | 'open' | 'closed';

/** A failed call: the host's typed error. */
export class CallError extends Error {
  constructor(readonly error: HostError) {
    super(error.message);
    this.name = 'CallError';
  }
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * The renderer's one transport to the host: typed commands with replies and pushed events over a
 * WebSocket. It reconnects by itself (capped backoff); calls made while disconnected wait for the link.
 */
export class HostClient {
  private ws: WebSocket | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<(p: unknown) => void>>();
  private readonly stateListeners = new Set<(s: LinkState) => void>();
  /** This connection's id at the host, from its hello; null until then. */
  clientId: string | null = null;
  private readonly queue: string[] = [];
  private attempt = 0;
  private closed = false;
  state: LinkState = 'connecting';

  constructor(
    private readonly url: string,
    private readonly callTimeoutMs = 15_000,
  ) {}

  connect(): void {
    this.closed = false;
    this.setState('connecting');
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.setState('open');
      for (const text of this.queue.splice(0)) ws.send(text);
    };
    ws.onmessage = (ev: MessageEvent<string>) => this.receive(ev.data);
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.setState('closed');
      if (this.closed) return;
      // CONNECTING/OPEN => CLOSED => (backoff) => CONNECTING
      const delay = Math.min(10_000, 500 * 2 ** this.attempt++) * (0.8 + Math.random() * 0.4);
      setTimeout(() => this.connect(), delay);
    };
  }

  close(): void {
    this.closed = true;
    this.ws?.close();
  }

  call<K extends CommandName>(name: K, args: HostApi[K]['args']): Promise<HostApi[K]['result']> {
    const id = this.nextId++;
    const text = JSON.stringify({ t: 'call', id, name, args });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new CallError({ code: 'unavailable', message: `${name}: no reply within ${this.callTimeoutMs} ms` }));
      }, this.callTimeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(text);
      else this.queue.push(text);
    });
  }

  on<E extends EventName>(name: E, fn: (payload: HostEvents[E]) => void): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(fn as (p: unknown) => void);
    return () => set.delete(fn as (p: unknown) => void);
  }

  /** Called with the connection's id when the host greets a (re)connection. */
  onHello(fn: (clientId: string) => void): () => void {
    let set = this.listeners.get('$hello');
    if (!set) this.listeners.set('$hello', (set = new Set()));
    set.add(fn as (p: unknown) => void);
    return () => set.delete(fn as (p: unknown) => void);
  }

  onState(fn: (s: LinkState) => void): () => void {
    this.stateListeners.add(fn);
    return () => this.stateListeners.delete(fn);
  }

  private setState(s: LinkState): void {
    this.state = s;
    for (const fn of this.stateListeners) fn(s);
  }

  private receive(text: string): void {
    let msg: ServerMessage;
    try {
      msg = JSON.parse(text) as ServerMessage;
    } catch {
      console.warn('host sent malformed JSON');
      return;
    }
    if (msg.t === 'result') {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.ok) p.resolve(msg.value);
      else p.reject(new CallError(msg.error));
    } else if (msg.t === 'event') {
      for (const fn of this.listeners.get(msg.name) ?? []) fn(msg.payload);
    } else if (msg.t === 'hello') {
      this.clientId = msg.clientId;
      for (const fn of this.listeners.get('$hello') ?? []) fn(msg.clientId);
    } else if (msg.t === 'error') {
      console.warn(`host error: ${msg.error.message}`);
    }
  }
}

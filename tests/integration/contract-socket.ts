import WebSocket from 'ws';
import type { ServerMessage } from '../../common/contract';
import type { Role } from '../../common/auth';
import type { RunningHost } from '../../native/host/start';
import { sessionToken } from '../accounts';

/** A test client of the host's contract WebSocket: calls with replies, and every event received. */
export interface ContractSocket {
  call(name: string, args: unknown): Promise<ServerMessage>;
  /** The call's value; throws with the whole reply when it is not a success. */
  value<T = unknown>(name: string, args: unknown): Promise<T>;
  readonly events: { name: string; payload: Record<string, unknown> }[];
  close(): void;
}

/** A contract socket; with `as`, signed in as the test account of that role (tests/accounts.ts). */
export async function openContractSocket(host: RunningHost, opts: { as?: Role; /** Another connection token (a device or a conference link). */ token?: string } = {}): Promise<ContractSocket> {
  const ws = new WebSocket(`${host.url.replace('http', 'ws')}/api/ws?token=${encodeURIComponent(opts.token ?? host.token)}`);
  const waiting = new Map<number, (m: ServerMessage) => void>();
  const events: ContractSocket['events'] = [];
  let nextId = 1;
  ws.on('message', (d) => {
    const m = JSON.parse(String(d)) as ServerMessage;
    if (m.t === 'event') events.push({ name: m.name, payload: m.payload as Record<string, unknown> });
    if (m.t === 'result') waiting.get(m.id)?.(m);
  });
  await new Promise((r) => ws.once('open', r));
  const socket: ContractSocket = {
    events,
    call: (name, args) => {
      const id = nextId++;
      return new Promise((resolve) => {
        waiting.set(id, resolve);
        ws.send(JSON.stringify({ t: 'call', id, name, args }));
      });
    },
    value: async <T,>(name: string, args: unknown): Promise<T> => {
      const m = await socket.call(name, args);
      if (m.t !== 'result' || !m.ok) throw new Error(`${name}: ${JSON.stringify(m)}`);
      return m.value as T;
    },
    close: () => ws.close(),
  };
  if (opts.as) {
    const r = await socket.call('auth:resume', { sessionToken: await sessionToken(host, opts.as) });
    if (r.t !== 'result' || !r.ok) throw new Error(`could not sign in as ${opts.as}: ${JSON.stringify(r)}`);
  }
  return socket;
}


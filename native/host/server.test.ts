import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ServerMessage } from '../../common/contract';
import { EventBus } from './event-bus';
import { HandlerRegistry } from './registry';
import { startHostServer, type HostServer } from './server';

let server: HostServer;
const bus = new EventBus();

beforeAll(async () => {
  const registry = new HandlerRegistry();
  registry.register({ 'app:ping': ({ sentAt }) => ({ sentAt, hostTime: Date.now() }) });
  server = await startHostServer({ host: '127.0.0.1', port: 0, token: 'secret-token', registry, bus, log: () => undefined });
});
afterAll(() => server.close());

function open(path: string): Promise<{ ws: WebSocket; messages: ServerMessage[]; next(): Promise<ServerMessage> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}${path}`);
    const messages: ServerMessage[] = [];
    const waiters: ((m: ServerMessage) => void)[] = [];
    ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as ServerMessage;
      const w = waiters.shift();
      if (w) w(m);
      else messages.push(m);
    });
    ws.on('open', () =>
      resolve({ ws, messages, next: () => new Promise((r) => (messages.length ? r(messages.shift()!) : waiters.push(r))) }),
    );
    ws.on('error', reject);
  });
}

describe('host server', () => {
  it('refuses HTTP API and WebSocket without the token', async () => {
    expect((await fetch(`${server.url}/api/ws`)).status).toBe(401);
    expect((await fetch(`${server.url}/media/t01-visible/main.flv`)).status).toBe(401);
    expect((await fetch(`${server.url}/media/t01-visible/main.flv?token=wrong`)).status).toBe(401);
    await expect(open('/api/ws')).rejects.toThrow(/401/);
    await expect(open('/api/ws?token=secret-tokeX')).rejects.toThrow(/401/);
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
  });

  it('answers calls, survives garbage, and keeps serving', async () => {
    const c = await open('/api/ws?token=secret-token');
    expect((await c.next()).t).toBe('hello');
    c.ws.send('not json at all');
    expect(await c.next()).toMatchObject({ t: 'error', error: { code: 'bad_message' } });
    c.ws.send(Buffer.from([0, 1, 2, 3]), { binary: true });
    expect(await c.next()).toMatchObject({ t: 'error', error: { code: 'bad_message' } });
    c.ws.send(JSON.stringify({ t: 'call', id: 9, name: 'nope:nope', args: {} }));
    expect(await c.next()).toMatchObject({ t: 'result', id: 9, ok: false, error: { code: 'unknown_command' } });
    c.ws.send(JSON.stringify({ t: 'call', id: 10, name: 'app:ping', args: { sentAt: 1 } }));
    expect(await c.next()).toMatchObject({ t: 'result', id: 10, ok: true, value: { sentAt: 1 } });
    c.ws.close();
  });

  it('pushes bus events to every client', async () => {
    const a = await open('/api/ws?token=secret-token');
    const b = await open('/api/ws?token=secret-token');
    await a.next();
    await b.next();
    bus.emit('app:tick', { hostTime: 123 });
    expect(await a.next()).toEqual({ t: 'event', name: 'app:tick', payload: { hostTime: 123 } });
    expect(await b.next()).toEqual({ t: 'event', name: 'app:tick', payload: { hostTime: 123 } });
    a.ws.close();
    b.ws.close();
  });

  it('accepts the token as a bearer header and 404s unknown endpoints', async () => {
    const r = await fetch(`${server.url}/api/nothing`, { headers: { authorization: 'Bearer secret-token' } });
    expect(r.status).toBe(404);
    await expect(open('/elsewhere?token=secret-token')).rejects.toThrow(/404/);
  });
});

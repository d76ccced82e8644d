import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SecurityPolicySchema } from '../../common/auth';
import type { ServerMessage } from '../../common/contract';
import { dispatch } from '../host/dispatch';
import { HandlerRegistry, type CallContext } from '../host/registry';
import { auditDetail, createSecurityDomain, type SecurityDomain } from './domain';

let dir: string;
let clock: number;
let domain: SecurityDomain;
let registry: HandlerRegistry;

function context(id: string): CallContext & { pushed: { name: string; payload: unknown }[] } {
  const pushed: { name: string; payload: unknown }[] = [];
  return { clientId: id, device: { id: 'local', name: 'console', kind: 'console' }, remoteAddress: '127.0.0.1', pushed, push: (name, payload) => pushed.push({ name, payload }) };
}

let nextId = 1;
async function call(ctx: CallContext, name: string, args: unknown): Promise<ServerMessage> {
  return dispatch(JSON.stringify({ t: 'call', id: nextId++, name, args }), registry, ctx, () => undefined, domain.gate);
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  dir = mkdtempSync(join(tmpdir(), 'security-domain-'));
  clock = Date.UTC(2026, 10, 23, 8, 0, 0);
  domain = createSecurityDomain({ dataDir: dir, policy: SecurityPolicySchema.parse({ idleTimeoutMinutes: 1 }), timeZone: 'Asia/Shanghai', log: () => undefined, now: () => clock });
  registry = new HandlerRegistry();
  registry.register(domain.handlers);
  // A command that only looks, and one that changes something (its refusal is what matters here).
  registry.register({ 'ptz:heads': () => [], 'ptz:stop': () => ({ headId: 'h', heldUntil: 0 }) });
});

afterEach(() => {
  domain.close();
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

describe('sessions', () => {
  it('lock after the idle time; looking does not count as activity; only the same password unlocks', async () => {
    const ctx = context('c1');
    domain.connected(ctx, () => undefined);
    expect(await call(ctx, 'auth:setupAdmin', { username: 'admin', displayName: '管理员', password: 'Guard-pass-2026' })).toMatchObject({ ok: true });
    clock += 30_000;
    await call(ctx, 'ptz:heads', {}); // viewing only
    clock += 35_000;
    vi.advanceTimersByTime(5000);
    expect(ctx.pushed).toContainEqual({ name: 'auth:session', payload: { state: 'locked', reason: 'idle' } });
    expect(await call(ctx, 'ptz:heads', {})).toMatchObject({ ok: false, error: { code: 'unauthorized', message: expect.stringContaining('locked') } });
    expect(await call(ctx, 'auth:status', {})).toMatchObject({ ok: true, value: { state: 'locked' } });
    expect(await call(ctx, 'auth:unlock', { password: 'nope' })).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    const unlocked = await call(ctx, 'auth:unlock', { password: 'Guard-pass-2026' });
    expect(unlocked, JSON.stringify(unlocked)).toMatchObject({ ok: true });
    expect(await call(ctx, 'ptz:heads', {})).toMatchObject({ ok: true });
  });

  it('stay open while the operator works or reports input', async () => {
    const ctx = context('c2');
    domain.connected(ctx, () => undefined);
    await call(ctx, 'auth:setupAdmin', { username: 'admin', displayName: '管理员', password: 'Guard-pass-2026' });
    for (let i = 0; i < 6; i++) {
      clock += 40_000;
      await call(ctx, ...((i % 2 ? ['auth:activity', {}] : ['ptz:stop', { cameraId: 'c' }]) as [string, unknown]));
      vi.advanceTimersByTime(5000);
    }
    expect(ctx.pushed.filter((p) => p.name === 'auth:session')).toEqual([]);
  });

  it('resume on a new connection with the token, and end for every connection on sign-out', async () => {
    const a = context('a');
    const b = context('b');
    domain.connected(a, () => undefined);
    domain.connected(b, () => undefined);
    const r = await call(a, 'auth:setupAdmin', { username: 'admin', displayName: '管理员', password: 'Guard-pass-2026' });
    const token = (r as { value: { sessionToken: string } }).value.sessionToken;
    expect(domain.receives(b, 'ptz:control')).toBe(false);
    expect(domain.receives(b, 'wall:decoderState')).toBe(true);
    expect(domain.receives(b, 'ptz:pose')).toBe(true);
    expect(await call(b, 'auth:resume', { sessionToken: token })).toMatchObject({ ok: true, value: { user: { username: 'admin', role: 'admin' } } });
    expect(domain.receives(b, 'ptz:control')).toBe(true);
    expect(await call(a, 'auth:signOut', {})).toMatchObject({ ok: true });
    expect(b.pushed).toContainEqual({ name: 'auth:session', payload: { state: 'signedOut', reason: 'signed out' } });
    expect(await call(b, 'ptz:heads', {})).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(await call(b, 'auth:resume', { sessionToken: token })).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
  });
});

describe('audit detail', () => {
  it('never carries a secret', () => {
    const d = auditDetail({ username: 'li', password: 'P@ss', nested: { token: 'dev_x', newPassword: 'y' } });
    expect(d).toContain('li');
    expect(d).not.toMatch(/P@ss|dev_x|"y"/);
  });
});

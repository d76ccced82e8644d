import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { can, ROLES, type Permission } from '../../common/auth';
import { COMMAND_ACCESS, type CommandName, type ServerMessage } from '../../common/contract';
import { startHost, type RunningHost } from '../../native/host/start';
import { ensureTestAccounts, TEST_PASSWORD, TEST_USERS } from '../accounts';
import { openContractSocket, type ContractSocket } from './contract-socket';

let host: RunningHost;
const dataDir = mkdtempSync(join(tmpdir(), 'security-'));

beforeAll(async () => {
  host = await startHost({ port: 0, staticDir: null, dataDir, log: () => undefined });
  await ensureTestAccounts(host);
}, 60_000);
afterAll(() => host.close());

const privileged = (Object.entries(COMMAND_ACCESS) as [CommandName, (typeof COMMAND_ACCESS)[CommandName]][]).filter(
  ([, a]) => a.need !== 'connection' && a.need !== 'session',
) as [CommandName, { need: Permission }][];

function errorOf(m: ServerMessage): string | undefined {
  return m.t === 'result' && !m.ok ? m.error.code : m.t === 'error' ? m.error.code : undefined;
}

describe('accounts and permissions enforced by the host', () => {
  it('refuses every command but sign-in to a connection with nobody signed in', async () => {
    const anon = await openContractSocket(host);
    const status = await anon.call('auth:status', {});
    expect(status).toMatchObject({ ok: true, value: { setupRequired: false, state: 'signedOut', user: null } });
    for (const [name] of privileged) {
      expect(errorOf(await anon.call(name, {})), name).toBe('unauthorized');
    }
    // A second administrator cannot be created by whoever reaches the host first.
    expect(errorOf(await anon.call('auth:setupAdmin', { username: 'mallory', displayName: 'M', password: 'Xx-1234567890' }))).toBe('conflict');
    anon.close();
  });

  it('lets each role do exactly what its permissions allow', async () => {
    for (const role of ROLES) {
      const s = await openContractSocket(host, { as: role });
      for (const [name, access] of privileged) {
        const code = errorOf(await s.call(name, {}));
        if (can(role, access.need)) expect(code, `${role} ${name}`).not.toBe('forbidden');
        else expect(code, `${role} ${name}`).toBe('forbidden');
        expect(code, `${role} ${name}`).not.toBe('unauthorized');
      }
      s.close();
    }
  }, 60_000);

  it('locks an account after five wrong passwords, and writes every attempt to the audit trail', async () => {
    const admin = await openContractSocket(host, { as: 'admin' });
    const made = await admin.call('user:create', { username: 'zhangsan', displayName: '张三', role: 'operator', password: 'Temp-pass-2026' });
    expect(made).toMatchObject({ ok: true, value: { username: 'zhangsan', mustChangePassword: true } });
    const s = await openContractSocket(host);
    for (let i = 0; i < 5; i++) expect(errorOf(await s.call('auth:signIn', { username: 'zhangsan', password: 'wrong' }))).toBe('unauthorized');
    const locked = await s.call('auth:signIn', { username: 'zhangsan', password: 'Temp-pass-2026' });
    expect(locked).toMatchObject({ ok: false, error: { code: 'forbidden', message: expect.stringContaining('locked') } });
    // The administrator lifts it with a new temporary password.
    expect(await admin.call('user:resetPassword', { username: 'zhangsan', password: 'Another-temp-2026' })).toMatchObject({ ok: true });
    const ok = await s.call('auth:signIn', { username: 'zhangsan', password: 'Another-temp-2026' });
    expect(ok).toMatchObject({ ok: true, value: { mustChangePassword: true, user: { role: 'operator' } } });
    // Until the password is changed, nothing but the change is allowed.
    expect(errorOf(await s.call('site:get', {}))).toBe('forbidden');
    expect(await s.call('auth:changePassword', { oldPassword: 'Another-temp-2026', newPassword: 'Zhang-san-2026!' })).toMatchObject({ ok: true });
    expect(await s.call('site:get', {})).toMatchObject({ ok: true });
    s.close();

    const trail = await admin.call('audit:query', { actor: 'zhangsan', action: 'auth.signIn' });
    expect(trail.t === 'result' && trail.ok).toBe(true);
    const rows = (trail as { value: { rows: { outcome: string; detail: string }[] } }).value.rows;
    expect(rows.filter((r) => r.outcome === 'denied').length).toBe(6);
    expect(rows.filter((r) => r.outcome === 'ok').length).toBe(1);
    const created = (await admin.call('audit:query', { action: 'user:create', text: 'zhangsan' })) as { value: { rows: { actor: string; detail: string }[] } };
    expect(created.value.rows[0]).toMatchObject({ actor: TEST_USERS.admin });
    // No password ever reaches the trail.
    expect(JSON.stringify(created.value.rows)).not.toContain('Temp-pass-2026');
    admin.close();
  });

  it('keeps credentials in the host: the site as the console sees it has no passwords or stream URLs', async () => {
    const s = await openContractSocket(host, { as: 'operator' });
    const r = await s.call('site:get', {});
    const text = JSON.stringify(r);
    expect(text).not.toMatch(/password|rtsp:\/\/|skywatch-sim/i);
    s.close();
  });

  it('detects an edited audit record', async () => {
    const admin = await openContractSocket(host, { as: 'admin' });
    expect(await admin.call('audit:verify', {})).toMatchObject({ ok: true, value: { ok: true, firstBad: null } });
    const dir = join(dataDir, 'audit');
    const file = join(dir, readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort()[0]!);
    const lines = readFileSync(file, 'utf8').split('\n');
    const i = lines.findIndex((l) => l.includes('"auth.signIn"') && l.includes('"denied"'));
    expect(i).toBeGreaterThanOrEqual(0);
    // Someone turns a refused sign-in into a successful one.
    lines[i] = lines[i]!.replace('"denied"', '"ok"');
    writeFileSync(file, lines.join('\n'));
    const v = await admin.call('audit:verify', {});
    expect(v).toMatchObject({ ok: true, value: { ok: false, firstBad: { reason: expect.stringMatching(/hash|edited/i) } } });
    admin.close();
  });
});

describe('who reaches the host', () => {
  const wsUrl = (token: string) => `${host.url.replace('http', 'ws')}/api/ws?token=${encodeURIComponent(token)}`;
  const opened = (ws: WebSocket) =>
    new Promise<number>((resolve) => {
      ws.once('open', () => resolve(101));
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('error', () => resolve(-1));
    });

  it('refuses a page of another origin', async () => {
    expect(await opened(new WebSocket(wsUrl(host.token), { headers: { origin: 'http://evil.example' } }))).toBe(403);
    const own = new WebSocket(wsUrl(host.token), { headers: { origin: host.url } });
    expect(await opened(own)).toBe(101);
    own.close();
  });

  it('admits a device with its own token, and cuts it off when the token is revoked', async () => {
    const admin: ContractSocket = await openContractSocket(host, { as: 'admin' });
    const issued = (await admin.call('device:issue', { name: '触控终端 1', kind: 'touch' })) as { value: { token: string; device: { id: string } } };
    const token = issued.value.token;
    expect(token).toMatch(/^dev_/);
    const ws = new WebSocket(wsUrl(token));
    const messages: ServerMessage[] = [];
    ws.on('message', (d) => messages.push(JSON.parse(String(d)) as ServerMessage));
    expect(await opened(ws)).toBe(101);
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.send(JSON.stringify({ t: 'call', id: 1, name: 'auth:signIn', args: { username: TEST_USERS.operator, password: TEST_PASSWORD } }));
    await expect.poll(() => messages.find((m) => m.t === 'result')).toMatchObject({ ok: true });
    expect(messages.find((m) => m.t === 'hello')).toBeTruthy();
    await admin.call('device:revoke', { id: issued.value.device.id });
    expect(await closed).toBe(4001);
    expect(await opened(new WebSocket(wsUrl(token)))).toBe(401);
    expect((await fetch(`${host.url}/api/snapshot/t01-visible.jpg?token=${token}`)).status).toBe(401);
    admin.close();
  });
});

describe('the host on the LAN', () => {
  it('listens with TLS and a generated certificate, and serves the contract over WSS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'security-tls-'));
    const lan = await startHost({ port: 0, staticDir: null, dataDir: dir, tls: true, log: () => undefined });
    try {
      expect(lan.url).toMatch(/^https:\/\//);
      const ws = new WebSocket(`${lan.url.replace('https', 'wss')}/api/ws?token=${lan.token}`, { rejectUnauthorized: false });
      const hello = await new Promise<ServerMessage>((resolve, reject) => {
        ws.once('message', (d) => resolve(JSON.parse(String(d)) as ServerMessage));
        ws.once('error', reject);
      });
      expect(hello).toMatchObject({ t: 'hello' });
      ws.close();
      // Plain HTTP to a TLS port gets nowhere.
      await expect(fetch(lan.url.replace('https', 'http') + '/api/health')).rejects.toThrow();
    } finally {
      await lan.close();
    }
  }, 60_000);
});

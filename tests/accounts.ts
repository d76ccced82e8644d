import WebSocket from 'ws';
import type { Role } from '../common/auth';
import type { ServerMessage } from '../common/contract';
import type { RunningHost } from '../native/host/start';

/**
 * Accounts for tests and benchmarks, made the way an administrator makes them: the first start
 * creates the administrator, who creates one account per role; each person then sets their own
 * password at first sign-in. Only for hosts with a fresh data folder.
 */
export const TEST_PASSWORD = 'Test-pass-2026';
export const TEST_USERS: Record<Role, string> = { admin: 'admin', leader: 'leader1', operator: 'operator1', viewer: 'viewer1' };
const TEMP_PASSWORD = 'Temp-pass-2026';

/** One call on a fresh connection; the reply's value, or an Error with the host's message. */
async function callOnce(host: RunningHost, calls: { name: string; args: unknown }[]): Promise<unknown[]> {
  const ws = new WebSocket(`${host.url.replace('http', 'ws')}/api/ws?token=${host.token}`);
  const waiting = new Map<number, (m: ServerMessage) => void>();
  ws.on('message', (d) => {
    const m = JSON.parse(String(d)) as ServerMessage;
    if (m.t === 'result') waiting.get(m.id)?.(m);
  });
  await new Promise((r, j) => {
    ws.once('open', r);
    ws.once('error', j);
  });
  const out: unknown[] = [];
  try {
    for (const [i, c] of calls.entries()) {
      const m = await new Promise<ServerMessage>((resolve) => {
        waiting.set(i + 1, resolve);
        ws.send(JSON.stringify({ t: 'call', id: i + 1, name: c.name, args: c.args }));
      });
      if (m.t !== 'result') throw new Error(`unexpected reply to ${c.name}`);
      if (!m.ok) throw new Error(`${c.name}: ${m.error.message}${m.error.issues ? ` (${m.error.issues.map((x) => x.message).join('; ')})` : ''}`);
      out.push(m.value);
    }
  } finally {
    ws.close();
  }
  return out;
}

const ready = new WeakMap<RunningHost, Promise<void>>();

/** Creates the administrator and one account per role (once per host), all with TEST_PASSWORD. */
export function ensureTestAccounts(host: RunningHost): Promise<void> {
  let p = ready.get(host);
  if (!p) {
    p = (async () => {
      const calls: { name: string; args: unknown }[] = [
        { name: 'auth:setupAdmin', args: { username: TEST_USERS.admin, displayName: '系统管理员', password: TEST_PASSWORD } },
      ];
      const names: Record<Exclude<Role, 'admin'>, string> = { leader: '王值班长', operator: '李值班员', viewer: '演示观看' };
      for (const [role, displayName] of Object.entries(names)) {
        calls.push({ name: 'user:create', args: { username: TEST_USERS[role as Role], displayName, role, password: TEMP_PASSWORD } });
      }
      await callOnce(host, calls);
      for (const role of ['leader', 'operator', 'viewer'] as const) {
        await callOnce(host, [
          { name: 'auth:signIn', args: { username: TEST_USERS[role], password: TEMP_PASSWORD } },
          { name: 'auth:changePassword', args: { oldPassword: TEMP_PASSWORD, newPassword: TEST_PASSWORD } },
        ]);
      }
    })();
    ready.set(host, p);
  }
  return p;
}

/** A session token of the test account of `role`; a page resumes it from session storage. */
export async function sessionToken(host: RunningHost, role: Role = 'leader'): Promise<string> {
  await ensureTestAccounts(host);
  const [info] = await callOnce(host, [{ name: 'auth:signIn', args: { username: TEST_USERS[role], password: TEST_PASSWORD } }]);
  return (info as { sessionToken: string }).sessionToken;
}

/** Session storage key the console resumes its session from. */
export const SESSION_STORAGE_KEY = 'skywatch.session';

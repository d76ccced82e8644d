import { can, type Permission } from '../../common/auth';
import type { SessionInfo } from '../../common/contract';
import { host } from '../app/connection';
import { CallError } from '../app/host-client';
import { useAppStore } from '../app/store';
import { translate, type MessageKey } from '../i18n';

/**
 * The person at this console: sign-in, first administrator, idle lock, password change, sign-out.
 * The session token lives in session storage so a reload or reconnect resumes it; closing the
 * window ends it.
 */
const SESSION_KEY = 'skywatch.session';
/** Input is reported to the host at most this often; it keeps the session from locking while idle. */
const ACTIVITY_EVERY_MS = 30_000;

function storeToken(token: string | null): void {
  try {
    if (token) sessionStorage.setItem(SESSION_KEY, token);
    else sessionStorage.removeItem(SESSION_KEY);
  } catch {
    /* storage unavailable: the session lasts as long as the connection */
  }
}

function storedToken(): string | null {
  try {
    return sessionStorage.getItem(SESSION_KEY);
  } catch {
    return null;
  }
}

const listeners = new Set<() => void>();
/** Runs `fn` each time a session becomes active on the connection (sign-in, resume, unlock). */
export function onSignedIn(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function activate(info: SessionInfo): void {
  storeToken(info.sessionToken);
  const st = useAppStore.getState();
  const wasActive = st.auth?.state === 'active' && !st.session?.mustChangePassword;
  useAppStore.setState({ session: info, auth: st.auth ? { ...st.auth, state: 'active', user: info.user, setupRequired: false } : st.auth });
  if (!wasActive && !info.mustChangePassword) for (const fn of listeners) fn();
}

/** On every (re)connection: resume the stored session if there is one, then read the state. */
export async function refreshAuth(): Promise<void> {
  const c = host();
  const token = storedToken();
  let resumed: SessionInfo | null = null;
  if (token) {
    resumed = await c.call('auth:resume', { sessionToken: token }).catch(() => null);
    if (!resumed) storeToken(null);
  }
  const status = await c.call('auth:status', {});
  useAppStore.setState({ auth: status, session: status.state === 'signedOut' ? null : resumed });
  if (status.state === 'active' && resumed && !resumed.mustChangePassword) for (const fn of listeners) fn();
}

export async function signIn(username: string, password: string): Promise<void> {
  activate(await host().call('auth:signIn', { username, password }));
}

export async function setupAdmin(username: string, displayName: string, password: string): Promise<void> {
  activate(await host().call('auth:setupAdmin', { username, displayName, password }));
}

export async function unlock(password: string): Promise<void> {
  activate(await host().call('auth:unlock', { password }));
}

export async function changePassword(oldPassword: string, newPassword: string): Promise<void> {
  await host().call('auth:changePassword', { oldPassword, newPassword });
  const s = useAppStore.getState().session;
  if (s) activate({ ...s, mustChangePassword: false });
}

export async function signOut(): Promise<void> {
  await host().call('auth:signOut', {}).catch(() => undefined);
  signedOut();
}

/** The host ended the session (signed out elsewhere, disabled, reset) or this console did. */
export function signedOut(): void {
  storeToken(null);
  const st = useAppStore.getState();
  useAppStore.setState({ session: null, auth: st.auth ? { ...st.auth, state: 'signedOut', user: null } : null });
}

export function locked(): void {
  const st = useAppStore.getState();
  if (st.auth) useAppStore.setState({ auth: { ...st.auth, state: 'locked' } });
}

let lastActivity = 0;
/** Operator input (mouse, keys, touch, joystick): tells the host, at most every 30 s. */
export function reportActivity(): void {
  const t = Date.now();
  if (t - lastActivity < ACTIVITY_EVERY_MS) return;
  const st = useAppStore.getState();
  if (st.auth?.state !== 'active') return;
  lastActivity = t;
  host()
    .call('auth:activity', {})
    .catch(() => undefined);
}

/** Does the signed-in person have this permission? (The host decides; this only greys out controls.) */
export function useCan(permission: Permission): boolean {
  return useAppStore((s) => s.auth?.state === 'active' && can(s.session?.user.role, permission));
}

/** A host refusal in the operator's language where we know the case, else the host's own words. */
export function authErrorText(lang: 'zh-CN' | 'en', e: unknown): string {
  if (!(e instanceof CallError)) return String(e);
  const { code, message, issues } = e.error;
  let key: MessageKey | undefined;
  if (code === 'unauthorized' && /wrong user name or password/.test(message)) key = 'auth.err.wrong';
  else if (code === 'unauthorized' && /current password/.test(message)) key = 'auth.err.oldWrong';
  else if (code === 'forbidden' && /locked/.test(message)) key = 'auth.err.locked';
  else if (code === 'forbidden' && /disabled/.test(message)) key = 'auth.err.disabled';
  else if (code === 'forbidden' && /too many/.test(message)) key = 'auth.err.rate';
  const detail = issues?.map((i) => i.message).join('；');
  const minutes = /(\d+) min/.exec(message)?.[1];
  const text = key ? translate(lang, key, { minutes: minutes ?? '' }) : message;
  return detail ? `${text}：${detail}` : text;
}

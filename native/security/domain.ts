import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { can, ROLE_LABEL, type Permission, type SecurityPolicy } from '../../common/auth';
import {
  COMMAND_ACCESS,
  HostFailure,
  type CommandName,
  type HostError,
  type SessionInfo,
  type UserView,
} from '../../common/contract';
import { AccountStore } from '../auth/accounts';
import { DeviceStore } from '../auth/devices';
import { RateLimiter } from '../auth/rate-limit';
import { AuditTrail } from '../audit/trail';
import type { CallGate, Logger } from '../host/dispatch';
import { LOCAL_CONSOLE, type CallContext, type DeviceIdentity, type HandlerMap, type Session } from '../host/registry';

/**
 * Accounts, sessions, device tokens, permissions and the audit trail, wired together: the gate the
 * dispatcher runs every command through, and the handlers of `auth:*`, `user:*`, `device:*`,
 * `audit:*`. Spec: docs/security.md.
 */
export interface SecurityDomain {
  gate: CallGate;
  handlers: HandlerMap;
  /** Identity for a connection token: the host's own token is the local console; else a device token. */
  deviceFor(token: string | undefined, hostTokenMatches: boolean): DeviceIdentity | undefined;
  /** A connection closed: forget it (its session lives on for a reconnect until it times out). */
  disconnected(ctx: CallContext): void;
  /** Register a connection so a revoked device or a closed account can be cut off. */
  connected(ctx: CallContext, close: (reason: string) => void): void;
  /** Site events reach connections with a person signed in; devices hear only their own. */
  receives(ctx: CallContext, event: string): boolean;
  /** Records something that happened outside a command (host start, a token refused). */
  audit: AuditTrail;
  close(): void;
}

export interface SecurityOptions {
  dataDir: string;
  policy: SecurityPolicy;
  timeZone: string;
  log: Logger;
  now?: () => number;
}

/** How long a locked session may still be unlocked with the password before it is closed, ms. */
const LOCKED_SESSION_MAX_MS = 12 * 3600_000;
const IDLE_CHECK_MS = 5000;
/** Events a device without a person (a decoder page) needs: the clock, its own layout, and PTZ poses for the HUD it draws. */
const DEVICE_EVENTS = new Set(['app:tick', 'wall:decoderState', 'wall:ledState', 'ptz:pose']);
/** Argument keys never written to the audit trail. */
const SECRET_KEY = /password|token|secret/i;

const PERMISSION_WORDS: Record<Permission, string> = {
  view: 'view the site',
  'ptz.control': 'steer PTZ heads',
  'ptz.leader': 'take PTZ control as shift leader',
  'ptz.configure': 'change presets and cruise plans',
  'wall.operate': 'operate the video wall',
  'wall.configure': 'change wall scenes, schedules and the alarm region',
  export: 'export evidence',
  'alerts.verify': 'verify alerts',
  'duty.edit': 'write duty records',
  'duty.approve': 'approve duty records',
  'audit.read': 'read the audit trail',
  'audit.export': 'export or verify the audit trail',
  'users.manage': 'manage accounts and device tokens',
  'site.configure': 'change the site configuration',
  'demo.run': 'run the demonstration',
  'health.manage': 'assign and close fault tickets',
};

/** The thing a command acts on, for the audit trail's target column. */
function targetOf(args: unknown): string {
  if (typeof args !== 'object' || args === null) return '';
  const a = args as Record<string, unknown>;
  for (const k of ['cameraId', 'username', 'decoderId', 'windowId', 'name', 'id', 'headId']) {
    if (typeof a[k] === 'string' || typeof a[k] === 'number') return String(a[k]);
  }
  return '';
}

/** Arguments as JSON with every secret replaced, short enough for one audit row. */
export function auditDetail(args: unknown): string {
  const text = JSON.stringify(args, (k, v: unknown) => (SECRET_KEY.test(k) ? '***' : v)) ?? '';
  return text === '{}' ? '' : text.length > 600 ? `${text.slice(0, 600)}…` : text;
}

export function createSecurityDomain(opts: SecurityOptions): SecurityDomain {
  const now = opts.now ?? Date.now;
  const { policy, log } = opts;
  const authDir = join(opts.dataDir, 'auth');
  mkdirSync(authDir, { recursive: true, mode: 0o700 });
  const accounts = AccountStore.open({ file: join(authDir, 'accounts.json'), policy, now });
  const devices = DeviceStore.open({ file: join(authDir, 'devices.json'), now });
  const audit = AuditTrail.open({ dir: join(opts.dataDir, 'audit'), retentionDays: policy.auditRetentionDays, timeZone: opts.timeZone, now, log });
  const exportDir = join(opts.dataDir, 'exports');
  const idleMs = policy.idleTimeoutMinutes * 60_000;
  // Sign-in attempts: per address and per account name, so neither a single console nor a spread
  // of them can guess passwords quickly. The account lockout is the second line.
  const signInByAddress = new RateLimiter({ capacity: 20, refillPerSecond: 1 / 6, now });
  const signInByName = new RateLimiter({ capacity: 10, refillPerSecond: 1 / 6, now });

  const sessions = new Map<string, Session>();
  const connections = new Map<CallContext, (reason: string) => void>();

  const source = (ctx: CallContext) => `${ctx.device.name}/${ctx.clientId}@${ctx.remoteAddress}`;
  const record = (ctx: CallContext, action: string, target: string, outcome: 'ok' | 'denied' | 'failed', detail = '', actor?: string) => {
    const user = ctx.session?.user;
    audit.append({ actor: actor ?? user?.username ?? '-', role: actor ? '' : (user?.role ?? ''), source: source(ctx), action, target, outcome, detail });
  };

  const contextsOf = (s: Session) => [...connections.keys()].filter((c) => c.session === s);
  const sessionInfo = (s: Session): SessionInfo => ({ user: s.user, sessionToken: s.token, mustChangePassword: s.mustChangePassword, idleTimeoutMs: idleMs });

  const openSession = (ctx: CallContext, user: UserView): SessionInfo => {
    if (ctx.session) endSession(ctx.session, 'signed in as another person', ctx);
    const s: Session = {
      token: randomBytes(24).toString('base64url'),
      user: { username: user.username, displayName: user.displayName, role: user.role },
      lastActivity: now(),
      locked: false,
      mustChangePassword: user.mustChangePassword,
    };
    sessions.set(s.token, s);
    ctx.session = s;
    return sessionInfo(s);
  };

  const endSession = (s: Session, reason: string, except?: CallContext) => {
    sessions.delete(s.token);
    for (const c of contextsOf(s)) {
      delete c.session;
      if (c !== except) c.push('auth:session', { state: 'signedOut', reason });
    }
  };

  const sessionsOf = (username: string) => [...sessions.values()].filter((s) => s.user.username.toLowerCase() === username.toLowerCase());

  // Idle sessions lock; locked ones that nobody unlocks end.
  const idleTimer = setInterval(() => {
    const t = now();
    for (const s of sessions.values()) {
      if (!s.locked && t - s.lastActivity > idleMs) {
        s.locked = true;
        log('info', `session of ${s.user.username} locked after ${policy.idleTimeoutMinutes} min idle`);
        audit.append({ actor: s.user.username, role: s.user.role, source: 'host', action: 'auth.idleLock', target: s.user.username, outcome: 'ok', detail: `${policy.idleTimeoutMinutes} min idle` });
        for (const c of contextsOf(s)) c.push('auth:session', { state: 'locked', reason: 'idle' });
      } else if (s.locked && t - s.lastActivity > LOCKED_SESSION_MAX_MS) {
        endSession(s, 'locked too long');
      }
    }
  }, IDLE_CHECK_MS);
  idleTimer.unref();
  // Day files past the retention go once a day (and at start, in AuditTrail.open).
  const pruneTimer = setInterval(() => {
    try {
      const n = audit.prune();
      if (n) log('info', `audit: ${n} day file(s) older than ${audit.retentionDays} days removed`);
    } catch (e) {
      log('warn', `audit: pruning failed: ${(e as Error).message}`);
    }
  }, 24 * 3600_000);
  pruneTimer.unref();

  // Failed sign-ins use up a budget per address and per account name; a spent budget refuses even
  // the right password until it refills, so guessing is slow whichever way it is spread.
  const blockedUntil = new Map<string, number>();
  const limited = (ctx: CallContext, username: string) => {
    const t = now();
    const until = Math.max(blockedUntil.get(`a:${ctx.remoteAddress}`) ?? 0, blockedUntil.get(`n:${username.toLowerCase()}`) ?? 0);
    if (until > t) {
      record(ctx, 'auth.signIn', username, 'denied', 'rate limited', username || '-');
      throw new HostFailure('forbidden', `too many sign-in attempts; try again in ${Math.ceil((until - t) / 1000)} s`);
    }
  };
  const failed = (ctx: CallContext, username: string) => {
    for (const [key, limiter] of [
      [`a:${ctx.remoteAddress}`, signInByAddress],
      [`n:${username.toLowerCase()}`, signInByName],
    ] as const) {
      const r = limiter.take(key);
      if (!r.ok) {
        if (blockedUntil.size > 10_000) blockedUntil.clear();
        blockedUntil.set(key, now() + r.retryAfterMs);
      }
    }
  };

  const checkPassword = async (ctx: CallContext, username: string, password: string, action: string): Promise<UserView> => {
    const r = await accounts.verify(username, password);
    if (r.ok) return r.user;
    const detail = r.reason === 'locked' ? `locked until ${new Date(r.lockedUntil ?? 0).toISOString()}` : r.reason;
    record(ctx, action, username, 'denied', detail, username || '-');
    failed(ctx, username);
    if (r.reason === 'locked') {
      const minutes = Math.max(1, Math.ceil(((r.lockedUntil ?? now()) - now()) / 60_000));
      throw new HostFailure('forbidden', `account locked after repeated failed sign-ins; try again in ${minutes} min or ask an administrator`);
    }
    if (r.reason === 'disabled') throw new HostFailure('forbidden', 'this account is disabled; ask an administrator');
    // Unknown user and wrong password read the same, so names cannot be probed.
    throw new HostFailure('unauthorized', 'wrong user name or password');
  };

  const gate: CallGate = {
    admit(name: CommandName, ctx: CallContext) {
      const need = COMMAND_ACCESS[name].need;
      if (need === 'connection') return undefined;
      const s = ctx.session;
      if (!s || !sessions.has(s.token)) return new HostFailure('unauthorized', 'sign in first');
      if (s.locked) return new HostFailure('unauthorized', 'the session is locked after being idle; enter your password');
      if (need === 'session') return undefined;
      if (s.mustChangePassword) return new HostFailure('forbidden', 'change your password first');
      if (!can(s.user.role, need)) return new HostFailure('forbidden', `${ROLE_LABEL[s.user.role].en} may not ${PERMISSION_WORDS[need]}`);
      // Looking around is not activity; changing something is (input is reported by auth:activity).
      if (need !== 'view') s.lastActivity = now();
      return undefined;
    },
    done(name: CommandName, args: unknown, ctx: CallContext, outcome, error?: HostError) {
      if (name.startsWith('auth:')) return; // the auth handlers write their own, more telling rows
      // "Sign in first" to a connection without a person is protocol noise, not a person's act; a
      // client repeating it must not be able to flood the trail. Failed sign-ins are written above.
      if (outcome === 'denied' && !ctx.session) return;
      if (outcome === 'ok' && !COMMAND_ACCESS[name].audit) return;
      if (outcome === 'failed' && !COMMAND_ACCESS[name].audit) return;
      const detail = [auditDetail(args), error ? `${error.code}: ${error.message}` : ''].filter(Boolean).join(' — ');
      record(ctx, name, targetOf(args), outcome, detail);
    },
  };

  const requireSession = (ctx: CallContext): Session => {
    const s = ctx.session;
    if (!s) throw new HostFailure('unauthorized', 'sign in first');
    return s;
  };

  const handlers: HandlerMap = {
    'auth:status': (_a, ctx) => {
      const s = ctx.session && sessions.has(ctx.session.token) ? ctx.session : undefined;
      return {
        setupRequired: !accounts.hasUsers(),
        state: !s ? 'signedOut' : s.locked ? 'locked' : 'active',
        user: s?.user ?? null,
        policy: { minLength: policy.password.minLength, minClasses: policy.password.minClasses, idleTimeoutMs: idleMs },
        device: ctx.device,
      };
    },
    'auth:setupAdmin': async ({ username, displayName, password }, ctx) => {
      if (accounts.hasUsers()) throw new HostFailure('conflict', 'the administrator already exists; sign in');
      const user = await accounts.create({ username, displayName, role: 'admin', password, mustChangePassword: false });
      record(ctx, 'auth.setupAdmin', username, 'ok', 'first administrator created', username);
      log('info', `first administrator "${username}" created from ${source(ctx)}`);
      return openSession(ctx, user);
    },
    'auth:signIn': async ({ username, password }, ctx) => {
      limited(ctx, username);
      const user = await checkPassword(ctx, username, password, 'auth.signIn');
      const info = openSession(ctx, user);
      record(ctx, 'auth.signIn', user.username, 'ok', user.mustChangePassword ? 'must change password' : '');
      return info;
    },
    'auth:resume': ({ sessionToken }, ctx) => {
      const s = sessions.get(sessionToken);
      if (!s) throw new HostFailure('unauthorized', 'the session has ended; sign in again');
      const u = accounts.get(s.user.username);
      if (!u || u.disabled) {
        endSession(s, 'account disabled');
        throw new HostFailure('unauthorized', 'the session has ended; sign in again');
      }
      ctx.session = s;
      return sessionInfo(s);
    },
    'auth:unlock': async ({ password }, ctx) => {
      const s = requireSession(ctx);
      limited(ctx, s.user.username);
      await checkPassword(ctx, s.user.username, password, 'auth.unlock');
      s.locked = false;
      s.lastActivity = now();
      record(ctx, 'auth.unlock', s.user.username, 'ok');
      for (const c of contextsOf(s)) c.push('auth:session', { state: 'active', reason: 'unlocked' });
      return sessionInfo(s);
    },
    'auth:signOut': (_a, ctx) => {
      const s = requireSession(ctx);
      record(ctx, 'auth.signOut', s.user.username, 'ok');
      endSession(s, 'signed out', ctx);
      return { ok: true as const };
    },
    'auth:activity': (_a, ctx) => {
      requireSession(ctx).lastActivity = now();
      return { ok: true as const };
    },
    'auth:changePassword': async ({ oldPassword, newPassword }, ctx) => {
      const s = requireSession(ctx);
      try {
        await accounts.changePassword(s.user.username, oldPassword, newPassword);
      } catch (e) {
        record(ctx, 'auth.changePassword', s.user.username, e instanceof HostFailure && e.code === 'unauthorized' ? 'denied' : 'failed', (e as Error).message);
        throw e;
      }
      s.mustChangePassword = false;
      record(ctx, 'auth.changePassword', s.user.username, 'ok');
      return { ok: true as const };
    },

    'user:list': () => accounts.list(),
    'user:create': ({ username, displayName, role, password }) => accounts.create({ username, displayName, role, password, mustChangePassword: true }),
    'user:update': ({ username, ...change }, ctx) => {
      const before = accounts.get(username);
      const user = accounts.update(username, change);
      // A disabled account or a changed role takes effect now, not at the next sign-in.
      for (const s of sessionsOf(username)) {
        if (user.disabled) endSession(s, 'account disabled by an administrator', ctx.session === s ? ctx : undefined);
        else s.user = { username: user.username, displayName: user.displayName, role: user.role };
      }
      if (before && before.role !== user.role) log('info', `role of ${username}: ${before.role} → ${user.role}`);
      return user;
    },
    'user:resetPassword': async ({ username, password }) => {
      const user = await accounts.resetPassword(username, password);
      for (const s of sessionsOf(username)) endSession(s, 'password reset by an administrator');
      return user;
    },

    'device:list': () => devices.list(),
    'device:issue': ({ name, kind }, ctx) => devices.issue({ name, kind, createdBy: requireSession(ctx).user.username }),
    'device:revoke': ({ id }) => {
      const device = devices.revoke(id);
      for (const [c, close] of connections) if (c.device.id === device.id) close('device token revoked');
      return device;
    },

    'audit:query': (q) => audit.query(q),
    // The long ones pause between day files, so a year of records does not freeze the host.
    'audit:verify': () => audit.verifyAsync(),
    'audit:export': async (q) => {
      mkdirSync(exportDir, { recursive: true });
      const file = `audit-${new Date(now()).toISOString().replace(/[:.]/g, '-')}.csv`;
      const rows = await audit.exportCsvAsync(q, join(exportDir, file));
      return { rows, file, url: `/api/exports/${file}` };
    },
  };

  return {
    gate,
    handlers,
    audit,
    deviceFor(token, hostTokenMatches) {
      if (hostTokenMatches) return { id: 'local', name: LOCAL_CONSOLE, kind: 'console' };
      if (!token) return undefined;
      const d = devices.verify(token);
      return d ? { id: d.id, name: d.name, kind: d.kind } : undefined;
    },
    receives(ctx, event) {
      return DEVICE_EVENTS.has(event) || (ctx.session !== undefined && sessions.has(ctx.session.token));
    },
    connected(ctx, close) {
      connections.set(ctx, close);
    },
    disconnected(ctx) {
      connections.delete(ctx);
    },
    close() {
      clearInterval(idleTimer);
      clearInterval(pruneTimer);
      devices.flush();
      audit.close();
    },
  };
}

import { z } from 'zod';
import { Role } from '../auth';
import { command } from './define';

/*
 * Accounts, sessions, device tokens and the audit trail. A connection first proves it may reach the
 * host (the host token or a device token); a person then signs in on it. Spec: docs/security.md.
 */

export const Username = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{1,31}$/, 'must be 2–32 letters, digits, ".", "_" or "-", starting with a letter or digit');
const DisplayName = z.string().trim().min(1, 'must not be empty').max(40, 'must be at most 40 characters');
/** Length is checked against the site's policy by the host; this only bounds the message. */
const Password = z.string().min(1, 'must not be empty').max(256, 'must be at most 256 characters');

export const UserView = z.object({
  username: z.string(),
  displayName: z.string(),
  role: Role,
  disabled: z.boolean(),
  /** Locked out after failed sign-ins until this host time (ms), or null. */
  lockedUntil: z.number().nullable(),
  mustChangePassword: z.boolean(),
  createdAt: z.number(),
  lastSignInAt: z.number().nullable(),
});
export type UserView = z.infer<typeof UserView>;

/** The person signed in on this connection. */
export const SessionUser = z.object({ username: z.string(), displayName: z.string(), role: Role });
export type SessionUser = z.infer<typeof SessionUser>;

export const SessionInfo = z.object({
  user: SessionUser,
  /** Lets the same console resume the session after a reconnect (kept in the page's session storage). */
  sessionToken: z.string(),
  mustChangePassword: z.boolean(),
  idleTimeoutMs: z.number(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

export const AuthStatus = z.object({
  /** No account exists yet: the first start must create the administrator. */
  setupRequired: z.boolean(),
  /** 'locked' = the session timed out and waits for the same person's password. */
  state: z.enum(['signedOut', 'active', 'locked']),
  user: SessionUser.nullable(),
  policy: z.object({ minLength: z.number(), minClasses: z.number(), idleTimeoutMs: z.number() }),
  /** What kind of client this connection is (the local console, or a device with its own token). */
  device: z.object({ id: z.string(), name: z.string(), kind: z.string() }),
});
export type AuthStatus = z.infer<typeof AuthStatus>;

export const DeviceKind = z.enum(['console', 'touch', 'decoder', 'display']);
export type DeviceKind = z.infer<typeof DeviceKind>;

export const DeviceView = z.object({
  id: z.string(),
  name: z.string(),
  kind: DeviceKind,
  createdAt: z.number(),
  createdBy: z.string(),
  revokedAt: z.number().nullable(),
  lastSeenAt: z.number().nullable(),
});
export type DeviceView = z.infer<typeof DeviceView>;

export const AuditRecord = z.object({
  seq: z.number(),
  at: z.number(),
  /** Person, or "-" for the system and devices without a person. */
  actor: z.string(),
  role: z.string(),
  /** Client or device that carried the action. */
  source: z.string(),
  /** e.g. 'auth.signIn', 'wall:sceneRecall', 'ptz:takeControl'. */
  action: z.string(),
  /** What it acted on, e.g. a camera or user name. */
  target: z.string(),
  outcome: z.enum(['ok', 'denied', 'failed']),
  detail: z.string(),
  /** SHA-256 over the previous record's hash and this record's fields. */
  hash: z.string(),
});
export type AuditRecord = z.infer<typeof AuditRecord>;

export const AuditQuery = z
  .object({
    from: z.number().optional(),
    to: z.number().optional(),
    actor: z.string().max(64).optional(),
    action: z.string().max(64).optional(),
    outcome: z.enum(['ok', 'denied', 'failed']).optional(),
    /** Substring of target or detail. */
    text: z.string().max(200).optional(),
    limit: z.number().int().min(1).max(1000).default(200),
    offset: z.number().int().min(0).default(0),
  })
  .strict();
export type AuditQuery = z.infer<typeof AuditQuery>;

const Empty = z.object({}).strict();
const Ok = z.object({ ok: z.literal(true) });

export const authCommands = {
  'auth:status': command(Empty, AuthStatus),
  /** Only while no account exists: creates the administrator and signs them in. */
  'auth:setupAdmin': command(z.object({ username: Username, displayName: DisplayName, password: Password }).strict(), SessionInfo),
  'auth:signIn': command(z.object({ username: z.string().max(64), password: Password }).strict(), SessionInfo),
  'auth:resume': command(z.object({ sessionToken: z.string().min(1).max(128) }).strict(), SessionInfo),
  /** After an idle lock: the same person's password opens the session again. */
  'auth:unlock': command(z.object({ password: Password }).strict(), SessionInfo),
  'auth:signOut': command(Empty, Ok),
  /** The operator is at the console (mouse, keys, joystick) though no command was sent. */
  'auth:activity': command(Empty, Ok),
  'auth:changePassword': command(z.object({ oldPassword: Password, newPassword: Password }).strict(), Ok),

  'user:list': command(Empty, z.array(UserView)),
  'user:create': command(z.object({ username: Username, displayName: DisplayName, role: Role, password: Password }).strict(), UserView),
  'user:update': command(
    z.object({ username: z.string().max(64), displayName: DisplayName.optional(), role: Role.optional(), disabled: z.boolean().optional() }).strict(),
    UserView,
  ),
  /** Sets a temporary password the person must change at the next sign-in; also lifts a lockout. */
  'user:resetPassword': command(z.object({ username: z.string().max(64), password: Password }).strict(), UserView),

  'device:list': command(Empty, z.array(DeviceView)),
  /** The token is shown once; the host keeps only its hash. */
  'device:issue': command(z.object({ name: DisplayName, kind: DeviceKind }).strict(), z.object({ device: DeviceView, token: z.string() })),
  'device:revoke': command(z.object({ id: z.string().max(64) }).strict(), DeviceView),

  'audit:query': command(AuditQuery, z.object({ rows: z.array(AuditRecord), total: z.number() })),
  'audit:verify': command(Empty, z.object({ ok: z.boolean(), checked: z.number(), firstBad: z.object({ seq: z.number(), reason: z.string() }).nullable() })),
  /** Writes the selected records as CSV under the host's exports folder and returns its download path. */
  'audit:export': command(AuditQuery.omit({ limit: true, offset: true }), z.object({ rows: z.number(), file: z.string(), url: z.string() })),
} as const;

export const authEvents = {
  /** Sent to one connection only: its session changed (timed out, signed out elsewhere, account disabled). */
  'auth:session': z.object({ state: z.enum(['signedOut', 'active', 'locked']), reason: z.string() }),
} as const;

import { z } from 'zod';
import { passwordProblems, Role, type SecurityPolicy } from '../../common/auth';
import { Username, type UserView } from '../../common/contract/auth';
import { HostFailure } from '../../common/contract/errors';
import { DUMMY_HASH, hashPassword, needsRehash, verifyPassword } from './password';
import { readStoreFile, writeStoreFile, type StoreFileKind } from './store-file';

/**
 * The accounts that may sign in, in one JSON file. Only scrypt hashes are kept, never a password.
 * Every change is written before it takes effect in memory, so a failed write (disk full) leaves
 * the store as it was rather than ahead of the file. Spec: docs/security.md.
 */

/** A new password must differ from the current one and the ones before it, five in all. */
export const PASSWORD_HISTORY = 5;

const DAY_MS = 24 * 60 * 60 * 1000;

const ACCOUNTS_FILE: StoreFileKind = { format: 'skywatch-accounts', version: 1, holds: 'accounts' };

const StoredUser = z.object({
  username: z.string(),
  displayName: z.string(),
  role: Role,
  disabled: z.boolean(),
  passwordHash: z.string(),
  /** Hashes of earlier passwords, newest first; with the current one they make the history. */
  previousHashes: z.array(z.string()),
  passwordChangedAt: z.number(),
  mustChangePassword: z.boolean(),
  /** Wrong passwords in a row since the last success or lock. */
  failures: z.number().int().min(0),
  /** Locked until this time (ms); kept after it passes, which then means nothing. */
  lockedUntil: z.number().nullable(),
  createdAt: z.number(),
  lastSignInAt: z.number().nullable(),
});
type StoredUser = z.infer<typeof StoredUser>;

const AccountsFileSchema = z.object({
  format: z.literal(ACCOUNTS_FILE.format),
  version: z.literal(ACCOUNTS_FILE.version),
  users: z.array(StoredUser),
});

export interface AccountStoreOptions {
  /** The accounts file; created at the first change. */
  file: string;
  policy: SecurityPolicy;
  /** Host clock in ms; tests move it. */
  now?: () => number;
}

export interface NewAccount {
  username: string;
  displayName: string;
  role: Role;
  password: string;
  /** True when someone else chose the password (an administrator creating the account). */
  mustChangePassword: boolean;
}

export interface AccountChanges {
  displayName?: string;
  role?: Role;
  disabled?: boolean;
}

export type VerifyResult =
  | { ok: true; user: UserView }
  /**
   * `lockedUntil` comes with 'locked', and with the 'wrong' attempt that just locked the account.
   * The caller should tell the person no more than "wrong user name or password" or "locked".
   */
  | { ok: false; reason: 'unknown' | 'wrong' | 'locked' | 'disabled'; lockedUntil?: number };

export class AccountStore {
  /** By lower-cased user name: names compare case-insensitively but are shown as created. */
  private readonly users = new Map<string, StoredUser>();
  /** Per-user queue for operations that hash: see `exclusive`. */
  private readonly busy = new Map<string, Promise<unknown>>();

  private constructor(
    private readonly file: string,
    private readonly policy: SecurityPolicy,
    private readonly now: () => number,
  ) {}

  /** Loads the file (a missing one = no accounts yet); throws, leaving it untouched, if it is not ours. */
  static open({ file, policy, now = Date.now }: AccountStoreOptions): AccountStore {
    const store = new AccountStore(file, policy, now);
    const data = readStoreFile(file, ACCOUNTS_FILE, AccountsFileSchema);
    for (const u of data?.users ?? []) {
      const key = keyOf(u.username);
      if (store.users.has(key)) {
        throw new Error(`${file} lists the user "${u.username}" twice. It was left untouched. Restore it from a backup, or remove one of the two entries.`);
      }
      store.users.set(key, u);
    }
    return store;
  }

  /** False until the first administrator is created. */
  hasUsers(): boolean {
    return this.users.size > 0;
  }

  /** Every account, in the order they were created. */
  list(): UserView[] {
    const now = this.now();
    return [...this.users.values()].map((u) => this.view(u, now));
  }

  get(username: string): UserView | undefined {
    const u = this.users.get(keyOf(username));
    return u && this.view(u, this.now());
  }

  async create(account: NewAccount): Promise<UserView> {
    const username = checkUsername(account.username);
    const displayName = checkDisplayName(account.displayName);
    return this.exclusive(username, async () => {
      const existing = this.users.get(keyOf(username));
      if (existing) throw new HostFailure('conflict', `user "${existing.username}" already exists`);
      this.checkPolicy(account.password, username, 'password');
      const passwordHash = await hashPassword(account.password);
      const now = this.now();
      const user: StoredUser = {
        username,
        displayName,
        role: account.role,
        disabled: false,
        passwordHash,
        previousHashes: [],
        passwordChangedAt: now,
        mustChangePassword: account.mustChangePassword,
        failures: 0,
        lockedUntil: null,
        createdAt: now,
        lastSignInAt: null,
      };
      this.commit(user);
      return this.view(user, now);
    });
  }

  /** Changes name, role or disabled; refuses a change that would leave no enabled administrator. */
  update(username: string, changes: AccountChanges): UserView {
    const current = this.mustGet(username);
    const next: StoredUser = {
      ...current,
      ...(changes.displayName !== undefined ? { displayName: checkDisplayName(changes.displayName) } : {}),
      ...(changes.role !== undefined ? { role: changes.role } : {}),
      ...(changes.disabled !== undefined ? { disabled: changes.disabled } : {}),
    };
    this.checkAdminRemains(current, next);
    if (next.displayName !== current.displayName || next.role !== current.role || next.disabled !== current.disabled) this.commit(next);
    return this.view(next, this.now());
  }

  /** Sets a temporary password the person must change at the next sign-in; also lifts a lockout. */
  async resetPassword(username: string, password: string): Promise<UserView> {
    this.mustGet(username);
    return this.exclusive(username, async () => {
      const current = this.mustGet(username);
      this.checkPolicy(password, current.username, 'password');
      const passwordHash = await hashPassword(password);
      const next = this.withNewPassword(this.mustGet(username), passwordHash, true);
      this.commit(next);
      return this.view(next, this.now());
    });
  }

  /**
   * Checks a sign-in. Attempts for one user run one at a time, so a burst of parallel guesses
   * cannot get past the lockout before it is recorded.
   */
  async verify(username: string, password: string): Promise<VerifyResult> {
    return this.exclusive(username, async () => {
      const user = this.users.get(keyOf(username));
      if (!user) {
        await verifyPassword(password, DUMMY_HASH);
        return { ok: false, reason: 'unknown' };
      }
      if (user.disabled) {
        // Same cost as a real check, so a disabled account does not answer faster.
        await verifyPassword(password, user.passwordHash);
        return { ok: false, reason: 'disabled' };
      }
      const lockedUntil = this.activeLock(user);
      // A locked account does not check the password at all: guessing during a lock learns nothing.
      if (lockedUntil !== null) return { ok: false, reason: 'locked', lockedUntil };
      if (!(await verifyPassword(password, user.passwordHash))) {
        const failed = this.recordFailure(this.mustGet(username));
        return { ok: false, reason: 'wrong', ...(failed.lockedUntil !== null ? { lockedUntil: failed.lockedUntil } : {}) };
      }
      return this.recordSuccess(username, password);
    });
  }

  /** The person changes their own password: the current one must be right, the new one new. */
  async changePassword(username: string, oldPassword: string, newPassword: string): Promise<UserView> {
    this.mustGet(username);
    return this.exclusive(username, async () => {
      const user = this.mustGet(username);
      if (user.disabled) throw new HostFailure('forbidden', `account "${user.username}" is disabled`);
      const lockedUntil = this.activeLock(user);
      if (lockedUntil !== null) {
        throw new HostFailure('unauthorized', `account "${user.username}" is locked until ${new Date(lockedUntil).toISOString()}`);
      }
      if (!(await verifyPassword(oldPassword, user.passwordHash))) {
        this.recordFailure(this.mustGet(username));
        throw new HostFailure('unauthorized', 'current password is wrong');
      }
      this.checkPolicy(newPassword, user.username, 'newPassword');
      await this.checkNotReused(user, newPassword);
      const passwordHash = await hashPassword(newPassword);
      const next = this.withNewPassword(this.mustGet(username), passwordHash, false);
      this.commit(next);
      return this.view(next, this.now());
    });
  }

  // --- internals ---

  /**
   * Runs `task` after any earlier hashing task for the same user name has settled. Hashing takes
   * tens of milliseconds; without the queue two tasks would both read the record before either wrote.
   */
  private exclusive<T>(username: string, task: () => Promise<T>): Promise<T> {
    const key = keyOf(username);
    const before = this.busy.get(key) ?? Promise.resolve();
    const run = before.then(task);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.busy.set(key, settled);
    void settled.then(() => {
      if (this.busy.get(key) === settled) this.busy.delete(key);
    });
    return run;
  }

  private mustGet(username: string): StoredUser {
    const user = this.users.get(keyOf(username));
    if (!user) throw new HostFailure('not_found', `no user "${username}"`);
    return user;
  }

  /** Writes the store with `user` in it, then keeps it: the file never lags memory. */
  private commit(user: StoredUser): void {
    const key = keyOf(user.username);
    const users = this.users.has(key) ? [...this.users.values()].map((u) => (keyOf(u.username) === key ? user : u)) : [...this.users.values(), user];
    writeStoreFile(this.file, { format: ACCOUNTS_FILE.format, version: ACCOUNTS_FILE.version, users });
    this.users.set(key, user);
  }

  private view(user: StoredUser, now: number): UserView {
    return {
      username: user.username,
      displayName: user.displayName,
      role: user.role,
      disabled: user.disabled,
      lockedUntil: user.lockedUntil !== null && user.lockedUntil > now ? user.lockedUntil : null,
      mustChangePassword: user.mustChangePassword || this.passwordExpired(user, now),
      createdAt: user.createdAt,
      lastSignInAt: user.lastSignInAt,
    };
  }

  private passwordExpired(user: StoredUser, now: number): boolean {
    const maxAgeDays = this.policy.password.maxAgeDays;
    return maxAgeDays > 0 && now - user.passwordChangedAt > maxAgeDays * DAY_MS;
  }

  private activeLock(user: StoredUser): number | null {
    return user.lockedUntil !== null && user.lockedUntil > this.now() ? user.lockedUntil : null;
  }

  /** Counts a wrong password; the one that reaches the policy's limit locks the account and starts the count again. */
  private recordFailure(user: StoredUser): StoredUser {
    const { failures: limit, minutes } = this.policy.lockout;
    const failures = user.failures + 1;
    const next: StoredUser =
      failures >= limit ? { ...user, failures: 0, lockedUntil: this.now() + minutes * 60_000 } : { ...user, failures };
    this.commit(next);
    return next;
  }

  /** Clears the failure count and records the sign-in; a hash made with weaker parameters is replaced now that the password is known. */
  private async recordSuccess(username: string, password: string): Promise<VerifyResult> {
    const stale = needsRehash(this.mustGet(username).passwordHash);
    const rehashed = stale ? await hashPassword(password) : undefined;
    // Read again: update() may have changed the account while the hash ran.
    const user = this.mustGet(username);
    if (user.disabled) return { ok: false, reason: 'disabled' };
    const now = this.now();
    const next: StoredUser = { ...user, failures: 0, lockedUntil: null, lastSignInAt: now, ...(rehashed ? { passwordHash: rehashed } : {}) };
    this.commit(next);
    return { ok: true, user: this.view(next, now) };
  }

  private withNewPassword(user: StoredUser, passwordHash: string, mustChangePassword: boolean): StoredUser {
    return {
      ...user,
      passwordHash,
      previousHashes: [user.passwordHash, ...user.previousHashes].slice(0, PASSWORD_HISTORY - 1),
      passwordChangedAt: this.now(),
      mustChangePassword,
      failures: 0,
      lockedUntil: null,
    };
  }

  private checkPolicy(password: string, username: string, path: string): void {
    const problems = passwordProblems(password, this.policy.password, username);
    if (problems.length > 0) {
      throw new HostFailure(
        'invalid_args',
        'password does not meet the policy',
        problems.map((message) => ({ path, message })),
      );
    }
  }

  private async checkNotReused(user: StoredUser, password: string): Promise<void> {
    const history = [user.passwordHash, ...user.previousHashes].slice(0, PASSWORD_HISTORY);
    const matches = await Promise.all(history.map((h) => verifyPassword(password, h)));
    if (matches.some(Boolean)) {
      const message = `must differ from the last ${PASSWORD_HISTORY} passwords`;
      throw new HostFailure('invalid_args', `the new password ${message}`, [{ path: 'newPassword', message }]);
    }
  }

  /** Someone must always be able to manage accounts: the last enabled administrator stays one. */
  private checkAdminRemains(current: StoredUser, next: StoredUser): void {
    if (!isEnabledAdmin(current) || isEnabledAdmin(next)) return;
    const others = [...this.users.values()].filter((u) => u !== current && isEnabledAdmin(u));
    if (others.length > 0) return;
    const what = next.disabled ? 'disable' : 'change the role of';
    throw new HostFailure(
      'conflict',
      `cannot ${what} "${current.username}": it is the last enabled administrator. Make another account an administrator first.`,
    );
  }
}

function isEnabledAdmin(user: StoredUser): boolean {
  return user.role === 'admin' && !user.disabled;
}

function keyOf(username: string): string {
  return username.toLowerCase();
}

/** The contract checks this too; checked again because the file must never hold a name the console cannot type. */
function checkUsername(username: string): string {
  const r = Username.safeParse(username);
  if (!r.success) {
    const message = r.error.issues[0]?.message ?? 'is not a valid user name';
    throw new HostFailure('invalid_args', `user name ${JSON.stringify(username)} ${message}`, [{ path: 'username', message }]);
  }
  return r.data;
}

function checkDisplayName(displayName: string): string {
  const trimmed = displayName.trim();
  if (trimmed.length === 0 || trimmed.length > 40) {
    const message = trimmed.length === 0 ? 'must not be empty' : 'must be at most 40 characters';
    throw new HostFailure('invalid_args', `display name ${JSON.stringify(displayName)} ${message}`, [{ path: 'displayName', message }]);
  }
  return trimmed;
}

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_SECURITY_POLICY, type SecurityPolicy } from '../../common/auth';
import { HostFailure } from '../../common/contract/errors';
import { AccountStore } from './accounts';
import * as password from './password';
import type * as PasswordModule from './password';

/**
 * Hashing at full cost would make these tests take seconds; the format and the rules do not depend
 * on the cost, so new hashes here use small parameters. DUMMY_HASH stays the real one.
 */
vi.mock('./password', async (importOriginal) => {
  const real = await importOriginal<typeof PasswordModule>();
  // Inside the factory: vi.mock runs before this file's own constants exist.
  const FAST = { N: 2 ** 11, r: 8, p: 1 };
  return {
    ...real,
    hashPassword: (pw: string, params = FAST) => real.hashPassword(pw, params),
    needsRehash: (stored: string, params = FAST) => real.needsRehash(stored, params),
    verifyPassword: vi.fn(real.verifyPassword),
  };
});

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const ADMIN = { username: 'Admin', displayName: 'Site admin', role: 'admin' as const, password: 'Sky-watch-2024', mustChangePassword: false };
const OPERATOR = { username: 'zhang.wei', displayName: '张伟', role: 'operator' as const, password: 'Duty-shift-77', mustChangePassword: true };

let dir: string;
let file: string;
let clock: number;
const now = () => clock;
const open = (policy: SecurityPolicy = DEFAULT_SECURITY_POLICY) => AccountStore.open({ file, policy, now });

/** Awaits a rejection and returns it as a HostFailure, failing the test if it is anything else. */
async function failure(p: Promise<unknown> | (() => unknown)): Promise<HostFailure> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(HostFailure);
    return e as HostFailure;
  }
  throw new Error('expected a HostFailure, got success');
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'skywatch-accounts-'));
  file = join(dir, 'accounts.json');
  clock = Date.UTC(2025, 0, 1);
  vi.mocked(password.verifyPassword).mockClear();
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('AccountStore: file', () => {
  it('starts empty without a file, saves owner-only, keeps no plain password, and reloads', async () => {
    const store = open();
    expect(store.hasUsers()).toBe(false);
    expect(existsSync(file)).toBe(false);

    const created = await store.create(ADMIN);
    expect(created).toEqual({
      username: 'Admin',
      displayName: 'Site admin',
      role: 'admin',
      disabled: false,
      lockedUntil: null,
      mustChangePassword: false,
      createdAt: clock,
      lastSignInAt: null,
    });
    expect(JSON.stringify(created)).not.toContain('scrypt');

    const text = readFileSync(file, 'utf8');
    expect(JSON.parse(text)).toMatchObject({ format: 'skywatch-accounts', version: 1 });
    expect(text).not.toContain(ADMIN.password);
    expect(text).toContain('scrypt$');
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['accounts.json']);

    const again = open();
    expect(again.hasUsers()).toBe(true);
    expect(again.get('admin')).toEqual(created);
    expect((await again.verify('ADMIN', ADMIN.password)).ok).toBe(true);
  });

  it.each([
    ['not JSON', '{"format": "skywatch-accounts", '],
    ['another format', JSON.stringify({ format: 'skywatch-scenes', version: 1, users: [] })],
    ['a newer version', JSON.stringify({ format: 'skywatch-accounts', version: 2, users: [] })],
    ['a damaged record', JSON.stringify({ format: 'skywatch-accounts', version: 1, users: [{ username: 'x' }] })],
  ])('refuses %s and leaves the file byte-for-byte untouched', (_what, content) => {
    writeFileSync(file, content);
    const before = readFileSync(file);
    let message = '';
    try {
      open();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(file);
    expect(message).toMatch(/left untouched/);
    expect(message).toMatch(/backup/);
    expect(message).toMatch(/move it away/);
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(readdirSync(dir)).toEqual(['accounts.json']);
  });

  it('says when the file was written by a newer program', () => {
    writeFileSync(file, JSON.stringify({ format: 'skywatch-accounts', version: 2, users: [] }));
    expect(() => open()).toThrow(/version 2.*newer/);
  });

  it('replaces a hash made with weaker parameters at the next sign-in', async () => {
    const weak = await password.hashPassword(OPERATOR.password, { N: 2 ** 10, r: 8, p: 1 });
    const user = { ...OPERATOR, disabled: false, passwordHash: weak, previousHashes: [], passwordChangedAt: clock, failures: 0, lockedUntil: null, createdAt: clock, lastSignInAt: null };
    writeFileSync(file, JSON.stringify({ format: 'skywatch-accounts', version: 1, users: [{ ...user, password: undefined }] }));
    const store = open();
    expect((await store.verify('zhang.wei', OPERATOR.password)).ok).toBe(true);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { users: { passwordHash: string }[] };
    expect(saved.users[0]!.passwordHash).toMatch(/^scrypt\$2048\$/);
    expect((await open().verify('zhang.wei', OPERATOR.password)).ok).toBe(true);
  });
});

describe('AccountStore: create and update', () => {
  it('refuses a second account whose name differs only in case, naming it', async () => {
    const store = open();
    await store.create(ADMIN);
    const f = await failure(store.create({ ...OPERATOR, username: 'aDMIN' }));
    expect(f.code).toBe('conflict');
    expect(f.message).toContain('"Admin"');
    expect(store.list()).toHaveLength(1);
  });

  it('refuses a password against the policy, listing each problem under "password"', async () => {
    const store = open();
    const f = await failure(store.create({ ...OPERATOR, password: 'xzhang.weix' }));
    expect(f.code).toBe('invalid_args');
    expect(f.message).toBe('password does not meet the policy');
    expect(f.issues?.every((i) => i.path === 'password')).toBe(true);
    expect(f.issues?.map((i) => i.message)).toEqual(expect.arrayContaining(['must not contain the user name', expect.stringMatching(/at least 3 of/)]));
    expect(store.hasUsers()).toBe(false);
    expect(existsSync(file)).toBe(false);
  });

  it('refuses a user name the console could not type', async () => {
    const f = await failure(open().create({ ...OPERATOR, username: 'bad name' }));
    expect(f.code).toBe('invalid_args');
    expect(f.message).toContain('"bad name"');
  });

  it('updates name, role and disabled; unknown users are not_found', async () => {
    const store = open();
    await store.create(ADMIN);
    await store.create(OPERATOR);
    expect(store.update('ZHANG.WEI', { displayName: '  张伟 (夜班) ', role: 'leader' })).toMatchObject({ displayName: '张伟 (夜班)', role: 'leader' });
    expect(open().get('zhang.wei')).toMatchObject({ displayName: '张伟 (夜班)', role: 'leader' });
    expect((await failure(() => store.update('nobody', { disabled: true }))).code).toBe('not_found');
  });

  it('never leaves no enabled administrator', async () => {
    const store = open();
    await store.create(ADMIN);
    await store.create(OPERATOR);
    const saved = readFileSync(file);

    const demote = await failure(() => store.update('admin', { role: 'leader' }));
    expect(demote.code).toBe('conflict');
    expect(demote.message).toMatch(/"Admin".*last enabled administrator/);
    expect((await failure(() => store.update('admin', { disabled: true }))).code).toBe('conflict');
    expect(readFileSync(file).equals(saved)).toBe(true);
    expect(store.get('admin')).toMatchObject({ role: 'admin', disabled: false });

    // With a second administrator the first may step down, and then the second is the last.
    store.update('zhang.wei', { role: 'admin' });
    expect(store.update('admin', { disabled: true }).disabled).toBe(true);
    expect((await failure(() => store.update('zhang.wei', { role: 'operator' }))).code).toBe('conflict');
    // Changes that keep the last administrator one are fine.
    expect(store.update('zhang.wei', { displayName: 'Zhang' }).displayName).toBe('Zhang');
  });
});

describe('AccountStore: sign-in', () => {
  it('locks after 5 wrong passwords in a row, without checking passwords while locked, and releases after 15 minutes', async () => {
    const store = open();
    await store.create(OPERATOR);
    for (let i = 1; i <= 4; i++) expect(await store.verify('zhang.wei', `Wrong-guess-${i}`)).toEqual({ ok: false, reason: 'wrong' });
    const fifth = await store.verify('zhang.wei', 'Wrong-guess-5');
    const until = clock + 15 * MINUTE;
    expect(fifth).toEqual({ ok: false, reason: 'wrong', lockedUntil: until });
    expect(store.get('zhang.wei')?.lockedUntil).toBe(until);

    vi.mocked(password.verifyPassword).mockClear();
    clock += 15 * MINUTE - 1;
    expect(await store.verify('zhang.wei', OPERATOR.password)).toEqual({ ok: false, reason: 'locked', lockedUntil: until });
    expect(password.verifyPassword).not.toHaveBeenCalled();
    // The lock survives a restart.
    expect(open().get('zhang.wei')?.lockedUntil).toBe(until);

    clock += 1;
    expect(store.get('zhang.wei')?.lockedUntil).toBeNull();
    const ok = await store.verify('zhang.wei', OPERATOR.password);
    expect(ok).toMatchObject({ ok: true, user: { username: 'zhang.wei', lastSignInAt: clock, lockedUntil: null } });
  });

  it('counts only failures in a row: a success starts the count again', async () => {
    const store = open();
    await store.create(OPERATOR);
    for (let i = 0; i < 4; i++) await store.verify('zhang.wei', 'Wrong-guess-0');
    expect((await store.verify('zhang.wei', OPERATOR.password)).ok).toBe(true);
    for (let i = 0; i < 4; i++) await store.verify('zhang.wei', 'Wrong-guess-0');
    expect(store.get('zhang.wei')?.lockedUntil).toBeNull();
  });

  it('does not let parallel guesses slip past the lockout', async () => {
    const store = open();
    await store.create(OPERATOR);
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => store.verify('zhang.wei', `Parallel-${i}`)));
    expect(results.map((r) => (r.ok ? 'ok' : r.reason))).toEqual(['wrong', 'wrong', 'wrong', 'wrong', 'wrong', 'locked', 'locked', 'locked']);
  });

  it('follows the policy lockout settings', async () => {
    const store = open({ ...DEFAULT_SECURITY_POLICY, lockout: { failures: 2, minutes: 1 } });
    await store.create(OPERATOR);
    await store.verify('zhang.wei', 'Wrong-guess-0');
    expect(await store.verify('zhang.wei', 'Wrong-guess-0')).toEqual({ ok: false, reason: 'wrong', lockedUntil: clock + MINUTE });
  });

  it('checks an unknown user against DUMMY_HASH, and refuses a disabled one', async () => {
    const store = open();
    await store.create(ADMIN);
    await store.create(OPERATOR);
    vi.mocked(password.verifyPassword).mockClear();
    expect(await store.verify('nobody', 'Whatever-123')).toEqual({ ok: false, reason: 'unknown' });
    expect(password.verifyPassword).toHaveBeenCalledWith('Whatever-123', password.DUMMY_HASH);

    store.update('zhang.wei', { disabled: true });
    expect(await store.verify('zhang.wei', OPERATOR.password)).toEqual({ ok: false, reason: 'disabled' });
  });

  it('asks for a new password once the old one is older than maxAgeDays', async () => {
    const store = open();
    await store.create(ADMIN);
    clock += 90 * DAY;
    expect(await store.verify('admin', ADMIN.password)).toMatchObject({ ok: true, user: { mustChangePassword: false } });
    clock += 1;
    expect(await store.verify('admin', ADMIN.password)).toMatchObject({ ok: true, user: { mustChangePassword: true } });
    await store.changePassword('admin', ADMIN.password, 'Fresh-start-2025');
    expect(store.get('admin')?.mustChangePassword).toBe(false);

    const never = open({ ...DEFAULT_SECURITY_POLICY, password: { ...DEFAULT_SECURITY_POLICY.password, maxAgeDays: 0 } });
    clock += 3650 * DAY;
    expect(never.get('admin')?.mustChangePassword).toBe(false);
  });
});

describe('AccountStore: passwords', () => {
  it('changes a password only with the right current one, counting a wrong one as a failure', async () => {
    const store = open();
    await store.create(OPERATOR);
    for (let i = 0; i < 4; i++) await store.verify('zhang.wei', 'Wrong-guess-0');
    const f = await failure(store.changePassword('zhang.wei', 'Wrong-guess-0', 'New-password-1'));
    expect(f.code).toBe('unauthorized');
    expect(f.message).toBe('current password is wrong');
    expect(store.get('zhang.wei')?.lockedUntil).toBe(clock + 15 * MINUTE);
    expect((await failure(store.changePassword('zhang.wei', OPERATOR.password, 'New-password-1'))).code).toBe('unauthorized');
  });

  it('clears mustChangePassword, and refuses a new password against the policy under "newPassword"', async () => {
    const store = open();
    await store.create(OPERATOR);
    expect(store.get('zhang.wei')?.mustChangePassword).toBe(true);
    const weak = await failure(store.changePassword('zhang.wei', OPERATOR.password, 'short'));
    expect(weak.code).toBe('invalid_args');
    expect(weak.issues?.[0]?.path).toBe('newPassword');
    clock += 1000;
    expect(await store.changePassword('zhang.wei', OPERATOR.password, 'Night-shift-88')).toMatchObject({ mustChangePassword: false });
    expect((await store.verify('zhang.wei', 'Night-shift-88')).ok).toBe(true);
    expect((await store.verify('zhang.wei', OPERATOR.password)).ok).toBe(false);
    expect((await failure(store.changePassword('nobody', 'a', 'b'))).code).toBe('not_found');
  });

  it('refuses any of the last 5 passwords, and allows the sixth-last again', async () => {
    const store = open();
    await store.create({ ...OPERATOR, password: 'History-pass-0' });
    for (let i = 1; i <= 5; i++) await store.changePassword('zhang.wei', `History-pass-${i - 1}`, `History-pass-${i}`);
    for (const reused of ['History-pass-5', 'History-pass-1']) {
      const f = await failure(store.changePassword('zhang.wei', 'History-pass-5', reused));
      expect(f.code).toBe('invalid_args');
      expect(f.message).toMatch(/last 5 passwords/);
    }
    await store.changePassword('zhang.wei', 'History-pass-5', 'History-pass-0');
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { users: { previousHashes: string[] }[] };
    expect(saved.users[0]!.previousHashes).toHaveLength(4);
  });

  it('resets a password: must change at next sign-in, lockout lifted, old password gone', async () => {
    const store = open();
    await store.create({ ...OPERATOR, mustChangePassword: false });
    for (let i = 0; i < 5; i++) await store.verify('zhang.wei', 'Wrong-guess-0');
    expect(store.get('zhang.wei')?.lockedUntil).not.toBeNull();

    const reset = await store.resetPassword('Zhang.Wei', 'Temporary-pass-1');
    expect(reset).toMatchObject({ mustChangePassword: true, lockedUntil: null });
    expect(await store.verify('zhang.wei', OPERATOR.password)).toEqual({ ok: false, reason: 'wrong' });
    expect(await store.verify('zhang.wei', 'Temporary-pass-1')).toMatchObject({ ok: true, user: { mustChangePassword: true } });
    expect((await failure(store.resetPassword('zhang.wei', 'weak'))).code).toBe('invalid_args');
    expect((await failure(store.resetPassword('nobody', 'Temporary-pass-1'))).code).toBe('not_found');
  });
});

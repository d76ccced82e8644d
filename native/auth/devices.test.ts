import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HostFailure } from '../../common/contract/errors';
import { DeviceStore } from './devices';

let dir: string;
let file: string;
let clock: number;
const open = () => DeviceStore.open({ file, now: () => clock });
const savedDevices = () => (JSON.parse(readFileSync(file, 'utf8')) as { devices: { id: string; lastSeenAt: number | null; tokenSha256: string }[] }).devices;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'skywatch-devices-'));
  file = join(dir, 'devices.json');
  clock = Date.UTC(2025, 0, 1);
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('DeviceStore', () => {
  it('issues a random token, keeps only its SHA-256 in an owner-only file, and verifies it after a restart', () => {
    const store = open();
    const { device, token } = store.issue({ name: 'Touch panel 1', kind: 'touch', createdBy: 'Admin' });
    expect(token).toMatch(/^dev_[A-Za-z0-9_-]{43}$/);
    expect(device).toEqual({ id: expect.stringMatching(/^[0-9a-f]{10}$/), name: 'Touch panel 1', kind: 'touch', createdAt: clock, createdBy: 'Admin', revokedAt: null, lastSeenAt: null });
    expect(store.issue({ name: 'Touch panel 2', kind: 'touch', createdBy: 'Admin' }).token).not.toBe(token);

    const text = readFileSync(file, 'utf8');
    expect(JSON.parse(text)).toMatchObject({ format: 'skywatch-devices', version: 1 });
    expect(text).not.toContain(token);
    expect(text).not.toContain(token.slice(4));
    expect(savedDevices()[0]!.tokenSha256).toBe(createHash('sha256').update(token).digest('hex'));
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);

    expect(open().verify(token)).toMatchObject({ id: device.id, name: 'Touch panel 1' });
    expect(open().list().map((d) => d.name)).toEqual(['Touch panel 1', 'Touch panel 2']);
  });

  it('does not verify unknown, altered or oversized tokens', () => {
    const store = open();
    const { token } = store.issue({ name: 'Decoder A', kind: 'decoder', createdBy: 'Admin' });
    expect(store.verify('')).toBeUndefined();
    expect(store.verify(`${token}x`)).toBeUndefined();
    expect(store.verify(token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'))).toBeUndefined();
    expect(store.verify(`dev_${'a'.repeat(500)}`)).toBeUndefined();
    expect(store.verify(token)).toBeDefined();
  });

  it('stops verifying a revoked token for good; revoking again keeps the first time', () => {
    const store = open();
    const a = store.issue({ name: 'Wall display', kind: 'display', createdBy: 'Admin' });
    const b = store.issue({ name: 'Console 2', kind: 'console', createdBy: 'Admin' });
    clock += 5000;
    const first = store.revoke(a.device.id);
    expect(first.revokedAt).toBe(clock);
    expect(store.verify(a.token)).toBeUndefined();
    expect(store.verify(b.token)).toBeDefined();

    clock += 5000;
    expect(store.revoke(a.device.id).revokedAt).toBe(first.revokedAt);
    const reopened = open();
    expect(reopened.verify(a.token)).toBeUndefined();
    expect(reopened.list().find((d) => d.id === a.device.id)?.revokedAt).toBe(first.revokedAt);

    let error: unknown;
    try {
      store.revoke('nope');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HostFailure);
    expect((error as HostFailure).code).toBe('not_found');
    expect((error as HostFailure).message).toContain('"nope"');
  });

  it('updates lastSeenAt at once in memory, but writes it to the file at most once a minute', () => {
    const store = open();
    const { device, token } = store.issue({ name: 'Touch panel', kind: 'touch', createdBy: 'Admin' });
    const t0 = clock;
    expect(store.verify(token)?.lastSeenAt).toBe(t0);
    expect(savedDevices()[0]!.lastSeenAt).toBeNull(); // the issue itself was written this same minute

    clock = t0 + 30_000;
    expect(store.verify(token)?.lastSeenAt).toBe(t0 + 30_000);
    expect(store.list()[0]!.lastSeenAt).toBe(t0 + 30_000);
    expect(savedDevices()[0]!.lastSeenAt).toBeNull();

    clock = t0 + 60_000;
    store.verify(token);
    expect(savedDevices()[0]!.lastSeenAt).toBe(t0 + 60_000);

    clock = t0 + 70_000;
    store.verify(token);
    expect(savedDevices()[0]!.lastSeenAt).toBe(t0 + 60_000);
    store.flush();
    expect(savedDevices()[0]!.lastSeenAt).toBe(t0 + 70_000);
    expect(open().list().find((d) => d.id === device.id)?.lastSeenAt).toBe(t0 + 70_000);
  });

  it('refuses a file that is not a device file, leaving it untouched', () => {
    for (const content of ['[]', 'garbage', JSON.stringify({ format: 'skywatch-accounts', version: 1, users: [] })]) {
      writeFileSync(file, content);
      expect(() => open()).toThrow(new RegExp(`${file.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}.*left untouched.*no device tokens`));
      expect(readFileSync(file, 'utf8')).toBe(content);
    }
    expect(readdirSync(dir)).toEqual(['devices.json']);
  });
});

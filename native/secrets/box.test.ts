import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../host/dispatch';
import { chainBoxes, KEY_BYTES, openKeyFileBox, sealedBackend, type SecretBox } from './box';

const posix = process.platform !== 'win32';
let dir: string;
let lines: string[];
const log: Logger = (level, msg) => lines.push(`${level} ${msg}`);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'secret-box-'));
  lines = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const mode = (p: string) => statSync(p).mode & 0o777;

describe('openKeyFileBox', () => {
  it('creates a 32-byte key with mode 0600 in a 0700 folder and round-trips text', () => {
    const keyFile = join(dir, 'secrets', 'host.key');
    const box = openKeyFileBox(keyFile, log);
    expect(box.backend).toBe('keyfile');
    expect(readFileSync(keyFile)).toHaveLength(KEY_BYTES);
    if (posix) {
      expect(mode(keyFile)).toBe(0o600);
      expect(mode(join(dir, 'secrets'))).toBe(0o700);
    }
    expect(lines.join('\n')).toMatch(/created a new secret key file/);
    for (const plain of ['hunter2', '', '密码 🔑 with "quotes" and \n newline', 'x'.repeat(10_000)]) {
      const sealed = box.encrypt(plain);
      expect(sealed).toMatch(/^enc:v1:[A-Za-z0-9_-]+$/);
      if (plain) expect(sealed).not.toContain(plain);
      expect(box.decrypt(sealed)).toBe(plain);
    }
  });

  it('uses a fresh IV each time and keeps the key across reopenings', () => {
    const keyFile = join(dir, 'host.key');
    const a = openKeyFileBox(keyFile);
    const s1 = a.encrypt('same');
    const s2 = a.encrypt('same');
    expect(s1).not.toBe(s2);
    const key = readFileSync(keyFile);
    const b = openKeyFileBox(keyFile);
    expect(readFileSync(keyFile).equals(key)).toBe(true);
    expect(b.decrypt(s1)).toBe('same');
  });

  it('refuses a value sealed with another key, naming the problem but not the secret', () => {
    const a = openKeyFileBox(join(dir, 'a.key'));
    const b = openKeyFileBox(join(dir, 'b.key'));
    const sealed = a.encrypt('hunter2');
    expect(() => b.decrypt(sealed)).toThrow(/failed authentication: it was altered, or sealed with a different key than .*b\.key/);
    try {
      b.decrypt(sealed);
    } catch (e) {
      expect((e as Error).message).not.toContain('hunter2');
      expect((e as Error).message).not.toContain(sealed.slice(7));
    }
  });

  it('detects tampering in the IV, the tag and the ciphertext', () => {
    const box = openKeyFileBox(join(dir, 'host.key'));
    const sealed = box.encrypt('hunter2 is my password');
    const raw = Buffer.from(sealed.slice('enc:v1:'.length), 'base64url');
    for (const at of [0, 11, 12, 27, 28, raw.length - 1]) {
      const bad = Buffer.from(raw);
      bad[at] = (bad[at] as number) ^ 0x01;
      expect(() => box.decrypt(`enc:v1:${bad.toString('base64url')}`), `byte ${at}`).toThrow(/failed authentication/);
    }
    // Truncation and appended bytes.
    expect(() => box.decrypt(`enc:v1:${raw.subarray(0, raw.length - 1).toString('base64url')}`)).toThrow(/failed authentication/);
    expect(() => box.decrypt(`enc:v1:${Buffer.concat([raw, Buffer.from([0])]).toString('base64url')}`)).toThrow(/failed authentication/);
    expect(() => box.decrypt(`enc:v1:${raw.subarray(0, 20).toString('base64url')}`)).toThrow(/too short/);
    expect(() => box.decrypt('enc:v1:not base64!')).toThrow(/not base64url/);
  });

  it('refuses plain text and safeStorage values without echoing them', () => {
    const box = openKeyFileBox(join(dir, 'host.key'));
    expect(() => box.decrypt('hunter2')).toThrow(/not a sealed secret/);
    expect(() => box.decrypt('hunter2')).not.toThrow(/hunter2/);
    expect(() => box.decrypt('enc:ss1:AAAA')).toThrow(/sealed by Electron safeStorage/);
  });

  it.runIf(posix)('tightens a key file readable by group/others and says so', () => {
    const keyFile = join(dir, 'host.key');
    openKeyFileBox(keyFile);
    chmodSync(keyFile, 0o644);
    const box = openKeyFileBox(keyFile, log);
    expect(mode(keyFile)).toBe(0o600);
    expect(lines.some((l) => l.startsWith('warn') && l.includes('mode 0644') && l.includes('0600'))).toBe(true);
    expect(box.decrypt(box.encrypt('ok'))).toBe('ok');
  });

  it('refuses a key file of the wrong size and leaves it untouched', () => {
    const keyFile = join(dir, 'host.key');
    for (const content of [Buffer.alloc(0), Buffer.alloc(16, 7), Buffer.alloc(33, 7)]) {
      writeFileSync(keyFile, content, { mode: 0o600 });
      expect(() => openKeyFileBox(keyFile)).toThrow(new RegExp(`key file .*host\\.key holds ${content.length} bytes, expected 32`));
      expect(readFileSync(keyFile).equals(content)).toBe(true);
    }
  });

  it('refuses a key file that is a folder', () => {
    expect(() => openKeyFileBox(dir)).toThrow(/is not a regular file/);
  });
});

describe('chainBoxes', () => {
  // A stand-in for the safeStorage box (which needs Electron).
  const fakeSafeStorage: SecretBox = {
    backend: 'safeStorage',
    encrypt: (p) => `enc:ss1:${Buffer.from(p).toString('base64')}`,
    decrypt: (s) => Buffer.from(s.slice('enc:ss1:'.length), 'base64').toString(),
  };

  it('seals with the primary and opens values of either backend', () => {
    const keyBox = openKeyFileBox(join(dir, 'host.key'));
    const chained = chainBoxes(fakeSafeStorage, keyBox);
    expect(chained.backend).toBe('safeStorage');
    const a = chained.encrypt('one');
    expect(sealedBackend(a)).toBe('safeStorage');
    expect(chained.decrypt(a)).toBe('one');
    expect(chained.decrypt(keyBox.encrypt('two'))).toBe('two');
    expect(() => chainBoxes(keyBox).decrypt(a)).toThrow(/sealed by safeStorage, which is not available/);
    expect(() => chained.decrypt('hunter2')).toThrow(/not a sealed secret/);
  });
});

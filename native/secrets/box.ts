import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../host/dispatch';

/** Seals credentials at rest; a sealed value names its backend in its prefix so backends never confuse each other. */
export interface SecretBox {
  readonly backend: 'keyfile' | 'safeStorage';
  encrypt(plain: string): string;
  decrypt(sealed: string): string;
}

export const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Prefix of values sealed by the key-file box (AES-256-GCM). */
export const KEYFILE_PREFIX = 'enc:v1:';
/** Prefix of values sealed by Electron's safeStorage (electron/secret-box.ts). */
export const SAFESTORAGE_PREFIX = 'enc:ss1:';
// Binds the ciphertext to the format version: a v1 body relabelled as something else fails authentication.
const AAD = Buffer.from('skywatch enc:v1');

/** Which backend sealed a value, judged by its prefix; undefined when it is not a sealed value. */
export function sealedBackend(value: string): SecretBox['backend'] | undefined {
  if (value.startsWith(KEYFILE_PREFIX)) return 'keyfile';
  if (value.startsWith(SAFESTORAGE_PREFIX)) return 'safeStorage';
  return undefined;
}

function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

/** Writes a fresh key next to the target and hard-links it into place, so two starters never both win and a crash leaves no half-written key. */
function createKeyFile(keyFile: string): void {
  mkdirSync(dirname(keyFile), { recursive: true, mode: 0o700 });
  const tmp = `${keyFile}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, randomBytes(KEY_BYTES));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, keyFile);
  } catch (e) {
    if (errnoCode(e) !== 'EEXIST') throw e;
    // Another process created it first: use theirs.
  } finally {
    unlinkSync(tmp);
  }
}

function loadKey(keyFile: string, log?: Logger): Buffer {
  let st;
  try {
    st = statSync(keyFile);
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw new Error(`cannot read key file ${keyFile}: ${(e as Error).message}`);
    createKeyFile(keyFile);
    log?.('info', `created a new secret key file ${keyFile} (mode 0600); back it up: secrets sealed with it cannot be read without it`);
    st = statSync(keyFile);
  }
  if (!st.isFile()) throw new Error(`key file ${keyFile} is not a regular file`);
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
    const was = (st.mode & 0o777).toString(8).padStart(4, '0');
    chmodSync(keyFile, 0o600);
    log?.('warn', `key file ${keyFile} was readable by group/others (mode ${was}); tightened it to 0600`);
  }
  let key: Buffer;
  try {
    key = readFileSync(keyFile);
  } catch (e) {
    throw new Error(`cannot read key file ${keyFile}: ${(e as Error).message}`);
  }
  if (key.length !== KEY_BYTES) {
    // Never replace it: every secret sealed with the original key would become unreadable.
    throw new Error(
      `key file ${keyFile} holds ${key.length} bytes, expected ${KEY_BYTES}: it is damaged or not a SkyWatch key file. ` +
        'Restore it from a backup; it was left untouched.',
    );
  }
  return key;
}

/**
 * A SecretBox keyed by a 32-byte random key in `keyFile` (created with mode 0600 when missing).
 * Sealed values look like `enc:v1:<base64url(iv | tag | ciphertext)>`.
 */
export function openKeyFileBox(keyFile: string, log?: Logger): SecretBox {
  const key = loadKey(keyFile, log);
  return {
    backend: 'keyfile',
    encrypt(plain: string): string {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(AAD);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return KEYFILE_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
    },
    decrypt(sealed: string): string {
      // Messages never quote the input: a caller may have passed a plain-text password by mistake.
      const kind = sealedBackend(sealed);
      if (kind === 'safeStorage') throw new Error(`value was sealed by Electron safeStorage, not by the key file ${keyFile}`);
      if (kind !== 'keyfile') throw new Error(`value is not a sealed secret (expected the "${KEYFILE_PREFIX}" prefix)`);
      const text = sealed.slice(KEYFILE_PREFIX.length);
      if (!/^[A-Za-z0-9_-]+$/.test(text)) throw new Error('sealed secret is damaged: not base64url');
      const raw = Buffer.from(text, 'base64url');
      if (raw.length < IV_BYTES + TAG_BYTES) throw new Error('sealed secret is damaged: too short');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(AAD);
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      try {
        return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        throw new Error(`sealed secret failed authentication: it was altered, or sealed with a different key than ${keyFile}`);
      }
    },
  };
}

/**
 * Seals with `primary` and opens with whichever box matches the value's prefix, so a store can hold
 * values sealed by safeStorage (Electron) and by the key file (the `npm run secret` CLI) side by side.
 */
export function chainBoxes(primary: SecretBox, ...others: SecretBox[]): SecretBox {
  const all = [primary, ...others];
  return {
    backend: primary.backend,
    encrypt: (plain) => primary.encrypt(plain),
    decrypt(sealed) {
      const kind = sealedBackend(sealed);
      const box = all.find((b) => b.backend === kind);
      if (!box) {
        if (kind) throw new Error(`value was sealed by ${kind}, which is not available in this process`);
        throw new Error('value is not a sealed secret');
      }
      return box.decrypt(sealed);
    },
  };
}

import { safeStorage } from 'electron';
import type { Logger } from '../native/host/dispatch';

/**
 * Same shape as SecretBox in native/secrets/box.ts (electron/ may import only native/host, so it is
 * restated here; the two are structurally identical and either can be passed where the other is expected).
 */
export interface SecretBox {
  readonly backend: 'keyfile' | 'safeStorage';
  encrypt(plain: string): string;
  decrypt(sealed: string): string;
}

/** Prefix of values sealed here; the key-file box uses `enc:v1:`, so neither mistakes the other's values. */
export const SAFESTORAGE_PREFIX = 'enc:ss1:';

// 'basic_text' encrypts with a key hard-coded in Chromium: obfuscation, not protection.
// 'unknown' means safeStorage was asked before the app was ready.
const WEAK_LINUX_BACKENDS = new Set(['basic_text', 'unknown']);

/**
 * A SecretBox over Electron's safeStorage (Keychain, DPAPI, libsecret/kwallet), or null when the OS
 * offers no real protection, in which case the caller uses the key file. Call after `app.whenReady()`.
 */
export function safeStorageBox(log: Logger, platform: NodeJS.Platform = process.platform): SecretBox | null {
  // The synchronous calls are deprecated in Electron 45 in favour of *Async ones; SecretBox is synchronous.
  if (!safeStorage.isEncryptionAvailable()) {
    log('info', 'secrets: Electron safeStorage is not available; using the key file instead');
    return null;
  }
  if (platform === 'linux') {
    const backend = safeStorage.getSelectedStorageBackend();
    if (WEAK_LINUX_BACKENDS.has(backend)) {
      log('warn', `secrets: Electron safeStorage backend is "${backend}" (no OS keyring protection); using the key file instead`);
      return null;
    }
    log('info', `secrets: sealing with Electron safeStorage (${backend})`);
  } else {
    log('info', `secrets: sealing with Electron safeStorage (${platform === 'darwin' ? 'Keychain' : platform === 'win32' ? 'DPAPI' : platform})`);
  }
  return {
    backend: 'safeStorage',
    encrypt(plain: string): string {
      return SAFESTORAGE_PREFIX + safeStorage.encryptString(plain).toString('base64');
    },
    decrypt(sealed: string): string {
      // Messages never quote the input: it may be a plain-text password passed by mistake.
      if (sealed.startsWith('enc:v1:')) throw new Error('value was sealed with the key file, not with Electron safeStorage');
      if (!sealed.startsWith(SAFESTORAGE_PREFIX)) throw new Error(`value is not a sealed secret (expected the "${SAFESTORAGE_PREFIX}" prefix)`);
      const body = sealed.slice(SAFESTORAGE_PREFIX.length);
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) throw new Error('sealed secret is damaged: not base64');
      try {
        return safeStorage.decryptString(Buffer.from(body, 'base64'));
      } catch {
        throw new Error('Electron safeStorage could not decrypt the value: it was altered, or sealed by another user or machine');
      }
    },
  };
}

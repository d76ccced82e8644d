import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { DeviceKind, type DeviceView } from '../../common/contract/auth';
import { HostFailure } from '../../common/contract/errors';
import { readStoreFile, writeStoreFile, type StoreFileKind } from './store-file';

/**
 * Device tokens: how a touch panel, decoder or display proves it may reach the host before (or
 * without) a person signing in on it. The token is shown once when issued; only its SHA-256 is kept,
 * which is enough because the token is 256 random bits, not something a person chose.
 */

const DEVICES_FILE: StoreFileKind = { format: 'skywatch-devices', version: 1, holds: 'device tokens' };

export const DEVICE_TOKEN_PREFIX = 'dev_';

/** `lastSeenAt` alone changes on every connection; writing the file for it at most this often is plenty. */
export const LAST_SEEN_SAVE_INTERVAL_MS = 60_000;

/** Longer than any token we issue (4 + 43 characters); anything longer is refused before hashing. */
const MAX_TOKEN_LENGTH = 128;

const StoredDevice = z.object({
  id: z.string().min(1),
  name: z.string(),
  kind: DeviceKind,
  createdAt: z.number(),
  createdBy: z.string(),
  revokedAt: z.number().nullable(),
  lastSeenAt: z.number().nullable(),
  tokenSha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits'),
});
type StoredDevice = z.infer<typeof StoredDevice>;

const DevicesFileSchema = z.object({
  format: z.literal(DEVICES_FILE.format),
  version: z.literal(DEVICES_FILE.version),
  devices: z.array(StoredDevice),
});

export interface DeviceStoreOptions {
  /** The device file; created at the first change. */
  file: string;
  /** Host clock in ms; tests move it. */
  now?: () => number;
}

export interface NewDevice {
  name: string;
  kind: DeviceKind;
  /** User name of whoever issued it, for the list and the audit trail. */
  createdBy: string;
}

interface Entry {
  device: DeviceView;
  tokenHash: Buffer;
}

export class DeviceStore {
  /** By id, in the order issued. */
  private readonly entries = new Map<string, Entry>();
  /** A `lastSeenAt` changed since the file was last written. */
  private lastSeenDirty = false;
  private savedAt = Number.NEGATIVE_INFINITY;

  private constructor(
    private readonly file: string,
    private readonly now: () => number,
  ) {}

  /** Loads the file (a missing one = no devices yet); throws, leaving it untouched, if it is not ours. */
  static open({ file, now = Date.now }: DeviceStoreOptions): DeviceStore {
    const store = new DeviceStore(file, now);
    const data = readStoreFile(file, DEVICES_FILE, DevicesFileSchema);
    for (const { tokenSha256, ...device } of data?.devices ?? []) {
      if (store.entries.has(device.id)) {
        throw new Error(`${file} lists the device id "${device.id}" twice. It was left untouched. Restore it from a backup, or remove one of the two entries.`);
      }
      store.entries.set(device.id, { device, tokenHash: Buffer.from(tokenSha256, 'hex') });
    }
    return store;
  }

  /** Creates a device and its token. The token is returned only here; the store cannot show it again. */
  issue({ name, kind, createdBy }: NewDevice): { device: DeviceView; token: string } {
    const token = DEVICE_TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const device: DeviceView = { id: this.newId(), name, kind, createdAt: this.now(), createdBy, revokedAt: null, lastSeenAt: null };
    this.commit({ device, tokenHash: sha256(token) });
    return { device: { ...device }, token };
  }

  /** Every device, revoked ones included, in the order issued. */
  list(): DeviceView[] {
    return [...this.entries.values()].map((e) => ({ ...e.device }));
  }

  /** Ends a device's access for good. Revoking again changes nothing, so the first time stays on record. */
  revoke(id: string): DeviceView {
    const entry = this.entries.get(id);
    if (!entry) throw new HostFailure('not_found', `no device "${id}"`);
    if (entry.device.revokedAt !== null) return { ...entry.device };
    const revoked = { ...entry, device: { ...entry.device, revokedAt: this.now() } };
    this.commit(revoked);
    return { ...revoked.device };
  }

  /**
   * The device a token belongs to, or undefined for an unknown or revoked token. Every stored hash
   * is compared in constant time and none is skipped, so the reply time says nothing about the token.
   */
  verify(token: string): DeviceView | undefined {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return undefined;
    const hash = sha256(token);
    let found: Entry | undefined;
    for (const entry of this.entries.values()) {
      if (timingSafeEqual(entry.tokenHash, hash) && !found) found = entry;
    }
    if (!found || found.device.revokedAt !== null) return undefined;
    found.device.lastSeenAt = this.now();
    this.lastSeenDirty = true;
    if (this.now() - this.savedAt >= LAST_SEEN_SAVE_INTERVAL_MS) this.saveLastSeen();
    return { ...found.device };
  }

  /** Writes any `lastSeenAt` not yet saved; call at shutdown. Throws if the file cannot be written. */
  flush(): void {
    if (this.lastSeenDirty) this.write([...this.entries.values()]);
  }

  // --- internals ---

  /** A failed write here must not refuse a valid device: the time stays pending and is tried again later. */
  private saveLastSeen(): void {
    try {
      this.write([...this.entries.values()]);
    } catch {
      this.savedAt = this.now();
    }
  }

  /** Writes the store with `entry` in it, then keeps it: the file never lags memory for issue and revoke. */
  private commit(entry: Entry): void {
    const id = entry.device.id;
    const entries = this.entries.has(id) ? [...this.entries.values()].map((e) => (e.device.id === id ? entry : e)) : [...this.entries.values(), entry];
    this.write(entries);
    this.entries.set(id, entry);
  }

  private write(entries: Entry[]): void {
    const devices: StoredDevice[] = entries.map((e) => ({ ...e.device, tokenSha256: e.tokenHash.toString('hex') }));
    writeStoreFile(this.file, { format: DEVICES_FILE.format, version: DEVICES_FILE.version, devices });
    this.lastSeenDirty = false;
    this.savedAt = this.now();
  }

  /** Ten hex digits: short enough to read out over the radio, with a retry for the rare clash. */
  private newId(): string {
    for (;;) {
      const id = randomBytes(5).toString('hex');
      if (!this.entries.has(id)) return id;
    }
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { SiteConfig } from '../../common/site';
import type { SecretBox } from './box';

/** A secret's reference name as written in `secretRef`. */
export const SECRET_REF = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const REF_RULE = '1–64 letters, digits, ".", "_" or "-", starting with a letter or digit';

const StoreFileSchema = z.object({
  version: z.literal(1),
  secrets: z.record(z.string(), z.string()),
});
type StoreFile = z.infer<typeof StoreFileSchema>;

export function isSecretRef(ref: string): boolean {
  return SECRET_REF.test(ref);
}

function checkRef(ref: string): void {
  if (!isSecretRef(ref)) throw new Error(`invalid secret name ${JSON.stringify(ref)}: use ${REF_RULE}`);
}

/**
 * Named secrets sealed by a SecretBox in one JSON file (mode 0600, replaced atomically).
 * Reads the file on every call, so a running host sees what `npm run secret` wrote.
 */
export class SecretStore {
  constructor(
    readonly file: string,
    private readonly box: SecretBox,
  ) {}

  private read(): StoreFile {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (e) {
      if (typeof e === 'object' && e !== null && 'code' in e && e.code === 'ENOENT') return { version: 1, secrets: {} };
      throw new Error(`cannot read secret store ${this.file}: ${(e as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`secret store ${this.file} is not valid JSON`);
    }
    const parsed = StoreFileSchema.safeParse(json);
    if (!parsed.success) throw new Error(`secret store ${this.file} is not a SkyWatch secret store (expected {"version":1,"secrets":{…}})`);
    return parsed.data;
  }

  private write(data: StoreFile): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      try {
        writeSync(fd, `${JSON.stringify(data, null, 2)}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.file);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
  }

  /** The decrypted secret, or undefined when there is none of that name. */
  get(ref: string): string | undefined {
    checkRef(ref);
    const { secrets } = this.read();
    // Own properties only: "constructor" or "toString" are valid names.
    const sealed = Object.hasOwn(secrets, ref) ? secrets[ref] : undefined;
    if (sealed === undefined) return undefined;
    try {
      return this.box.decrypt(sealed);
    } catch (e) {
      throw new Error(`secret "${ref}" in ${this.file}: ${(e as Error).message}`);
    }
  }

  set(ref: string, value: string): void {
    checkRef(ref);
    const data = this.read();
    data.secrets[ref] = this.box.encrypt(value);
    this.write(data);
  }

  /** True when a secret of that name existed. */
  delete(ref: string): boolean {
    checkRef(ref);
    const data = this.read();
    if (!Object.hasOwn(data.secrets, ref)) return false;
    delete data.secrets[ref];
    this.write(data);
    return true;
  }

  /** Names only, sorted. */
  list(): string[] {
    return Object.keys(this.read().secrets).sort();
  }
}

/**
 * A copy of the site with each `secretRef` credential's password (and each basemap's
 * `keySecretRef` service key) filled in from the store. Every unresolved reference is reported in
 * one Error, one line each.
 */
export function resolveSecretRefs(site: SiteConfig, store: SecretStore): SiteConfig {
  const out = structuredClone(site);
  const problems: string[] = [];
  const lookUp = (ref: string, where: string): string | undefined => {
    if (!isSecretRef(ref)) {
      problems.push(`${where}: ${JSON.stringify(ref)} is not a valid secret name (${REF_RULE})`);
      return undefined;
    }
    let value: string | undefined;
    try {
      value = store.get(ref);
    } catch (e) {
      problems.push(`${where}: ${(e as Error).message}`);
      return undefined;
    }
    if (value === undefined) problems.push(`${where}: no secret named "${ref}" in ${store.file}; add it with npm run secret -- set ${ref}`);
    return value;
  };
  out.credentials.forEach((cred, i) => {
    if (cred.secretRef === undefined) return;
    const value = lookUp(cred.secretRef, `credentials[${i}].secretRef`);
    if (value !== undefined) cred.password = value;
  });
  out.basemaps.forEach((b, i) => {
    if (b.kind !== 'xyz' || b.keySecretRef === undefined) return;
    const value = lookUp(b.keySecretRef, `basemaps[${i}].keySecretRef`);
    if (value !== undefined) b.key = value;
  });
  if (problems.length > 0) {
    throw new Error(`${problems.length === 1 ? 'a secret reference' : `${problems.length} secret references`} could not be resolved:\n  ${problems.join('\n  ')}`);
  }
  return out;
}

import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SiteSchema, type SiteConfig } from '../../common/site';
import { openKeyFileBox } from './box';
import { resolveSecretRefs, SecretStore } from './store';

let dir: string;
let storeFile: string;
let store: SecretStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'secret-store-'));
  storeFile = join(dir, 'secrets', 'secrets.json');
  store = new SecretStore(storeFile, openKeyFileBox(join(dir, 'secrets', 'host.key')));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function site(credentials: SiteConfig['credentials']): SiteConfig {
  return SiteSchema.parse({
    site: { id: 'demo', name: 'Demo' },
    towers: [{ id: 't1', name: 'T1', lat: 31.2, lon: 119.3, groundElevation: 300, mastHeight: 20, cameras: [{ id: 'c1', kind: 'visible', streams: { main: 'rtsp://10.0.0.1/a' } }] }],
    credentials,
  });
}

describe('SecretStore', () => {
  it('stores sealed values in a 0600 file and reads them back', () => {
    expect(store.list()).toEqual([]);
    expect(store.get('cam-admin')).toBeUndefined();
    store.set('cam-admin', 'Hik@vision12');
    store.set('detector.api_key', 'k-123');
    expect(store.get('cam-admin')).toBe('Hik@vision12');
    expect(store.list()).toEqual(['cam-admin', 'detector.api_key']);
    const text = readFileSync(storeFile, 'utf8');
    expect(text).not.toContain('Hik@vision12');
    expect(text).not.toContain('k-123');
    const json = JSON.parse(text) as { version: number; secrets: Record<string, string> };
    expect(json.version).toBe(1);
    expect(json.secrets['cam-admin']).toMatch(/^enc:v1:/);
    if (process.platform !== 'win32') expect(statSync(storeFile).mode & 0o777).toBe(0o600);
    // No temp files left behind by the atomic writes.
    expect(readdirSync(join(dir, 'secrets')).sort()).toEqual(['host.key', 'secrets.json']);
  });

  it('replaces and deletes', () => {
    store.set('a', 'one');
    store.set('a', 'two');
    expect(store.get('a')).toBe('two');
    expect(store.delete('a')).toBe(true);
    expect(store.delete('a')).toBe(false);
    expect(store.get('a')).toBeUndefined();
    expect(store.list()).toEqual([]);
  });

  it('treats names like "constructor" as ordinary names', () => {
    expect(store.get('constructor')).toBeUndefined();
    expect(store.get('toString')).toBeUndefined();
    expect(store.delete('hasOwnProperty')).toBe(false);
    store.set('constructor', 'c');
    expect(store.get('constructor')).toBe('c');
  });

  it('rejects invalid names', () => {
    for (const bad of ['', '-x', '.x', 'a b', 'vault:cam', 'a/b', '__proto__', 'x'.repeat(65)]) {
      expect(() => store.set(bad, 'v'), bad).toThrow(/invalid secret name/);
      expect(() => store.get(bad), bad).toThrow(/invalid secret name/);
    }
    expect(() => store.set('x'.repeat(64), 'v')).not.toThrow();
  });

  it('sees what another store instance wrote (the CLI beside a running host)', () => {
    const other = new SecretStore(storeFile, openKeyFileBox(join(dir, 'secrets', 'host.key')));
    other.set('late', 'v');
    expect(store.get('late')).toBe('v');
  });

  it('names the store and the secret when a value cannot be opened', () => {
    store.set('cam-admin', 'pw');
    const wrongKey = new SecretStore(storeFile, openKeyFileBox(join(dir, 'other.key')));
    expect(() => wrongKey.get('cam-admin')).toThrow(/secret "cam-admin" in .*secrets\.json: sealed secret failed authentication/);
  });

  it('reports a damaged store file', () => {
    writeFileSync(storeFile, '{"version":1,"secrets":');
    expect(() => store.list()).toThrow(/secrets\.json is not valid JSON/);
    writeFileSync(storeFile, '{"a":"b"}');
    expect(() => store.list()).toThrow(/is not a SkyWatch secret store/);
  });
});

describe('resolveSecretRefs', () => {
  it('fills passwords from the store and leaves the input untouched', () => {
    store.set('cam-admin', 'Hik@vision12');
    const input = site([
      { id: 'cam', user: 'admin', secretRef: 'cam-admin' },
      { id: 'dev', user: 'dev', password: 'plain' },
    ]);
    const snapshot = structuredClone(input);
    const out = resolveSecretRefs(input, store);
    expect(out.credentials).toEqual([
      { id: 'cam', user: 'admin', secretRef: 'cam-admin', password: 'Hik@vision12' },
      { id: 'dev', user: 'dev', password: 'plain' },
    ]);
    expect(input).toEqual(snapshot);
    expect(out.towers).not.toBe(input.towers);
    expect(out.towers).toEqual(input.towers);
  });

  it('lists every missing or unusable reference in one error', () => {
    store.set('present', 'x');
    const input = site([
      { id: 'a', user: 'u', secretRef: 'missing-one' },
      { id: 'b', user: 'u', secretRef: 'present' },
      { id: 'c', user: 'u', secretRef: 'vault:cam-admin' },
      { id: 'd', user: 'u', secretRef: 'missing-two' },
    ]);
    let message = '';
    try {
      resolveSecretRefs(input, store);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('3 secret references could not be resolved');
    expect(message).toContain(`credentials[0].secretRef: no secret named "missing-one" in ${storeFile}; add it with npm run secret -- set missing-one`);
    expect(message).toContain(`credentials[3].secretRef: no secret named "missing-two" in ${storeFile}; add it with npm run secret -- set missing-two`);
    expect(message).toMatch(/credentials\[2\]\.secretRef: "vault:cam-admin" is not a valid secret name/);
    expect(message).not.toContain('credentials[1]');
  });

  it('reports a value sealed with another key as a problem of that credential', () => {
    new SecretStore(storeFile, openKeyFileBox(join(dir, 'other.key'))).set('cam-admin', 'pw');
    expect(() => resolveSecretRefs(site([{ id: 'a', user: 'u', secretRef: 'cam-admin' }]), store)).toThrow(
      /a secret reference could not be resolved:\n {2}credentials\[0\]\.secretRef: secret "cam-admin" .*failed authentication/,
    );
  });
});

import { describe, expect, it } from 'vitest';
import { DUMMY_HASH, hashPassword, needsRehash, SCRYPT_PARAMS, verifyPassword } from './password';

/** Cheap parameters for the tests that are about the format, not the cost. */
const FAST = { N: 2 ** 10, r: 8, p: 1 };
const FORMAT = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/]+=*)\$([A-Za-z0-9+/]+=*)$/;

/** Replaces one `$`-separated field of a stored hash. */
function withField(stored: string, index: number, value: string): string {
  const parts = stored.split('$');
  parts[index] = value;
  return parts.join('$');
}

describe('hashPassword / verifyPassword', () => {
  it('stores the default parameters, a 16-byte salt and a 32-byte key, and round-trips', async () => {
    const stored = await hashPassword('Correct horse 9');
    const m = FORMAT.exec(stored);
    expect(m).not.toBeNull();
    expect(m!.slice(1, 4).map(Number)).toEqual([SCRYPT_PARAMS.N, SCRYPT_PARAMS.r, SCRYPT_PARAMS.p]);
    expect(Buffer.from(m![4]!, 'base64')).toHaveLength(16);
    expect(Buffer.from(m![5]!, 'base64')).toHaveLength(32);
    expect(stored).not.toContain('Correct horse 9');
    expect(await verifyPassword('Correct horse 9', stored)).toBe(true);
    expect(await verifyPassword('correct horse 9', stored)).toBe(false);
  });

  it('salts: the same password hashes differently each time, and each verifies', async () => {
    const [a, b] = await Promise.all([hashPassword('Same-pass-1', FAST), hashPassword('Same-pass-1', FAST)]);
    expect(a).not.toBe(b);
    expect(await verifyPassword('Same-pass-1', a)).toBe(true);
    expect(await verifyPassword('Same-pass-1', b)).toBe(true);
  });

  it('fails a tampered hash, salt or parameter', async () => {
    const stored = await hashPassword('Tamper-proof-1', FAST);
    const hash = Buffer.from(stored.split('$')[5]!, 'base64');
    hash[0] = hash[0]! ^ 1;
    const salt = Buffer.from(stored.split('$')[4]!, 'base64');
    salt[3] = salt[3]! ^ 0x80;
    expect(await verifyPassword('Tamper-proof-1', withField(stored, 5, hash.toString('base64')))).toBe(false);
    expect(await verifyPassword('Tamper-proof-1', withField(stored, 4, salt.toString('base64')))).toBe(false);
    expect(await verifyPassword('Tamper-proof-1', withField(stored, 1, String(2 ** 11)))).toBe(false);
    expect(await verifyPassword('Tamper-proof-1', withField(stored, 2, '9'))).toBe(false);
    expect(await verifyPassword('Tamper-proof-1', stored)).toBe(true);
  });

  it('returns false, never throws, for malformed or unbounded stored strings', async () => {
    const good = await hashPassword('Well-formed-1', FAST);
    const bad = [
      '',
      'plain text',
      'bcrypt$10$abc',
      good.replace('scrypt$', 'SCRYPT$'),
      `${good}$extra`,
      withField(good, 1, '1000'), // not a power of two
      withField(good, 1, '512'), // below the floor
      withField(good, 1, String(2 ** 30)), // would need 128 GiB
      withField(good, 1, '01024'),
      withField(good, 1, '1e3'),
      withField(good, 2, '0'),
      withField(good, 3, '-1'),
      withField(good, 4, 'not*base64'),
      withField(good, 4, 'AAAA'), // 3-byte salt
      withField(good, 5, ''),
      withField(good, 5, 'QQ'), // unpadded: does not round-trip
    ];
    for (const stored of bad) await expect(verifyPassword('Well-formed-1', stored), stored).resolves.toBe(false);
  });

  it('treats composed and decomposed accents as the same password', async () => {
    const stored = await hashPassword('Caf\u00e9-Paris-1', FAST);
    expect(await verifyPassword('Cafe\u0301-Paris-1', stored)).toBe(true);
  });
});

describe('needsRehash', () => {
  it('asks for a new hash when the stored parameters are weaker than the current ones', async () => {
    const weak = await hashPassword('Upgrade-me-1', FAST);
    expect(needsRehash(weak)).toBe(true);
    expect(needsRehash(weak, FAST)).toBe(false);
    expect(needsRehash('garbage')).toBe(true);
  });
});

describe('DUMMY_HASH', () => {
  it('is well-formed with the current parameters, so checking an unknown user costs a full hash', async () => {
    expect(DUMMY_HASH).toMatch(FORMAT);
    // Fails when SCRYPT_PARAMS are raised without regenerating DUMMY_HASH.
    expect(needsRehash(DUMMY_HASH)).toBe(false);
    expect(DUMMY_HASH.split('$').slice(1, 4).map(Number)).toEqual([SCRYPT_PARAMS.N, SCRYPT_PARAMS.r, SCRYPT_PARAMS.p]);
    expect(await verifyPassword('', DUMMY_HASH)).toBe(false);
  });
});

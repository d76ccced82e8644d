import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Password hashing with scrypt, which is memory-hard: guessing needs as much memory per try as the
 * host spends, so graphics cards and ASICs gain little. Hashes are stored as
 * `scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>` so the cost can be raised later: old hashes
 * still verify with their own parameters and are replaced at the next sign-in (`needsRehash`).
 */

/** scrypt cost: N (CPU/memory, a power of two), r (block size), p (parallelism). */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** What new hashes use: 32 MiB and roughly 50–100 ms per hash on a desktop CPU. */
export const SCRYPT_PARAMS: Readonly<ScryptParams> = { N: 2 ** 15, r: 8, p: 1 };

const SALT_BYTES = 16;
const KEY_BYTES = 32;

/**
 * Bounds on what a stored string may ask for, so a damaged or hostile accounts file cannot make a
 * sign-in allocate gigabytes or spin for minutes.
 */
const LIMITS = { minN: 2 ** 10, maxMemory: 256 * 1024 * 1024, maxR: 32, maxP: 16, minSalt: 8, maxSalt: 64, minKey: 16, maxKey: 64 } as const;

/**
 * A valid hash of a random password nobody knows, with the current parameters. Verifying a sign-in
 * for an unknown user name against it costs the same as for a real account, so the reply time does
 * not tell which user names exist. Regenerate it when SCRYPT_PARAMS change (a test checks).
 */
export const DUMMY_HASH = 'scrypt$32768$8$1$YKftLkxT1QFue2T/XSWx8A==$Pr9dHX3ofskvFE8AeWjtspg1R20VlrFQgOaXCgCrr88=';

interface ParsedHash extends ScryptParams {
  salt: Buffer;
  hash: Buffer;
}

/** Hashes a password with a fresh random salt. */
export async function hashPassword(password: string, params: ScryptParams = SCRYPT_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await scryptAsync(normalize(password), salt, KEY_BYTES, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

/**
 * True when `password` matches the stored hash. A malformed or out-of-bounds stored string is
 * `false`, never an exception: sign-in must fail closed, not crash.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  try {
    const candidate = await scryptAsync(normalize(password), parsed.salt, parsed.hash.length, parsed);
    return timingSafeEqual(candidate, parsed.hash);
  } catch {
    return false;
  }
}

/** True when a stored hash is weaker than `params` (or unreadable) and should be replaced at the next sign-in. */
export function needsRehash(stored: string, params: ScryptParams = SCRYPT_PARAMS): boolean {
  const parsed = parseHash(stored);
  return !parsed || parsed.N < params.N || parsed.r < params.r || parsed.p < params.p || parsed.hash.length < KEY_BYTES;
}

/** Splits a stored string into its parts; undefined for anything not a well-formed, bounded scrypt hash. */
function parseHash(stored: string): ParsedHash | undefined {
  if (typeof stored !== 'string') return undefined;
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = parts.slice(1, 4).map(parseCount);
  const salt = decodeBase64(parts[4]);
  const hash = decodeBase64(parts[5]);
  if (N === undefined || r === undefined || p === undefined || !salt || !hash) return undefined;
  const params = { N, r, p };
  if (!withinLimits(params)) return undefined;
  if (salt.length < LIMITS.minSalt || salt.length > LIMITS.maxSalt) return undefined;
  if (hash.length < LIMITS.minKey || hash.length > LIMITS.maxKey) return undefined;
  return { ...params, salt, hash };
}

function withinLimits({ N, r, p }: ScryptParams): boolean {
  const powerOfTwo = (N & (N - 1)) === 0;
  return powerOfTwo && N >= LIMITS.minN && r <= LIMITS.maxR && p <= LIMITS.maxP && 128 * N * r <= LIMITS.maxMemory;
}

/** A positive decimal integer without sign, leading zeros or exponent; undefined otherwise. */
function parseCount(text: string | undefined): number | undefined {
  if (text === undefined || !/^[1-9][0-9]{0,9}$/.test(text)) return undefined;
  return Number(text);
}

/** Strict base64: Buffer.from silently skips bad characters, so the text must round-trip. */
function decodeBase64(text: string | undefined): Buffer | undefined {
  if (!text || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

/**
 * The same password typed through different input methods can arrive composed (é) or decomposed
 * (e + ◌́); NFC makes both the same bytes.
 */
function normalize(password: string): string {
  return password.normalize('NFC');
}

/**
 * OpenSSL needs 128·r·(N + p + 2) bytes; Node's default limit (32 MiB) is exactly too small for
 * N = 2^15, r = 8, so the limit is set from the parameters with some room.
 */
function maxmemFor({ N, r, p }: ScryptParams): number {
  return 128 * r * (N + p + 2) + 1024 * 1024;
}

function scryptAsync(password: string, salt: Buffer, keylen: number, params: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keylen, { N: params.N, r: params.r, p: params.p, maxmem: maxmemFor(params) }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

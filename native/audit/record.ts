import { createHash } from 'node:crypto';
import type { AuditRecord } from '../../common/contract/auth';

/*
 * The record format of the audit trail: field limits, cleaning, canonical form and hash.
 * Pure functions, no I/O; the file format around them is described in ./trail.ts.
 */

/** prevHash of the very first record when nothing was ever pruned. */
export const GENESIS_HASH = '0'.repeat(64);

export const MAX_DETAIL_CHARS = 2000;
export const MAX_FIELD_CHARS = 200;

/** Latest time Date can turn into an ISO day (year 9999); keeps file names four-digit years. */
const MAX_AT = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export type Outcome = AuditRecord['outcome'];
const OUTCOMES: readonly Outcome[] = ['ok', 'denied', 'failed'];

/** What a caller hands to `AuditTrail.append`. */
export interface AuditInput {
  actor: string;
  role: string;
  source: string;
  action: string;
  target: string;
  outcome: Outcome;
  detail: string;
  /** Host time (ms); defaults to the trail's clock. */
  at?: number;
}

/** A record before its hash is known. */
export type UnsealedRecord = Omit<AuditRecord, 'hash'>;

/**
 * C0/C1 controls, DEL, the Unicode line/paragraph separators and the bidi overrides/isolates.
 * Line breaks would make the human export ragged; bidi controls can make a viewer show text in
 * a different order than it is stored ("Trojan Source"), which has no place in evidence.
 */
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** Tabs and line breaks become one space so "line1\nline2" stays two words. */
const BREAKS = /[\t\n\r]+/g;
/**
 * Half a surrogate pair is not text; JSON.stringify would escape it as \udXXX where other JSON
 * writers differ, so an independent verifier could not recompute the hash. U+FFFD instead.
 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Removes what would make the stored or exported text misleading (see UNPRINTABLE). */
export function cleanText(s: string): string {
  return s.replace(BREAKS, ' ').replace(UNPRINTABLE, '').replace(LONE_SURROGATE, '\ufffd');
}

/**
 * Cleans and bounds one field: at most `max` UTF-16 units, ending in '…' when cut, never
 * splitting a surrogate pair. A caller logging a whole request body must not bloat the log.
 */
export function clipField(s: string, max: number): string {
  // Look at a bounded prefix only, so a 10 MB detail costs no more than a 2000-character one.
  const window = max * 4;
  const cutEarly = s.length > window;
  const clean = cleanText(cutEarly ? s.slice(0, window) : s);
  if (!cutEarly && clean.length <= max) return clean;
  let keep = Math.min(clean.length, max - 1);
  const last = clean.charCodeAt(keep - 1);
  if (last >= 0xd800 && last <= 0xdbff) keep -= 1;
  return clean.slice(0, keep) + '…';
}

/** Validates and cleans a caller's input into the fields of a record (without seq and hash). */
export function normaliseInput(input: AuditInput, at: number): Omit<UnsealedRecord, 'seq'> {
  for (const key of ['actor', 'role', 'source', 'action', 'target', 'detail'] as const) {
    if (typeof input[key] !== 'string') throw new TypeError(`audit record: ${key} must be a string, got ${typeof input[key]}`);
  }
  if (!OUTCOMES.includes(input.outcome)) throw new TypeError(`audit record: outcome must be one of ${OUTCOMES.join(', ')}, got ${String(input.outcome)}`);
  if (!Number.isFinite(at) || at < 0 || at > MAX_AT) throw new RangeError(`audit record: at must be a time in ms between 1970 and 9999, got ${at}`);
  return {
    at: Math.floor(at),
    actor: clipField(input.actor, MAX_FIELD_CHARS),
    role: clipField(input.role, MAX_FIELD_CHARS),
    source: clipField(input.source, MAX_FIELD_CHARS),
    action: clipField(input.action, MAX_FIELD_CHARS),
    target: clipField(input.target, MAX_FIELD_CHARS),
    outcome: input.outcome,
    detail: clipField(input.detail, MAX_DETAIL_CHARS),
  };
}

/**
 * The hashed form: JSON.stringify of the fields in this fixed order, no whitespace. Built
 * field by field so the order never depends on how the caller's object was made.
 */
export function canonicalJson(r: UnsealedRecord): string {
  return JSON.stringify({
    seq: r.seq,
    at: r.at,
    actor: r.actor,
    role: r.role,
    source: r.source,
    action: r.action,
    target: r.target,
    outcome: r.outcome,
    detail: r.detail,
  });
}

/** sha256hex(prevHash + '\n' + canonicalJson(record)), over UTF-8. */
export function recordHash(prevHash: string, r: UnsealedRecord): string {
  return hashCanonical(prevHash, canonicalJson(r));
}

/** recordHash when the caller already has the canonical JSON (verify needs it twice). */
export function hashCanonical(prevHash: string, canonical: string): string {
  return createHash('sha256').update(`${prevHash}\n${canonical}`, 'utf8').digest('hex');
}

export function seal(prevHash: string, r: UnsealedRecord): AuditRecord {
  return { ...r, hash: recordHash(prevHash, r) };
}

/** The stored line (without its '\n'): the canonical JSON with `hash` as the last field. */
export function recordLine(r: AuditRecord): string {
  return lineFromCanonical(canonicalJson(r), r.hash);
}

/** `{…canonical…,"hash":"<hex>"}`: the hash is hex, so it needs no escaping. */
export function lineFromCanonical(canonical: string, hash: string): string {
  return `${canonical.slice(0, -1)},"hash":"${hash}"}`;
}

/**
 * Reads one stored line; null when it is not a well-formed record. Hand-written rather than
 * zod because query and verify run it on every line of up to a million records.
 */
export function parseRecordLine(line: string): AuditRecord | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  const { seq, at, actor, role, source, action, target, outcome, detail, hash } = o;
  if (!Number.isSafeInteger(seq) || (seq as number) < 1) return null;
  // A time outside what a day file can be named by is as unreadable as bad JSON.
  if (typeof at !== 'number' || !Number.isFinite(at) || at < 0 || at > MAX_AT) return null;
  if (typeof outcome !== 'string' || !(OUTCOMES as readonly string[]).includes(outcome)) return null;
  if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)) return null;
  const texts = [actor, role, source, action, target, detail];
  if (!texts.every((t) => typeof t === 'string')) return null;
  return {
    seq: seq as number,
    at,
    actor: actor as string,
    role: role as string,
    source: source as string,
    action: action as string,
    target: target as string,
    outcome: outcome as Outcome,
    detail: detail as string,
    hash,
  };
}

/** UTC day of a time, 'YYYY-MM-DD'. */
export function utcDay(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

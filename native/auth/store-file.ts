import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { z } from 'zod';

/**
 * The JSON files that hold accounts and device tokens. Both hold secrets (hashes), so they are
 * written owner-only, and both are the only copy of who may sign in, so a file this program does
 * not recognise is refused and left as it is rather than replaced by an empty one.
 */

/** What a store file is, for the envelope check and for the operator's error message. */
export interface StoreFileKind {
  /** The `format` field every file of this kind carries, e.g. 'skywatch-accounts'. */
  format: string;
  /** The version this program writes and reads. */
  version: number;
  /** What the file holds, in a sentence: 'accounts', 'device tokens'. */
  holds: string;
}

/** Owner read/write only: the file holds password and token hashes. */
export const STORE_FILE_MODE = 0o600;

/**
 * Reads and checks a store file. A missing file is `undefined` (nothing stored yet); anything this
 * program cannot use throws an Error that names the file, says it was left untouched and what to do.
 */
export function readStoreFile<T>(file: string, kind: StoreFileKind, schema: z.ZodType<T>): T | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw refused(file, kind, `it cannot be read: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw refused(file, kind, `it is not valid JSON: ${(e as Error).message}`);
  }
  const envelopeProblem = checkEnvelope(raw, kind);
  if (envelopeProblem) throw refused(file, kind, envelopeProblem);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw refused(file, kind, `its content is not valid: ${describeIssues(parsed.error.issues)}`);
  return parsed.data;
}

/**
 * Replaces a store file so that a crash or power cut leaves either the old file or the new one,
 * never half of one: a fresh temporary file, fsync, rename over the old, then fsync of the folder
 * so the rename itself is on disk.
 */
export function writeStoreFile(file: string, data: unknown): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const text = `${JSON.stringify(data, null, 2)}\n`;
  try {
    // 'wx': never follow or reuse whatever may sit at the temporary name.
    const fd = openSync(tmp, 'wx', STORE_FILE_MODE);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new Error(`cannot save ${file}: ${(e as Error).message}`, { cause: e });
  }
  syncFolder(dirname(file));
}

/** Best effort: some platforms (Windows) cannot open a folder for fsync, and the data is already safe there. */
function syncFolder(folder: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(folder, 'r');
    fsyncSync(fd);
  } catch {
    // Not supported here; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Checks `format` and `version` first, so a foreign or newer file gets a message that says so. */
function checkEnvelope(raw: unknown, kind: StoreFileKind): string | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'it is not a JSON object';
  const { format, version } = raw as { format?: unknown; version?: unknown };
  if (format !== kind.format) return `its "format" is ${JSON.stringify(format) ?? 'missing'}, expected "${kind.format}"`;
  if (typeof version === 'number' && version > kind.version) {
    return `it is version ${version}, written by a newer program; this one reads version ${kind.version}`;
  }
  if (version !== kind.version) return `its "version" is ${JSON.stringify(version) ?? 'missing'}, expected ${kind.version}`;
  return undefined;
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const shown = issues.slice(0, 3).map((i) => `${i.path.map(String).join('.') || '(top)'}: ${i.message}`);
  return issues.length > 3 ? `${shown.join('; ')}; and ${issues.length - 3} more` : shown.join('; ');
}

function refused(file: string, kind: StoreFileKind, reason: string): Error {
  return new Error(
    `${file} is not a usable ${kind.holds} file: ${reason}. It was left untouched. ` +
      `Restore it from a backup, or move it away to start with no ${kind.holds}.`,
  );
}

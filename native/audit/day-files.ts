import { closeSync, fsyncSync, openSync, readdirSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/*
 * Day files on disk: naming, listing and reading them line by line without loading a whole file.
 * Everything is synchronous because appends must be durable before the caller goes on, and
 * the trail is small enough per day that sync reads do not hold the host up noticeably.
 */

const DAY_FILE = /^audit-(\d{4}-\d{2}-\d{2})\.jsonl$/;
const CHUNK_BYTES = 1 << 20;
const NEWLINE = 0x0a;

export function dayFileName(day: string): string {
  return `audit-${day}.jsonl`;
}

/** Days that have a file in `dir`, oldest first ('YYYY-MM-DD' sorts as it reads). */
export function listDays(dir: string): string[] {
  return readdirSync(dir)
    .map((name) => DAY_FILE.exec(name)?.[1])
    .filter((d): d is string => d !== undefined)
    .sort();
}

export interface Line {
  /** 1-based, for messages a person can follow in an editor. */
  lineNo: number;
  text: string;
  /** False for a last line with no '\n' after it: the sign of a torn write. */
  terminated: boolean;
}

/**
 * Yields the lines of a file in order. Splits on the '\n' byte before decoding, which is safe in
 * UTF-8 (no multi-byte sequence contains 0x0a), so a chunk boundary never breaks a character.
 */
export function* readLines(file: string): Generator<Line> {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK_BYTES);
    let rest: Buffer = Buffer.alloc(0);
    let lineNo = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      const data = rest.length > 0 ? Buffer.concat([rest, buf.subarray(0, n)]) : buf.subarray(0, n);
      let start = 0;
      for (let nl = data.indexOf(NEWLINE, start); nl !== -1; nl = data.indexOf(NEWLINE, start)) {
        yield { lineNo: ++lineNo, text: data.toString('utf8', start, nl), terminated: true };
        start = nl + 1;
      }
      // Copy: `buf` is reused by the next read.
      rest = Buffer.from(data.subarray(start));
    }
    if (rest.length > 0) yield { lineNo: ++lineNo, text: rest.toString('utf8'), terminated: false };
  } finally {
    closeSync(fd);
  }
}

/** Writes all of `data` to an open fd (writeSync may write less than asked). */
export function writeAll(fd: number, data: Buffer): void {
  for (let off = 0; off < data.length; ) off += writeSync(fd, data, off, data.length - off);
}

/** Appends durably: open with O_APPEND, write, fsync, close. */
export function appendDurably(file: string, data: Buffer, mode: number): void {
  const fd = openSync(file, 'a', mode);
  try {
    writeAll(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Makes a new directory entry durable (a file created or renamed). Windows cannot open a
 * directory for fsync and NTFS journals the entry anyway, so failure there is ignored.
 */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // See above: best effort.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function dayPath(dir: string, day: string): string {
  return join(dir, dayFileName(day));
}

/**
 * The audit trail (等保 / classified-protection compliance): append-only, tamper-evident by a
 * hash chain, searchable, exportable to CSV, and kept at least 180 days.
 *
 * ## Files in the audit directory
 *
 * - `audit-YYYY-MM-DD.jsonl`, one per day. The day is the UTC day of the record's `at`, not the
 *   site's local day: UTC has no daylight-saving jumps and does not depend on the machine's
 *   zone setting, so which file a record belongs to is deterministic. Mode 0600.
 * - `anchor.json`, written only once day files have been pruned (see "Retention").
 *
 * Each line of a day file is one JSON object, UTF-8, ending in '\n', with exactly these fields
 * in this order and no whitespace:
 *
 *     {"seq":1,"at":1714524600000,"actor":"zhang.wei","role":"operator","source":"console-1",
 *      "action":"wall:sceneRecall","target":"Scene 3","outcome":"ok","detail":"…","hash":"9f86…"}
 *
 * - `seq`: 1, 2, 3, … without gaps across all files; files and lines are in seq order.
 * - `at`: host time in ms since 1970 (UTC). Never decreases: an earlier time than the previous
 *   record's (clock stepped back) is raised to the previous record's time, so day files stay
 *   in seq order; a warning is logged when that starts.
 * - `actor` ("-" for the system), `role`, `source`, `action`, `target`: at most 200 characters;
 *   `detail`: at most 2000. Longer values are cut and end in '…'. Control characters, Unicode
 *   line separators and bidi overrides are removed; tabs and line breaks become one space; half
 *   a surrogate pair becomes U+FFFD.
 * - `outcome`: "ok" | "denied" | "failed".
 * - `hash` = lowercase hex SHA-256 of the UTF-8 bytes of
 *       prevHash + "\n" + canonical
 *   where `canonical` is the line without `hash`, i.e. JSON.stringify of
 *   {seq, at, actor, role, source, action, target, outcome, detail} in that order. `seq` and `at`
 *   are integers. Strings are cleaned before storing (no control characters, no half surrogate
 *   pairs), so the only escapes are \" and \\ and every other character is literal UTF-8:
 *   Python's json.dumps(obj, ensure_ascii=False, separators=(',', ':')) gives the same bytes.
 *   `prevHash` is the previous record's `hash`; for record 1 it is 64 zeros ("0000…0000").
 *   The stored line must equal the canonical JSON with `,"hash":"…"` added before the final '}'.
 *
 * ## Crash safety
 *
 * Each append opens the day file with O_APPEND, writes the whole line in one call, fsyncs and
 * closes, so a record returned to the caller is on disk. A crash mid-write can leave a torn last
 * line: on open it is logged and kept as it is (history is never rewritten); the next record
 * starts on a new line and chains from the last good record; verify() keeps reporting the torn
 * line so an auditor sees it.
 *
 * ## Retention
 *
 * Whole day files older than `retentionDays` (never less than 180) are deleted, on open and
 * whenever the host calls prune() (daily). Before deleting, `anchor.json` is written (atomically)
 * with the last pruned record:
 *
 *     {"seq":41,"hash":"…","at":1714524600000,"prunedThrough":"2024-05-01","writtenAt":1730000000000}
 *
 * verify() then expects the first remaining record to be seq 42 and to chain from that hash.
 * Day files on or before `prunedThrough` that are still present (a crash during pruning) count
 * as pruned and are deleted by the next prune(). The day is compared in UTC, so every deleted
 * record is older than the retention period. prune() does nothing while an async verify or
 * export is running, and nothing if anchor.json is damaged (it would overwrite the evidence).
 *
 * ## Reading
 *
 * query() reads only the day files that overlap [from, to], newest first, and remembers each
 * file's record count (while its size and mtime are unchanged) so that paging through an
 * unfiltered range does not reread older days. verify() and exportCsv() read every file in
 * range; verifyAsync() and exportCsvAsync() do the same but yield to the event loop between day
 * files, for the host, where a million records take seconds.
 *
 * ## What the chain does and does not prove
 *
 * verify() detects an edited, deleted, inserted, reordered or unparsable line anywhere before
 * the newest record, and a record filed under the wrong day. It checks every record and
 * reports the first problem in file order, with the seq it concerns (for an unparsable line,
 * the seq expected there; 0 for a damaged anchor.json). Someone able to rewrite files can still cut records off the end, or
 * rewrite every hash after an edit; this process catches that for records it knows of (its
 * in-memory head), and otherwise only a copy of a recent hash kept elsewhere (e.g. in a
 * periodic CSV export, which carries each hash) can prove it. One process writes a directory.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { AuditQuery, type AuditRecord } from '../../common/contract/auth';
import { CSV_BOM, CSV_HEADER, csvRow, isoInZone, zoneFormatter } from './csv';
import { appendDurably, dayFileName, dayPath, fsyncDir, listDays, readLines, writeAll, type Line } from './day-files';
import { canonicalJson, GENESIS_HASH, hashCanonical, lineFromCanonical, normaliseInput, parseRecordLine, recordLine, seal, utcDay, type AuditInput } from './record';

export type { AuditInput } from './record';

/** Matches the host's Logger, so it can be passed straight in. */
export type AuditLog = (level: 'info' | 'warn' | 'error', msg: string) => void;

export interface AuditTrailOptions {
  dir: string;
  /** Days to keep records at least; below 180 is raised to 180 (and logged). Default 180. */
  retentionDays?: number;
  /** Host clock in ms; tests inject one. */
  now?: () => number;
  /** IANA zone for the times in CSV exports. Default 'Asia/Shanghai'. */
  timeZone?: string;
  log?: AuditLog;
}

export interface VerifyResult {
  ok: boolean;
  /** Records (parsable lines) examined. */
  checked: number;
  /** The first problem in seq order, or null. */
  firstBad: { seq: number; reason: string } | null;
}

/** What query() accepts: raw (limit/offset optional) or already parsed. */
export type AuditQueryInput = z.input<typeof AuditQuery>;
const ExportQuery = AuditQuery.omit({ limit: true, offset: true });
export type AuditExportQuery = z.input<typeof ExportQuery>;

export const MIN_RETENTION_DAYS = 180;
const MAX_RETENTION_DAYS = 36_500;
const DAY_MS = 86_400_000;
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;
const ANCHOR_FILE = 'anchor.json';

const Anchor = z.object({
  seq: z.number().int().min(0),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  at: z.number(),
  prunedThrough: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  writtenAt: z.number(),
});
type Anchor = z.infer<typeof Anchor>;

/** The record the next one chains from. */
interface Head {
  seq: number;
  hash: string;
  at: number;
}

/** Valid records in a day file, remembered while the file is unchanged (size and mtime). */
interface DayCount {
  size: number;
  mtimeMs: number;
  count: number;
}

/** A parsed line in its day file, as verify sees it. */
interface Entry {
  day: string;
  /** Start of `day` in ms, computed once per file. */
  dayStart: number;
  line: Line;
  rec: AuditRecord;
}

export class AuditTrail {
  private head: Head;
  private closed = false;
  /** Set while appends are being raised to the previous record's time, to warn once. */
  private clockBehind = false;
  /** A day file whose last line has no '\n' (torn write): the next append there starts with one. */
  private unterminated: string | null = null;
  private readonly counts = new Map<string, DayCount>();
  /** Async verifies and exports under way; pruning waits for them (files would vanish mid-read). */
  private asyncJobs = 0;

  private constructor(
    private readonly dir: string,
    readonly retentionDays: number,
    private readonly now: () => number,
    private readonly timeZone: string,
    private readonly log: AuditLog,
  ) {
    this.head = { seq: 0, hash: GENESIS_HASH, at: 0 };
  }

  static open(opts: AuditTrailOptions): AuditTrail {
    const log = opts.log ?? (() => {});
    const timeZone = opts.timeZone ?? 'Asia/Shanghai';
    zoneFormatter(timeZone); // fail at start-up, not at the first export
    try {
      mkdirSync(opts.dir, { recursive: true, mode: DIR_MODE });
    } catch (err) {
      throw new Error(`audit trail: cannot create directory ${opts.dir}: ${(err as Error).message}`);
    }
    const trail = new AuditTrail(opts.dir, clampRetention(opts.retentionDays, log), opts.now ?? Date.now, timeZone, log);
    trail.head = trail.loadHead();
    trail.prune();
    return trail;
  }

  /** Writes one record durably (fsync) and returns it as stored. */
  append(input: AuditInput): AuditRecord {
    this.assertOpen();
    const fields = normaliseInput(input, input.at ?? this.now());
    fields.at = this.monotonicAt(fields.at);
    const record = seal(this.head.hash, { seq: this.head.seq + 1, ...fields });
    const day = utcDay(record.at);
    const file = dayPath(this.dir, day);
    const isNew = !existsSync(file);
    const before = this.freshCount(day);
    const prefix = this.unterminated === file ? '\n' : '';
    try {
      appendDurably(file, Buffer.from(`${prefix}${recordLine(record)}\n`, 'utf8'), FILE_MODE);
    } catch (err) {
      // A partial write may have left a line without '\n'; keep the next record off it.
      this.unterminated = endsWithNewline(file) ? null : file;
      throw new Error(`audit trail: cannot write record ${record.seq} to ${file}: ${(err as Error).message}`);
    }
    if (isNew) fsyncDir(this.dir);
    if (prefix) this.unterminated = null;
    this.head = { seq: record.seq, hash: record.hash, at: record.at };
    this.rememberCount(day, isNew ? 1 : before === null ? null : before + 1);
    return record;
  }

  /** Matching records, newest first, with the total number of matches for paging. */
  query(raw: AuditQueryInput): { rows: AuditRecord[]; total: number } {
    this.assertOpen();
    const q = AuditQuery.parse(raw);
    const filter = compileFilter(q);
    const want = q.offset + q.limit;
    const rows: AuditRecord[] = [];
    let total = 0;
    for (const day of this.daysInRange(q.from, q.to).reverse()) {
      // Once the page is full, later (older) days only add to the total: use the count if known.
      const known = total >= want && filter.timeOnly && dayWithin(day, q.from, q.to) ? this.freshCount(day) : null;
      if (known !== null) {
        total += known;
        continue;
      }
      const keep = Math.max(0, want - total);
      const { matched, last } = this.matchesInDay(day, filter, keep);
      // `last` is oldest-first; newest-first position k in this day is overall match total + k.
      const newestFirst = last.reverse();
      for (let k = 0; k < newestFirst.length; k++) {
        const rec = newestFirst[k];
        if (rec && total + k >= q.offset) rows.push(rec);
      }
      total += matched;
    }
    return { rows, total };
  }

  /** Recomputes the whole chain across all day files; reports the first problem. */
  verify(): VerifyResult {
    this.assertOpen();
    return runToEnd(this.verifySteps());
  }

  /**
   * verify() that yields to the event loop between day files: a million records take seconds
   * to hash, and the host must keep serving the wall meanwhile. Appends may go on during it.
   */
  async verifyAsync(): Promise<VerifyResult> {
    this.assertOpen();
    return this.yielding(this.verifySteps());
  }

  /** Writes matching records, oldest first, as CSV for Excel; returns the number of rows. */
  exportCsv(q: AuditExportQuery, file: string): number {
    this.assertOpen();
    return runToEnd(this.exportSteps(q, file));
  }

  /** exportCsv() that yields to the event loop between day files (see verifyAsync). */
  async exportCsvAsync(q: AuditExportQuery, file: string): Promise<number> {
    this.assertOpen();
    return this.yielding(this.exportSteps(q, file));
  }

  /**
   * Deletes whole day files older than the retention period, after recording the last pruned
   * record in anchor.json so the remaining chain can still be verified. Returns files deleted.
   */
  prune(): number {
    this.assertOpen();
    const { anchor, error } = this.readAnchor();
    if (this.asyncJobs > 0) {
      this.log('info', 'audit: prune deferred: a verify or export is running');
      return 0;
    }
    if (error) {
      // Overwriting it would destroy the evidence that something is wrong with it.
      this.log('error', `audit: not pruning: ${error}`);
      return 0;
    }
    const cutoff = utcDay(Math.max(0, this.now() - this.retentionDays * DAY_MS));
    // Never a day inside the retention period, whatever anchor.json says: an edited anchor must not
    // be able to delete recent history.
    const doomed = listDays(this.dir).filter((d) => d < cutoff);
    if (doomed.length === 0) return 0;
    const live = doomed.filter((d) => anchor === null || d > anchor.prunedThrough);
    const newestLive = live[live.length - 1];
    if (newestLive !== undefined) {
      const last = this.lastRecordIn(live);
      this.writeAnchor({
        seq: last?.seq ?? anchor?.seq ?? 0,
        hash: last?.hash ?? anchor?.hash ?? GENESIS_HASH,
        at: last?.at ?? anchor?.at ?? 0,
        prunedThrough: newestLive,
        writtenAt: this.now(),
      });
    }
    for (const day of doomed) {
      unlinkSync(dayPath(this.dir, day));
      this.counts.delete(day);
    }
    fsyncDir(this.dir);
    this.log('info', `audit: pruned ${doomed.length} day file(s) up to ${doomed[doomed.length - 1]} (retention ${this.retentionDays} days)`);
    return doomed.length;
  }

  /** Nothing is held open between appends; this only stops further use. */
  close(): void {
    this.closed = true;
  }

  // ── verify and export, one day file per step ─────────────────────────────

  private async yielding<T>(steps: Generator<void, T>): Promise<T> {
    this.asyncJobs++;
    try {
      for (;;) {
        const r = steps.next();
        if (r.done) return r.value;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      this.asyncJobs--;
    }
  }

  private *verifySteps(): Generator<void, VerifyResult> {
    // Records appended while an async verify runs are beyond this head and are not held against it.
    const head = this.head;
    const { anchor, error } = this.readAnchor();
    let firstBad: VerifyResult['firstBad'] = null;
    const fail = (seq: number, reason: string): void => {
      firstBad ??= { seq, reason };
    };
    if (error) fail(0, error);
    let prevSeq = anchor?.seq ?? 0;
    let prevHash = anchor?.hash ?? GENESIS_HASH;
    let checked = 0;
    const days = this.liveDays(anchor);
    for (const [i, day] of days.entries()) {
      if (i > 0) yield;
      const start = dayStart(day);
      const it = this.records(day);
      for (let cur = it.next(); !cur.done; ) {
        const next = it.next();
        const { line, rec } = cur.value;
        cur = next;
        if (!rec) {
          const why = line.terminated ? 'torn write after a crash, or edited?' : 'torn write after a crash?';
          fail(prevSeq + 1, `${dayFileName(day)} line ${line.lineNo}: not a valid audit record (${why})`);
          continue;
        }
        checked++;
        // A reorder across two files is reported as a gap: the lookahead stays within a file.
        const after = next.done ? null : next.value.rec;
        const problem = linkProblem({ day, dayStart: start, line, rec }, prevSeq, prevHash, anchor, after);
        if (problem) fail(problem.seq, problem.reason);
        prevSeq = rec.seq;
        prevHash = rec.hash;
      }
    }
    if (prevSeq < head.seq) fail(prevSeq + 1, `records ${prevSeq + 1}–${head.seq} missing at the end (deleted?)`);
    else if (prevSeq === head.seq && prevHash !== head.hash) fail(prevSeq, `record ${prevSeq}: differs from what was written (rewritten?)`);
    return { ok: firstBad === null, checked, firstBad };
  }

  private *exportSteps(raw: AuditExportQuery, file: string): Generator<void, number> {
    const q = ExportQuery.parse(raw);
    const filter = compileFilter(q);
    const time = isoInZone(this.timeZone);
    mkdirSync(dirname(file), { recursive: true });
    // Written beside the target and renamed, so nobody downloads a half-written export.
    const part = `${file}.part`;
    const fd = openSync(part, 'w', FILE_MODE);
    let rows = 0;
    let done = false;
    try {
      writeAll(fd, Buffer.from(`${CSV_BOM}${CSV_HEADER}\r\n`, 'utf8'));
      for (const [i, day] of this.daysInRange(q.from, q.to).entries()) {
        if (i > 0) yield;
        const batch: string[] = [];
        for (const rec of this.filteredRecords(day, filter)) batch.push(`${csvRow(rec, time)}\r\n`);
        writeAll(fd, Buffer.from(batch.join(''), 'utf8'));
        rows += batch.length;
      }
      fsyncSync(fd);
      done = true;
    } catch (err) {
      throw new Error(`audit trail: export to ${file} failed: ${(err as Error).message}`);
    } finally {
      closeSync(fd);
      if (!done) rmSync(part, { force: true });
    }
    renameSync(part, file);
    return rows;
  }

  // ── chain head ────────────────────────────────────────────────────────────

  /** Finds the last good record, newest file first, reporting torn lines after it. */
  private loadHead(): Head {
    const { anchor, error } = this.readAnchor();
    if (error) this.log('error', `audit: ${error}; verify() will report it`);
    const days = this.liveDays(anchor);
    for (let i = days.length - 1; i >= 0; i--) {
      const day = days[i] as string;
      const file = dayPath(this.dir, day);
      let last: AuditRecord | null = null;
      let badAfterLast: Line[] = [];
      let terminated = true;
      for (const { line, rec } of this.records(day)) {
        terminated = line.terminated;
        if (rec) {
          last = rec;
          badAfterLast = [];
        } else badAfterLast.push(line);
      }
      if (i === days.length - 1 && !terminated) this.unterminated = file;
      const chainFrom = last ? `record ${last.seq}` : 'an earlier file';
      for (const line of badAfterLast) {
        this.log('warn', `audit: ${dayFileName(day)} line ${line.lineNo} is not a valid record (torn write after a crash?); kept on disk, verify() reports it, the chain continues from ${chainFrom}`);
      }
      if (last) return { seq: last.seq, hash: last.hash, at: last.at };
    }
    return anchor ? { seq: anchor.seq, hash: anchor.hash, at: anchor.at } : { seq: 0, hash: GENESIS_HASH, at: 0 };
  }

  /** Keeps `at` from going backwards (see the file format notes). */
  private monotonicAt(at: number): number {
    if (at >= this.head.at) {
      this.clockBehind = false;
      return at;
    }
    if (!this.clockBehind) {
      this.log('warn', `audit: time ${new Date(at).toISOString()} is before the previous record's ${new Date(this.head.at).toISOString()} (clock stepped back?); recording the previous time until it catches up`);
    }
    this.clockBehind = true;
    return this.head.at;
  }

  // ── reading ───────────────────────────────────────────────────────────────

  /** Day files not covered by anchor.json, oldest first. */
  private liveDays(anchor: Anchor | null): string[] {
    const days = listDays(this.dir);
    return anchor ? days.filter((d) => d > anchor.prunedThrough) : days;
  }

  private daysInRange(from: number | undefined, to: number | undefined): string[] {
    const first = from === undefined ? null : utcDay(clampTime(from));
    const last = to === undefined ? null : utcDay(clampTime(to));
    return this.liveDays(this.readAnchor().anchor).filter((d) => (first === null || d >= first) && (last === null || d <= last));
  }

  /** Every line of a day, parsed; when read to the end, remembers how many records it holds. */
  private *records(day: string): Generator<{ line: Line; rec: AuditRecord | null }> {
    let count = 0;
    for (const line of readLines(dayPath(this.dir, day))) {
      const rec = parseRecordLine(line.text);
      if (rec) count++;
      yield { line, rec };
    }
    this.rememberCount(day, count);
  }

  /** Matching records of one day, oldest first; lines that cannot match are not parsed. */
  private *filteredRecords(day: string, filter: Filter): Generator<AuditRecord> {
    for (const line of readLines(dayPath(this.dir, day))) {
      if (!filter.lineMayMatch(line.text)) continue;
      const rec = parseRecordLine(line.text);
      if (rec && filter.matches(rec)) yield rec;
    }
  }

  /** Counts a day's matches and keeps only the newest `keep` of them (oldest first). */
  private matchesInDay(day: string, filter: Filter, keep: number): { matched: number; last: AuditRecord[] } {
    let matched = 0;
    let last: AuditRecord[] = [];
    const records = filter.timeOnly ? this.timeFiltered(day, filter) : this.filteredRecords(day, filter);
    for (const rec of records) {
      matched++;
      if (keep === 0) continue;
      last.push(rec);
      // Trim in batches: bounded memory without shifting the array on every record.
      if (last.length >= 2 * keep) last = last.slice(-keep);
    }
    return { matched, last: keep === 0 ? [] : last.slice(-keep) };
  }

  /** Like filteredRecords, but through records() so a full read refreshes the day's count. */
  private *timeFiltered(day: string, filter: Filter): Generator<AuditRecord> {
    for (const { rec } of this.records(day)) if (rec && filter.matches(rec)) yield rec;
  }

  /** The newest good record in the given days (oldest first), or null. */
  private lastRecordIn(days: string[]): AuditRecord | null {
    for (let i = days.length - 1; i >= 0; i--) {
      let last: AuditRecord | null = null;
      for (const { rec } of this.records(days[i] as string)) if (rec) last = rec;
      if (last) return last;
    }
    return null;
  }

  // ── day counts ────────────────────────────────────────────────────────────

  /** The remembered number of records in a day file, if the file has not changed since. */
  private freshCount(day: string): number | null {
    const known = this.counts.get(day);
    if (!known) return null;
    const st = statOrNull(dayPath(this.dir, day));
    return st && st.size === known.size && st.mtimeMs === known.mtimeMs ? known.count : null;
  }

  private rememberCount(day: string, count: number | null): void {
    const st = count === null ? null : statOrNull(dayPath(this.dir, day));
    if (count === null || !st) this.counts.delete(day);
    else this.counts.set(day, { size: st.size, mtimeMs: st.mtimeMs, count });
  }

  // ── anchor ────────────────────────────────────────────────────────────────

  private readAnchor(): { anchor: Anchor | null; error: string | null } {
    const file = join(this.dir, ANCHOR_FILE);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { anchor: null, error: null };
      return { anchor: null, error: `${ANCHOR_FILE} cannot be read: ${(err as Error).message}` };
    }
    try {
      const anchor = Anchor.parse(JSON.parse(text));
      // prune() only ever passes days older than the retention, so a genuine anchor is always
      // behind it; one that is not would hide recent day files from verify() and query().
      const cutoff = utcDay(Math.max(0, this.now() - this.retentionDays * DAY_MS));
      if (anchor.prunedThrough >= cutoff) {
        return { anchor: null, error: `${ANCHOR_FILE} says records up to ${anchor.prunedThrough} were pruned, inside the ${this.retentionDays}-day retention (edited?)` };
      }
      return { anchor, error: null };
    } catch (err) {
      return { anchor: null, error: `${ANCHOR_FILE} is not a valid anchor (edited?): ${(err as Error).message.slice(0, 200)}` };
    }
  }

  /** Atomic replace: a crash leaves either the old anchor or the new one, never half of one. */
  private writeAnchor(anchor: Anchor): void {
    const file = join(this.dir, ANCHOR_FILE);
    const tmp = `${file}.tmp`;
    const fd = openSync(tmp, 'w', FILE_MODE);
    try {
      writeAll(fd, Buffer.from(`${JSON.stringify(anchor)}\n`, 'utf8'));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
    fsyncDir(this.dir);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`audit trail ${this.dir} is closed`);
  }
}

// ── helpers ───────────────────────────────────────────────────────────────

function runToEnd<T>(steps: Generator<void, T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

function clampRetention(days: number | undefined, log: AuditLog): number {
  if (days === undefined) return MIN_RETENTION_DAYS;
  if (!Number.isFinite(days)) throw new RangeError(`audit trail: retentionDays must be a number of days, got ${days}`);
  const whole = Math.ceil(days);
  if (whole < MIN_RETENTION_DAYS) {
    log('warn', `audit: retentionDays ${days} is below the ${MIN_RETENTION_DAYS}-day minimum (等保); keeping ${MIN_RETENTION_DAYS} days`);
    return MIN_RETENTION_DAYS;
  }
  return Math.min(whole, MAX_RETENTION_DAYS);
}

/** Keeps query bounds within what Date can name, so utcDay never throws. */
function clampTime(t: number): number {
  return Math.min(Math.max(t, 0), Date.UTC(9999, 11, 31));
}

/** Start of a UTC day 'YYYY-MM-DD' in ms. */
function dayStart(day: string): number {
  return Date.parse(`${day}T00:00:00.000Z`);
}

/** True when the whole UTC day lies inside [from, to]. */
function dayWithin(day: string, from: number | undefined, to: number | undefined): boolean {
  const start = dayStart(day);
  return (from === undefined || start >= from) && (to === undefined || start + DAY_MS - 1 <= to);
}

function statOrNull(file: string): { size: number; mtimeMs: number } | null {
  try {
    const st = statSync(file);
    return { size: st.size, mtimeMs: st.mtimeMs };
  } catch {
    return null;
  }
}

/** False when the file's last byte is not '\n'; a missing or unreadable file counts as ended. */
function endsWithNewline(file: string): boolean {
  const st = statOrNull(file);
  if (!st || st.size === 0) return true;
  try {
    const fd = openSync(file, 'r');
    try {
      const b = Buffer.alloc(1);
      readSync(fd, b, 0, 1, st.size - 1);
      return b[0] === 0x0a;
    } finally {
      closeSync(fd);
    }
  } catch {
    return true;
  }
}

/**
 * What is wrong with one record's place in the chain, or null. Sequence problems are named
 * before hash problems because they say more (a deleted row also breaks the next hash).
 */
function linkProblem(e: Entry, prevSeq: number, prevHash: string, anchor: Anchor | null, next: AuditRecord | null): { seq: number; reason: string } | null {
  const { rec } = e;
  const expected = prevSeq + 1;
  if (rec.seq > expected) {
    if (prevSeq === 0 && !anchor) return { seq: 1, reason: `records 1–${rec.seq - 1} missing and there is no ${ANCHOR_FILE} (files deleted?)` };
    if (next?.seq === expected) return { seq: expected, reason: `record ${expected} comes after record ${rec.seq} (reordered?)` };
    const gap = rec.seq - expected === 1 ? `record ${expected}` : `records ${expected}–${rec.seq - 1}`;
    return { seq: expected, reason: `${gap} missing after ${prevSeq} (deleted?)` };
  }
  if (rec.seq < expected) return { seq: rec.seq, reason: `record ${rec.seq} appears after record ${prevSeq} (reordered or duplicated?)` };
  const canonical = canonicalJson(rec);
  if (hashCanonical(prevHash, canonical) !== rec.hash) {
    const link = anchor && prevSeq === anchor.seq ? ` or does not follow ${ANCHOR_FILE}` : '';
    return { seq: rec.seq, reason: `record ${rec.seq}: hash does not match its contents${link} (edited?)` };
  }
  if (e.line.text !== lineFromCanonical(canonical, rec.hash)) return { seq: rec.seq, reason: `record ${rec.seq}: stored line differs from its canonical form (edited?)` };
  if (rec.at < e.dayStart || rec.at >= e.dayStart + DAY_MS) return { seq: rec.seq, reason: `record ${rec.seq}: dated ${utcDay(rec.at)} but stored in ${dayFileName(e.day)} (moved?)` };
  return null;
}

interface Filter {
  /** No predicate but the time range: every record in a day inside the range matches. */
  timeOnly: boolean;
  /** Cheap test on the raw line before JSON.parse; false only if the record cannot match. */
  lineMayMatch(line: string): boolean;
  matches(r: AuditRecord): boolean;
}

type FilterQuery = Omit<AuditQuery, 'limit' | 'offset'>;

function compileFilter(q: FilterQuery): Filter {
  // Empty strings from a cleared search box mean "any".
  const actor = q.actor ? q.actor.toLowerCase() : null;
  const action = q.action ? q.action.toLowerCase() : null;
  const text = q.text ? q.text.toLowerCase() : null;
  const { from, to, outcome } = q;
  // A needle appears verbatim in the stored line unless JSON.stringify escapes one of its
  // characters (quote, backslash, controls, lone surrogates); such needles skip the shortcut.
  // eslint-disable-next-line no-control-regex
  const needles = [actor, action, text].filter((n): n is string => n !== null && !/["\\\u0000-\u001f\ud800-\udfff]/.test(n));
  return {
    timeOnly: actor === null && action === null && text === null && outcome === undefined,
    lineMayMatch: (line) => {
      if (needles.length === 0) return true;
      const lower = line.toLowerCase();
      return needles.every((n) => lower.includes(n));
    },
    matches: (r) =>
      (from === undefined || r.at >= from) &&
      (to === undefined || r.at <= to) &&
      (outcome === undefined || r.outcome === outcome) &&
      (actor === null || r.actor.toLowerCase() === actor) &&
      (action === null || r.action.toLowerCase().startsWith(action)) &&
      (text === null || r.target.toLowerCase().includes(text) || r.detail.toLowerCase().includes(text)),
  };
}

import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuditRecord } from '../../common/contract/auth';
import { csvField, isoInZone } from './csv';
import { AuditTrail, type AuditInput, type AuditLog, type AuditTrailOptions } from './trail';

const DAY = 86_400_000;
const MAY1 = Date.UTC(2024, 4, 1, 8, 0, 0);

let dir: string;
let t: number;
const now = (): number => t;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'audit-test-'));
  t = MAY1;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function open(opts: Partial<AuditTrailOptions> = {}): AuditTrail {
  return AuditTrail.open({ dir, retentionDays: 180, now, ...opts });
}

function input(over: Partial<AuditInput> = {}): AuditInput {
  return { actor: 'zhang.wei', role: 'operator', source: 'console-1', action: 'wall:sceneRecall', target: 'Scene 1', outcome: 'ok', detail: 'recalled', ...over };
}

/** Appends n records one second apart, detail "detail <seq>". */
function fill(trail: AuditTrail, n: number): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (let i = 0; i < n; i++) {
    t += 1000;
    out.push(trail.append(input({ detail: `detail ${i + 1}` })));
  }
  return out;
}

const file = (day: string): string => join(dir, `audit-${day}.jsonl`);
const linesOf = (day: string): string[] => readFileSync(file(day), 'utf8').split('\n').filter((l) => l !== '');
const writeLines = (day: string, lines: string[]): void => writeFileSync(file(day), lines.map((l) => `${l}\n`).join(''));
const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

describe('append', () => {
  it('numbers records from 1 and chains them with sha256(prevHash + "\\n" + canonical JSON)', () => {
    const trail = open();
    const [a, b] = fill(trail, 2);
    expect(a?.seq).toBe(1);
    expect(b?.seq).toBe(2);
    const lines = linesOf('2024-05-01');
    expect(lines).toHaveLength(2);
    const first = JSON.parse(lines[0] as string) as AuditRecord;
    expect(Object.keys(first)).toEqual(['seq', 'at', 'actor', 'role', 'source', 'action', 'target', 'outcome', 'detail', 'hash']);
    // Recomputed here by hand, independently of the module, as docs/security.md will describe it.
    const canonical = (r: AuditRecord): string => {
      const { hash: _hash, ...rest } = r;
      return JSON.stringify(rest);
    };
    expect(first.hash).toBe(sha256(`${'0'.repeat(64)}\n${canonical(first)}`));
    const second = JSON.parse(lines[1] as string) as AuditRecord;
    expect(second.hash).toBe(sha256(`${first.hash}\n${canonical(second)}`));
    expect(second).toEqual(b);
  });

  it.skipIf(process.platform === 'win32')('creates day files readable by the owner only', () => {
    fill(open(), 1);
    expect(statSync(file('2024-05-01')).mode & 0o777).toBe(0o600);
  });

  it('files records by the UTC day of `at`', () => {
    const trail = open();
    trail.append(input({ at: Date.UTC(2024, 4, 1, 23, 30) })); // already 2 May in Shanghai
    trail.append(input({ at: Date.UTC(2024, 4, 2, 0, 10) }));
    expect(readdirSync(dir).sort()).toEqual(['audit-2024-05-01.jsonl', 'audit-2024-05-02.jsonl']);
  });

  it('continues seq and chain after reopening', () => {
    fill(open(), 3);
    const again = open();
    const [rec] = fill(again, 1);
    expect(rec?.seq).toBe(4);
    expect(again.verify()).toEqual({ ok: true, checked: 4, firstBad: null });
  });

  it('cuts long fields with "…" and strips control characters', () => {
    const trail = open();
    const rec = trail.append(
      input({ actor: 'a'.repeat(300), detail: 'x'.repeat(5000), target: 'line1\r\nline2\tcol\u0007bell\u202eevil' }),
    );
    expect(rec.actor).toHaveLength(200);
    expect(rec.actor.endsWith('…')).toBe(true);
    expect(rec.detail).toHaveLength(2000);
    expect(rec.detail.endsWith('x…')).toBe(true);
    expect(rec.target).toBe('line1 line2 colbellevil');
    expect(trail.append(input({ detail: 'half \ud83d pair' })).detail).toBe('half \ufffd pair');
    // A cut never leaves half a surrogate pair.
    const emoji = trail.append(input({ detail: `${'x'.repeat(1998)}😀😀` })).detail;
    expect(emoji).toBe(`${'x'.repeat(1998)}…`);
    expect(trail.verify().ok).toBe(true);
  });

  it('rejects a bad outcome or time with a clear message', () => {
    const trail = open();
    expect(() => trail.append(input({ outcome: 'maybe' as AuditInput['outcome'] }))).toThrow(/outcome must be one of ok, denied, failed/);
    expect(() => trail.append(input({ at: Number.NaN }))).toThrow(/at must be a time/);
  });

  it('never lets `at` go backwards and warns once when the clock steps back', () => {
    const log = vi.fn<AuditLog>();
    const trail = open({ log });
    t = MAY1 + 10_000;
    trail.append(input());
    t = MAY1;
    const a = trail.append(input());
    const b = trail.append(input());
    expect(a.at).toBe(MAY1 + 10_000);
    expect(b.at).toBe(MAY1 + 10_000);
    expect(log.mock.calls.filter(([level, msg]) => level === 'warn' && /clock stepped back/.test(msg))).toHaveLength(1);
  });
});

describe('verify', () => {
  const day = '2024-05-01';

  it('passes an untouched trail', () => {
    const trail = open();
    fill(trail, 5);
    expect(trail.verify()).toEqual({ ok: true, checked: 5, firstBad: null });
  });

  it('detects an edited detail', () => {
    const trail = open();
    fill(trail, 5);
    writeLines(day, linesOf(day).map((l) => l.replace('"detail 2"', '"detail two"')));
    expect(trail.verify().firstBad).toEqual({ seq: 2, reason: 'record 2: hash does not match its contents (edited?)' });
  });

  it('detects an edit whose hash was recomputed, at the next record', () => {
    const trail = open();
    const recs = fill(trail, 5);
    const lines = linesOf(day);
    const edited = { ...(recs[1] as AuditRecord), detail: 'detail two' };
    const { hash: _h, ...body } = edited;
    edited.hash = sha256(`${(recs[0] as AuditRecord).hash}\n${JSON.stringify(body)}`);
    lines[1] = JSON.stringify(edited);
    writeLines(day, lines);
    expect(trail.verify().firstBad?.seq).toBe(3);
  });

  it('detects a deleted line', () => {
    const trail = open();
    fill(trail, 5);
    writeLines(day, linesOf(day).filter((_, i) => i !== 2));
    const r = trail.verify();
    expect(r.ok).toBe(false);
    expect(r.firstBad).toEqual({ seq: 3, reason: 'record 3 missing after 2 (deleted?)' });
  });

  it('detects swapped lines', () => {
    const trail = open();
    fill(trail, 5);
    const l = linesOf(day);
    writeLines(day, [l[0], l[2], l[1], l[3], l[4]] as string[]);
    expect(trail.verify().firstBad).toEqual({ seq: 2, reason: 'record 2 comes after record 3 (reordered?)' });
  });

  it('detects a garbage line', () => {
    const trail = open();
    fill(trail, 5);
    const l = linesOf(day);
    l.splice(2, 0, 'not json at all');
    writeLines(day, l);
    const r = trail.verify();
    expect(r.ok).toBe(false);
    expect(r.checked).toBe(5);
    expect(r.firstBad).toEqual({ seq: 3, reason: 'audit-2024-05-01.jsonl line 3: not a valid audit record (torn write after a crash, or edited?)' });
  });

  it('detects a record moved into another day file', () => {
    const trail = open();
    fill(trail, 2);
    t += DAY;
    fill(trail, 2);
    const may1 = linesOf('2024-05-01');
    writeLines('2024-05-01', may1.slice(0, 1));
    writeLines('2024-05-02', [may1[1] as string, ...linesOf('2024-05-02')]);
    expect(trail.verify().firstBad).toEqual({ seq: 2, reason: 'record 2: dated 2024-05-01 but stored in audit-2024-05-02.jsonl (moved?)' });
  });

  it('detects records cut off the end while running', () => {
    const trail = open();
    fill(trail, 5);
    writeLines(day, linesOf(day).slice(0, 3));
    expect(trail.verify().firstBad).toEqual({ seq: 4, reason: 'records 4–5 missing at the end (deleted?)' });
  });

  it('detects a whole deleted day file at the start when nothing was pruned', () => {
    const trail = open();
    fill(trail, 2);
    t += DAY;
    fill(trail, 2);
    rmSync(file('2024-05-01'));
    expect(trail.verify().firstBad).toEqual({ seq: 1, reason: 'records 1–2 missing and there is no anchor.json (files deleted?)' });
  });
});

describe('verifyAsync', () => {
  it('gives the same answer, lets appends in between, and holds pruning off meanwhile', async () => {
    const log = vi.fn<AuditLog>();
    const trail = open({ log });
    for (let d = 0; d < 3; d++) {
      t = MAY1 + d * DAY;
      fill(trail, 2);
    }
    writeLines('2024-05-02', linesOf('2024-05-02').map((l) => l.replace('"detail 1"', '"detail one"')));
    const pending = trail.verifyAsync();
    trail.append(input()); // runs while verify waits between day files
    t = MAY1 + 400 * DAY;
    expect(trail.prune()).toBe(0);
    expect(log).toHaveBeenCalledWith('info', expect.stringMatching(/prune deferred/));
    const r = await pending;
    expect(r.firstBad).toEqual({ seq: 3, reason: 'record 3: hash does not match its contents (edited?)' });
    expect(r.checked).toBe(7);
    expect(trail.verify()).toEqual(r);
    expect(trail.prune()).toBe(3);
  });
});

describe('torn last line after a crash', () => {
  it('is reported, kept on disk, skipped for chaining, and appending goes on', () => {
    fill(open(), 3);
    const torn = '{"seq":4,"at":1714550404000,"actor":"zh';
    appendFileSync(file('2024-05-01'), torn); // the crash: half a line, no '\n'

    const log = vi.fn<AuditLog>();
    const trail = open({ log });
    expect(log).toHaveBeenCalledWith('warn', expect.stringMatching(/audit-2024-05-01\.jsonl line 4 is not a valid record \(torn write.*continues from record 3/));

    const [rec] = fill(trail, 1);
    expect(rec?.seq).toBe(4);
    const lines = linesOf('2024-05-01');
    expect(lines[3]).toBe(torn); // history not rewritten
    expect(JSON.parse(lines[4] as string)).toEqual(rec); // the new record got its own line

    expect(trail.query({}).total).toBe(4);
    const v = trail.verify();
    expect(v.ok).toBe(false);
    expect(v.checked).toBe(4);
    expect(v.firstBad).toEqual({ seq: 4, reason: 'audit-2024-05-01.jsonl line 4: not a valid audit record (torn write after a crash, or edited?)' });

    // Reopened again, the chain still continues from the last good record.
    const third = open();
    expect(third.append(input()).seq).toBe(5);
    expect(third.verify().checked).toBe(5);
  });

  it('is reported as torn by verify while it is still the last line', () => {
    const trail = open();
    fill(trail, 2);
    appendFileSync(file('2024-05-01'), '{"seq":3,');
    expect(trail.verify().firstBad).toEqual({ seq: 3, reason: 'audit-2024-05-01.jsonl line 3: not a valid audit record (torn write after a crash?)' });
  });
});

describe('prune', () => {
  /** One record a day for `days` days from 1 May, then the clock at the last day. */
  function daily(trail: AuditTrail, days: number): void {
    for (let d = 0; d < days; d++) {
      t = MAY1 + d * DAY;
      trail.append(input({ detail: `day ${d}` }));
    }
  }

  it('keeps at least 180 days even when asked for less, and says so', () => {
    const log = vi.fn<AuditLog>();
    const trail = open({ retentionDays: 30, log });
    expect(trail.retentionDays).toBe(180);
    expect(log).toHaveBeenCalledWith('warn', expect.stringMatching(/below the 180-day minimum/));
    daily(trail, 200);
    // Now day 199; cutoff = day 19 → days 0..18 go, every one of them older than 180 days.
    expect(trail.prune()).toBe(19);
    expect(existsSync(file('2024-05-19'))).toBe(false);
    expect(existsSync(file('2024-05-20'))).toBe(true);
    expect(trail.prune()).toBe(0);
  });

  it('respects a longer retention', () => {
    const trail = open({ retentionDays: 190 });
    daily(trail, 200);
    expect(trail.prune()).toBe(9);
    expect(trail.query({ limit: 1000 }).total).toBe(191);
  });

  it('writes anchor.json so the remaining chain still verifies, across reopen and new appends', () => {
    const trail = open();
    daily(trail, 200);
    trail.prune();
    const anchor = JSON.parse(readFileSync(join(dir, 'anchor.json'), 'utf8')) as { seq: number; hash: string; prunedThrough: string };
    expect(anchor.seq).toBe(19);
    expect(anchor.prunedThrough).toBe('2024-05-19');
    expect(trail.verify()).toEqual({ ok: true, checked: 181, firstBad: null });

    const again = open();
    expect(again.append(input()).seq).toBe(201);
    expect(again.verify()).toEqual({ ok: true, checked: 182, firstBad: null });
  });

  it('is run by open()', () => {
    daily(open(), 200);
    open();
    expect(existsSync(file('2024-05-01'))).toBe(false);
  });

  it('lets verify catch a forged anchor or a deleted first remaining file', () => {
    const trail = open();
    daily(trail, 200);
    trail.prune();
    const anchorFile = join(dir, 'anchor.json');
    const good = readFileSync(anchorFile, 'utf8');
    writeFileSync(anchorFile, good.replace(/"hash":"[0-9a-f]{4}/, '"hash":"ffff'));
    expect(trail.verify().firstBad).toEqual({ seq: 20, reason: 'record 20: hash does not match its contents or does not follow anchor.json (edited?)' });
    writeFileSync(anchorFile, good);
    rmSync(file('2024-05-20'));
    expect(trail.verify().firstBad).toEqual({ seq: 20, reason: 'record 20 missing after 19 (deleted?)' });
  });

  it('does not prune when anchor.json is damaged', () => {
    const log = vi.fn<AuditLog>();
    const trail = open({ log });
    daily(trail, 200);
    writeFileSync(join(dir, 'anchor.json'), '{oops');
    expect(trail.prune()).toBe(0);
    expect(log).toHaveBeenCalledWith('error', expect.stringMatching(/not pruning: anchor\.json is not a valid anchor/));
    expect(trail.verify().firstBad?.seq).toBe(0);
  });
});

describe('query', () => {
  /** 10 records on 1 May 22:00–22:09 UTC and 10 on 2 May 01:00–01:09, alternating actions. */
  function twoDays(trail: AuditTrail): AuditRecord[] {
    const out: AuditRecord[] = [];
    const starts = [Date.UTC(2024, 4, 1, 22), Date.UTC(2024, 4, 2, 1)];
    for (const start of starts) {
      for (let i = 0; i < 10; i++) {
        t = start + i * 60_000;
        const n = out.length + 1;
        out.push(
          trail.append(
            input({
              actor: n % 3 === 0 ? 'Li.Na' : 'zhang.wei',
              action: n % 2 === 0 ? 'wall:sceneRecall' : 'ptz:takeControl',
              target: `Camera ${n}`,
              outcome: n % 5 === 0 ? 'denied' : 'ok',
              detail: n === 7 ? '烟火报警 Fire alarm verified' : `detail ${n}`,
            }),
          ),
        );
      }
    }
    return out;
  }
  const seqs = (rows: AuditRecord[]): number[] => rows.map((r) => r.seq);

  it('returns everything newest first by default', () => {
    const trail = open();
    twoDays(trail);
    const r = trail.query({});
    expect(r.total).toBe(20);
    expect(seqs(r.rows)).toEqual([20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
  });

  it('filters a time range spanning two day files, inclusive at both ends', () => {
    const trail = open();
    const all = twoDays(trail);
    const from = (all[5] as AuditRecord).at;
    const to = (all[13] as AuditRecord).at;
    const r = trail.query({ from, to });
    expect(seqs(r.rows)).toEqual([14, 13, 12, 11, 10, 9, 8, 7, 6]);
    expect(r.total).toBe(9);
  });

  it('matches an action prefix, an actor exactly (any case), an outcome and text in target or detail', () => {
    const trail = open();
    twoDays(trail);
    expect(seqs(trail.query({ action: 'wall:' }).rows)).toEqual([20, 18, 16, 14, 12, 10, 8, 6, 4, 2]);
    expect(trail.query({ action: 'wall' }).total).toBe(10);
    expect(trail.query({ action: 'all:' }).total).toBe(0);
    expect(seqs(trail.query({ actor: 'li.na' }).rows)).toEqual([18, 15, 12, 9, 6, 3]);
    expect(trail.query({ actor: 'li' }).total).toBe(0);
    expect(seqs(trail.query({ outcome: 'denied' }).rows)).toEqual([20, 15, 10, 5]);
    expect(seqs(trail.query({ text: 'FIRE ALARM' }).rows)).toEqual([7]);
    expect(seqs(trail.query({ text: '烟火' }).rows)).toEqual([7]);
    expect(seqs(trail.query({ text: 'camera 1' }).rows)).toEqual([19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 1]);
    expect(seqs(trail.query({ text: 'zhang' }).rows)).toEqual([]); // actor is not searched by text
    expect(seqs(trail.query({ action: 'wall:', actor: 'LI.NA', text: '' }).rows)).toEqual([18, 12, 6]);
  });

  it('pages newest first with limit and offset, across the day boundary', () => {
    const trail = open();
    twoDays(trail);
    const expected = Array.from({ length: 20 }, (_, i) => 20 - i);
    for (let offset = 0; offset <= 21; offset++) {
      const r = trail.query({ limit: 3, offset });
      expect(r.total).toBe(20);
      expect(seqs(r.rows)).toEqual(expected.slice(offset, offset + 3));
    }
    const filtered = trail.query({ action: 'ptz:', limit: 2, offset: 4 });
    expect(filtered.total).toBe(10);
    expect(seqs(filtered.rows)).toEqual([11, 9]);
  });

  it('keeps totals right when remembered day counts go stale', () => {
    const trail = open();
    twoDays(trail);
    expect(trail.query({ limit: 1 }).total).toBe(20); // reads both days, remembers their counts
    expect(trail.query({ limit: 1 }).total).toBe(20); // older day from its count
    t = Date.UTC(2024, 4, 2, 2);
    trail.append(input());
    expect(trail.query({ limit: 1 }).total).toBe(21);
    const lines = linesOf('2024-05-01');
    writeLines('2024-05-01', lines.slice(0, 4)); // someone removed six records by hand
    expect(trail.query({ limit: 1 }).total).toBe(15);
  });

  it('finds text that is escaped in the stored line (quotes, backslashes)', () => {
    const trail = open();
    trail.append(input({ detail: 'path C:\\video\\clip.mp4 "evidence"' }));
    trail.append(input({ detail: 'other' }));
    expect(trail.query({ text: 'c:\\video' }).total).toBe(1);
    expect(trail.query({ text: '"EVIDENCE"' }).total).toBe(1);
  });

  it('validates raw input with the contract schema', () => {
    const trail = open();
    expect(() => trail.query({ limit: 0 })).toThrow();
    expect(() => trail.query({ limit: 5000 })).toThrow();
  });
});

describe('exportCsv', () => {
  const bom = '\ufeff';

  it('writes BOM, header and RFC 4180 rows oldest first, with formula injection neutralised', () => {
    const trail = open();
    t = Date.UTC(2024, 4, 1, 8, 0, 0, 5);
    const a = trail.append(input({ actor: '-', role: 'system', detail: 'a, b' }));
    t += 1000;
    const b = trail.append(input({ target: '一号摄像机', detail: 'he said "stop"' }));
    t += 1000;
    trail.append(input({ target: '=HYPERLINK("http://x","y")', detail: '+1', source: '@SUM(A1)', action: '-2+3' }));
    const out = join(dir, 'exports', 'audit.csv');
    expect(trail.exportCsv({}, out)).toBe(3);
    const text = readFileSync(out, 'utf8');
    expect(readFileSync(out).subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const rows = text.slice(bom.length).split('\r\n');
    expect(rows[0]).toBe('seq,time,actor,role,source,action,target,outcome,detail,hash');
    expect(rows[1]).toBe(`1,2024-05-01T16:00:00.005+08:00,-,system,console-1,wall:sceneRecall,Scene 1,ok,"a, b",${a.hash}`);
    expect(rows[2]).toBe(`2,2024-05-01T16:00:01.005+08:00,zhang.wei,operator,console-1,wall:sceneRecall,一号摄像机,ok,"he said ""stop""",${b.hash}`);
    expect(rows[3]).toMatch(/^3,[^,]+,zhang\.wei,operator,'@SUM\(A1\),'-2\+3,"'=HYPERLINK\(""http:\/\/x"",""y""\)",ok,'\+1,[0-9a-f]{64}$/);
    expect(rows[4]).toBe('');
    expect(rows).toHaveLength(5);
    expect(existsSync(`${out}.part`)).toBe(false);
  });

  it('quotes line breaks (records never hold them, old or foreign data might)', () => {
    expect(csvField('line1\nline2')).toBe('"line1\nline2"');
    expect(csvField('a\r\nb')).toBe('"a\r\nb"');
    expect(csvField('plain')).toBe('plain');
    expect(csvField('-')).toBe('-');
    expect(csvField('-1')).toBe("'-1");
  });

  it('applies the filters and the site time zone', () => {
    const trail = open({ timeZone: 'UTC' });
    t = Date.UTC(2024, 4, 1, 8);
    trail.append(input({ outcome: 'denied' }));
    trail.append(input());
    const out = join(dir, 'denied.csv');
    expect(trail.exportCsv({ outcome: 'denied' }, out)).toBe(1);
    expect(readFileSync(out, 'utf8')).toContain(',2024-05-01T08:00:00.000+00:00,');
  });

  it('follows daylight-saving changes in the site time zone', () => {
    const ny = isoInZone('America/New_York');
    const change = Date.UTC(2024, 2, 10, 7); // 02:00 EST → 03:00 EDT
    expect(ny(change - 1)).toBe('2024-03-10T01:59:59.999-05:00');
    expect(ny(change)).toBe('2024-03-10T03:00:00.000-04:00');
    expect(isoInZone('Asia/Kathmandu')(Date.UTC(2024, 0, 1))).toBe('2024-01-01T05:45:00.000+05:45');
  });

  it('has an async form that gives the same file', async () => {
    const trail = open();
    fill(trail, 2);
    t += DAY;
    fill(trail, 2);
    const a = join(dir, 'a.csv');
    const b = join(dir, 'b.csv');
    expect(trail.exportCsv({}, a)).toBe(4);
    expect(await trail.exportCsvAsync({}, b)).toBe(4);
    expect(readFileSync(b, 'utf8')).toBe(readFileSync(a, 'utf8'));
  });

  it('rejects an unknown time zone when opening', () => {
    expect(() => open({ timeZone: 'Mars/Olympus' })).toThrow(/unknown time zone "Mars\/Olympus"/);
  });
});

describe('close', () => {
  it('stops further use', () => {
    const trail = open();
    trail.close();
    expect(() => trail.append(input())).toThrow(/is closed/);
  });
});

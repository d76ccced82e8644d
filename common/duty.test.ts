import { describe, expect, it } from 'vitest';
import { canonicalJson, editRecord, makeRecord, mergeRecord, nextShift, periodKey, recordProblem, shiftAt, type SyncRecord } from './duty';
import { formatHlc } from './hlc';

const t = (wall: number, node = 'a', counter = 0) => formatHlc({ wall, counter, node });
const roster = (hlc: string, data: Partial<Record<string, unknown>> = {}) =>
  makeRecord('roster-1', 'roster', 'a', hlc, { date: '2026-11-23', slot: 0, operator: '张三', leader: '李四', note: '', ...data });

describe('field-wise last-writer-wins merge', () => {
  it('keeps the later write of each field, whichever side made it', () => {
    const base = roster(t(1));
    const onA = editRecord(base, { operator: '王五' }, t(5, 'a'));
    const onB = editRecord(base, { note: '防火期' }, t(3, 'b'));
    const ab = mergeRecord(onA, onB).record;
    const ba = mergeRecord(onB, onA).record;
    expect(canonicalJson(ab)).toBe(canonicalJson(ba));
    expect(ab.fields.operator!.v).toBe('王五');
    expect(ab.fields.note!.v).toBe('防火期');
    expect(ab.hlc).toBe(t(5, 'a'));
  });

  it('is idempotent, commutative and associative over random edit histories', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 50; round++) {
      const base = roster(t(1));
      const edits: SyncRecord[] = [];
      for (let i = 0; i < 6; i++) {
        const field = ['operator', 'leader', 'note'][Math.floor(rnd() * 3)]!;
        edits.push(editRecord(base, { [field]: `v${Math.floor(rnd() * 1000)}` }, t(2 + Math.floor(rnd() * 5), ['a', 'b', 'c'][i % 3]!, Math.floor(rnd() * 3))));
      }
      const fold = (xs: SyncRecord[]) => xs.reduce((acc, r) => mergeRecord(acc, r).record, base);
      const forward = canonicalJson(fold(edits));
      expect(canonicalJson(fold([...edits].reverse()))).toBe(forward);
      expect(canonicalJson(fold([...edits, ...edits]))).toBe(forward);
      const left = fold(edits.slice(0, 3));
      const right = edits.slice(3).reduce((acc, r) => mergeRecord(acc, r).record, edits[2]!);
      expect(canonicalJson(mergeRecord(left, right).record)).toBe(forward);
    }
  });

  it('agrees on the origin site of a record two sites created under the same id', () => {
    const onA = roster(t(5, 'a'));
    const onB = { ...editRecord(roster(t(1, 'b')), {}, t(1, 'b')), site: 'b' };
    expect(mergeRecord(onB, onA).record.site).toBe('a');
    const fromB = mergeRecord(onA, onB);
    expect(fromB.record.site).toBe('a');
    expect(canonicalJson(mergeRecord(onB, onA).record)).toBe(canonicalJson(fromB.record));
    // b keeps its newer fields but learns the origin even when no field changes.
    const bNewer = { ...roster(t(9, 'b')), site: 'b' };
    const m = mergeRecord(bNewer, onA);
    expect(m).toMatchObject({ changed: true, record: { site: 'a', hlc: t(9, 'b') } });
  });

  it('says when nothing changed', () => {
    const r = roster(t(2));
    expect(mergeRecord(r, r).changed).toBe(false);
    expect(mergeRecord(r, roster(t(1), { operator: 'old' })).changed).toBe(false);
  });

  it('refuses to merge records of different kinds', () => {
    const e = makeRecord('roster-1', 'notice', 'a', t(1), { title: 'x', text: '', issuer: '', issuedAt: 0, until: null });
    expect(() => mergeRecord(roster(t(1)), e)).toThrow(/roster, not a notice/);
  });
});

describe('record validation', () => {
  it('accepts a valid entry and names what is wrong with a bad one', () => {
    const ok = makeRecord('e1', 'entry', 'a', t(1), { at: 1, category: 'patrol', text: '巡查仙人山画面正常', author: '张三', tower: '仙人山', attachments: [] });
    expect(recordProblem(ok)).toBeNull();
    expect(recordProblem({ ...ok, fields: { ...ok.fields, category: { v: 'party', t: t(1) } } })).toMatch(/entry\.category/);
    expect(recordProblem({ ...ok, hlc: 'yesterday' })).toMatch(/hlc/);
    expect(recordProblem({ ...ok, fields: { ...ok.fields, text: { v: 'edited', t: t(2) } }, hlc: t(2) })).toMatch(/written once/);
    expect(recordProblem({ id: '', kind: 'entry' })).toMatch(/id/);
  });

  it('rejects an oversized attachment naming the limit', () => {
    const a = makeRecord('att1', 'attachment', 'a', t(1), { name: 'big.jpg', mime: 'image/jpeg', size: 5_000_000, sha256: 'a'.repeat(64), data: 'AAAA' });
    expect(recordProblem(a, 4 * 1024 * 1024)).toMatch(/limit is 4194304 bytes \(4 MiB\)/);
  });
});

describe('shifts and periods', () => {
  it('places moments in the three shifts in the site time zone', () => {
    const at = (iso: string) => shiftAt(Date.parse(iso), 'Asia/Shanghai');
    expect(at('2026-11-23T00:30:00Z')).toEqual({ date: '2026-11-23', slot: 0 }); // 08:30 local
    expect(at('2026-11-23T08:00:00Z')).toEqual({ date: '2026-11-23', slot: 1 }); // 16:00
    expect(at('2026-11-23T16:10:00Z')).toEqual({ date: '2026-11-24', slot: 2 }); // 00:10 next day
    expect(nextShift('2026-11-23', 1)).toEqual({ date: '2026-11-24', slot: 2 });
    expect(nextShift('2026-11-24', 2)).toEqual({ date: '2026-11-24', slot: 0 });
  });

  it('names weekly, monthly and quarterly periods', () => {
    expect(periodKey('weekly', '2026-11-23')).toBe('2026-W48');
    expect(periodKey('weekly', '2027-01-01')).toBe('2026-W53');
    expect(periodKey('monthly', '2026-02-05')).toBe('2026-02');
    expect(periodKey('quarterly', '2026-11-23')).toBe('2026-Q4');
  });
});

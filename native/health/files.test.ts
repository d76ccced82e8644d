import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assetCsv, parseAssetCsv, parseChecklistTemplate, parseCsv } from './files';
import { parsePingOutput, parseLinkTarget } from './link-probe';
import { textPdf } from './pdf-lite';
import { HealthStore } from './store';

describe('asset CSV', () => {
  it('imports the good rows and names each bad one with its line and reason', () => {
    const csv = '\ufeffdeviceId,towerId,model,serial,installDate,spares\r\ncam:t01-visible,t01,DS-2DF,"SN,1",2024-05-01,2\r\nptz:t01,t01,YT-50,SN2,2024-13-01,\r\nnope,t01,x,y,,\r\nlink:t01,t01,"multi\nline",SN3,,\r\ncam:t01-visible,t01,dup,,,\r\nshort,row\r\n';
    const known = new Set(['cam:t01-visible', 'ptz:t01', 'link:t01']);
    const r = parseAssetCsv(csv, known);
    expect(r.rows.map((a) => a.deviceId)).toEqual(['cam:t01-visible', 'link:t01']);
    expect(r.rows[0]!.serial).toBe('SN,1');
    expect(r.rows[1]!.model).toBe('multi\nline');
    expect(r.errors.map((e) => e.line)).toEqual([3, 4, 7, 8]);
    expect(r.errors[0]!.reason).toMatch(/installDate/);
    expect(r.errors[1]!.reason).toMatch(/no device/);
    expect(r.errors[2]!.reason).toMatch(/repeats line 2/);
    expect(r.errors[3]!.reason).toMatch(/2 fields/);
  });
  it('round-trips through the export, defusing formulas', () => {
    const rows = [{ deviceId: 'ptz:t01', towerId: 't01', kind: 'ptz', model: '=cmd', serial: 'a"b', installDate: '2024-01-02', location: '仙人山', spares: '' }];
    const out = assetCsv(rows);
    expect(out.startsWith('\ufeff')).toBe(true);
    expect(parseAssetCsv(out).rows[0]).toEqual({ ...rows[0], model: "'=cmd" });
  });
  it('refuses a file without the id column', () => {
    expect(parseAssetCsv('a,b\n1,2').errors[0]!.reason).toMatch(/deviceId/);
    expect(parseCsv('')).toEqual([]);
  });
});

describe('checklist template', () => {
  it('reads a valid template and keeps the built-in lists for periods it leaves out', () => {
    const r = parseChecklistTemplate('weekly:\n  title: 周检\n  items:\n    - { key: a, label: 清洁云台 }\n');
    expect(r.ok && r.template.weekly.items[0]!.label).toBe('清洁云台');
    expect(r.ok && r.template.quarterly.items.length).toBeGreaterThan(0);
  });
  it('names what is wrong in a malformed one', () => {
    const bad = parseChecklistTemplate('weekly:\n  title: x\n  items: []\nyearly: {}\n', 't.yaml');
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.problems.join('\n')).toMatch(/t\.yaml: weekly\.items: a checklist needs at least one item|yearly/);
    const syntax = parseChecklistTemplate('weekly: [\n', 't.yaml');
    expect(!syntax.ok && syntax.problems[0]).toMatch(/^t\.yaml: /);
    const dup = parseChecklistTemplate('monthly:\n  title: m\n  items:\n    - { key: a, label: x }\n    - { key: a, label: y }\n');
    expect(!dup.ok && dup.problems[0]).toMatch(/repeats/);
  });
});

describe('link probes', () => {
  it('parses link addresses and ping output', () => {
    expect(parseLinkTarget('10.0.0.5')).toEqual({ method: 'icmp', host: '10.0.0.5', fallbackPort: 554 });
    expect(parseLinkTarget('udp-echo://127.0.0.1:4000')).toEqual({ method: 'udp-echo', host: '127.0.0.1', port: 4000 });
    expect(() => parseLinkTarget('tcp://x:99999')).toThrow(/port/);
    expect(() => parseLinkTarget('a b')).toThrow(/expected/);
    expect(parsePingOutput('3 packets transmitted, 2 received, 33.3333% packet loss, time 402ms\nrtt min/avg/max/mdev = 1.1/12.5/20.0/3.0 ms')).toEqual({ lossPct: 33.3333, avgMs: 12.5 });
  });
});

describe('report PDF and store', () => {
  it('writes a PDF with a valid cross-reference table', () => {
    const pdf = textPdf(['# 运维巡检报告', 'availability 99.5%', ...Array.from({ length: 80 }, (_, i) => `行 ${i}`)]).toString('latin1');
    expect(pdf.startsWith('%PDF-1.4')).toBe(true);
    expect(pdf).toMatch(/\/Count 2 /);
    const xref = Number(/startxref\n(\d+)/.exec(pdf)![1]);
    expect(pdf.slice(xref, xref + 4)).toBe('xref');
    const first = /0000000000 65535 f \n(\d{10})/.exec(pdf)![1]!;
    expect(pdf.slice(Number(first), Number(first) + 7)).toBe('1 0 obj');
  });
  it('migrates a new database to the last version and keeps history', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'health-')), 'h.sqlite');
    const s = await HealthStore.open(file);
    expect(await s.version()).toBe(1);
    await s.addChanges([{ device: 'a', at: 5, state: 'up', detail: '' }, { device: 'a', at: 50, state: 'down', detail: 'x' }, { device: 'a', at: 500, state: 'up', detail: '' }]);
    expect((await s.changesBetween(10, 100)).map((c) => c.at)).toEqual([5, 50]);
    await s.close();
    const again = await HealthStore.open(file);
    expect((await again.changesBetween(0, 1000, 'a')).length).toBe(3);
    await again.close();
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeRecord } from '../../common/duty';
import { formatHlc } from '../../common/hlc';
import { chromiumPath, pdfPrinter } from './pdf';
import { renderReport } from './report';
import { tempDir } from './test-support';

describe('report PDF', () => {
  const dir = tempDir('duty-pdf-');

  it.skipIf(!chromiumPath())('prints the daily report to a PDF file with Chromium', async () => {
    const at = Date.parse('2026-11-23T02:00:00Z');
    const e = makeRecord('entry-1', 'entry', 's', formatHlc({ wall: at, counter: 0, node: 's' }), { at, category: 'alarm', text: '曹山 发现疑似烟点', author: '张三', tower: '曹山', attachments: [] });
    const { title, html } = renderReport({
      kind: 'daily', siteName: '溧阳', timeZone: 'Asia/Shanghai', from: '2026-11-23', to: '2026-11-23',
      entries: [e], attendance: [], handovers: [], checks: [], roster: [], items: [], maintenance: [], generatedAt: at,
    });
    const print = pdfPrinter(dir())!;
    const out = await print(html, `${title}.pdf`);
    expect(out.file).toBe(join(dir(), '值班日报_2026-11-23.pdf'));
    expect(out.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(out.bytes.length).toBeGreaterThan(5000);
    expect(readFileSync(out.file).equals(out.bytes)).toBe(true);
  }, 60_000);

  it('is not offered without a browser', () => {
    expect(pdfPrinter(dir(), null)).toBeUndefined();
  });
});

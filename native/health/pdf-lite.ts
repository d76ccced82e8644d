/**
 * A minimal PDF writer for plain-text reports: A4 pages of lines in one font, no browser needed.
 * Chinese text uses the standard Adobe CJK font STSong-Light (UniGB-UCS2-H), which PDF readers
 * supply themselves, so nothing is embedded. Lines may start with "# " for a heading.
 */
export function textPdf(lines: readonly string[], title = 'report'): Buffer {
  const W = 595;
  const H = 842;
  const margin = 50;
  const size = 10;
  const lead = 15;
  const perPage = Math.floor((H - 2 * margin) / lead);
  const maxChars = 52; // CJK glyphs are ~1 em wide at 10 pt over 495 pt
  const wrapped: string[] = [];
  for (const l of lines) {
    let rest = l;
    do {
      wrapped.push(rest.slice(0, maxChars * (/^[\x20-\x7e]*$/.test(rest) ? 2 : 1)));
      rest = rest.slice(maxChars * (/^[\x20-\x7e]*$/.test(rest) ? 2 : 1));
    } while (rest.length);
  }
  const pages: string[][] = [];
  for (let i = 0; i < wrapped.length || pages.length === 0; i += perPage) pages.push(wrapped.slice(i, i + perPage));

  const hex = (s: string) => {
    let out = '';
    for (const ch of s) {
      const c = ch.codePointAt(0)!;
      out += (c > 0xffff ? 0x3f : c).toString(16).padStart(4, '0');
    }
    return `<${out}>`;
  };
  const objs: string[] = [];
  // Object number = index + 1.
  const add = (body: string) => objs.push(body);
  add('<< /Type /Catalog /Pages 2 0 R >>');
  add(''); // pages, filled below
  add('<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [4 0 R] >>');
  add('<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> /FontDescriptor 5 0 R /DW 1000 >>');
  add('<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>');
  const kids: number[] = [];
  pages.forEach((page, pi) => {
    const ops = ['BT'];
    let y = H - margin;
    for (const l of page) {
      const head = l.startsWith('# ');
      ops.push(`/F1 ${head ? 13 : size} Tf 1 0 0 1 ${margin} ${y} Tm ${hex(head ? l.slice(2) : l)} Tj`);
      y -= lead;
    }
    ops.push(`/F1 8 Tf 1 0 0 1 ${W - margin - 60} ${margin / 2} Tm ${hex(`${pi + 1} / ${pages.length}`)} Tj`, 'ET');
    const stream = ops.join('\n');
    add(`<< /Length ${Buffer.byteLength(stream, 'latin1')} >>\nstream\n${stream}\nendstream`);
    const contentNo = objs.length;
    add(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${W} ${H}] /Resources << /Font << /F1 3 0 R >> >> /Contents ${contentNo} 0 R >>`);
    kids.push(objs.length);
  });
  objs[1] = `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(' ')}] /Count ${kids.length} >>`;
  const info = objs.length + 1;
  objs.push(`<< /Title ${hex(title)} /Producer (skywatch) >>`);
  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objs.forEach((o, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R /Info ${info} 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

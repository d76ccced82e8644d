import { describe, expect, it } from 'vitest';
import { attr, escapeXml, parseXml, path, XmlError } from './xml';

describe('parseXml', () => {
  it('reads a SOAP envelope with prefixes, attributes, entities and CDATA', () => {
    const doc = parseXml(
      `<?xml version="1.0" encoding="UTF-8"?>
      <!-- a comment -->
      <s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">
        <s:Header/>
        <s:Body>
          <tptz:SetPreset xmlns:tptz="http://www.onvif.org/ver20/ptz/wsdl">
            <tptz:PresetName>水库 &amp; 坝 &#x4E1C;&#19996;</tptz:PresetName>
            <tt:PanTilt x='0.5' y="-1E-1"/>
            <Note><![CDATA[<raw>]]></Note>
          </tptz:SetPreset>
        </s:Body>
      </s:Envelope>`,
    );
    expect(doc.local).toBe('Envelope');
    const op = path(doc, 'Body', 'SetPreset');
    expect(op?.name).toBe('tptz:SetPreset');
    expect(path(op, 'PresetName')?.text).toBe('水库 & 坝 东东');
    expect(attr(path(op, 'PanTilt'), 'x')).toBe('0.5');
    expect(Number(attr(path(op, 'PanTilt'), 'y'))).toBe(-0.1);
    expect(path(op, 'Note')?.text).toBe('<raw>');
  });

  it('refuses malformed documents with an offset', () => {
    for (const bad of ['', '<a>', '<a></b>', '<a x=1/>', '<a>&nope;</a>', '<a/><b/>', '<!DOCTYPE x><a/>', '<a>&#0;</a>', 'garbage']) {
      expect(() => parseXml(bad), bad).toThrow(XmlError);
    }
  });

  it('round-trips escaped text', () => {
    const s = `a<b>&"c'`;
    expect(parseXml(`<x v="${escapeXml(s)}">${escapeXml(s)}</x>`)).toMatchObject({ text: s, attrs: { v: s } });
  });
});

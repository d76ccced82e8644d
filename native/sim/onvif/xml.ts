/**
 * A small XML reader for SOAP requests: elements, attributes, text, CDATA, comments and the
 * predefined and numeric entities. No DTDs, no namespace resolution: SOAP clients use different
 * prefixes for the same namespace, so lookups go by local name.
 */

export interface XmlElement {
  /** Name as written, e.g. `tptz:ContinuousMove`. */
  name: string;
  /** Name without its prefix, e.g. `ContinuousMove`. */
  local: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated text directly inside this element (trimmed). */
  text: string;
}

export class XmlError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} at offset ${offset}`);
    this.name = 'XmlError';
  }
}

const MAX_DEPTH = 64;

export function localName(name: string): string {
  const i = name.indexOf(':');
  return i < 0 ? name : name.slice(i + 1);
}

/** Parses one document; throws `XmlError` on anything malformed. */
export function parseXml(src: string): XmlElement {
  let i = 0;
  const fail = (msg: string): never => {
    throw new XmlError(msg, i);
  };
  const isSpace = (c: string) => c === ' ' || c === '\n' || c === '\r' || c === '\t';
  const isNameChar = (c: string) =>
    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === ':' || c === '_' || c === '-' || c === '.' || c > '\u007f';
  const skipSpace = () => {
    while (i < src.length && isSpace(src[i] as string)) i++;
  };
  const startsWith = (s: string) => src.startsWith(s, i);
  const skipPast = (end: string) => {
    const j = src.indexOf(end, i);
    if (j < 0) fail(`unterminated construct, expected "${end}"`);
    i = j + end.length;
  };
  const readName = (): string => {
    const start = i;
    while (i < src.length && isNameChar(src[i] as string)) i++;
    if (i === start) fail('expected a name');
    return src.slice(start, i);
  };
  /** Skips comments, processing instructions and whitespace between markup. */
  const skipMisc = () => {
    for (;;) {
      skipSpace();
      if (startsWith('<!--')) skipPast('-->');
      else if (startsWith('<?')) skipPast('?>');
      else return;
    }
  };

  const readElement = (depth: number): XmlElement => {
    if (depth > MAX_DEPTH) fail('elements nested too deeply');
    if (src[i] !== '<') fail('expected "<"');
    i++;
    const name = readName();
    const attrs: Record<string, string> = {};
    for (;;) {
      skipSpace();
      const c = src[i];
      if (c === undefined) fail('unexpected end inside a tag');
      if (c === '/' || c === '>') break;
      const attr = readName();
      skipSpace();
      if (src[i] !== '=') fail(`expected "=" after attribute ${attr}`);
      i++;
      skipSpace();
      const quote = src[i];
      if (quote !== '"' && quote !== "'") fail('expected a quoted attribute value');
      const end = src.indexOf(quote as string, i + 1);
      if (end < 0) fail('unterminated attribute value');
      attrs[attr] = decodeEntities(src.slice(i + 1, end), i);
      i = end + 1;
    }
    const el: XmlElement = { name, local: localName(name), attrs, children: [], text: '' };
    if (src[i] === '/') {
      if (src[i + 1] !== '>') fail('expected "/>"');
      i += 2;
      return el;
    }
    i++; // '>'
    let text = '';
    for (;;) {
      if (i >= src.length) fail(`unterminated element <${name}>`);
      if (startsWith('</')) {
        i += 2;
        const close = readName();
        if (close !== name) fail(`</${close}> does not close <${name}>`);
        skipSpace();
        if (src[i] !== '>') fail('expected ">"');
        i++;
        el.text = text.trim();
        return el;
      }
      if (startsWith('<!--')) skipPast('-->');
      else if (startsWith('<![CDATA[')) {
        const end = src.indexOf(']]>', i);
        if (end < 0) fail('unterminated CDATA');
        text += src.slice(i + 9, end);
        i = end + 3;
      } else if (startsWith('<?')) skipPast('?>');
      else if (src[i] === '<') el.children.push(readElement(depth + 1));
      else {
        const next = src.indexOf('<', i);
        const end = next < 0 ? src.length : next;
        text += decodeEntities(src.slice(i, end), i);
        i = end;
      }
    }
  };

  skipMisc();
  if (startsWith('<!DOCTYPE')) fail('DTDs are not accepted');
  const root = readElement(0);
  skipMisc();
  if (i < src.length) fail('content after the root element');
  return root;
}

function decodeEntities(s: string, offset: number): string {
  if (!s.includes('&')) return s;
  let out = '';
  let i = 0;
  while (i < s.length) {
    const amp = s.indexOf('&', i);
    if (amp < 0) {
      out += s.slice(i);
      break;
    }
    out += s.slice(i, amp);
    const semi = s.indexOf(';', amp);
    if (semi < 0) throw new XmlError('unterminated entity', offset + amp);
    const ent = s.slice(amp + 1, semi);
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    if (ent in named) out += named[ent];
    else if (ent.startsWith('#x') || ent.startsWith('#X')) out += codePoint(Number.parseInt(ent.slice(2), 16), offset + amp);
    else if (ent.startsWith('#')) out += codePoint(Number.parseInt(ent.slice(1), 10), offset + amp);
    else throw new XmlError(`unknown entity &${ent};`, offset + amp);
    i = semi + 1;
  }
  return out;
}

function codePoint(n: number, offset: number): string {
  if (!Number.isInteger(n) || n < 1 || n > 0x10ffff) throw new XmlError('bad character reference', offset);
  return String.fromCodePoint(n);
}

/** Escapes text for element content and attribute values. */
export function escapeXml(s: string): string {
  let out = '';
  for (const c of s) {
    if (c === '<') out += '&lt;';
    else if (c === '>') out += '&gt;';
    else if (c === '&') out += '&amp;';
    else if (c === '"') out += '&quot;';
    else if (c === "'") out += '&apos;';
    else out += c;
  }
  return out;
}

/** First child with this local name. */
export function child(el: XmlElement | undefined, local: string): XmlElement | undefined {
  return el?.children.find((c) => c.local === local);
}

/** Follows a path of local names. */
export function path(el: XmlElement | undefined, ...locals: string[]): XmlElement | undefined {
  let cur = el;
  for (const l of locals) cur = child(cur, l);
  return cur;
}

/** Attribute by local name (clients write `x` or `tt:x`). */
export function attr(el: XmlElement | undefined, local: string): string | undefined {
  if (!el) return undefined;
  for (const [k, v] of Object.entries(el.attrs)) if (localName(k) === local) return v;
  return undefined;
}

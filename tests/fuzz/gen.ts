/*
 * Seeded random inputs for the fuzz tests: a small PRNG, random JSON values, mutators of a valid
 * value, and mutators of a raw protocol message. Everything is derived from one seed, so a failing
 * run can be replayed exactly with `FUZZ_SEED=<seed> npx vitest run tests/fuzz`.
 */

/** The seed of this run: `FUZZ_SEED` (decimal or 0x-hex) or a fixed default. */
export const FUZZ_SEED: number = (() => {
  const env = process.env.FUZZ_SEED;
  if (env === undefined || env.trim() === '') return 0x5eed2026;
  const n = Number(env.trim());
  if (!Number.isFinite(n)) throw new Error(`FUZZ_SEED must be a number, got ${JSON.stringify(env)}`);
  return n >>> 0;
})();

/** How to replay this run, for failure messages. */
export const REPLAY = `FUZZ_SEED=${FUZZ_SEED} (replay: FUZZ_SEED=${FUZZ_SEED} npx vitest run tests/fuzz)`;

/** FNV-1a of a label, so every target gets its own stream from the one seed. */
function hashLabel(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: tiny, fast, good enough to pick test inputs. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** A stream for one target: the run's seed mixed with the target's name. */
  static for(label: string, seed = FUZZ_SEED): Rng {
    return new Rng((seed ^ hashLabel(label)) >>> 0);
  }
  /** In [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  bool(p = 0.5): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }
  /** Fisher–Yates, in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [items[i], items[j]] = [items[j] as T, items[i] as T];
    }
    return items;
  }
}

// ---------------------------------------------------------------------------------------------
// Random values

/** Keys that have meaning on JS objects. */
export const NASTY_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'then'] as const;

const UNICODE = [
  '\u202e', // right-to-left override
  '\u202d',
  '\u2066',
  '\u200f',
  '\u200b', // zero width space
  '\u200d', // zero width joiner
  '\ufeff', // BOM
  '\u2028', // line separator
  '\u2029',
  '\u0301', // combining acute
  '🔥',
  '👨‍👩‍👧‍👦',
  '🏳️‍🌈',
  '\ud83d', // lone high surrogate
  '\udc00', // lone low surrogate
  '森林防火',
  'مرحبا',
  'שלום',
  'Ⅻ',
  'ﷺ',
  '\u0000',
  '\u0007',
  '\u001b[31m',
  '\r\n',
  '\t',
  '\\',
  '"',
  "'",
  '`',
];

const SPECIAL_STRINGS = [
  '',
  ' ',
  '   padded   ',
  'NaN',
  'Infinity',
  '-Infinity',
  '-0',
  '1e309',
  '0x1F',
  '1_000',
  'null',
  'undefined',
  'true',
  '{}',
  '[]',
  '{"a":1}',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '/etc/passwd',
  'C:\\boot.ini',
  '%s%n%x%d',
  '${process.exit()}',
  '{{7*7}}',
  "'; DROP TABLE users; --",
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
  'prototype',
  'app:ping',
  'auth:signOut',
  'w1',
  'd01',
  '#ff3b30',
  '07:30',
  'scene',
  'a'.repeat(32),
  'a'.repeat(33),
  'a'.repeat(64),
  'a'.repeat(65),
  'a'.repeat(129),
  'a'.repeat(257),
];

export const BOUNDARY_NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.5,
  -0.5,
  1e-7,
  Number.MIN_VALUE,
  Number.EPSILON,
  15,
  16,
  17,
  31,
  32,
  33,
  63,
  64,
  65,
  255,
  256,
  300,
  301,
  360,
  361,
  1000,
  1001,
  3600,
  3601,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 2,
  -Number.MAX_SAFE_INTEGER - 2,
  2 ** 64,
  1e21,
  1e300,
  -1e300,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  8.64e15,
  8.64e15 + 1,
] as const;

export function randomNumber(r: Rng): number {
  switch (r.int(0, 4)) {
    case 0:
      return r.pick(BOUNDARY_NUMBERS);
    case 1:
      return r.int(-1000, 1000);
    case 2:
      return (r.next() - 0.5) * 10 ** r.int(0, 20);
    case 3:
      return r.int(0, 20) + r.pick([0, 0.25, 0.5, 0.999999]);
    default:
      return Date.now() + r.int(-1e9, 1e9);
  }
}

export function randomString(r: Rng, maxLong = 70_000): string {
  switch (r.int(0, 6)) {
    case 0:
      return r.pick(SPECIAL_STRINGS);
    case 1: {
      const n = r.int(1, 24);
      let s = '';
      for (let i = 0; i < n; i++) s += String.fromCharCode(r.int(0x20, 0x7e));
      return s;
    }
    case 2: {
      const n = r.int(1, 8);
      let s = '';
      for (let i = 0; i < n; i++) s += r.bool() ? r.pick(UNICODE) : String.fromCharCode(r.int(0x61, 0x7a));
      return s;
    }
    case 3:
      return r.pick(['x', 'ab', '森', '🔥', '\u202e', ' ']).repeat(r.int(100, maxLong));
    case 4:
      return String.fromCodePoint(r.int(0, 0x10ffff)).repeat(r.int(1, 4));
    case 5:
      return `${r.pick(['t', 'w', 'd', 'fz-', 'adm', 'usr'])}${r.int(0, 99)}${r.pick(['', '-visible', '-thermal', '.0', '/main', ' '])}`;
    default:
      return String(randomNumber(r));
  }
}

/** Sets an own enumerable property, even `__proto__` (plain assignment would set the prototype). */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

export interface JsonOptions {
  maxDepth?: number;
  /** Longest string, characters. */
  maxLong?: number;
  /** Rough characters the whole value may take (default 200 000); past it only small scalars come. */
  budget?: number;
}

/** A random JSON-able value: scalars, strings of every kind, nested arrays and objects with nasty keys. */
export function randomJson(r: Rng, opts: JsonOptions = {}): unknown {
  const left = { chars: opts.budget ?? 200_000 };
  return randomJsonIn(r, opts.maxDepth ?? 4, opts.maxLong ?? 70_000, left, 0);
}

function randomJsonIn(r: Rng, maxDepth: number, maxLong: number, left: { chars: number }, depth: number): unknown {
  const small = left.chars <= 0;
  const kind = depth >= maxDepth || small ? r.int(0, 3) : r.int(0, 6);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return r.bool();
    case 2:
      left.chars -= 8;
      return randomNumber(r);
    case 3: {
      const s = randomString(r, small ? 8 : Math.min(maxLong, Math.max(8, left.chars)));
      left.chars -= s.length + 2;
      return small && s.length > 64 ? s.slice(0, 64) : s;
    }
    case 4: {
      if (r.bool(0.05)) {
        // A long array of small scalars.
        const n = r.int(50, 2000);
        left.chars -= n * 4;
        return Array.from({ length: n }, () => (r.bool() ? r.int(-9, 99) : r.pick([null, true, 'x', 0.5])));
      }
      return Array.from({ length: r.int(0, 5) }, () => randomJsonIn(r, maxDepth, maxLong, left, depth + 1));
    }
    default: {
      const o: Record<string, unknown> = {};
      const n = r.int(0, 6);
      for (let i = 0; i < n; i++) setOwn(o, r.bool(0.25) ? r.pick(NASTY_KEYS) : randomString(r, 200), randomJsonIn(r, maxDepth, maxLong, left, depth + 1));
      return o;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Mutators of a valid value

type Path = (string | number)[];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every path in a value (the root is []). */
function pathsOf(v: unknown, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => pathsOf(x, [...at, i], out));
  else if (isObject(v)) for (const k of Object.keys(v)) pathsOf(v[k], [...at, k], out);
  return out;
}

function getAt(v: unknown, path: Path): unknown {
  let cur = v;
  for (const seg of path) cur = (cur as Record<string | number, unknown>)[seg];
  return cur;
}

/** A copy of `v` with the value at `path` replaced (or, with `remove`, taken out). */
function setAt(v: unknown, path: Path, value: unknown, remove = false): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string | number, ...Path];
  if (Array.isArray(v)) {
    const copy = [...v];
    if (rest.length === 0 && remove) copy.splice(head as number, 1);
    else copy[head as number] = setAt(copy[head as number], rest, value, remove);
    return copy;
  }
  const src = v as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const k of Object.keys(src)) setOwn(copy, k, src[k]);
  if (rest.length === 0 && remove) delete copy[head as string];
  else setOwn(copy, head as string, setAt(src[head as string], rest, value, remove));
  return copy;
}

/** The same value as another type. */
function swapType(r: Rng, v: unknown): unknown {
  if (typeof v === 'number') return r.pick([String(v), v > 0, [v], { value: v }, null]);
  if (typeof v === 'string') return r.pick([Number(v), v.length, [v], { [v]: v }, true, null]);
  if (typeof v === 'boolean') return r.pick([String(v), v ? 1 : 0, null, [v]]);
  if (Array.isArray(v)) return r.pick([{ ...v }, v.length, JSON.stringify(v), v[0] ?? null, null]);
  if (isObject(v)) return r.pick([Object.values(v), JSON.stringify(v), Object.keys(v).length, null, []]);
  return r.pick([0, '', false, {}, []]);
}

function boundary(r: Rng, v: unknown): unknown {
  if (typeof v === 'number') return r.pick([...BOUNDARY_NUMBERS, v + 1, v - 1, v + 0.5, -v, v * 1000, v + Number.EPSILON]);
  if (typeof v === 'string') return r.pick(['', ' ', v + v, v.toUpperCase(), ` ${v} `, v.slice(0, -1), `${v}\u0000`, `${v}\u202e`, v.length < 100 ? v.repeat(r.int(2, 2000)) : v + v, 'x'.repeat(r.int(60, 70)), 'x'.repeat(r.int(250, 260))]);
  if (Array.isArray(v)) return r.pick([[], [...v, ...v], Array.from({ length: r.int(15, 70) }, () => v[0] ?? null), v.slice(1), [null]]);
  return r.pick([null, 0, '', [], {}]);
}

/** One change to a valid value: drop or add a key, swap a type, a boundary value, an empty string… */
export function mutateOnce(r: Rng, v: unknown): unknown {
  const paths = pathsOf(v);
  const path = r.pick(paths);
  const here = getAt(v, path);
  switch (r.int(0, 7)) {
    case 0: {
      // Drop a key or an element.
      const nonRoot = paths.filter((p) => p.length > 0);
      return nonRoot.length ? setAt(v, r.pick(nonRoot), undefined, true) : undefined;
    }
    case 1: {
      // Add a key (possibly a nasty one) to an object.
      const objects = paths.filter((p) => isObject(getAt(v, p)));
      if (!objects.length) return swapType(r, v);
      const at = r.pick(objects);
      const key = r.bool(0.4) ? r.pick(NASTY_KEYS) : randomString(r, 80);
      const target = getAt(v, at) as Record<string, unknown>;
      const copy: Record<string, unknown> = {};
      for (const k of Object.keys(target)) setOwn(copy, k, target[k]);
      setOwn(copy, key, randomJson(r, { maxDepth: 2, maxLong: 1000 }));
      return setAt(v, at, copy);
    }
    case 2:
      return setAt(v, path, swapType(r, here));
    case 3:
    case 4:
      return setAt(v, path, boundary(r, here));
    case 5:
      return setAt(v, path, typeof here === 'string' ? '' : r.pick([null, '', 0]));
    case 6:
      return setAt(v, path, randomJson(r, { maxDepth: 2, maxLong: 5000 }));
    default:
      // The whole thing as something else.
      return r.pick([null, [v], JSON.stringify(v), randomString(r, 1000), 42, true, []]);
  }
}

/** One to three changes to a valid value. */
export function mutate(r: Rng, v: unknown): unknown {
  let out = v;
  const n = r.int(1, 3);
  for (let i = 0; i < n; i++) out = mutateOnce(r, out === undefined ? {} : out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Raw protocol messages

/** A character that keeps the text valid UTF-16 (so `ws` sends valid UTF-8). */
function safeChar(r: Rng): string {
  return r.pick([
    ...'{}[]":,\\/ \t\n0123456789eE+-.tfnul',
    String.fromCharCode(r.int(0, 0x1f)),
    String.fromCharCode(r.int(0x20, 0x7e)),
    r.pick(UNICODE.filter((c) => !/[\ud800-\udfff]/.test(c))),
  ]);
}

/** Replaces lone surrogates so the text is valid UTF-8 once encoded. */
export function wellFormed(s: string): string {
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

export interface RawMutation {
  kind: string;
  text: string;
}

/**
 * A malformed variant of a valid call message (as text): truncation, bit flips, inserted bytes,
 * a wrong `t`, a missing or odd `id`, an over-long `name`, arguments that are not an object…
 */
export function mutateRaw(r: Rng, msg: { t: string; id: number; name: string; args: unknown }): RawMutation {
  const text = JSON.stringify(msg);
  const withField = (over: Record<string, unknown>, drop: string[] = []) => {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(msg)) if (!drop.includes(k)) setOwn(o, k, v);
    for (const [k, v] of Object.entries(over)) setOwn(o, k, v);
    return JSON.stringify(o);
  };
  switch (r.int(0, 17)) {
    case 0:
      return { kind: 'truncated', text: text.slice(0, r.int(0, text.length - 1)) };
    case 1: {
      // Flip one of the low 7 bits of an ASCII character: still valid UTF-8.
      const chars = [...text];
      const i = r.int(0, chars.length - 1);
      const c = chars[i]!.charCodeAt(0);
      chars[i] = c < 0x80 ? String.fromCharCode(c ^ (1 << r.int(0, 6))) : safeChar(r);
      return { kind: 'bit flip', text: chars.join('') };
    }
    case 2: {
      const i = r.int(0, text.length);
      let ins = '';
      for (let k = r.int(1, 8); k > 0; k--) ins += safeChar(r);
      return { kind: 'inserted bytes', text: text.slice(0, i) + ins + text.slice(i) };
    }
    case 3: {
      const i = r.int(0, text.length - 1);
      return { kind: 'deleted bytes', text: text.slice(0, i) + text.slice(i + r.int(1, 10)) };
    }
    case 4:
      return { kind: 'wrong t', text: withField({ t: r.pick(['Call', 'cal', 'result', 'event', 'hello', 'error', '', 1, null, ['call'], { t: 'call' }]) }) };
    case 5:
      return { kind: 'missing t', text: withField({}, ['t']) };
    case 6:
      return { kind: 'missing id', text: withField({}, ['id']) };
    case 7:
      return { kind: 'odd id', text: withField({ id: r.pick([-1, -0.5, 1.5, 2 ** 53, 2 ** 53 + 2, 1e300, -1e300, '1', null, true, [1], { id: 1 }]) }) };
    case 8:
      // Numbers JSON can spell but JavaScript cannot hold: 1e400 parses as Infinity.
      return { kind: 'overflowing id', text: text.replace(/"id":\d+/, `"id":${r.pick(['1e400', '-1e400', '1e-400', '-0', '0.0', '1E2', '00', '1.', '.5', '0x10', 'NaN', 'Infinity'])}`) };
    case 9:
      return { kind: 'long name', text: withField({ name: msg.name + 'x'.repeat(r.int(65, 2000) - msg.name.length) }) };
    case 10:
      return {
        kind: 'odd name',
        text: withField({ name: r.pick(['', ' ', 'app:ping ', 'APP:PING', 'app:', ':ping', 'app:ping\u0000', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'app:__proto__', 1, null, ['app:ping'], { n: 1 }]) }),
      };
    case 11:
      return { kind: 'args not an object', text: withField({ args: r.pick([null, 0, -1, '', 'x', true, [], [{}], [msg.args], 1e300]) }) };
    case 12:
      return { kind: 'missing args', text: withField({}, ['args']) };
    case 13:
      return { kind: 'extra fields', text: withField({ [r.pick(NASTY_KEYS)]: randomJson(r, { maxDepth: 2, maxLong: 200 }), extra: 1 }) };
    case 14:
      return { kind: 'not an object', text: r.pick(['', ' ', '\n', 'null', 'true', '0', '"call"', '[]', '[{}]', `[${text}]`, `\ufeff${text}`, `${text}${text}`, `${text}x`, '{', '}', '{"t":"call"}']) };
    case 15:
      return { kind: 'duplicate keys', text: text.replace('{', `{"t":"x","id":-1,"name":${JSON.stringify(randomString(r, 100))},`) };
    case 16: {
      // Deep nesting, within the size limit.
      const depth = r.int(100, 60_000);
      return { kind: 'deep nesting', text: withField({ args: '@' }).replace('"@"', '['.repeat(depth) + ']'.repeat(depth)) };
    }
    default:
      return { kind: 'random JSON', text: wellFormed(JSON.stringify(randomJson(r, { maxDepth: 3, maxLong: 2000 })) ?? 'null') };
  }
}

// ---------------------------------------------------------------------------------------------
// Text files

/** One change to the text of a file: truncation, flipped or inserted characters, lines dropped or repeated, BOM, CRLF, numbers and strings swapped. */
export function mutateTextOnce(r: Rng, text: string): string {
  const lines = text.split('\n');
  const at = () => r.int(0, text.length);
  switch (r.int(0, 15)) {
    case 0:
      return text.slice(0, at());
    case 1: {
      const i = Math.min(at(), Math.max(0, text.length - 1));
      const c = text.charCodeAt(i);
      return text.slice(0, i) + String.fromCharCode(c < 0x80 ? c ^ (1 << r.int(0, 6)) : r.int(0x20, 0x7e)) + text.slice(i + 1);
    }
    case 2: {
      const i = at();
      let ins = '';
      for (let k = r.int(1, 6); k > 0; k--) ins += r.pick([...'{}[]:,"\'#&*!|>-?%@`\\ \t\n0123456789', '\u0000', '\ufeff', '\u202e', '森', '🔥', '\r']);
      return text.slice(0, i) + ins + text.slice(i);
    }
    case 3: {
      const i = at();
      return text.slice(0, i) + text.slice(i + r.int(1, 40));
    }
    case 4: {
      const i = r.int(0, lines.length - 1);
      return [...lines.slice(0, i), ...lines.slice(i + 1)].join('\n');
    }
    case 5: {
      const i = r.int(0, lines.length - 1);
      return [...lines.slice(0, i + 1), ...lines.slice(i)].join('\n');
    }
    case 6: {
      const i = r.int(0, lines.length - 1);
      const j = r.int(0, lines.length - 1);
      const copy = [...lines];
      [copy[i], copy[j]] = [copy[j] as string, copy[i] as string];
      return copy.join('\n');
    }
    case 7:
      return `\ufeff${text}`;
    case 8:
      return text.replace(/\n/g, r.pick(['\r\n', '\r', '\n\n', '\u2028']));
    case 9: {
      // A number replaced by a boundary or a malformed one.
      const nums = [...text.matchAll(/-?\d+(\.\d+)?(e[+-]?\d+)?/gi)];
      if (nums.length === 0) return text + '1';
      const m = r.pick(nums);
      const repl = r.pick(['1e999', '-1e999', 'NaN', 'Infinity', '0x10', '1_000', '--1', '1.2.3', '', '9'.repeat(400), '-0', String(r.pick(BOUNDARY_NUMBERS))]);
      return text.slice(0, m.index) + repl + text.slice((m.index ?? 0) + m[0].length);
    }
    case 10: {
      const strs = [...text.matchAll(/"([^"\\\n]{1,80})"/g)];
      if (strs.length === 0) return `"${text}`;
      const m = r.pick(strs);
      const repl = JSON.stringify(r.pick(['', ' ', '__proto__', 'constructor', '\u202e', '../../x', 'x'.repeat(r.int(60, 300)), '森林', '\u0000']));
      return text.slice(0, m.index) + repl + text.slice((m.index ?? 0) + m[0].length);
    }
    case 11: {
      const i = r.int(0, lines.length);
      return [...lines.slice(0, i), 'x'.repeat(r.int(10_000, 300_000)), ...lines.slice(i)].join('\n');
    }
    case 12:
      return '';
    case 13: {
      const i = at();
      const len = r.int(1, 200);
      return text.slice(0, i) + text.slice(i, i + len).repeat(r.int(2, 5)) + text.slice(i + len);
    }
    case 14:
      return text + r.pick(['\n', '\n\n\n', ' ', '\u0000', '}', ']', '\n---\n', 'garbage']);
    default: {
      let s = '';
      for (let k = r.int(1, 300); k > 0; k--) s += String.fromCharCode(r.int(0, 0xff));
      return r.bool() ? s : text.slice(0, at()) + s;
    }
  }
}

export function mutateText(r: Rng, text: string): string {
  let out = text;
  for (let n = r.int(1, 3); n > 0; n--) out = mutateTextOnce(r, out);
  return out;
}

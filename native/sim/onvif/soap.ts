import { createHash, timingSafeEqual } from 'node:crypto';
import { escapeXml, path, type XmlElement } from './xml';

/** Namespaces declared on every reply, so bodies can use the usual ONVIF prefixes. */
const NAMESPACES: Record<string, string> = {
  s: 'http://www.w3.org/2003/05/soap-envelope',
  tt: 'http://www.onvif.org/ver10/schema',
  tds: 'http://www.onvif.org/ver10/device/wsdl',
  trt: 'http://www.onvif.org/ver10/media/wsdl',
  tptz: 'http://www.onvif.org/ver20/ptz/wsdl',
  timg: 'http://www.onvif.org/ver20/imaging/wsdl',
  ter: 'http://www.onvif.org/ver10/error',
  xs: 'http://www.w3.org/2001/XMLSchema',
};

export function envelope(body: string): string {
  const decl = Object.entries(NAMESPACES)
    .map(([p, uri]) => `xmlns:${p}="${uri}"`)
    .join(' ');
  return `<?xml version="1.0" encoding="UTF-8"?><s:Envelope ${decl}><s:Body>${body}</s:Body></s:Envelope>`;
}

/** A SOAP 1.2 fault as ONVIF devices send it: code, ONVIF subcode(s), reason. */
export class SoapFault extends Error {
  constructor(
    readonly code: 'Sender' | 'Receiver',
    /** e.g. ['ter:InvalidArgVal', 'ter:NoProfile'] */
    readonly subcodes: string[],
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'SoapFault';
  }

  /** SOAP 1.2 over HTTP: sender faults are 400, receiver faults 500. */
  get httpStatus(): number {
    return this.code === 'Sender' ? 400 : 500;
  }

  toXml(): string {
    let sub = '';
    for (const sc of [...this.subcodes].reverse()) sub = `<s:Subcode><s:Value>${sc}</s:Value>${sub}</s:Subcode>`;
    return envelope(
      `<s:Fault><s:Code><s:Value>s:${this.code}</s:Value>${sub}</s:Code>` +
        `<s:Reason><s:Text xml:lang="en">${escapeXml(this.reason)}</s:Text></s:Reason></s:Fault>`,
    );
  }
}

export const faults = {
  notAuthorized: (why: string) => new SoapFault('Sender', ['ter:NotAuthorized'], `Sender not authorized: ${why}`),
  actionNotSupported: (what: string) => new SoapFault('Receiver', ['ter:ActionNotSupported'], `${what} is not supported`),
  invalidArg: (subcode: string, reason: string) => new SoapFault('Sender', ['ter:InvalidArgVal', subcode], reason),
  wellFormed: (reason: string) => new SoapFault('Sender', ['ter:WellFormed'], reason),
};

/** How far a UsernameToken's Created may be from the device clock. */
export const TOKEN_WINDOW_MS = 5 * 60_000;

export interface AuthConfig {
  user: string;
  password: string;
}

/**
 * Checks the WS-Security UsernameToken (PasswordDigest = Base64(SHA-1(nonce + created + password)),
 * or PasswordText) against the device clock. Throws a `ter:NotAuthorized` fault on failure.
 */
export function verifyUsernameToken(header: XmlElement | undefined, auth: AuthConfig, deviceNow: number, seenNonces: Map<string, number>): void {
  const token = path(header, 'Security', 'UsernameToken');
  if (!token) throw faults.notAuthorized('no WS-Security UsernameToken');
  const user = path(token, 'Username')?.text;
  const pw = path(token, 'Password');
  if (user === undefined || !pw) throw faults.notAuthorized('incomplete UsernameToken');
  const type = Object.entries(pw.attrs).find(([k]) => k === 'Type' || k.endsWith(':Type'))?.[1] ?? '';
  if (type.endsWith('#PasswordText')) {
    if (user !== auth.user || !safeEqual(pw.text, auth.password)) throw faults.notAuthorized('wrong user name or password');
    return;
  }
  const nonceB64 = path(token, 'Nonce')?.text;
  const created = path(token, 'Created')?.text;
  if (!nonceB64 || !created) throw faults.notAuthorized('PasswordDigest needs Nonce and Created');
  const createdMs = Date.parse(created);
  if (!Number.isFinite(createdMs)) throw faults.notAuthorized(`unreadable Created "${created}"`);
  const skew = createdMs - deviceNow;
  if (Math.abs(skew) > TOKEN_WINDOW_MS) {
    throw faults.notAuthorized(
      `token created ${Math.round(skew / 1000)} s from the device clock (allowed ±${TOKEN_WINDOW_MS / 1000} s): synchronise with GetSystemDateAndTime`,
    );
  }
  const nonce = Buffer.from(nonceB64, 'base64');
  const expected = createHash('sha1')
    .update(Buffer.concat([nonce, Buffer.from(created, 'utf8'), Buffer.from(auth.password, 'utf8')]))
    .digest('base64');
  if (user !== auth.user || !safeEqual(pw.text, expected)) throw faults.notAuthorized('wrong user name or password');
  // Replay protection: a nonce is good once within the window.
  for (const [n, exp] of seenNonces) if (exp < deviceNow) seenNonces.delete(n);
  if (seenNonces.has(nonceB64)) throw faults.notAuthorized('nonce already used');
  seenNonces.set(nonceB64, deviceNow + 2 * TOKEN_WINDOW_MS);
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** xs:duration as used for PTZ timeouts (`PT1S`, `PT0.5S`, `PT1M30S`, `P1DT2H`) → ms. */
export function parseDuration(s: string): number | undefined {
  const m = /^(-)?P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(s.trim());
  if (!m || s.trim() === 'P' || s.trim().endsWith('T')) return undefined;
  const [, neg, d, h, min, sec] = m;
  const ms = ((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(min ?? 0)) * 60_000 + Number(sec ?? 0) * 1000;
  return neg ? -ms : ms;
}

/** Decimal without exponent, which some parsers (the `onvif` package's number test) need. */
export function num(n: number, digits = 6): string {
  const s = n.toFixed(digits);
  return s === `-${(0).toFixed(digits)}` ? (0).toFixed(digits) : s;
}

import type { Logger } from './dispatch';

const order = { debug: 10, info: 20, warn: 30, error: 40 } as const;

const MASK = '***';

// Key names whose value is a secret: password, newPassword, skywatch-token, access_token, client_secret, x-api-key, …
// A name that merely starts with one of these (secretRef, tokens) is not matched.
const SECRET_KEY = String.raw`[\w-]*(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key)|pass`;

const RULES: ReadonlyArray<readonly [RegExp, string | ((...m: string[]) => string)]> = [
  // Userinfo in any URL: rtsp://user:pass@host → rtsp://user:***@host. The password runs to the token's last "@",
  // so an unencoded "@" or "/" in it is still covered.
  [/\b([a-z][a-z0-9+.-]*:\/\/)([^\s:@/?#"'<>]*):[^\s"'<>]*@/gi, `$1$2:${MASK}@`],
  // Authorization headers, whatever the scheme: the whole credential goes.
  [/(\bauthorization["']?\s*[:=]\s*["']?)(?:(Bearer|Basic|Digest|Token)\s+)?[^\r\n"']+/gi, (_m, head: string, scheme?: string) => `${head}${scheme ? `${scheme} ` : ''}${MASK}`],
  // A bearer token quoted anywhere else.
  [/\b(Bearer)\s+[A-Za-z0-9._~+/=-]+/g, `$1 ${MASK}`],
  [/(\b(?:set-)?cookie\s*:\s*)[^\r\n]+/gi, `$1${MASK}`],
  // key=value, key: value, "key":"value", ?key=value&… (quotes kept so JSON stays readable).
  [
    new RegExp(String.raw`(["']?)\b(${SECRET_KEY})\1(\s*[:=]\s*)("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s&,;"'}\]]+)`, 'gi'),
    (_m, q: string, key: string, sep: string, value: string) => {
      const quote = value.startsWith('"') || value.startsWith("'") ? (value[0] as string) : '';
      return `${q}${key}${q}${sep}${quote}${MASK}${quote}`;
    },
  ],
  // ONVIF WS-UsernameToken in SOAP dumps.
  [/(<(?:[\w-]+:)?Password\b[^>]*>)[^<]*(<\/)/gi, `$1${MASK}$2`],
  // Device tokens (dev_ + random base64url).
  [/\bdev_[A-Za-z0-9_-]{8,}/g, MASK],
];

/** Masks credentials in a log line: URL userinfo, password/token values, Authorization headers, device tokens. */
export function redact(text: string): string {
  let out = text;
  for (const [re, replacement] of RULES) {
    out = typeof replacement === 'string' ? out.replace(re, replacement) : out.replace(re, replacement);
  }
  return out;
}

/** Plain line logger to stderr; LOG_LEVEL picks the threshold (default info). Every message goes through redact(). */
export function createLogger(scope: string, level = (process.env.LOG_LEVEL as keyof typeof order | undefined) ?? 'info'): Logger {
  const min = order[level] ?? order.info;
  return (lvl, msg) => {
    if (order[lvl] < min) return;
    process.stderr.write(`${new Date().toISOString()} ${lvl.toUpperCase().padEnd(5)} [${scope}] ${redact(msg)}\n`);
  };
}

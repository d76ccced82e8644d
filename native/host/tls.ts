import { execFile } from 'node:child_process';
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { Logger } from './dispatch';

export interface TlsOptions {
  /** Folder for the generated self-signed pair (created 0700). */
  dir: string;
  /** The operator's own certificate (PEM, may hold the chain) and key; give both or neither. */
  certFile?: string;
  keyFile?: string;
  /** DNS names and IP addresses clients use to reach the host; they become the certificate's subjectAltName. */
  hostnames: string[];
  log: Logger;
  /** The openssl binary; default `openssl` from PATH. */
  openssl?: string;
  /** The clock, for the expiry check. */
  now?: () => Date;
}

/** Key and certificate for the HTTPS server, and the SHA-256 fingerprint clients can pin. */
export interface TlsMaterial {
  key: Buffer;
  cert: Buffer;
  /** Colon-separated upper-case hex, as in X509Certificate.fingerprint256 and getPeerCertificate(). */
  fingerprint256: string;
  /** True when a new self-signed certificate was made by this call. */
  generated: boolean;
}

export const SELF_SIGNED_CERT = 'host-cert.pem';
export const SELF_SIGNED_KEY = 'host-key.pem';
const DAYS = 825;
const RENEW_BEFORE_MS = 30 * 24 * 3600_000;
const OPENSSL_TIMEOUT_MS = 30_000;

// Our own config, so neither a missing system openssl.cnf (Windows) nor its v3_ca defaults (CA:TRUE) get in the way.
const OPENSSL_CONFIG = `[req]
distinguished_name = dn
x509_extensions = leaf
[dn]
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
`;

const DNS_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** Validated, de-duplicated subjectAltName entries; brackets around IPv6 addresses are dropped. */
export function subjectAltNames(hostnames: readonly string[]): { dns: string[]; ip: string[] } {
  const dns = new Set<string>();
  const ip = new Set<string>();
  const list = hostnames.length > 0 ? hostnames : ['localhost', '127.0.0.1'];
  for (const raw of list) {
    const h = raw.trim().replace(/^\[(.*)\]$/, '$1');
    if (isIP(h)) ip.add(h);
    else if (DNS_NAME.test(h)) dns.add(h.toLowerCase());
    else throw new Error(`cannot put ${JSON.stringify(raw)} in a TLS certificate: not a host name or IP address`);
  }
  return { dns: [...dns], ip: [...ip] };
}

interface Checked {
  x509: X509Certificate;
  expiresAt: Date;
}

/** Parses the pair and checks that the key belongs to the certificate. */
function checkPair(cert: Buffer, key: Buffer, certName: string, keyName: string): Checked {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (e) {
    throw new Error(`TLS certificate ${certName} is not a PEM or DER X.509 certificate (${(e as Error).message})`);
  }
  let pk: KeyObject;
  try {
    pk = createPrivateKey(key);
  } catch (e) {
    throw new Error(`TLS key ${keyName} is not a readable private key; an encrypted key must be stored without its passphrase (${(e as Error).message})`);
  }
  if (!x509.checkPrivateKey(pk)) throw new Error(`TLS key ${keyName} does not match certificate ${certName}: they are not a pair`);
  return { x509, expiresAt: new Date(x509.validTo) };
}

/** Hostnames the certificate does not cover. */
function uncovered(x509: X509Certificate, hostnames: readonly string[]): string[] {
  const { dns, ip } = subjectAltNames(hostnames);
  return [...dns.filter((h) => x509.checkHost(h) === undefined), ...ip.filter((a) => x509.checkIP(a) === undefined)];
}

async function readNamed(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (e) {
    throw new Error(`cannot read TLS ${what} ${file}: ${(e as Error).message}`);
  }
}

function runOpenssl(bin: string, args: string[]): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    execFile(bin, args, { timeout: OPENSSL_TIMEOUT_MS, windowsHide: true }, (error, _stdout, stderr) => {
      if (!error) return resolvePromise();
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        reject(new Error(`openssl was not found (${bin}): install the openssl package (Debian/Ubuntu: apt-get install openssl), or give your own certificate and key`));
      } else if (error.killed) {
        reject(new Error(`openssl did not finish within ${OPENSSL_TIMEOUT_MS / 1000} s while making the TLS certificate`));
      } else {
        const detail = String(stderr).trim().split('\n').slice(-3).join(' | ') || error.message;
        reject(new Error(`openssl failed to make the TLS certificate: ${detail}`));
      }
    });
  });
}

async function generate(opts: TlsOptions, certPath: string, keyPath: string): Promise<void> {
  const { dns, ip } = subjectAltNames(opts.hostnames);
  const san = [...dns.map((d) => `DNS:${d}`), ...ip.map((a) => `IP:${a}`)].join(',');
  await mkdir(opts.dir, { recursive: true, mode: 0o700 });
  // mkdtemp makes a 0700 folder, so the key is never readable by others on its way into place.
  const tmp = await mkdtemp(join(opts.dir, '.tls-'));
  try {
    const cnf = join(tmp, 'req.cnf');
    await writeFile(cnf, OPENSSL_CONFIG);
    const tmpKey = join(tmp, SELF_SIGNED_KEY);
    const tmpCert = join(tmp, SELF_SIGNED_CERT);
    await runOpenssl(opts.openssl ?? 'openssl', [
      'req', '-config', cnf, '-x509',
      '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-days', String(DAYS),
      '-subj', '/CN=SkyWatch host',
      '-addext', `subjectAltName=${san}`,
      '-keyout', tmpKey, '-out', tmpCert,
    ]);
    await chmod(tmpKey, 0o600);
    // Key first: a crash in between leaves a mismatched pair, which the next start detects and replaces.
    await rename(tmpKey, keyPath);
    await rename(tmpCert, certPath);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function tightenKey(keyPath: string, log: Logger): Promise<void> {
  if (process.platform === 'win32') return;
  const st = await stat(keyPath);
  if ((st.mode & 0o077) !== 0) {
    await chmod(keyPath, 0o600);
    log('warn', `TLS key ${keyPath} was readable by group/others (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}); tightened it to 0600`);
  }
}

/**
 * The host's TLS material: the operator's certificate and key when given (checked to load and to be a pair),
 * else a self-signed ECDSA P-256 certificate kept in `dir`, made with the openssl tool and renewed
 * 30 days before it expires or when the host names change.
 */
export async function loadOrCreateTls(opts: TlsOptions): Promise<TlsMaterial> {
  const now = opts.now?.() ?? new Date();
  const { log } = opts;
  const san = subjectAltNames(opts.hostnames); // validates them before anything touches disk

  if (opts.certFile !== undefined || opts.keyFile !== undefined) {
    if (opts.certFile === undefined || opts.keyFile === undefined) {
      throw new Error(`give both a TLS certificate and its key (only the ${opts.certFile === undefined ? 'key' : 'certificate'} was given)`);
    }
    const [cert, key] = await Promise.all([readNamed(opts.certFile, 'certificate'), readNamed(opts.keyFile, 'key')]);
    const { x509, expiresAt } = checkPair(cert, key, opts.certFile, opts.keyFile);
    if (expiresAt.getTime() <= now.getTime()) log('error', `TLS certificate ${opts.certFile} expired on ${expiresAt.toISOString()}: clients will refuse it; replace it`);
    else if (expiresAt.getTime() - now.getTime() < RENEW_BEFORE_MS) log('warn', `TLS certificate ${opts.certFile} expires on ${expiresAt.toISOString()}; replace it soon`);
    const missing = uncovered(x509, opts.hostnames);
    if (missing.length > 0) log('warn', `TLS certificate ${opts.certFile} does not cover ${missing.join(', ')}: clients using those names will refuse it`);
    log('info', `TLS: using certificate ${opts.certFile} (SHA-256 ${x509.fingerprint256})`);
    return { key, cert, fingerprint256: x509.fingerprint256, generated: false };
  }

  const certPath = join(opts.dir, SELF_SIGNED_CERT);
  const keyPath = join(opts.dir, SELF_SIGNED_KEY);
  const stored = await (async (): Promise<{ reuse: TlsMaterial } | { replace: string | undefined }> => {
    let cert: Buffer;
    let key: Buffer;
    try {
      [cert, key] = await Promise.all([readFile(certPath), readFile(keyPath)]);
    } catch {
      return { replace: undefined }; // none yet: a first start, not worth a warning
    }
    let checked: Checked;
    try {
      checked = checkPair(cert, key, certPath, keyPath);
    } catch (e) {
      return { replace: (e as Error).message };
    }
    if (checked.expiresAt.getTime() - now.getTime() < RENEW_BEFORE_MS) return { replace: `it expires on ${checked.expiresAt.toISOString()}` };
    const missing = uncovered(checked.x509, opts.hostnames);
    if (missing.length > 0) return { replace: `it does not cover ${missing.join(', ')}` };
    return { reuse: { key, cert, fingerprint256: checked.x509.fingerprint256, generated: false } };
  })();

  if ('reuse' in stored) {
    await tightenKey(keyPath, log);
    log('info', `TLS: reusing the self-signed certificate ${certPath} (SHA-256 ${stored.reuse.fingerprint256})`);
    return stored.reuse;
  }
  if (stored.replace !== undefined) log('warn', `TLS: replacing the self-signed certificate ${certPath}: ${stored.replace}`);
  await generate(opts, certPath, keyPath);
  const [cert, key] = await Promise.all([readFile(certPath), readFile(keyPath)]);
  const { x509 } = checkPair(cert, key, certPath, keyPath);
  const names = [...san.dns, ...san.ip].join(', ');
  log('info', `TLS: made a self-signed certificate ${certPath} for ${names}, valid ${DAYS} days (SHA-256 ${x509.fingerprint256}); clients can pin this fingerprint`);
  return { key, cert, fingerprint256: x509.fingerprint256, generated: true };
}

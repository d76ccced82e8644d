import { createPrivateKey, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from './dispatch';
import { loadOrCreateTls, SELF_SIGNED_CERT, SELF_SIGNED_KEY, subjectAltNames } from './tls';

const posix = process.platform !== 'win32';
let dir: string;
let lines: string[];
const log: Logger = (level, msg) => lines.push(`${level} ${msg}`);
const servers: Server[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'host-tls-'));
  lines = [];
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

const DAY = 24 * 3600_000;

async function serve(key: Buffer, cert: Buffer): Promise<number> {
  const server = createServer({ key, cert }, (_req, res) => res.end('hello over tls'));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/** A client that trusts exactly one certificate fingerprint: it sends nothing until the pin matches. */
function pinnedGet(port: number, fingerprint256: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false }, () => {
      const seen = socket.getPeerCertificate().fingerprint256;
      if (seen !== fingerprint256) {
        socket.destroy();
        reject(new Error(`certificate pin mismatch: ${seen}`));
        return;
      }
      socket.end('GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    });
    let body = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (body += d));
    socket.on('end', () => resolve(body));
    socket.on('error', reject);
  });
}

/** A client that verifies the chain normally, trusting only this certificate, and checks the host name. */
function verifiedGet(port: number, cert: Buffer, servername: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername, ca: [cert], rejectUnauthorized: true }, () =>
      socket.end('GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'),
    );
    let body = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (body += d));
    socket.on('end', () => resolve(body));
    socket.on('error', reject);
  });
}

describe('loadOrCreateTls: self-signed', () => {
  it('generates a P-256 certificate with the host names, a 0600 key, and reuses it', async () => {
    const hostnames = ['localhost', 'wall-pc.local', '127.0.0.1', '192.168.20.5', '[::1]'];
    const first = await loadOrCreateTls({ dir: join(dir, 'tls'), hostnames, log });
    expect(first.generated).toBe(true);
    const x509 = new X509Certificate(first.cert);
    expect(first.fingerprint256).toBe(x509.fingerprint256);
    expect(first.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(x509.subject).toBe('CN=SkyWatch host');
    expect(x509.subjectAltName).toBe('DNS:localhost, DNS:wall-pc.local, IP Address:127.0.0.1, IP Address:192.168.20.5, IP Address:0:0:0:0:0:0:0:1');
    expect(x509.ca).toBe(false);
    expect(x509.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const days = (Date.parse(x509.validTo) - Date.now()) / DAY;
    expect(days).toBeGreaterThan(823);
    expect(days).toBeLessThan(826);
    expect(x509.checkPrivateKey(createPrivateKey(first.key))).toBe(true);
    expect(readdirSync(join(dir, 'tls')).sort()).toEqual([SELF_SIGNED_CERT, SELF_SIGNED_KEY]);
    if (posix) {
      expect(statSync(join(dir, 'tls', SELF_SIGNED_KEY)).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, 'tls')).mode & 0o777).toBe(0o700);
    }
    expect(lines.join('\n')).toContain(`SHA-256 ${first.fingerprint256}`);

    const again = await loadOrCreateTls({ dir: join(dir, 'tls'), hostnames: ['127.0.0.1', 'localhost'], log });
    expect(again.generated).toBe(false);
    expect(again.fingerprint256).toBe(first.fingerprint256);
    expect(again.key.equals(first.key)).toBe(true);
  });

  it('serves HTTPS to a client that pins the fingerprint, and a wrong pin is refused', async () => {
    const tls = await loadOrCreateTls({ dir, hostnames: ['localhost', '127.0.0.1'], log });
    const port = await serve(tls.key, tls.cert);
    const reply = await pinnedGet(port, tls.fingerprint256);
    expect(reply).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(reply).toContain('hello over tls');
    const wrong = tls.fingerprint256.replace(/^../, tls.fingerprint256.startsWith('00') ? '01' : '00');
    await expect(pinnedGet(port, wrong)).rejects.toThrow(/pin mismatch/);
    // The subjectAltName is right: normal verification passes for "localhost" and fails for a name it does not carry.
    expect(await verifiedGet(port, tls.cert, 'localhost')).toContain('hello over tls');
    await expect(verifiedGet(port, tls.cert, 'evil.example')).rejects.toThrow(/altnames|Hostname/i);
  });

  it('renews a certificate that expires within 30 days', async () => {
    const first = await loadOrCreateTls({ dir, hostnames: ['localhost'], log });
    const later = new Date(Date.now() + 800 * DAY); // 25 days before the end of 825
    const renewed = await loadOrCreateTls({ dir, hostnames: ['localhost'], log, now: () => later });
    expect(renewed.generated).toBe(true);
    expect(renewed.fingerprint256).not.toBe(first.fingerprint256);
    expect(lines.some((l) => l.startsWith('warn') && /replacing the self-signed certificate .*: it expires on/.test(l))).toBe(true);
    // 790 days in, it still has 35 left: kept.
    const kept = await loadOrCreateTls({ dir, hostnames: ['localhost'], log, now: () => new Date(Date.now() + 790 * DAY) });
    expect(kept.fingerprint256).toBe(renewed.fingerprint256);
  });

  it('renews when a host name is not covered, or the stored pair is broken', async () => {
    const a = await loadOrCreateTls({ dir, hostnames: ['localhost'], log });
    const b = await loadOrCreateTls({ dir, hostnames: ['localhost', '10.1.1.7'], log });
    expect(b.generated).toBe(true);
    expect(b.fingerprint256).not.toBe(a.fingerprint256);
    expect(lines.some((l) => l.includes('does not cover 10.1.1.7'))).toBe(true);

    writeFileSync(join(dir, SELF_SIGNED_KEY), a.key); // key of the old pair: mismatch
    const c = await loadOrCreateTls({ dir, hostnames: ['localhost', '10.1.1.7'], log });
    expect(c.generated).toBe(true);
    expect(lines.some((l) => l.includes('does not match certificate'))).toBe(true);
  });

  it.runIf(posix)('tightens a stored key readable by others', async () => {
    await loadOrCreateTls({ dir, hostnames: ['localhost'], log });
    chmodSync(join(dir, SELF_SIGNED_KEY), 0o644);
    const again = await loadOrCreateTls({ dir, hostnames: ['localhost'], log });
    expect(again.generated).toBe(false);
    expect(statSync(join(dir, SELF_SIGNED_KEY)).mode & 0o777).toBe(0o600);
    expect(lines.some((l) => l.startsWith('warn') && l.includes('tightened it to 0600'))).toBe(true);
  });

  it('says to install openssl when it is missing, leaving nothing behind', async () => {
    const tlsDir = join(dir, 'tls');
    await expect(loadOrCreateTls({ dir: tlsDir, hostnames: ['localhost'], log, openssl: join(dir, 'no-such-openssl') })).rejects.toThrow(
      /openssl was not found .*install the openssl package/,
    );
    expect(readdirSync(tlsDir)).toEqual([]);
  });

  it('refuses host names that are not names or addresses before touching disk', async () => {
    await expect(loadOrCreateTls({ dir: join(dir, 'x'), hostnames: ['localhost,DNS:evil.example'], log })).rejects.toThrow(/not a host name or IP address/);
    expect(existsSync(join(dir, 'x'))).toBe(false);
    expect(() => subjectAltNames(['a b'])).toThrow();
    expect(subjectAltNames([])).toEqual({ dns: ['localhost'], ip: ['127.0.0.1'] });
    expect(subjectAltNames(['Wall-PC', 'wall-pc', '::1', '[::1]'])).toEqual({ dns: ['wall-pc'], ip: ['::1'] });
  });
});

describe('loadOrCreateTls: the operator’s certificate', () => {
  it('uses a matching pair as given', async () => {
    const made = await loadOrCreateTls({ dir: join(dir, 'a'), hostnames: ['localhost'], log });
    const certFile = join(dir, 'a', SELF_SIGNED_CERT);
    const keyFile = join(dir, 'a', SELF_SIGNED_KEY);
    const own = await loadOrCreateTls({ dir: join(dir, 'unused'), certFile, keyFile, hostnames: ['localhost', 'wall.example'], log });
    expect(own).toEqual({ key: made.key, cert: made.cert, fingerprint256: made.fingerprint256, generated: false });
    expect(existsSync(join(dir, 'unused'))).toBe(false);
    expect(lines.some((l) => l.startsWith('warn') && l.includes('does not cover wall.example'))).toBe(true);
  });

  it('refuses a key that does not belong to the certificate', async () => {
    await loadOrCreateTls({ dir: join(dir, 'a'), hostnames: ['localhost'], log });
    await loadOrCreateTls({ dir: join(dir, 'b'), hostnames: ['localhost'], log });
    await expect(
      loadOrCreateTls({ dir, certFile: join(dir, 'a', SELF_SIGNED_CERT), keyFile: join(dir, 'b', SELF_SIGNED_KEY), hostnames: [], log }),
    ).rejects.toThrow(/TLS key .*b\/host-key\.pem does not match certificate .*a\/host-cert\.pem/);
  });

  it('names the file that is not a certificate, not a key, missing, or given alone', async () => {
    await loadOrCreateTls({ dir: join(dir, 'a'), hostnames: ['localhost'], log });
    const certFile = join(dir, 'a', SELF_SIGNED_CERT);
    const keyFile = join(dir, 'a', SELF_SIGNED_KEY);
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, '-----BEGIN CERTIFICATE-----\nnot really\n-----END CERTIFICATE-----\n');
    await expect(loadOrCreateTls({ dir, certFile: junk, keyFile, hostnames: [], log })).rejects.toThrow(/junk\.pem is not a PEM or DER X\.509 certificate/);
    await expect(loadOrCreateTls({ dir, certFile, keyFile: certFile, hostnames: [], log })).rejects.toThrow(/host-cert\.pem is not a readable private key/);
    await expect(loadOrCreateTls({ dir, certFile: join(dir, 'nope.pem'), keyFile, hostnames: [], log })).rejects.toThrow(/cannot read TLS certificate .*nope\.pem/);
    await expect(loadOrCreateTls({ dir, certFile, hostnames: [], log })).rejects.toThrow(/give both .*only the certificate/);
  });
});

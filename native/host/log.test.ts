import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger, redact } from './log';

// Secrets used below; none of them may survive redaction.
const SECRETS = ['Hik@vision12', 'Hik%40vision12', 's3cr3t!', 'hunter2', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvcCJ9.c2lnbmF0dXJl', 'Qm9ndXNUb2tlbjEyMzQ1Njc4', 'dev_8fK2xQ0pLm3nZr7T', 'YWRtaW46cGFzcw=='];

function expectClean(out: string): void {
  for (const s of SECRETS) expect(out).not.toContain(s);
}

describe('redact', () => {
  it('masks the password in ffmpeg lines with RTSP URLs, keeping user, host and path', () => {
    const line =
      '[in#0 @ 0x55d5c3a1c2c0] Error opening input: rtsp://admin:Hik%40vision12@192.168.10.11:554/Streaming/Channels/101: Server returned 401 Unauthorized (authorization failed)';
    const out = redact(line);
    expect(out).toBe(
      '[in#0 @ 0x55d5c3a1c2c0] Error opening input: rtsp://admin:***@192.168.10.11:554/Streaming/Channels/101: Server returned 401 Unauthorized (authorization failed)',
    );
  });

  it('covers an unencoded "@" in the password and other schemes', () => {
    expect(redact('ffmpeg -i rtsp://admin:Hik@vision12@10.0.0.5/ch1 -c copy')).toBe('ffmpeg -i rtsp://admin:***@10.0.0.5/ch1 -c copy');
    expect(redact('push rtmp://live:s3cr3t!@media.example:1935/app/key')).toBe('push rtmp://live:***@media.example:1935/app/key');
    expect(redact('GET http://u:hunter2@cam/snap.jpg and https://u:hunter2@cam/x')).toBe('GET http://u:***@cam/snap.jpg and https://u:***@cam/x');
    expect(redact('rtsps://:hunter2@cam/x')).toBe('rtsps://:***@cam/x');
  });

  it('leaves URLs without credentials alone', () => {
    const line = 'upstream rtsp://192.168.10.11:554/Streaming/Channels/101 started (pid 4242), ws://127.0.0.1:8650/api/ws';
    expect(redact(line)).toBe(line);
    expect(redact('rtsp://admin@10.0.0.5/ch1')).toBe('rtsp://admin@10.0.0.5/ch1');
  });

  it('masks ?token= and &token= query values', () => {
    const out = redact('GET /media/t01-vis/main.flv?token=Qm9ndXNUb2tlbjEyMzQ1Njc4&codec=h264 401 from 10.1.2.3');
    expect(out).toBe('GET /media/t01-vis/main.flv?token=***&codec=h264 401 from 10.1.2.3');
    expect(redact('Console ready: http://127.0.0.1:8650/?lang=zh&token=Qm9ndXNUb2tlbjEyMzQ1Njc4')).toBe('Console ready: http://127.0.0.1:8650/?lang=zh&token=***');
    expect(redact('args --skywatch-token=Qm9ndXNUb2tlbjEyMzQ1Njc4 --x')).toBe('args --skywatch-token=*** --x');
  });

  it('masks passwords in JSON and key=value text, keeping quotes and other fields', () => {
    const json = JSON.stringify({ id: 'cam-admin', user: 'admin', password: 's3cr3t!', secretRef: 'cam-admin', note: 'say "hi"' });
    expect(redact(json)).toBe('{"id":"cam-admin","user":"admin","password":"***","secretRef":"cam-admin","note":"say \\"hi\\""}');
    expect(redact('{"newPassword": "hun\\"ter2", "ok": true}')).toBe('{"newPassword": "***", "ok": true}');
    expect(redact('login user=admin password=hunter2 from 10.0.0.9')).toBe('login user=admin password=*** from 10.0.0.9');
    expect(redact("config {password: 'hunter2', pass=hunter2, client_secret=s3cr3t!, api_key=hunter2}")).toBe(
      "config {password: '***', pass=***, client_secret=***, api_key=***}",
    );
  });

  it('masks Authorization headers, bearer tokens, cookies and ONVIF passwords', () => {
    expect(redact('Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvcCJ9.c2lnbmF0dXJl')).toBe('Authorization: Bearer ***');
    expect(redact('authorization: Basic YWRtaW46cGFzcw==')).toBe('authorization: Basic ***');
    expect(redact('{"headers":{"authorization":"Bearer hunter2","x":1}}')).toBe('{"headers":{"authorization":"Bearer ***","x":1}}');
    expect(redact('retrying with bearer token Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvcCJ9.c2lnbmF0dXJl now')).toBe('retrying with bearer token Bearer *** now');
    expect(redact('Cookie: sid=hunter2; theme=dark')).toBe('Cookie: ***');
    expect(redact('<wsse:Password Type="…#PasswordDigest">YWRtaW46cGFzcw==</wsse:Password>')).toBe('<wsse:Password Type="…#PasswordDigest">***</wsse:Password>');
  });

  it('masks dev_ device tokens wherever they appear', () => {
    expect(redact('device t01-fd presented dev_8fK2xQ0pLm3nZr7T (revoked)')).toBe('device t01-fd presented *** (revoked)');
  });

  it('does not mask ordinary words', () => {
    const line = 'PTZ t01 (head-1): credentials refused by the head (401 Unauthorized); tokens: 3; secretRef cam-admin resolved; password policy: 3 classes';
    expect(redact(line)).toBe(line);
    expect(redact('bypass: true, compass=12')).toBe('bypass: true, compass=12');
  });

  it('leaves no secret in a mixed line', () => {
    const line = `stream t01 failed: rtsp://admin:Hik@vision12@10.0.0.5/a?token=Qm9ndXNUb2tlbjEyMzQ1Njc4 {"password":"s3cr3t!"} Authorization: Basic YWRtaW46cGFzcw==`;
    expectClean(redact(line));
  });
});

describe('createLogger', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes redacted lines to stderr and respects the level', () => {
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const log = createLogger('streams', 'info');
    log('debug', 'hidden rtsp://a:hunter2@h/');
    log('error', 'ffmpeg exited: rtsp://admin:Hik%40vision12@192.168.10.11:554/ch1: 401 Unauthorized');
    log('warn', '{"user":"admin","password":"s3cr3t!"} rejected; retry with ?token=Qm9ndXNUb2tlbjEyMzQ1Njc4');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/ERROR \[streams\] ffmpeg exited: rtsp:\/\/admin:\*\*\*@192\.168\.10\.11:554\/ch1: 401 Unauthorized\n$/);
    expect(lines[1]).toContain('"password":"***"');
    expectClean(lines.join(''));
  });
});

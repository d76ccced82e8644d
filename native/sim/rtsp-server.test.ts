import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NalType, RtpDepacketizer, nalType, parseRtpPacket, type AccessUnit, type RtpPacket } from './h264';
import { RtspServer, RtspStreamParser, chooseTransport, urlPath, type H264Source, type RtspServerOptions } from './rtsp-server';

// ---------------------------------------------------------------------------------------------
// A synthetic source and a minimal RTSP client, so the server can be tested without ffmpeg.
// ---------------------------------------------------------------------------------------------

function nal(type: number, size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  b[0] = 0x60 | type;
  for (let i = 1; i < size; i++) b[i] = 0x10 + ((i * 31 + seed * 17) % 0xf0);
  return b;
}

const SPS = Buffer.from([0x67, 0x42, 0xc0, 0x1e, 0xda, 0x02, 0x80, 0xbf]);
const PPS = Buffer.from([0x68, 0xce, 0x1f, 0x20]);

/** Emits a frame every `intervalMs`; every `gop`-th one is an IDR carrying SPS/PPS. */
class FakeSource extends EventEmitter implements H264Source {
  sps: Buffer | undefined;
  pps: Buffer | undefined;
  readonly title = '测试源';
  readonly fps = 25;
  running = false;
  startCalls = 0;
  stopCalls = 0;
  private timer: NodeJS.Timeout | undefined;
  private n = 0;

  constructor(
    readonly path: string,
    private readonly opts: { intervalMs?: number; gop?: number; idrSize?: number; pSize?: number; withParams?: boolean } = {},
  ) {
    super();
  }

  start(): void {
    this.startCalls++;
    if (this.running) return;
    this.running = true;
    this.n = 0;
    this.timer = setInterval(() => this.tick(), this.opts.intervalMs ?? 10);
  }

  async stop(): Promise<void> {
    this.stopCalls++;
    this.running = false;
    clearInterval(this.timer);
  }

  /** Simulates the encoder dying. */
  crash(): void {
    void this.stop();
    this.stopCalls--;
    this.emit('error', new Error('encoder crashed'));
  }

  private tick(): void {
    const gop = this.opts.gop ?? 10;
    const key = this.n % gop === 0;
    const nals = key
      ? [...(this.opts.withParams === false ? [] : [SPS, PPS]), nal(NalType.Idr, this.opts.idrSize ?? 5000, this.n)]
      : [nal(NalType.Slice, this.opts.pSize ?? 300, this.n)];
    this.sps = SPS;
    this.pps = PPS;
    const au: AccessUnit = { nals, pts: this.n * 3600, isKeyframe: key };
    this.n++;
    this.emit('au', au);
  }
}

interface Response {
  status: number;
  headers: Map<string, string>;
  body: string;
}

interface Frame {
  timestamp: number;
  nals: Buffer[];
  firstSeq: number;
  packets: RtpPacket[];
}

class TestClient {
  readonly socket: Socket;
  private buf = Buffer.alloc(0);
  private cseq = 0;
  session: string | undefined;
  private waiting: Array<(r: Response) => void> = [];
  readonly frames: Frame[] = [];
  readonly rtcp: Buffer[] = [];
  readonly closed: Promise<void>;
  private depacketizer = new RtpDepacketizer();
  private current: Frame | undefined;
  lastSeq: number | undefined;
  seqGaps = 0;
  /** Protocol violations seen in RTP (asserted by tests; throwing in a socket handler would crash the run). */
  readonly violations: string[] = [];

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('data', (d: Buffer) => this.onData(d));
    this.socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => this.socket.on('close', () => resolve()));
  }

  connected(): Promise<void> {
    return new Promise((resolve) => this.socket.once('connect', () => resolve()));
  }

  raw(text: string | Buffer): void {
    this.socket.write(text);
  }

  nextResponse(): Promise<Response> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  request(method: string, url: string, headers: string[] = []): Promise<Response> {
    this.cseq++;
    const lines = [`${method} ${url} RTSP/1.0`, `CSeq: ${this.cseq}`];
    if (this.session) lines.push(`Session: ${this.session}`);
    this.raw([...lines, ...headers, '', ''].join('\r\n'));
    return this.nextResponse();
  }

  async play(url: string): Promise<Response> {
    const d = await this.request('DESCRIBE', url);
    expect(d.status).toBe(200);
    const s = await this.request('SETUP', `${url}/trackID=0`, ['Transport: RTP/AVP/TCP;unicast;interleaved=0-1']);
    expect(s.status).toBe(200);
    this.session = s.headers.get('session')?.split(';')[0];
    const p = await this.request('PLAY', `${url}/`);
    expect(p.status).toBe(200);
    return p;
  }

  async waitFrames(n: number, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length < n) {
      if (Date.now() > deadline) throw new Error(`only ${this.frames.length} frames`);
      await sleep(10);
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      if (this.buf[0] === 0x24) {
        if (this.buf.length < 4) return;
        const len = this.buf.readUInt16BE(2);
        if (this.buf.length < 4 + len) return;
        const channel = this.buf[1];
        const data = this.buf.subarray(4, 4 + len);
        this.buf = this.buf.subarray(4 + len);
        if (channel === 1) this.rtcp.push(Buffer.from(data));
        else this.onRtp(Buffer.from(data));
        continue;
      }
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = this.buf.subarray(0, end).toString('utf8').split('\r\n');
      const headers = new Map<string, string>();
      for (const line of head.slice(1)) {
        const i = line.indexOf(':');
        headers.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim());
      }
      const len = Number(headers.get('content-length') ?? 0);
      if (this.buf.length < end + 4 + len) return;
      const body = this.buf.subarray(end + 4, end + 4 + len).toString('utf8');
      this.buf = this.buf.subarray(end + 4 + len);
      const status = Number(/^RTSP\/1\.0 (\d+)/.exec(head[0] ?? '')?.[1] ?? 0);
      this.waiting.shift()?.({ status, headers, body });
    }
  }

  private onRtp(data: Buffer): void {
    const p = parseRtpPacket(data);
    if (!p) {
      this.violations.push('not RTP');
      return;
    }
    if (this.lastSeq !== undefined && p.sequence !== ((this.lastSeq + 1) & 0xffff)) this.seqGaps++;
    this.lastSeq = p.sequence;
    if (!this.current) this.current = { timestamp: p.timestamp, nals: [], firstSeq: p.sequence, packets: [] };
    if (p.timestamp !== this.current.timestamp) this.violations.push('timestamp changed within a frame');
    this.current.packets.push(p);
    this.current.nals.push(...this.depacketizer.push(p.payload));
    if (p.marker) {
      this.frames.push(this.current);
      this.current = undefined;
    }
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let server: RtspServer | undefined;
const clients: TestClient[] = [];

async function startServer(sources: H264Source[], opts: RtspServerOptions = {}): Promise<number> {
  server = new RtspServer({ host: '127.0.0.1', lingerMs: 200, ...opts });
  for (const s of sources) server.addSource(s);
  const { port } = await server.listen();
  return port;
}

async function client(port: number): Promise<TestClient> {
  const c = new TestClient(port);
  clients.push(c);
  await c.connected();
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) {
    expect(c.violations).toEqual([]);
    c.close();
  }
  await server?.close();
  server = undefined;
});

// ---------------------------------------------------------------------------------------------

describe('RtspStreamParser', () => {
  it('parses pipelined requests split at arbitrary points, with bodies and interleaved frames', () => {
    const wire = Buffer.concat([
      Buffer.from('OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n'),
      Buffer.from([0x24, 1, 0, 3, 9, 9, 9]),
      Buffer.from('\r\nSET_PARAMETER rtsp://h/a RTSP/1.0\r\nCSeq: 2\r\nContent-Length: 5\r\nX-Long: a\r\n b\r\n\r\nhello'),
      Buffer.from('GET_PARAMETER rtsp://h/a RTSP/1.0\nCSeq: 3\n\n'),
    ]);
    for (let cut = 1; cut < wire.length; cut++) {
      const p = new RtspStreamParser();
      const out = [...p.push(wire.subarray(0, cut)), ...p.push(wire.subarray(cut))];
      expect(out.map((o) => o.kind)).toEqual(['request', 'interleaved', 'request', 'request']);
      const [a, b, c, d] = out;
      if (a?.kind !== 'request' || b?.kind !== 'interleaved' || c?.kind !== 'request' || d?.kind !== 'request') throw new Error('kinds');
      expect(a.request.method).toBe('OPTIONS');
      expect(b.channel).toBe(1);
      expect([...b.data]).toEqual([9, 9, 9]);
      expect(c.request.body.toString()).toBe('hello');
      expect(c.request.headers.get('x-long')).toBe('a b');
      expect(d.request.headers.get('cseq')).toBe('3');
    }
  });

  it('reports a bad request line without losing the stream', () => {
    const p = new RtspStreamParser();
    const out = p.push(Buffer.from('THIS IS NOT RTSP AT ALL\r\nCSeq: 7\r\n\r\nOPTIONS * RTSP/1.0\r\nCSeq: 8\r\n\r\n'));
    expect(out[0]).toMatchObject({ kind: 'malformed', fatal: false, cseq: '7' });
    expect(out[1]).toMatchObject({ kind: 'request' });
    expect(p.push(Buffer.from('NoColonHeader\r\n\r\n'))[0]).toMatchObject({ kind: 'malformed', fatal: false });
  });

  it('gives up on binary junk, oversized headers and bad lengths', () => {
    expect(new RtspStreamParser().push(Buffer.from([0x16, 0x03, 0x01, 0x00]))[0]).toMatchObject({ kind: 'malformed', fatal: true });
    expect(new RtspStreamParser().push(Buffer.alloc(20_000, 0x41))[0]).toMatchObject({ kind: 'malformed', fatal: true });
    expect(new RtspStreamParser().push(Buffer.from('OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nContent-Length: -4\r\n\r\n'))[0]).toMatchObject({
      kind: 'malformed',
      fatal: true,
    });
  });

  it('extracts paths and transports', () => {
    expect(urlPath('rtsp://10.0.0.1:554/t01/visible/main/?x=1')).toBe('/t01/visible/main');
    expect(urlPath('rtsp://h/t01/%E5%A1%94')).toBe('/t01/塔');
    expect(urlPath('http://h/x')).toBeUndefined();
    expect(chooseTransport('RTP/AVP;unicast;client_port=5000-5001')).toBeUndefined();
    expect(chooseTransport('RTP/AVP;unicast;client_port=5000-5001, RTP/AVP/TCP;unicast;interleaved=4-5')).toEqual({ rtpChannel: 4, rtcpChannel: 5 });
    expect(chooseTransport('RTP/AVP/TCP;unicast')).toEqual({ rtpChannel: 0, rtcpChannel: 1 });
  });
});

describe('RtspServer with a synthetic source', () => {
  it('answers OPTIONS and DESCRIBE with a usable SDP, 404 for unknown paths', async () => {
    const src = new FakeSource('/t01/visible/main');
    const port = await startServer([src]);
    const c = await client(port);
    const o = await c.request('OPTIONS', '*');
    expect(o.status).toBe(200);
    expect(o.headers.get('cseq')).toBe('1');
    expect(o.headers.get('public')).toContain('GET_PARAMETER');

    const url = `rtsp://127.0.0.1:${port}/t01/visible/main`;
    const d = await c.request('DESCRIBE', url);
    expect(d.status).toBe(200);
    expect(d.headers.get('content-base')).toBe(`${url}/`);
    expect(d.headers.get('content-type')).toBe('application/sdp');
    expect(d.body).toContain('m=video 0 RTP/AVP 96');
    expect(d.body).toContain('a=rtpmap:96 H264/90000');
    expect(d.body).toContain(
      `a=fmtp:96 packetization-mode=1;profile-level-id=42c01e;sprop-parameter-sets=${SPS.toString('base64')},${PPS.toString('base64')}`,
    );
    expect(d.body).toContain('a=control:trackID=0');
    expect(d.body).toContain('s=测试源');
    // DESCRIBE warmed the source up; with nobody playing it stops after the linger.
    expect(src.startCalls).toBe(1);
    await sleep(400);
    expect(src.running).toBe(false);

    expect((await c.request('DESCRIBE', `rtsp://127.0.0.1:${port}/nope`)).status).toBe(404);
    expect((await c.request('SETUP', `rtsp://127.0.0.1:${port}/nope/trackID=0`, ['Transport: RTP/AVP/TCP;unicast'])).status).toBe(404);
  });

  it('refuses UDP with 461, unknown methods with 501, missing sessions with 454', async () => {
    const port = await startServer([new FakeSource('/a')]);
    const c = await client(port);
    const url = `rtsp://127.0.0.1:${port}/a`;
    expect((await c.request('SETUP', `${url}/trackID=0`, ['Transport: RTP/AVP;unicast;client_port=6000-6001'])).status).toBe(461);
    expect((await c.request('FROBNICATE', url)).status).toBe(501);
    expect((await c.request('RECORD', url)).status).toBe(405);
    expect((await c.request('PLAY', url)).status).toBe(454);
    c.session = 'deadbeef';
    expect((await c.request('PLAY', url)).status).toBe(454);
    c.session = undefined;
    expect((await c.request('GET_PARAMETER', url)).status).toBe(200);
    c.raw('OPTIONS * RTSP/2.0\r\nCSeq: 40\r\n\r\n');
    expect((await c.nextResponse()).status).toBe(505);
  });

  it('answers malformed requests with 400 and keeps serving; closes on junk', async () => {
    const port = await startServer([new FakeSource('/a')]);
    const c = await client(port);
    c.raw('GARBAGE\r\nCSeq: 5\r\n\r\n');
    const r = await c.nextResponse();
    expect(r.status).toBe(400);
    expect(r.headers.get('cseq')).toBe('5');
    c.raw('OPTIONS * RTSP/1.0\r\n\r\n');
    expect((await c.nextResponse()).status).toBe(400);
    expect((await c.request('OPTIONS', '*')).status).toBe(200);

    const j = await client(port);
    j.raw(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0xff]));
    expect((await j.nextResponse()).status).toBe(400);
    await j.closed;

    // Random bytes on many connections never take the server down.
    for (let i = 0; i < 20; i++) {
      const f = await client(port);
      const junk = Buffer.alloc(200 + i * 50);
      for (let k = 0; k < junk.length; k++) junk[k] = (k * 7919 + i * 104729) & 0xff;
      f.raw(i % 2 ? Buffer.concat([Buffer.from('DESCRIBE rtsp://x/a RTSP/1.0\r\n'), junk]) : junk);
      if (i % 3 === 0) f.close();
    }
    await sleep(100);
    expect((await c.request('OPTIONS', '*')).status).toBe(200);
  });

  it('streams RTP that reassembles to the source access units, starting at a key frame', async () => {
    const src = new FakeSource('/cam', { gop: 10, idrSize: 6000 });
    const port = await startServer([src]);
    const url = `rtsp://127.0.0.1:${port}/cam`;
    const a = await client(port);
    const p = await a.play(url);
    await a.waitFrames(25);

    // RTP-Info announces the first packet's sequence number and timestamp.
    const info = p.headers.get('rtp-info') ?? '';
    expect(info).toContain(`url=${url}/trackID=0`);
    const first = a.frames[0];
    expect(info).toContain(`seq=${first?.firstSeq};rtptime=${first?.timestamp}`);
    expect(a.seqGaps).toBe(0);

    // The first frame is decodable: parameter sets then IDR (fragmented as FU-A).
    expect(first?.nals.map(nalType)).toEqual([NalType.Sps, NalType.Pps, NalType.Idr]);
    expect(first?.packets.length).toBeGreaterThan(4);
    expect(first?.nals[2]?.length).toBe(6000);
    expect(first?.packets.every((pk) => pk.payloadType === 96)).toBe(true);
    const ssrcs = new Set(a.frames.flatMap((f) => f.packets.map((pk) => pk.ssrc)));
    expect(ssrcs.size).toBe(1);
    // 90 kHz timestamps, 3600 ticks a frame (once live).
    const deltas = a.frames.slice(-5).map((f, i, arr) => (i ? f.timestamp - (arr[i - 1]?.timestamp ?? 0) : 3600));
    expect(deltas).toEqual([3600, 3600, 3600, 3600, 3600]);
    expect(server?.stats()).toEqual([{ path: '/cam', running: true, clients: 1, starts: 1 }]);
  });

  it('replays cached frames to a late joiner, with compressed, increasing timestamps', async () => {
    const src = new FakeSource('/cam', { gop: 50, intervalMs: 20 });
    const port = await startServer([src]);
    const url = `rtsp://127.0.0.1:${port}/cam`;
    const a = await client(port);
    await a.play(url);
    await a.waitFrames(15);
    const b = await client(port);
    const t0 = Date.now();
    await b.play(url);
    await b.waitFrames(10, 1000);
    // Ten frames within far less than ten frame intervals: they came from the cache.
    expect(Date.now() - t0).toBeLessThan(150);
    expect(nalType(b.frames[0]?.nals[0] ?? Buffer.alloc(1))).toBe(NalType.Sps);
    const ts = b.frames.map((f) => f.timestamp);
    for (let i = 1; i < ts.length; i++) expect(((ts[i] ?? 0) - (ts[i - 1] ?? 0)) >>> 0).toBeGreaterThan(0);
    expect(((ts[1] ?? 0) - (ts[0] ?? 0)) >>> 0).toBe(90);
    expect(server?.stats()[0]).toMatchObject({ clients: 2, starts: 1 });
    expect(src.startCalls).toBe(1);
  });

  it('stops the source after the last client leaves and the linger passes; restarts on PLAY', async () => {
    const src = new FakeSource('/cam');
    const port = await startServer([src], { lingerMs: 300 });
    const url = `rtsp://127.0.0.1:${port}/cam`;
    const a = await client(port);
    await a.play(url);
    const b = await client(port);
    await b.play(url);
    await b.waitFrames(3);
    a.close();
    await sleep(400);
    expect(src.running).toBe(true);
    expect((await b.request('TEARDOWN', `${url}/`)).status).toBe(200);
    await sleep(100);
    expect(src.running).toBe(true);
    await sleep(350);
    expect(src.running).toBe(false);
    expect(src.stopCalls).toBe(1);

    // PAUSE then PLAY again on a fresh session restarts the source.
    const c = await client(port);
    await c.play(url);
    await c.waitFrames(3);
    expect(src.running).toBe(true);
    expect(server?.stats()[0]).toMatchObject({ running: true, clients: 1, starts: 2 });
    expect((await c.request('PAUSE', `${url}/`)).status).toBe(200);
    expect(server?.stats()[0]).toMatchObject({ clients: 0 });
    const before = c.frames.length;
    const resumed = await c.request('PLAY', `${url}/`);
    expect(resumed.status).toBe(200);
    await c.waitFrames(before + 3);
    expect(nalType(c.frames[before]?.nals[0] ?? Buffer.alloc(1))).toBe(NalType.Sps);
  });

  it('ends a path’s clients with RTCP BYE when the source fails, and restarts later', async () => {
    const src = new FakeSource('/cam');
    const other = new FakeSource('/other');
    const port = await startServer([src, other]);
    const a = await client(port);
    await a.play(`rtsp://127.0.0.1:${port}/cam`);
    const o = await client(port);
    await o.play(`rtsp://127.0.0.1:${port}/other`);
    await a.waitFrames(3);
    src.crash();
    await a.closed;
    expect(a.rtcp.some((p) => p[1] === 201 && p[9] === 203)).toBe(true);
    expect(server?.stats().find((s) => s.path === '/cam')).toMatchObject({ running: false, clients: 0 });
    // The other path is untouched.
    const n = o.frames.length;
    await o.waitFrames(n + 3);

    const b = await client(port);
    await b.play(`rtsp://127.0.0.1:${port}/cam`);
    await b.waitFrames(3);
    expect(server?.stats().find((s) => s.path === '/cam')).toMatchObject({ running: true, clients: 1, starts: 2 });
  });

  it('drops a stalled client’s frames until the next key frame without holding up others', async () => {
    const src = new FakeSource('/cam', { gop: 10, idrSize: 100_000, pSize: 50_000, intervalMs: 5 });
    const port = await startServer([src], { maxClientBufferBytes: 256 * 1024 });
    const url = `rtsp://127.0.0.1:${port}/cam`;
    const slow = await client(port);
    await slow.play(url);
    const fast = await client(port);
    await fast.play(url);
    await slow.waitFrames(2);
    slow.socket.pause();
    const fastBefore = fast.frames.length;
    // Long enough to fill the kernel's socket buffers too, so the server-side backlog grows.
    await sleep(1200);
    expect(fast.frames.length - fastBefore).toBeGreaterThan(100);
    slow.socket.resume();
    // Let it drain what the kernel buffered and catch up with the live edge.
    await sleep(800);
    // Frames were skipped (timestamps jump), and every jump lands on a key frame.
    let jumps = 0;
    for (let i = 1; i < slow.frames.length; i++) {
      const d = ((slow.frames[i]?.timestamp ?? 0) - (slow.frames[i - 1]?.timestamp ?? 0)) >>> 0;
      if (d > 3600) {
        jumps++;
        expect(slow.frames[i]?.nals.map(nalType)).toContain(NalType.Idr);
      }
    }
    expect(jumps).toBeGreaterThan(0);
    expect(slow.seqGaps).toBe(0);
  });

  it('enforces Digest auth (and Basic when configured)', async () => {
    const port = await startServer([new FakeSource('/cam')], { auth: { user: 'admin', pass: 'secret', realm: 'Sim' } });
    const url = `rtsp://127.0.0.1:${port}/cam`;
    const c = await client(port);
    expect((await c.request('OPTIONS', '*')).status).toBe(200);
    const r = await c.request('DESCRIBE', url);
    expect(r.status).toBe(401);
    const challenge = r.headers.get('www-authenticate') ?? '';
    expect(challenge).toMatch(/^Digest realm="Sim", nonce="[0-9a-f]+"/);
    const nonce = /nonce="([^"]+)"/.exec(challenge)?.[1] ?? '';
    const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
    const digest = (pass: string): string => {
      const response = md5(`${md5(`admin:Sim:${pass}`)}:${nonce}:${md5(`DESCRIBE:${url}`)}`);
      return `Authorization: Digest username="admin", realm="Sim", nonce="${nonce}", uri="${url}", response="${response}"`;
    };
    expect((await c.request('DESCRIBE', url, [digest('wrong')])).status).toBe(401);
    expect((await c.request('DESCRIBE', url, [digest('secret')])).status).toBe(200);
    const basicHeader = `Authorization: Basic ${Buffer.from('admin:secret').toString('base64')}`;
    expect((await c.request('DESCRIBE', url, [basicHeader])).status).toBe(401);
    await server?.close();

    const port2 = await startServer([new FakeSource('/cam')], { auth: { user: 'admin', pass: 'secret', scheme: 'basic' } });
    const d = await client(port2);
    const url2 = `rtsp://127.0.0.1:${port2}/cam`;
    const r2 = await d.request('DESCRIBE', url2);
    expect(r2.status).toBe(401);
    expect(r2.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    expect((await d.request('DESCRIBE', url2, [basicHeader])).status).toBe(200);
  });

  it('listens again on the same port after close (a tower link cut and restored)', async () => {
    const src = new FakeSource('/cam');
    const port = await startServer([src]);
    const a = await client(port);
    await a.play(`rtsp://127.0.0.1:${port}/cam`);
    await server?.close();
    await a.closed;
    expect(src.running).toBe(false);
    expect((await server?.listen())?.port).toBe(port);
    const b = await client(port);
    await b.play(`rtsp://127.0.0.1:${port}/cam`);
    await b.waitFrames(3);
  });

  it('survives clients disconnecting at any point of a session', async () => {
    const src = new FakeSource('/cam', { idrSize: 20_000 });
    const port = await startServer([src]);
    const url = `rtsp://127.0.0.1:${port}/cam`;
    const steady = await client(port);
    await steady.play(url);
    for (let i = 0; i < 12; i++) {
      const c = await client(port);
      const step = i % 4;
      if (step >= 1) await c.request('DESCRIBE', url);
      if (step >= 2) {
        const s = await c.request('SETUP', `${url}/trackID=0`, ['Transport: RTP/AVP/TCP;unicast;interleaved=0-1']);
        c.session = s.headers.get('session')?.split(';')[0];
      }
      if (step >= 3) c.raw(`PLAY ${url}/ RTSP/1.0\r\nCSeq: 9\r\nSession: ${c.session}\r\n\r\n`);
      c.close();
    }
    await sleep(100);
    const n = steady.frames.length;
    await steady.waitFrames(n + 5);
    expect(server?.stats()[0]).toMatchObject({ clients: 1, starts: 1 });
    expect(steady.seqGaps).toBe(0);
  });
});

import { execFile } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { connect } from 'node:net';

/** One measurement of a link: round-trip time (median of the answers) and loss. */
export interface LinkMeasure {
  /** null: no answer at all. */
  latencyMs: number | null;
  lossPct: number;
  method: 'icmp' | 'tcp' | 'udp-echo';
  /** Why nothing answered, or why a fallback was used. */
  note: string | null;
}

/**
 * Where a link probe goes, from `towers[].link.address`:
 * `10.1.2.3` or `host.name` — ICMP ping (TCP connect to `fallbackPort` where ping is not permitted);
 * `tcp://host:port` — TCP connect time; `udp-echo://host:port` — datagrams of the payload size echoed
 * back (the simulator's link emulator, or any UDP echo service).
 */
export type LinkTarget = { method: 'icmp'; host: string; fallbackPort: number } | { method: 'tcp'; host: string; port: number } | { method: 'udp-echo'; host: string; port: number };

export function parseLinkTarget(address: string, fallbackPort = 554): LinkTarget {
  const m = /^(tcp|udp-echo):\/\/(\[[^\]]+\]|[^:/]+):(\d{1,5})\/?$/.exec(address.trim());
  if (m) {
    const port = Number(m[3]);
    if (port < 1 || port > 65535) throw new Error(`link address ${address}: port must be 1–65535`);
    return { method: m[1] as 'tcp' | 'udp-echo', host: m[2]!.replace(/^\[|\]$/g, ''), port };
  }
  if (!/^[A-Za-z0-9.:-]+$/.test(address.trim())) throw new Error(`link address "${address}": expected a host name or IP, tcp://host:port or udp-echo://host:port`);
  return { method: 'icmp', host: address.trim(), fallbackPort };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : null;
};

/** TCP connect time: a refused connection still proves the far end answers; a timeout does not. */
export function tcpConnectTime(host: string, port: number, timeoutMs: number): Promise<{ ms: number | null; note: string | null }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let done = false;
    const finish = (ms: number | null, note: string | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ ms, note });
    };
    const sock = connect({ host, port });
    const timer = setTimeout(() => finish(null, `no answer within ${timeoutMs} ms`), timeoutMs);
    sock.once('connect', () => finish(performance.now() - t0, null));
    sock.once('error', (e: NodeJS.ErrnoException) => {
      // Refused: the host is there (its stack answered), the service is not; for the link that is an answer.
      if (e.code === 'ECONNREFUSED') finish(performance.now() - t0, `${host}:${port} refused the connection (the host answers)`);
      else if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') finish(null, `cannot resolve ${host} (DNS: ${e.code})`);
      else finish(null, `${e.code ?? e.message}`);
    });
  });
}

// One socket for every UDP link probe (a socket per probe costs more than the datagrams); answers
// are matched by a sequence number in the first four bytes.
const udp: { sock?: Socket; family?: string; waiting: Map<number, () => void>; seq: number; payload?: Buffer } = { waiting: new Map(), seq: 0 };

function udpSocket(v6: boolean): Socket {
  const family = v6 ? 'udp6' : 'udp4';
  if (udp.sock && udp.family === family) return udp.sock;
  const sock = createSocket(family);
  sock.on('message', (msg) => {
    if (msg.length >= 4) udp.waiting.get(msg.readUInt32BE(0))?.();
  });
  sock.on('error', () => undefined);
  sock.unref();
  udp.sock = sock;
  udp.family = family;
  return sock;
}

/** Datagrams of `payloadBytes` to a UDP echo peer; each answer within the timeout counts. */
export function udpEcho(host: string, port: number, payloadBytes: number, count: number, timeoutMs: number): Promise<LinkMeasure> {
  return new Promise((resolve) => {
    const sock = udpSocket(host.includes(':'));
    const size = Math.max(8, Math.min(payloadBytes, 65000));
    if (udp.payload?.length !== size) udp.payload = Buffer.alloc(size);
    const rtts: number[] = [];
    const seqs: number[] = [];
    let closed = false;
    let note: string | null = null;
    const finish = () => {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      for (const q of seqs) udp.waiting.delete(q);
      resolve({ latencyMs: median(rtts), lossPct: (100 * (count - rtts.length)) / count, method: 'udp-echo', note: rtts.length ? null : (note ?? `no echo from ${host}:${port} within ${timeoutMs} ms`) });
    };
    const timer = setTimeout(finish, timeoutMs);
    for (let i = 0; i < count; i++) {
      const q = (udp.seq = (udp.seq + 1) >>> 0);
      seqs.push(q);
      const t0 = performance.now();
      udp.waiting.set(q, () => {
        udp.waiting.delete(q);
        rtts.push(performance.now() - t0);
        if (rtts.length === count) finish();
      });
      const buf = Buffer.from(udp.payload);
      buf.writeUInt32BE(q, 0);
      sock.send(buf, port, host, (err) => {
        if (err) {
          note = err.message;
          finish();
        }
      });
    }
  });
}

/** Reads `ping`'s summary: loss and the rtt min/avg/max line (iputils and busybox formats). */
export function parsePingOutput(out: string): { lossPct: number | null; avgMs: number | null } {
  const loss = /([\d.]+)% packet loss/.exec(out);
  const rtt = /(?:rtt|round-trip) min\/avg\/max(?:\/(?:mdev|stddev))? = [\d.]+\/([\d.]+)\//.exec(out);
  return { lossPct: loss ? Number(loss[1]) : null, avgMs: rtt ? Number(rtt[1]) : null };
}

let pingPermitted: boolean | undefined;

/** ICMP ping through the system `ping` (the host needs no raw-socket rights itself). */
export function icmpPing(host: string, payloadBytes: number, count: number, timeoutMs: number): Promise<LinkMeasure & { refused?: boolean }> {
  const waitS = Math.max(1, Math.ceil(timeoutMs / 1000));
  return new Promise((resolve) => {
    execFile('ping', ['-n', '-q', '-c', String(count), '-i', '0.2', '-W', String(waitS), '-w', String(waitS + 1), '-s', String(payloadBytes), host], { timeout: timeoutMs * 2 + 2000 }, (err, stdout, stderr) => {
      const text = `${stdout}\n${stderr}`;
      const p = parsePingOutput(text);
      if (p.lossPct !== null) {
        resolve({ latencyMs: p.lossPct >= 100 ? null : p.avgMs, lossPct: p.lossPct, method: 'icmp', note: p.lossPct >= 100 ? `no ping answer from ${host}` : null });
        return;
      }
      const e = err as NodeJS.ErrnoException | null;
      const refused = e?.code === 'ENOENT' || /not permitted|permission denied|socket: Operation|cap_net_raw/i.test(text);
      const dns = /unknown host|Name or service not known|Temporary failure in name resolution/i.test(text);
      resolve({ latencyMs: null, lossPct: 100, method: 'icmp', note: dns ? `cannot resolve ${host}` : refused ? 'ping not permitted here' : text.trim().split('\n')[0] || 'ping failed', refused });
    });
  });
}

/** Measures a link by its target's method; ICMP falls back to TCP connect time where ping is not available or permitted. */
export async function measureLink(target: LinkTarget, opts: { payloadBytes: number; count: number; timeoutMs: number }): Promise<LinkMeasure> {
  if (target.method === 'udp-echo') return udpEcho(target.host, target.port, opts.payloadBytes, opts.count, opts.timeoutMs);
  if (target.method === 'icmp' && pingPermitted !== false) {
    const r = await icmpPing(target.host, opts.payloadBytes, opts.count, opts.timeoutMs);
    if (!r.refused) {
      pingPermitted = true;
      return r;
    }
    pingPermitted = false;
  }
  const port = target.method === 'tcp' ? target.port : target.fallbackPort;
  try {
    await lookup(target.host);
  } catch {
    return { latencyMs: null, lossPct: 100, method: 'tcp', note: `cannot resolve ${target.host} (DNS)` };
  }
  const rtts: number[] = [];
  let note: string | null = null;
  for (let i = 0; i < opts.count; i++) {
    const r = await tcpConnectTime(target.host, port, opts.timeoutMs);
    if (r.ms !== null) rtts.push(r.ms);
    else note = r.note;
    if (r.ms === null && i === 0) break;
  }
  const tries = rtts.length ? opts.count : 1;
  return {
    latencyMs: median(rtts),
    lossPct: (100 * (tries - rtts.length)) / tries,
    method: 'tcp',
    note: rtts.length ? (target.method === 'icmp' ? 'ping not permitted: TCP connect time' : null) : note,
  };
}

import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';

/** How a simulated link behaves: extra round-trip time and the share of datagrams lost. */
export interface LinkQuality {
  up: boolean;
  latencyMs: number;
  lossPct: number;
}

/**
 * A tower's link as the centre's probes see it: a UDP echo peer that answers each datagram (the
 * 20 000-byte "ping") after the link's latency, drops the lost share, and says nothing while the
 * link is cut. One per tower, on loopback.
 */
export class LinkEmulator {
  private quality: LinkQuality = { up: true, latencyMs: 2, lossPct: 0 };
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly sock: Socket,
    readonly port: number,
    readonly host: string,
  ) {}

  static async start(host: string, port = 0): Promise<LinkEmulator> {
    const sock = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(port, host, () => {
        sock.off('error', reject);
        resolve();
      });
    });
    const em = new LinkEmulator(sock, (sock.address() as AddressInfo).port, host);
    sock.on('message', (msg, from) => em.onMessage(msg, from.address, from.port));
    sock.on('error', () => undefined);
    return em;
  }

  get address(): string {
    return `udp-echo://${this.host}:${this.port}`;
  }

  state(): LinkQuality {
    return { ...this.quality };
  }

  set(q: Partial<LinkQuality>): void {
    this.quality = { ...this.quality, ...q };
  }

  private onMessage(msg: Buffer, host: string, port: number): void {
    const q = this.quality;
    if (!q.up || Math.random() * 100 < q.lossPct) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.sock.send(msg, port, host, () => undefined);
    }, q.latencyMs);
    this.timers.add(t);
  }

  close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    return new Promise((resolve) => this.sock.close(() => resolve()));
  }
}

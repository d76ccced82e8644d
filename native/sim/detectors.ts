import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AlertKind, AlertBox } from '../../common/alerts';
import { locateFfmpeg } from '../process/ffmpeg-path';

/*
 * The towers' simulated front-end fire detectors and the receiver of alert reports. A detector is a
 * client of the host's ingest endpoint (docs/alerts.md), as a real one is: it grabs the current
 * picture of its tower's camera over RTSP, marks where it "sees" smoke and posts the alarm with the
 * head's pose. The receiver is an HTTP endpoint that keeps what the host sends (the site file names it
 * as the alerts' recipient), so tests and trainers see the reports.
 */

export interface DetectorTower {
  id: string;
  name: string;
  /** RTSP URL of a camera's sub stream. */
  streamUrl(kind: 'visible' | 'thermal'): string;
  /** The head's pose now. */
  pose(): { pan: number; tilt: number; zoom: number };
}

export interface FireOptions {
  kind?: AlertKind;
  camera?: 'visible' | 'thermal';
  confidence?: number;
  boxes?: AlertBox[];
  /** Detector time of the alarm, epoch ms (default now). */
  at?: number;
  /** Pan offset from the head's current pan, degrees (a fire a little off-centre). */
  panOffset?: number;
  /** A fire drill (演练): the alert is marked as one. */
  drill?: boolean;
}

export interface SimDetectors {
  tokenOf(towerId: string): string;
  /** Where alarms go: the host's `…/api/alerts/ingest`. */
  setIngest(url: string | undefined): void;
  readonly ingest: string | undefined;
  /** Raises an alarm at a tower now; resolves with the host's answer. */
  fire(towerId: string, opts?: FireOptions): Promise<{ status: number; body: unknown }>;
}

/** One JPEG of a stream (the detector's analysed frame). */
export function grabJpeg(url: string, timeoutMs = 8000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(
      locateFfmpeg().path,
      ['-hide_banner', '-loglevel', 'error', '-rtsp_transport', 'tcp', '-i', url, '-frames:v', '1', '-q:v', '4', '-f', 'mjpeg', 'pipe:1'],
      { encoding: 'buffer', timeout: timeoutMs, maxBuffer: 8 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err || !stdout.length) reject(new Error(`cannot grab a picture of ${url}: ${stderr.toString().trim() || err?.message || 'no data'}`));
        else resolve(stdout);
      },
    );
  });
}

export function createSimDetectors(towers: readonly DetectorTower[], log: (level: 'info' | 'warn', msg: string) => void = () => undefined): SimDetectors {
  const tokens = new Map(towers.map((t) => [t.id, randomBytes(18).toString('base64url')]));
  let ingest: string | undefined;
  return {
    tokenOf: (id) => tokens.get(id) ?? '',
    setIngest: (url) => void (ingest = url),
    get ingest() {
      return ingest;
    },
    async fire(towerId, o = {}) {
      const t = towers.find((x) => x.id === towerId || x.name === towerId);
      if (!t) throw new Error(`no simulated tower ${towerId}`);
      if (!ingest) throw new Error('the detectors do not know the host yet (no ingest URL)');
      const camera = o.camera ?? 'visible';
      const pose = t.pose();
      const snapshot = await grabJpeg(t.streamUrl(camera));
      const body = {
        detectorId: `${t.id}-fd`,
        cameraId: `${t.id}-${camera}`,
        kind: o.kind ?? 'smoke',
        confidence: o.confidence ?? 0.87,
        at: o.at ?? Date.now(),
        pose: { pan: (((pose.pan + (o.panOffset ?? 0)) % 360) + 360) % 360, tilt: pose.tilt, zoom: pose.zoom },
        boxes: o.boxes ?? [{ x: 0.46, y: 0.38, w: 0.08, h: 0.1, score: o.confidence ?? 0.87 }],
        snapshot: snapshot.toString('base64'),
        ...(o.drill ? { drill: true } : {}),
      };
      const res = await fetch(ingest, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.get(t.id)}` },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      log(res.ok ? 'info' : 'warn', `detector ${t.id}: ${body.kind} alarm posted, host answered ${res.status}`);
      return { status: res.status, body: parsed };
    },
  };
}

/** The simulated receiver of alert reports (a webhook / SMS gateway stand-in). */
export interface AlertReceiver {
  readonly url: string;
  /** Where escalation notices go (the shift leader's phone behind an SMS gateway). */
  readonly leaderUrl: string;
  /** Reports received, oldest first, with the path they were posted to (`/reports` or `/leader`). */
  readonly received: { at: number; path: string; body: Record<string, unknown> }[];
  /** The next this-many requests are answered 503 (to exercise retries). */
  failNext(n: number): void;
  close(): Promise<void>;
}

export async function startAlertReceiver(host = '127.0.0.1', port = 0): Promise<AlertReceiver> {
  const received: AlertReceiver['received'] = [];
  let failing = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'GET') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(received));
      if (failing > 0) {
        failing--;
        return void res.writeHead(503).end('busy');
      }
      try {
        received.push({ at: Date.now(), path: new URL(req.url ?? '/', 'http://x').pathname, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      } catch {
        res.writeHead(400).end('not JSON');
      }
    });
  });
  await new Promise<void>((r) => server.listen(port, host, r));
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${host}:${addr.port}/reports`,
    leaderUrl: `http://${host}:${addr.port}/leader`,
    received,
    failNext: (n) => void (failing = n),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

import { connect } from 'node:net';
import type { CameraStatus } from '../../common/contract';

/** Result of one reachability check of an RTSP endpoint. */
export interface ProbeResult {
  online: boolean;
  reason: string | null;
}

/**
 * Asks an RTSP server for OPTIONS. Cheap for the camera: it starts no stream, so the probe can
 * run on every camera without waking idle encoders.
 */
export function probeRtsp(url: string, timeoutMs = 2500): Promise<ProbeResult> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return Promise.resolve({ online: false, reason: `invalid URL` });
  }
  if (u.protocol !== 'rtsp:') return Promise.resolve({ online: true, reason: null });
  const port = Number(u.port || 554);
  return new Promise((resolve) => {
    let done = false;
    let buf = '';
    const finish = (r: ProbeResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const sock = connect({ host: u.hostname, port });
    const timer = setTimeout(() => finish({ online: false, reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
    sock.on('connect', () => {
      const target = `rtsp://${u.host}${u.pathname}`;
      sock.write(`OPTIONS ${target} RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: skywatch-probe\r\n\r\n`);
    });
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      const line = buf.split('\r\n')[0];
      if (line && buf.includes('\r\n')) {
        const m = /^RTSP\/1\.0 (\d{3})/.exec(line);
        if (!m) finish({ online: false, reason: `not an RTSP server: ${line.slice(0, 60)}` });
        // 401 still proves the camera is up; credentials are the stream's business.
        else finish({ online: true, reason: null });
      }
    });
    sock.on('error', (e: NodeJS.ErrnoException) => finish({ online: false, reason: e.code ?? e.message }));
    sock.on('close', () => finish({ online: false, reason: 'connection closed' }));
  });
}

export interface CameraProberOptions {
  cameras: { id: string; url: string }[];
  intervalMs?: number;
  onChange: (status: CameraStatus) => void;
  probe?: (url: string) => Promise<ProbeResult>;
  now?: () => number;
}

/** Probes every camera on a schedule and reports changes; one slow camera never holds up the others. */
export function startCameraProber(opts: CameraProberOptions): { list(): CameraStatus[]; stop(): void } {
  const interval = opts.intervalMs ?? 10_000;
  const probe = opts.probe ?? probeRtsp;
  const now = opts.now ?? Date.now;
  const state = new Map<string, CameraStatus>();
  const inFlight = new Set<string>();
  let stopped = false;
  const runOne = async (cam: { id: string; url: string }) => {
    if (inFlight.has(cam.id) || stopped) return;
    inFlight.add(cam.id);
    try {
      const r = await probe(cam.url);
      const prev = state.get(cam.id);
      const next: CameraStatus = { cameraId: cam.id, online: r.online, reason: r.reason, checkedAt: now() };
      state.set(cam.id, next);
      if (!stopped && (!prev || prev.online !== next.online || prev.reason !== next.reason)) opts.onChange(next);
    } finally {
      inFlight.delete(cam.id);
    }
  };
  const round = () => {
    for (const cam of opts.cameras) void runOne(cam);
  };
  round();
  const timer = setInterval(round, interval);
  timer.unref();
  return {
    list: () => [...state.values()],
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}

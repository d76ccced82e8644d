import { Agent, request } from 'node:http';
import { cpus, freemem, totalmem } from 'node:os';
import { statfs } from 'node:fs/promises';
import type { PtzHeadInfo, StreamInfo, WallState } from '../../common/contract';
import type { HealthConfig } from '../../common/health';
import type { SiteConfig } from '../../common/site';
import { probeRtsp, type ProbeResult } from './camera-probe';
import { measureLink, parseLinkTarget, type LinkMeasure, type LinkTarget } from './link-probe';
import type { Observation, Probe } from './monitor';

/** What the probes read from the other domains and the machine (the composition root wires them). */
export interface ProbeDeps {
  site: SiteConfig;
  config: HealthConfig;
  dataDir: string;
  /** Streams the gateway pulls now (liveness and bitrate of watched cameras). */
  streams(): StreamInfo[];
  heads(): Promise<PtzHeadInfo[]>;
  wall(): WallState | undefined;
  /** Overrides for tests and benchmarks. */
  rtsp?: (url: string, timeoutMs: number) => Promise<ProbeResult>;
  link?: (target: LinkTarget) => Promise<LinkMeasure>;
  onvif?: (url: string, timeoutMs: number) => Promise<{ ok: boolean; ms: number; detail: string }>;
}

const SOAP_TIME =
  '<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><GetSystemDateAndTime xmlns="http://www.onvif.org/ver10/device/wsdl"/></s:Body></s:Envelope>';

// Kept-alive connections: a probe every few seconds per head should not open a socket each time.
const onvifAgent = new Agent({ keepAlive: true, maxSockets: 1, timeout: 30_000 });

/** ONVIF reachability and response time: GetSystemDateAndTime needs no credentials on any ONVIF device. HTTPS devices: see docs/health.md. */
export function probeOnvif(url: string, timeoutMs: number): Promise<{ ok: boolean; ms: number; detail: string }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    let done = false;
    const finish = (ok: boolean, detail: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const ms = performance.now() - t0;
      resolve({ ok, ms, detail: ok ? `ONVIF 应答 ${ms.toFixed(0)} ms` : detail });
    };
    let req: ReturnType<typeof request>;
    try {
      if (!url.startsWith('http:')) return finish(false, `ONVIF 地址 ${url} 不是 http://`);
      req = request(url, { method: 'POST', agent: onvifAgent, headers: { 'content-type': 'application/soap+xml; charset=utf-8', 'content-length': Buffer.byteLength(SOAP_TIME) } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d.length + text.length < 64_000 ? d : ''));
        res.on('end', () => finish(text.includes('SystemDateAndTime'), `ONVIF 应答异常（HTTP ${res.statusCode}）`));
        res.on('error', (e) => finish(false, `ONVIF 不可达：${e.message}`));
      });
    } catch (e) {
      return finish(false, `ONVIF 地址无效：${(e as Error).message}`);
    }
    const timer = setTimeout(() => {
      finish(false, `ONVIF 不可达：${timeoutMs} ms 内无应答`);
      req.destroy();
    }, timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => finish(false, `ONVIF 不可达：${e.code ?? e.message}`));
    req.end(SOAP_TIME);
  });
}

/** The default link target of a tower without `link.address`: its first camera's RTSP host, by TCP connect time. */
function towerLinkTarget(t: SiteConfig['towers'][number]): LinkTarget | string {
  const rtsp = t.cameras.map((c) => c.streams.main).find((u) => u.startsWith('rtsp'));
  let fallback: { host: string; port: number } | undefined;
  if (rtsp) {
    try {
      const u = new URL(rtsp);
      fallback = { host: u.hostname, port: Number(u.port || 554) };
    } catch {
      /* invalid URL: reported below */
    }
  }
  if (t.link?.address) {
    try {
      return parseLinkTarget(t.link.address, fallback?.port ?? 554);
    } catch (e) {
      return (e as Error).message;
    }
  }
  return fallback ? { method: 'tcp', ...fallback } : 'no link address and no RTSP camera to measure the link by';
}

/** Every probe of the site: each camera, each tower's link and PTZ head, each decoder, the host. */
export function buildProbes(deps: ProbeDeps): Probe[] {
  const cfg = deps.config;
  const timeoutMs = cfg.timeoutSeconds * 1000;
  const rtsp = deps.rtsp ?? probeRtsp;
  const onvif = deps.onvif ?? probeOnvif;
  const link = deps.link ?? ((target: LinkTarget) => measureLink(target, { payloadBytes: cfg.ping.payloadBytes, count: cfg.ping.count, timeoutMs }));
  const probes: Probe[] = [];
  const streamOf = (cameraId: string) => deps.streams().find((s) => s.key === `${cameraId}/main`) ?? deps.streams().find((s) => s.cameraId === cameraId && s.state !== 'idle');

  for (const t of deps.site.towers) {
    for (const c of t.cameras) {
      probes.push({
        name: `camera ${c.id}`,
        intervalMs: cfg.intervals.camera * 1000,
        timeoutMs: timeoutMs + 1000,
        run: async () => {
          const r = await rtsp(c.streams.main, timeoutMs);
          const s = streamOf(c.id);
          const watched = s && s.state !== 'idle';
          const bitrateKbps = watched ? Math.round(s.stats.bitrateKbps) : null;
          if (!r.online) return [{ id: `cam:${c.id}`, state: 'down', detail: `RTSP 无应答：${r.reason ?? ''}`, bitrateKbps }];
          // Answers OPTIONS but the stream someone watches is broken: still reachable, not serving well.
          if (watched && (s.state === 'reconnecting' || s.state === 'offline')) return [{ id: `cam:${c.id}`, state: 'degraded', detail: `RTSP 可达，视频流${s.state === 'offline' ? '中断' : '重连中'}`, bitrateKbps }];
          return [{ id: `cam:${c.id}`, state: 'up', detail: watched ? `在线，${bitrateKbps} kbit/s` : '在线（RTSP 应答）', bitrateKbps }];
        },
      });
    }
    const target = towerLinkTarget(t);
    // A link is slow when the median of its last three measurements is: one late answer (a busy
    // moment of the host itself) does not flip the board.
    const recent: number[] = [];
    probes.push({
      name: `link ${t.id}`,
      intervalMs: cfg.intervals.link * 1000,
      timeoutMs: timeoutMs * (cfg.ping.count + 1) + 2000,
      run: async (): Promise<Observation[]> => {
        if (typeof target === 'string') return [{ id: `link:${t.id}`, state: 'unknown', detail: target }];
        const m = await link(target);
        const how = m.method === 'icmp' ? `ping ${cfg.ping.payloadBytes} 字节` : m.method === 'udp-echo' ? `UDP ${cfg.ping.payloadBytes} 字节` : 'TCP 连接';
        if (m.latencyMs === null) return [{ id: `link:${t.id}`, state: 'down', detail: `链路中断（${how}）：${m.note ?? '无应答'}`, latencyMs: null, lossPct: m.lossPct }];
        recent.push(m.latencyMs);
        if (recent.length > 3) recent.shift();
        const typical = [...recent].sort((a, b) => a - b)[Math.floor(recent.length / 2)]!;
        const slow = typical > cfg.ping.latencyLimitMs || m.lossPct > cfg.ping.lossLimitPct;
        return [
          {
            id: `link:${t.id}`,
            state: slow ? 'degraded' : 'up',
            detail: `${how} ${m.latencyMs.toFixed(m.latencyMs < 10 ? 1 : 0)} ms，丢包 ${m.lossPct.toFixed(0)}%${slow ? `（超过 ${cfg.ping.latencyLimitMs} ms / ${cfg.ping.lossLimitPct}%）` : ''}${m.note ? `；${m.note}` : ''}`,
            latencyMs: m.latencyMs,
            lossPct: m.lossPct,
          },
        ];
      },
    });
    const onvifUrl = t.cameras.find((c) => c.onvif)?.onvif?.url;
    if (onvifUrl) {
      probes.push({
        name: `ptz ${t.id}`,
        intervalMs: cfg.intervals.ptz * 1000,
        timeoutMs: timeoutMs + 1000,
        run: async () => {
          const [r, heads] = await Promise.all([onvif(onvifUrl, timeoutMs), deps.heads().catch(() => [] as PtzHeadInfo[])]);
          const head = heads.find((h) => h.towerId === t.id);
          if (!r.ok) return [{ id: `ptz:${t.id}`, state: 'down', detail: r.detail, latencyMs: null }];
          // The device answers but the PTZ session cannot use it (credentials, a fault): degraded.
          const broken = head && head.link !== 'online' && head.link !== 'connecting';
          return [{ id: `ptz:${t.id}`, state: broken ? 'degraded' : 'up', detail: broken ? `${r.detail}；云台控制：${head.message ?? head.link}` : r.detail, latencyMs: r.ms }];
        },
      });
    }
  }
  const decoders = (deps.site.wall?.decoders ?? []).filter((d) => d.driver !== 'software');
  if (decoders.length)
    probes.push({
      name: 'decoders',
      intervalMs: cfg.intervals.decoder * 1000,
      timeoutMs,
      // The wall controller polls its decoders itself; this reads what it last heard.
      run: async () => {
        const state = deps.wall();
        return decoders.map((d) => {
          const v = state?.decoders.find((x) => x.id === d.id);
          if (!v || v.online === null) return { id: `decoder:${d.id}`, state: 'unknown' as const, detail: '尚无应答' };
          if (!v.online) return { id: `decoder:${d.id}`, state: 'down' as const, detail: `离线：${v.error ?? '无应答'}` };
          return { id: `decoder:${d.id}`, state: v.error ? ('degraded' as const) : ('up' as const), detail: v.error ?? '在线' };
        });
      },
    });
  probes.push(hostProbe(deps));
  return probes;
}

/** CPU (share of all cores since the last round), memory and the data disk's free space. */
function hostProbe(deps: ProbeDeps): Probe {
  const limits = deps.config.host;
  const cpuTimes = () => cpus().reduce((a, c) => ({ idle: a.idle + c.times.idle, total: a.total + c.times.idle + c.times.user + c.times.sys + c.times.nice + c.times.irq }), { idle: 0, total: 0 });
  let last = cpuTimes();
  return {
    name: 'host',
    intervalMs: deps.config.intervals.host * 1000,
    timeoutMs: deps.config.timeoutSeconds * 1000,
    run: async () => {
      const now = cpuTimes();
      const busy = now.total > last.total ? 100 * (1 - (now.idle - last.idle) / (now.total - last.total)) : 0;
      last = now;
      const memPct = 100 * (1 - freemem() / totalmem());
      const out: Observation[] = [
        { id: 'host:cpu', state: busy > limits.cpuLimitPct ? 'degraded' : 'up', detail: `CPU ${busy.toFixed(0)}%` },
        { id: 'host:memory', state: memPct > limits.memoryLimitPct ? 'degraded' : 'up', detail: `内存已用 ${memPct.toFixed(0)}%` },
      ];
      try {
        const fs = await statfs(deps.dataDir);
        const freeGb = (fs.bavail * fs.bsize) / 1024 ** 3;
        out.push({ id: 'host:disk', state: freeGb < limits.diskFreeMinGb ? 'degraded' : 'up', detail: `剩余 ${freeGb.toFixed(1)} GB` });
      } catch (e) {
        out.push({ id: 'host:disk', state: 'down', detail: `数据目录不可读：${(e as Error).message}` });
      }
      return out;
    },
  };
}

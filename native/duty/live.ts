import { statfs } from 'node:fs/promises';
import type { CameraStatus, PtzHeadInfo, StreamInfo, SyncStatus, WallState } from '../../common/contract';
import type { SiteConfig } from '../../common/site';
import type { LiveState } from './domain';

const LINK_ZH: Record<string, string> = { leased: '专线', fibre: '光缆', bridge: '网桥', other: '其他' };

/**
 * The daily check's view of the running system, from what the other domains already publish:
 * camera reachability (the prober), PTZ head links, decoders of the wall, the host itself, the data
 * disk and the sync with the centre.
 */
export function liveStateFrom(deps: {
  site: SiteConfig;
  cameraStatus(): CameraStatus[];
  heads(): Promise<PtzHeadInfo[]>;
  wall(): WallState | undefined;
  /** Streams the gateway is pulling (watched now). */
  streams(): StreamInfo[];
  sync(): Promise<SyncStatus>;
  dataDir: string;
  /** The health domain's link states (latency, loss), when it runs: the network lines then say how each link is. */
  links?: () => { towerId: string | null; state: 'up' | 'degraded' | 'down' | 'unknown'; detail: string }[];
}): LiveState {
  const status = () => new Map(deps.cameraStatus().map((s) => [s.cameraId, s]));
  return {
    cameras: () => {
      const st = status();
      return deps.site.towers.flatMap((t) =>
        t.cameras.map((c) => {
          const s = st.get(c.id);
          return { cameraId: c.id, name: c.name ?? (c.kind === 'visible' ? '可见光' : '热成像'), towerName: t.name, online: s ? s.online : null, reason: s?.reason ?? null };
        }),
      );
    },
    towers: () => {
      const st = status();
      return deps.site.towers.map((t) => {
        const seen = t.cameras.map((c) => st.get(c.id)).filter((s): s is CameraStatus => !!s);
        const up = seen.filter((s) => s.online).length;
        const link = `${LINK_ZH[t.link?.kind ?? 'other']}${t.link?.bandwidthMbps ? ` ${t.link.bandwidthMbps} Mbit/s` : ''}`;
        const probed = deps.links?.().find((l) => l.towerId === t.id);
        if (probed && probed.state !== 'unknown') return { towerId: t.id, name: t.name, link, online: probed.state !== 'down', detail: probed.detail };
        return { towerId: t.id, name: t.name, link, online: seen.length ? up > 0 : null, detail: seen.length ? `${up}/${t.cameras.length} 路设备可达` : '未检测' };
      });
    },
    heads: async () => {
      const names = new Map(deps.site.towers.map((t) => [t.id, t.name]));
      return (await deps.heads()).map((h) => ({
        headId: h.headId,
        towerName: names.get(h.towerId) ?? h.towerId,
        online: h.link === 'online' ? true : h.link === 'connecting' ? null : false,
        detail: h.link === 'online' ? `在线${h.model ? `（${h.model}）` : ''}` : (h.message ?? h.link),
      }));
    },
    servers: async () => {
      const out: { key: string; label: string; ok: boolean | null; detail: string }[] = [];
      const mem = process.memoryUsage().rss / 1048576;
      out.push({ key: 'host', label: '主机服务', ok: true, detail: `运行 ${Math.round(process.uptime() / 60)} 分钟，内存 ${mem.toFixed(0)} MB` });
      try {
        const fs = await statfs(deps.dataDir);
        const freeGb = (fs.bavail * fs.bsize) / 1024 ** 3;
        out.push({ key: 'disk', label: '数据磁盘', ok: freeGb > 5, detail: `剩余 ${freeGb.toFixed(1)} GB` });
      } catch (e) {
        out.push({ key: 'disk', label: '数据磁盘', ok: false, detail: (e as Error).message });
      }
      const watched = deps.streams().filter((x) => x.state !== 'idle');
      const failing = watched.filter((x) => x.state === 'offline' || x.state === 'reconnecting');
      out.push({
        key: 'streams',
        label: '视频流转发',
        ok: failing.length === 0,
        detail: failing.length ? `${failing.length}/${watched.length} 路流中断：${failing.slice(0, 4).map((x) => x.key).join('、')}` : `${watched.length} 路流正常`,
      });
      const wall = deps.wall();
      if (wall) {
        const up = wall.decoders.filter((d) => d.online).length;
        out.push({ key: 'decoders', label: '大屏解码器', ok: up === wall.decoders.length, detail: `${up}/${wall.decoders.length} 台在线` });
      }
      const sync = await deps.sync();
      if (sync.state !== 'off')
        out.push({ key: 'sync', label: '上级中心同步', ok: sync.state === 'idle' || sync.state === 'syncing', detail: sync.error ?? `待上传 ${sync.pending} 条` });
      return out;
    },
  };
}

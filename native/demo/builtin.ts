import { TOUR_FORMAT, type Tour, type TourInput, TourSchema } from '../../common/demo';
import { bearing, destination, distance, latLon } from '../../common/geo';
import type { SiteConfig } from '../../common/site';
import { wallRect } from '../../common/wall';

/** Name of the tour shipped with the application. */
export const BUILT_IN_TOUR = '系统概览';

/**
 * The built-in overview of a site, made from the site itself so a new installation can be shown on
 * day one: the towers on the map, the live wall, a thermal camera panning with its HUD, a fire drill
 * seen by two towers and its triangulation, and the duty statistics.
 */
export function builtInTour(site: SiteConfig): Tour {
  const towers = site.towers;
  const cam = (kind: 'visible' | 'thermal', i: number) => towers[i]?.cameras.find((c) => c.kind === kind)?.id;
  const visible = towers.flatMap((_, i) => cam('visible', i) ?? []);
  const lats = towers.map((t) => t.lat);
  const lons = towers.map((t) => t.lon);
  const pad = 0.02;
  const bounds = towers.length ? { south: Math.min(...lats) - pad, west: Math.min(...lons) - pad, north: Math.max(...lats) + pad, east: Math.max(...lons) + pad } : undefined;
  const w = site.wall;
  const pw = w?.panel.width ?? 1920;
  const ph = w?.panel.height ?? 1080;
  const cols = w?.columns ?? 1;
  const rows = w?.rows ?? 1;

  // Two towers closest to each other see the drill fire; it lies off the line between them, so the bearings cross well.
  let pair: [number, number] | undefined;
  let best = Infinity;
  for (let i = 0; i < towers.length; i++)
    for (let j = i + 1; j < towers.length; j++) {
      const d = distance(latLon(towers[i]!.lat, towers[i]!.lon), latLon(towers[j]!.lat, towers[j]!.lon));
      if (d > 2000 && d < best) [best, pair] = [d, [i, j]];
    }
  const thermal = cam('thermal', 0);
  const steps: TourInput['steps'] = [
    {
      title: '森林防火视频监控系统总览',
      narration: `全市共 ${towers.length} 个前端监控点位，每个点位配有可见光与热成像一体化云台、前置林火智能报警器和多功能气象监测站，实现 24 小时不间断监测。`,
      durationS: 20,
      led: '欢迎各位领导莅临指导',
      ...(bounds ? { map: { bounds, towers: towers.map((t) => t.id) } } : {}),
      console: { workspace: 'map' },
      ...(w
        ? {
            wall: {
              windows: [
                {
                  id: 'demo-live',
                  rect: wallRect(0, 0, pw * Math.min(3, cols), ph * Math.min(2, rows)),
                  split: 4,
                  panes: visible.slice(0, 4).map((cameraId) => ({ kind: 'camera' as const, cameraId, profile: 'sub' as const })),
                  title: '实时监控',
                },
              ],
            },
          }
        : {}),
    },
  ];
  if (thermal && towers[0]) {
    steps.push({
      title: '热成像云台：全天候发现火点',
      narration: `${towers[0].name}热成像摄像机正在水平巡视，画面叠加方位、俯仰和变倍读数（抬头显示），夜间和烟雾中同样能发现热源。`,
      durationS: 20,
      cameras: [{ cameraId: thermal, pan: 90, tilt: -2, zoom: 1 }],
      console: { workspace: 'video', layout: 1, tiles: [thermal] },
      ...(w ? { wall: { windows: [{ id: 'demo-thermal', rect: wallRect(0, 0, pw * Math.min(2, cols), ph * Math.min(2, rows)), split: 1, panes: [{ kind: 'camera' as const, cameraId: thermal, profile: 'sub' as const }], title: '热成像' }] } } : {}),
      map: { center: { lat: towers[0].lat, lon: towers[0].lon }, zoom: 12, towers: [towers[0].id] },
    });
  }
  if (pair) {
    const [a, b] = [towers[pair[0]]!, towers[pair[1]]!];
    const pa = latLon(a.lat, a.lon);
    const mid = destination(pa, bearing(pa, latLon(b.lat, b.lon)), best / 2);
    const target = destination(mid, bearing(pa, latLon(b.lat, b.lon)) - 90, Math.min(3000, best / 2));
    steps.push({
      title: '火情报警演练：多塔交会定位',
      narration: `模拟${a.name}与${b.name}前置报警器同时发现烟点（演练），系统自动弹出报警、大屏切换报警画面、云台转向火点，并在一张图上交会出火点位置。`,
      durationS: 30,
      drill: { target: { lat: target.lat, lon: target.lon }, towers: [a.id, b.id], kind: 'smoke', camera: 'visible' },
      map: { center: { lat: target.lat, lon: target.lon }, zoom: 12, pitch: 30, towers: [a.id, b.id] },
      console: { workspace: 'map' },
    });
  }
  steps.push(
    {
      title: '值班管理与统计',
      narration: '三班值守记录、每日检查、交接班和报警统计自动汇总，报表可一键导出。',
      durationS: 20,
      console: { workspace: 'duty' },
    },
    {
      title: '感谢各位领导指导',
      narration: '以上为系统主要功能演示。',
      led: '森林防火 人人有责',
      ...(bounds ? { map: { bounds, towers: [] } } : {}),
      console: { workspace: 'map' },
    },
  );
  return TourSchema.parse({ format: TOUR_FORMAT, version: 1, name: BUILT_IN_TOUR, description: '模拟站点的系统概览：点位、大屏、热成像、火情演练与值班统计', loop: false, steps } satisfies TourInput);
}

import { ConferenceConfigSchema } from '../../common/conference';
import { DEFAULT_ALERT_POLICY } from '../../common/alerts';
import { DEFAULT_SECURITY_POLICY } from '../../common/auth';
import { HealthConfigSchema } from '../../common/health';
import type { AlertsConfig, SiteConfig } from '../../common/site';

/**
 * The 19 front-end sites of the first customer's tender. Positions are approximate
 * demonstration positions in the hills of southern Liyang, Jiangsu — not survey data.
 */
export const SIMULATED_TOWERS: ReadonlyArray<{ id: string; name: string; lat: number; lon: number; elev: number; northOffset: number; power?: 'solar'; link: 'leased' | 'fibre' | 'bridge' }> = [
  { id: 't01', name: '仙人山', lat: 31.2612, lon: 119.3555, elev: 352, northOffset: 0.8, link: 'leased' },
  { id: 't02', name: '社渚镇', lat: 31.3368, lon: 119.2472, elev: 118, northOffset: -1.2, link: 'fibre' },
  { id: 't03', name: '瓦屋山', lat: 31.1786, lon: 119.4032, elev: 488, northOffset: 2.1, link: 'bridge' },
  { id: 't04', name: '丫髻山', lat: 31.2105, lon: 119.4478, elev: 401, northOffset: 0, link: 'leased' },
  { id: 't05', name: '洋河工区', lat: 31.2391, lon: 119.2919, elev: 214, northOffset: -0.5, link: 'bridge' },
  { id: 't06', name: '曹山', lat: 31.3089, lon: 119.2786, elev: 263, northOffset: 1.4, link: 'leased' },
  { id: 't07', name: '金山', lat: 31.2854, lon: 119.4186, elev: 297, northOffset: 0.3, power: 'solar', link: 'bridge' },
  { id: 't08', name: '十思园', lat: 31.2489, lon: 119.4671, elev: 176, northOffset: -2.0, link: 'fibre' },
  { id: 't09', name: '毛尖花红', lat: 31.1923, lon: 119.3347, elev: 332, northOffset: 0.6, link: 'leased' },
  { id: 't10', name: '第一峰', lat: 31.1547, lon: 119.4729, elev: 531, northOffset: -0.9, link: 'bridge' },
  { id: 't11', name: '落马岭', lat: 31.1702, lon: 119.5215, elev: 446, northOffset: 1.7, link: 'leased' },
  { id: 't12', name: '松林北山', lat: 31.2278, lon: 119.5089, elev: 268, northOffset: 0.2, link: 'leased' },
  { id: 't13', name: '西岕村后', lat: 31.1398, lon: 119.4268, elev: 384, northOffset: -1.6, link: 'bridge' },
  { id: 't14', name: '横涧林场', lat: 31.2017, lon: 119.5562, elev: 309, northOffset: 0.9, link: 'leased' },
  { id: 't15', name: '剥虎岕', lat: 31.1281, lon: 119.4896, elev: 417, northOffset: -0.3, link: 'bridge' },
  { id: 't16', name: '通用山庄', lat: 31.2684, lon: 119.4967, elev: 142, northOffset: 1.1, link: 'fibre' },
  { id: 't17', name: '龙潭林场', lat: 31.1594, lon: 119.3791, elev: 356, northOffset: -0.7, link: 'leased' },
  { id: 't18', name: '河岕南', lat: 31.2203, lon: 119.3712, elev: 238, northOffset: 2.4, link: 'bridge' },
  { id: 't19', name: '老鸭浪', lat: 31.1855, lon: 119.2853, elev: 291, northOffset: -1.1, link: 'leased' },
];

export interface SimulatedSiteEndpoints {
  /** Base of a tower's RTSP server, e.g. `rtsp://127.0.0.1:8554` (each simulated tower has its own, like a real one). */
  rtspBase: string | ((towerId: string) => string);
  /** The towers' simulated ONVIF PTZ heads and the credentials they accept. */
  onvif?: { url: (towerId: string) => string | undefined; credentials: { id: string; user: string; password: string } };
  /** The simulated networked decoders (addresses carry their credentials) and LED controller; without them the wall uses software decoders. */
  decoders?: { address: (decoderId: string) => string | undefined; ledAddress?: string | undefined };
  /** The fire detectors' ingest tokens, and where alert reports go (the simulator's receiver). */
  alerts?: { detectorToken: (towerId: string) => string; recipients: AlertsConfig['recipients'] };
  /** The generated shaded-relief basemap and elevation model (MBTiles files). */
  map?: { basemap: string; dem: string };
  /** Address of each tower's simulated weather station. */
  weatherStation?: (stationId: string) => string;
  /** health (运维): each tower's link emulator (`udp-echo://host:port`), which the link probes measure. */
  linkAddress?: (towerId: string) => string | undefined;
}

/** Builds the site file of the built-in simulated site, pointing at a running simulator. */
export function buildSimulatedSite(ep: SimulatedSiteEndpoints): SiteConfig {
  const base = typeof ep.rtspBase === 'string' ? () => ep.rtspBase as string : ep.rtspBase;
  // Both cameras of a tower sit on one PTZ head, so they share its ONVIF address.
  const onvifOf = (towerId: string) => {
    const url = ep.onvif?.url(towerId);
    return url && ep.onvif ? { onvif: { url, credentials: ep.onvif.credentials.id } } : {};
  };
  const visibleLens = { sensorWidthMm: 7.18, sensorHeightMm: 5.32, focalMinMm: 10, focalMaxMm: 350 };
  // 384x288 microbolometer, 17 µm pitch, fixed 35 mm lens.
  const thermalLens = { sensorWidthMm: 6.528, sensorHeightMm: 4.896, focalMinMm: 35, focalMaxMm: 35 };
  const decoders = [];
  for (let row = 0; row < 3; row++) {
    for (let column = 0; column < 5; column++) {
      const id = `d${String(row * 5 + column + 1).padStart(2, '0')}`;
      const address = ep.decoders?.address(id);
      decoders.push({ id, row, column, ...(address ? { driver: 'http-json' as const, address } : { driver: 'software' as const }), maxStreams: 4 });
    }
  }
  return {
    site: {
      id: 'liyang-sim',
      name: '溧阳市森林防火监控中心（模拟）',
      timeZone: 'Asia/Shanghai',
      center: { lat: 31.23, lon: 119.41 },
      simulated: true,
    },
    towers: SIMULATED_TOWERS.map((t) => ({
      id: t.id,
      name: t.name,
      lat: t.lat,
      lon: t.lon,
      groundElevation: t.elev,
      mastHeight: 25,
      northOffset: t.northOffset,
      approximate: true,
      power: t.power ?? 'mains',
      link: { kind: t.link, bandwidthMbps: t.link === 'fibre' ? 100 : t.link === 'bridge' ? 50 : 20, ...(ep.linkAddress?.(t.id) ? { address: ep.linkAddress(t.id)! } : {}) },
      cameras: (['visible', 'thermal'] as const).map((kind) => ({
        ...onvifOf(t.id),
        id: `${t.id}-${kind}`,
        kind,
        codec: 'h264' as const,
        streams: { main: `${base(t.id)}/${t.id}/${kind}/main`, sub: `${base(t.id)}/${t.id}/${kind}/sub` },
        lens: kind === 'visible' ? visibleLens : thermalLens,
      })),
      detector: { id: `${t.id}-fd`, ...(ep.alerts ? { token: ep.alerts.detectorToken(t.id) } : {}) },
      weatherStation: { id: `${t.id}-ws`, ...(ep.weatherStation ? { url: ep.weatherStation(`${t.id}-ws`) } : {}) },
    })),
    wall: {
      rows: 3,
      columns: 5,
      panel: { width: 1920, height: 1080, bezelMm: 3.5, diagonalInch: 55 },
      decoders,
      ...(ep.decoders?.ledAddress ? { led: { address: ep.decoders.ledAddress, width: 320 } } : {}),
    },
    // Probes every 5 s (demonstrations and tests see a change quickly); a device down 2 minutes gets a ticket.
    health: HealthConfigSchema.parse({ intervals: { camera: 5, link: 5, ptz: 5, decoder: 5, host: 10 }, ticketAfterMinutes: 2 }),
    credentials: ep.onvif ? [{ ...ep.onvif.credentials }] : [],
    basemaps: ep.map ? [{ id: 'sim-relief', name: '地形晕渲（模拟）', kind: 'mbtiles' as const, path: ep.map.basemap, crs: 'wgs84' as const, attribution: '模拟数据' }] : [],
    ...(ep.map ? { terrain: { path: ep.map.dem, encoding: 'mapbox' as const } } : {}),
    weather: {
      pollSeconds: 30,
      // The provincial five-level forest fire danger scale, simplified to what a station measures.
      fireDanger: [
        { level: 2, name: '二级 较低', colour: '#3d8bfd', temperatureAboveC: 10, humidityBelowPct: 70 },
        { level: 3, name: '三级 较高', colour: '#e8c33d', temperatureAboveC: 15, humidityBelowPct: 50 },
        { level: 4, name: '四级 高', colour: '#f08a24', temperatureAboveC: 20, humidityBelowPct: 40, windAboveMs: 3 },
        { level: 5, name: '五级 极高', colour: '#e5484d', temperatureAboveC: 25, humidityBelowPct: 30, windAboveMs: 5 },
      ],
    },
    security: DEFAULT_SECURITY_POLICY,
    alerts: { ...DEFAULT_ALERT_POLICY, recipients: ep.alerts?.recipients ?? [] },
    // conference: the sites the daily roll call (点名) goes through.
    conference: ConferenceConfigSchema.parse({
      sites: [
        { id: 'liyang-city', name: '溧阳市应急管理局值班室', kind: 'duty-room' },
        { id: 'daibu', name: '戴埠镇森林防火指挥部', kind: 'county' },
        { id: 'shezhu', name: '社渚镇森林防火指挥部', kind: 'county' },
        { id: 'longtan-farm', name: '龙潭林场', kind: 'farm' },
        { id: 'tianmu-farm', name: '天目湖林场', kind: 'farm' },
      ],
    }),
    places: [
      { name: '天目湖', lat: 31.305, lon: 119.433 },
      { name: '南山竹海', lat: 31.178, lon: 119.462 },
      { name: '戴埠镇', lat: 31.233, lon: 119.475 },
      { name: '社渚镇', lat: 31.337, lon: 119.251 },
      { name: '平桥', lat: 31.283, lon: 119.372 },
    ],
  };
}

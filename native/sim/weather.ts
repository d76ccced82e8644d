import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Simulated multi-function monitoring stations (森林防火多功能监测站): one HTTP peer answering
 * `GET /stations/<id>` with the station's current reading as JSON (docs/map.md#weather-stations).
 * Values follow the day (warmest mid-afternoon, driest then), drift slowly, and differ per
 * station with its height (−0.65 °C per 100 m). A station can be taken off the air or given
 * fixed values (tests, demonstrations: a hot dry windy afternoon).
 */

export interface StationReading {
  stationId: string;
  time: string;
  temperatureC: number;
  humidityPct: number;
  windSpeedMs: number;
  windFromDeg: number;
  pressureHpa: number;
  rainMm: number;
}

export interface WeatherSim {
  readonly url: string;
  urlOf(stationId: string): string;
  /** Fixed values for a station (merged into its reading), or undefined to let it follow the day again. */
  override(stationId: string, values: Partial<Omit<StationReading, 'stationId' | 'time'>> | undefined): void;
  /** A station that is off the air answers 503. */
  setOnline(stationId: string, online: boolean): void;
  close(): Promise<void>;
}

export function simulatedReading(stationId: string, elevationM: number, now: number): StationReading {
  // Hour of day in China Standard Time (UTC+8), fractional.
  const hour = ((now / 3_600_000 + 8) % 24 + 24) % 24;
  const day = Math.cos(((hour - 15) / 24) * 2 * Math.PI); // 1 at 15:00, −1 at 03:00
  let seed = 0;
  for (const ch of stationId) seed = (seed * 31 + ch.charCodeAt(0)) % 997;
  const drift = Math.sin(now / 1_800_000 + seed);
  const temperatureC = 16 + 7 * day + 1.2 * drift - 0.0065 * elevationM;
  const humidityPct = Math.min(98, Math.max(12, 58 - 22 * day + 6 * Math.sin(now / 2_700_000 + seed * 1.7)));
  const windSpeedMs = Math.max(0, 2.5 + 1.5 * day + 1.2 * Math.sin(now / 600_000 + seed) + elevationM / 250);
  const windFromDeg = (((300 + 35 * Math.sin(now / 3_600_000 + seed / 100) + (seed % 20)) % 360) + 360) % 360;
  const r1 = (v: number) => Math.round(v * 10) / 10;
  return {
    stationId,
    time: new Date(now).toISOString(),
    temperatureC: r1(temperatureC),
    humidityPct: r1(humidityPct),
    windSpeedMs: r1(windSpeedMs),
    windFromDeg: Math.round(windFromDeg),
    pressureHpa: r1(1013 - elevationM / 8.5),
    rainMm: 0,
  };
}

export async function startWeatherSim(opts: { host?: string; port?: number; stations: ReadonlyArray<{ id: string; elevationM: number }> }): Promise<WeatherSim> {
  const host = opts.host ?? '127.0.0.1';
  const stations = new Map(opts.stations.map((s) => [s.id, s.elevationM]));
  const overrides = new Map<string, Partial<StationReading>>();
  const offline = new Set<string>();
  const server: Server = createServer((req, res) => {
    const m = /^\/stations\/([A-Za-z0-9_-]{1,64})$/.exec(req.url ?? '');
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.method !== 'GET' || !m) return json(404, { error: 'GET /stations/<id>' });
    const id = m[1]!;
    const elevation = stations.get(id);
    if (elevation === undefined) return json(404, { error: `no station ${id}` });
    if (offline.has(id)) return json(503, { error: 'station offline' });
    json(200, { ...simulatedReading(id, elevation, Date.now()), ...overrides.get(id) });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, host, resolve));
  const url = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    url,
    urlOf: (id) => `${url}/stations/${id}`,
    override: (id, values) => (values ? overrides.set(id, values) : overrides.delete(id)),
    setOnline: (id, online) => (online ? offline.delete(id) : offline.add(id)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

import { z } from 'zod';
import type { WeatherReading } from '../../common/contract';
import type { SiteConfig } from '../../common/site';
import { fetchFailure } from './fetch-error';
import type { Logger } from '../host/dispatch';

/**
 * Polls the towers' weather stations (HTTP/JSON, docs/map.md#weather-stations) and colours each by
 * the site's fire-danger thresholds. A station that does not answer keeps its last values,
 * marked not ok with the reason.
 */

const StationJson = z.object({
  time: z.string().optional(),
  temperatureC: z.number(),
  humidityPct: z.number().min(0).max(100),
  windSpeedMs: z.number().min(0),
  windFromDeg: z.number().min(0).max(360),
});

type Level = NonNullable<SiteConfig['weather']>['fireDanger'][number];

/** The highest level whose every stated condition holds (0 when none does). */
export function fireDanger(levels: readonly Level[], r: { temperatureC: number | null; humidityPct: number | null; windSpeedMs: number | null }): number {
  let best = 0;
  for (const l of levels) {
    const holds =
      (l.temperatureAboveC === undefined || (r.temperatureC !== null && r.temperatureC > l.temperatureAboveC)) &&
      (l.humidityBelowPct === undefined || (r.humidityPct !== null && r.humidityPct < l.humidityBelowPct)) &&
      (l.windAboveMs === undefined || (r.windSpeedMs !== null && r.windSpeedMs > l.windAboveMs));
    if (holds && l.level > best) best = l.level;
  }
  return best;
}

export interface WeatherPoller {
  readings(): WeatherReading[];
  pollNow(): Promise<WeatherReading[]>;
  close(): void;
}

export function startWeatherPoller(site: SiteConfig, opts: { onReadings(r: WeatherReading[]): void; log: Logger }): WeatherPoller {
  const levels = site.weather?.fireDanger ?? [];
  const stations = site.towers.flatMap((t) => (t.weatherStation?.url ? [{ towerId: t.id, id: t.weatherStation.id, url: t.weatherStation.url }] : []));
  const last = new Map<string, WeatherReading>(
    site.towers.flatMap((t) =>
      t.weatherStation
        ? [[t.weatherStation.id, { stationId: t.weatherStation.id, towerId: t.id, ok: false, message: t.weatherStation.url ? 'not read yet' : 'no address in the site file', at: null, temperatureC: null, humidityPct: null, windSpeedMs: null, windFromDeg: null, danger: 0 }] as const]
        : [],
    ),
  );
  const pollOne = async (s: (typeof stations)[number]): Promise<void> => {
    const prev = last.get(s.id)!;
    try {
      const res = await fetch(s.url, { signal: AbortSignal.timeout(5000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const parsed = StationJson.safeParse(await res.json());
      if (!parsed.success) throw new Error(`unexpected reading: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
      const v = parsed.data;
      const at = v.time ? Date.parse(v.time) : Date.now();
      last.set(s.id, { stationId: s.id, towerId: s.towerId, ok: true, at: Number.isFinite(at) ? at : Date.now(), temperatureC: v.temperatureC, humidityPct: v.humidityPct, windSpeedMs: v.windSpeedMs, windFromDeg: v.windFromDeg, danger: fireDanger(levels, v) });
    } catch (e) {
      const why = fetchFailure(e, 5);
      if (prev.ok) opts.log('warn', `weather station ${s.id}: ${why}`);
      last.set(s.id, { ...prev, ok: false, message: why });
    }
  };
  const pollNow = async () => {
    await Promise.all(stations.map(pollOne));
    const r = [...last.values()];
    opts.onReadings(r);
    return r;
  };
  const every = (site.weather?.pollSeconds ?? 60) * 1000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const loop = () => {
    if (closed) return;
    void pollNow().finally(() => {
      if (!closed) timer = setTimeout(loop, every);
      timer?.unref();
    });
  };
  if (stations.length) loop();
  return {
    readings: () => [...last.values()],
    pollNow,
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
    },
  };
}

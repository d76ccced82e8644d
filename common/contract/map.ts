import { z } from 'zod';
import { command } from './define';

/*
 * The one map's host side: basemap and elevation tiles (served over HTTP under /api/map/, see
 * docs/map.md), ground fixes on the elevation model, satellite hotspots and weather stations.
 */

const Lat = z.number().min(-90, 'must be between -90 and 90').max(90, 'must be between -90 and 90');
const Lon = z.number().min(-180, 'must be between -180 and 180').max(180, 'must be between -180 and 180');

/** What a basemap can show, found by opening its file or fetching a tile. */
export const BasemapStatus = z.object({
  id: z.string(),
  ok: z.boolean(),
  /** Why it cannot be shown, in words (file missing, server not answering, HTTP 403…). */
  message: z.string().optional(),
  type: z.enum(['raster', 'vector']),
  format: z.string().optional(),
  minzoom: z.number(),
  maxzoom: z.number(),
  /** West, south, east, north. */
  bounds: z.tuple([z.number(), z.number(), z.number(), z.number()]).optional(),
  /** Layer names of a vector basemap. */
  vectorLayers: z.array(z.string()),
});
export type BasemapStatus = z.infer<typeof BasemapStatus>;

/** A satellite hotspot as stored by the host (FIRMS fields, acquisition instant in ms). */
export const Hotspot = z.object({
  id: z.string(),
  lat: z.number(),
  lon: z.number(),
  at: z.number(),
  satellite: z.string().nullable(),
  /** As published: 0–100 (MODIS) or l / n / h (VIIRS). */
  confidence: z.string().nullable(),
  /** Normalised confidence class. */
  level: z.enum(['low', 'nominal', 'high']),
  frp: z.number().nullable(),
  brightness: z.number().nullable(),
  daynight: z.enum(['D', 'N']).nullable(),
  source: z.string(),
});
export type Hotspot = z.infer<typeof Hotspot>;

/** Outcome of one import (a file, or one scheduled download). */
export const HotspotImport = z.object({
  source: z.string(),
  at: z.number(),
  imported: z.number(),
  /** Already known (same place, time and satellite). */
  duplicates: z.number(),
  rejected: z.number(),
  /** The first bad rows, line number and reason. */
  errors: z.array(z.object({ line: z.number(), reason: z.string() })),
  /** Set when nothing could be read at all (not a FIRMS file, download failed). */
  message: z.string().optional(),
});
export type HotspotImport = z.infer<typeof HotspotImport>;

export const HotspotState = z.object({
  hotspots: z.array(Hotspot),
  imports: z.array(HotspotImport),
  /** The scheduled download, when the site configures one. */
  schedule: z.object({ intervalMinutes: z.number(), lastAt: z.number().nullable(), nextAt: z.number().nullable() }).nullable(),
});
export type HotspotState = z.infer<typeof HotspotState>;

/** A weather station's last reading, or why there is none. */
export const WeatherReading = z.object({
  stationId: z.string(),
  towerId: z.string(),
  ok: z.boolean(),
  message: z.string().optional(),
  at: z.number().nullable(),
  temperatureC: z.number().nullable(),
  humidityPct: z.number().nullable(),
  windSpeedMs: z.number().nullable(),
  /** Direction the wind blows from, degrees true. */
  windFromDeg: z.number().nullable(),
  /** Fire-danger level from the site's thresholds (0 when none holds or none are configured). */
  danger: z.number(),
});
export type WeatherReading = z.infer<typeof WeatherReading>;

export const FireDangerLevelView = z.object({ level: z.number(), name: z.string(), colour: z.string() });

export const GroundHit = z.object({
  ok: z.boolean(),
  message: z.string().optional(),
  lat: z.number().optional(),
  lon: z.number().optional(),
  /** Ground height at the hit, m above sea level. */
  height: z.number().optional(),
  /** Along the ground from the tower, m. */
  distance: z.number().optional(),
});
export type GroundHit = z.infer<typeof GroundHit>;

export const mapCommands = {
  /** Opens the basemap's file or fetches a tile from its server; says what it shows or why it cannot. */
  'map:basemapStatus': command(z.object({ id: z.string().min(1).max(64) }).strict(), BasemapStatus),
  /** Opens the elevation model: its zoom range and extent, or why it cannot be used. */
  'map:terrainStatus': command(z.object({}).strict(), BasemapStatus),
  /** Ground heights from the elevation model; a point outside it gets null and a message. */
  'map:elevation': command(
    z.object({ points: z.array(z.object({ lat: Lat, lon: Lon }).strict()).min(1).max(200) }).strict(),
    z.object({ heights: z.array(z.number().nullable()), message: z.string().optional() }),
  ),
  /** Single-tower fix: where a tower's camera axis (true bearing, tilt) meets the terrain. */
  'map:groundFix': command(
    z.object({ towerId: z.string().min(1).max(64), bearing: z.number().min(0).max(360), tilt: z.number().min(-90).max(90) }).strict(),
    GroundHit,
  ),
  'map:hotspots': command(z.object({}).strict(), HotspotState),
  /** Imports FIRMS CSV text (a file, or one part of a big file: `firstLine` numbers its lines in the whole). */
  'map:importHotspots': command(
    z.object({ source: z.string().min(1).max(200), text: z.string().max(240 * 1024), firstLine: z.number().int().min(1).optional() }).strict(),
    HotspotImport,
  ),
  'map:clearHotspots': command(z.object({}).strict(), z.object({ removed: z.number() })),
  'map:weather': command(z.object({}).strict(), z.object({ readings: z.array(WeatherReading), levels: z.array(FireDangerLevelView) })),
} as const;

export const mapEvents = {
  /** The hotspot set changed (an import, a scheduled download, a clear): only what changed, the rest is kept. */
  'map:hotspots': z.object({
    added: z.array(Hotspot),
    /** Ids dropped (the oldest, past the store's limit). */
    removed: z.array(z.string()),
    /** Everything was removed before `added`. */
    cleared: z.boolean(),
    imports: HotspotState.shape.imports,
    schedule: HotspotState.shape.schedule,
  }),
  /** New readings after a poll of the weather stations. */
  'map:weather': z.object({ readings: z.array(WeatherReading) }),
} as const;

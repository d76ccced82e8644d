import { z } from 'zod';
import { command } from './define';

/** A camera as the renderer sees it: no stream URLs, no credentials. */
export const CameraView = z.object({
  id: z.string(),
  towerId: z.string(),
  kind: z.enum(['visible', 'thermal']),
  name: z.string(),
  codec: z.enum(['h264', 'h265']),
  hasSubStream: z.boolean(),
  hasPtz: z.boolean(),
  /** Sensor and focal range from the site file, for the field of view at a zoom (HUD, map cones); absent = the kind's default lens. */
  lens: z.object({ sensorWidthMm: z.number(), sensorHeightMm: z.number(), focalMinMm: z.number(), focalMaxMm: z.number() }).optional(),
});
export type CameraView = z.infer<typeof CameraView>;

export const TowerView = z.object({
  id: z.string(),
  name: z.string(),
  lat: z.number(),
  lon: z.number(),
  groundElevation: z.number(),
  mastHeight: z.number(),
  northOffset: z.number(),
  approximate: z.boolean(),
  cameras: z.array(CameraView),
});
export type TowerView = z.infer<typeof TowerView>;

export const WallView = z.object({
  rows: z.number(),
  columns: z.number(),
  panelWidth: z.number(),
  panelHeight: z.number(),
  decoders: z.array(z.object({ id: z.string(), row: z.number(), column: z.number(), maxStreams: z.number() })),
});

/** A basemap of the layer panel; its tiles come from the host at /api/map/tiles/<id>/{z}/{x}/{y}. */
export const BasemapView = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['mbtiles', 'pmtiles', 'xyz']),
  crs: z.enum(['wgs84', 'gcj02']),
  attribution: z.string().optional(),
  tileSize: z.number(),
});
export type BasemapView = z.infer<typeof BasemapView>;

/** The site as shown to operators. */
export const SiteView = z.object({
  id: z.string(),
  name: z.string(),
  simulated: z.boolean(),
  timeZone: z.string(),
  towers: z.array(TowerView),
  wall: WallView.nullable(),
  /** The alerts' observation timing, for the console's countdowns. */
  alerts: z.object({ observeMinutes: z.number(), followUpMinutes: z.number() }).optional(),
  /** Named places (villages, scenic spots) for search and the nearest names of a fix. */
  places: z.array(z.object({ name: z.string(), lat: z.number(), lon: z.number() })),
  basemaps: z.array(BasemapView),
  /** Whether an elevation model is configured (its tiles at /api/map/terrain/{z}/{x}/{y}). */
  terrain: z.boolean(),
});
export type SiteView = z.infer<typeof SiteView>;

export const siteCommands = {
  'site:get': command(z.object({}).strict(), SiteView),
} as const;

export const siteEvents = {} as const;

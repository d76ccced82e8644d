import { z } from 'zod';
import { AlertPolicySchema } from './alerts';
import { SecurityPolicySchema } from './auth';
import { HealthConfigSchema } from './health';
import { ConferenceConfigSchema } from './conference';

/**
 * The site file: one document that describes a monitoring site — towers and their cameras,
 * the wall and its decoders, detectors and weather stations. Spec: docs/site-file.md.
 */

const Id = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be 1–64 letters, digits, "-" or "_", starting with a letter or digit');

const Latitude = z.number().min(-90, 'must be between -90 and 90').max(90, 'must be between -90 and 90');
const Longitude = z.number().min(-180, 'must be between -180 and 180').max(180, 'must be between -180 and 180');

const MediaUrl = z
  .string()
  .refine((s) => /^(rtsp|rtsps|rtmp|http|https|file):\/\/\S+$/.test(s), 'must be an rtsp://, rtmp://, http(s):// or file:// URL');
const HttpUrl = z.string().refine((s) => /^https?:\/\/\S+$/.test(s), 'must be an http:// or https:// URL');

/** Optical characteristics used to compute the field of view from zoom. */
export const LensSchema = z.object({
  /** Sensor width in millimetres (e.g. 1/1.8" ≈ 7.18 mm). */
  sensorWidthMm: z.number().positive(),
  /** Sensor height in millimetres. */
  sensorHeightMm: z.number().positive(),
  /** Shortest focal length (1x zoom), millimetres. */
  focalMinMm: z.number().positive(),
  /** Longest focal length, millimetres; equal to focalMinMm for a fixed lens. */
  focalMaxMm: z.number().positive(),
});

export const CameraKindSchema = z.enum(['visible', 'thermal']);
export type CameraKind = z.infer<typeof CameraKindSchema>;

export const CameraSchema = z.object({
  id: Id,
  kind: CameraKindSchema,
  name: z.string().min(1).optional(),
  codec: z.enum(['h264', 'h265']).default('h264'),
  streams: z.object({ main: MediaUrl, sub: MediaUrl.optional() }),
  onvif: z.object({ url: HttpUrl, credentials: Id.optional() }).optional(),
  /** Reference to an entry of `credentials` used for the RTSP URLs. */
  credentials: Id.optional(),
  lens: LensSchema.optional(),
});
export type CameraConfig = z.infer<typeof CameraSchema>;

export const TowerSchema = z.object({
  id: Id,
  name: z.string().min(1, 'must not be empty'),
  lat: Latitude,
  lon: Longitude,
  /** Ground elevation above sea level, metres. */
  groundElevation: z.number().min(-500).max(9000),
  /** Height of the PTZ head above ground, metres. */
  mastHeight: z.number().min(0).max(300),
  /** Bearing of the PTZ head's zero pan relative to true north, degrees (added to pan to get a true bearing). */
  northOffset: z.number().min(-360).max(360).default(0),
  /** True when the position is a demonstration approximation, not a survey. */
  approximate: z.boolean().default(false),
  power: z.enum(['mains', 'solar', 'other']).default('mains'),
  link: z
    .object({ kind: z.enum(['leased', 'fibre', 'bridge', 'other']), bandwidthMbps: z.number().positive().optional(), address: z.string().optional() })
    .optional(),
  cameras: z.array(CameraSchema).min(1, 'a tower needs at least one camera'),
  /**
   * The tower's front-end fire detector. It posts alarms to the host (`POST /api/alerts/ingest`,
   * docs/alerts.md) with `Authorization: Bearer <token>`; without a token its alarms are refused.
   */
  detector: z.object({ id: Id, url: HttpUrl.optional(), token: z.string().min(16).max(200).optional() }).optional(),
  weatherStation: z.object({ id: Id, url: HttpUrl.optional() }).optional(),
});
export type TowerConfig = z.infer<typeof TowerSchema>;

/** A receiver of alert reports: an HTTP endpoint (webhook, SMS or WeChat gateway) that takes the JSON report. */
export const AlertRecipientSchema = z
  .object({
    name: z.string().min(1).max(64),
    url: HttpUrl,
    token: z.string().max(200).optional(),
    /** What it is sent: the alert reports (first and follow-ups), and/or escalation notices (the shift leader's phone). */
    receives: z.array(z.enum(['reports', 'escalations'])).min(1).max(2).default(['reports']),
  })
  .strict();

export const AlertsConfigSchema = AlertPolicySchema.extend({ recipients: z.array(AlertRecipientSchema).max(50).default([]) });
export type AlertsConfig = z.infer<typeof AlertsConfigSchema>;

export const DecoderSchema = z.object({
  id: Id,
  /** Zero-based panel position on the wall. */
  row: z.number().int().min(0),
  column: z.number().int().min(0),
  driver: z.enum(['software', 'http-json']).default('http-json'),
  /** Network address of a hardware (or simulated) decoder; unused by the software decoder. */
  address: HttpUrl.optional(),
  /** How many HD streams the decoder can decode at once. */
  maxStreams: z.number().int().min(1).max(64).default(4),
});

export const WallSchema = z.object({
  rows: z.number().int().min(1).max(16),
  columns: z.number().int().min(1).max(32),
  panel: z.object({
    width: z.number().int().min(320).max(7680),
    height: z.number().int().min(240).max(4320),
    /** Visible gap between two panels, millimetres (drawn in the mirror). */
    bezelMm: z.number().min(0).max(50).default(3.5),
    diagonalInch: z.number().positive().default(55),
  }),
  decoders: z.array(DecoderSchema),
  led: z.object({ address: HttpUrl.optional(), width: z.number().int().positive().default(320) }).optional(),
});

/** Datum a basemap is drawn in: overlays on a `gcj02` basemap are shifted so they sit on the picture. */
export const BasemapCrsSchema = z.enum(['wgs84', 'gcj02']);

const BasemapCommon = {
  id: Id,
  name: z.string().min(1),
  crs: BasemapCrsSchema.default('wgs84'),
  attribution: z.string().optional(),
};
const TileUrl = z
  .string()
  .refine((s) => /^https?:\/\/\S+$/.test(s), 'must be an http:// or https:// URL template')
  .refine((s) => /\{z\}|\{TileMatrix\}/.test(s) && /\{x\}|\{TileCol\}/.test(s) && /\{y\}|\{-y\}|\{TileRow\}/.test(s), 'must contain {z}, {x} and {y} (or WMTS {TileMatrix}, {TileCol} and {TileRow})');

/**
 * A basemap the operator can switch to: a tile file on the host (MBTiles or PMTiles, raster or
 * vector — the file says which), or an XYZ/WMTS tile service (Tianditu, a county tile server) that
 * the host fetches on the console's behalf so its key never reaches the browser.
 */
export const BasemapSchema = z.discriminatedUnion('kind', [
  z.object({ ...BasemapCommon, kind: z.literal('mbtiles'), /** Path of the file; relative to the site file. */ path: z.string().min(1) }),
  z.object({ ...BasemapCommon, kind: z.literal('pmtiles'), path: z.string().min(1) }),
  z.object({
    ...BasemapCommon,
    kind: z.literal('xyz'),
    /** Template with {z} {x} {y} (or {-y} for TMS), optional {s} (subdomains) and {key}; WMTS KVP templates use {TileMatrix} {TileCol} {TileRow}. */
    url: TileUrl,
    subdomains: z.array(z.string().min(1)).default([]),
    /** The service key put in place of {key}: in the file (development), or by `keySecretRef` from the encrypted store. */
    key: z.string().optional(),
    keySecretRef: z.string().optional(),
    tileSize: z.union([z.literal(256), z.literal(512)]).default(256),
    minzoom: z.number().int().min(0).max(24).default(0),
    maxzoom: z.number().int().min(0).max(24).default(18),
  }),
]);
export type BasemapConfig = z.infer<typeof BasemapSchema>;

/** A fire-danger level: the highest level whose every given condition holds colours a weather station. */
export const FireDangerLevelSchema = z.object({
  level: z.number().int().min(1).max(5),
  name: z.string().min(1),
  colour: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #e5484d'),
  temperatureAboveC: z.number().optional(),
  humidityBelowPct: z.number().min(0).max(100).optional(),
  windAboveMs: z.number().min(0).optional(),
});

export const CredentialSchema = z.object({
  id: Id,
  user: z.string(),
  /** Secret in plain text — only in development files; production uses `secretRef` (encrypted store). */
  password: z.string().optional(),
  secretRef: z.string().optional(),
});

export const SiteSchema = z.object({
  site: z.object({
    id: Id,
    name: z.string().min(1),
    /** IANA time zone of the site, used for shifts and schedules. */
    timeZone: z.string().default('Asia/Shanghai'),
    center: z.object({ lat: Latitude, lon: Longitude }).optional(),
    simulated: z.boolean().default(false),
  }),
  towers: z.array(TowerSchema).min(1, 'a site needs at least one tower'),
  wall: WallSchema.optional(),
  credentials: z.array(CredentialSchema).default([]),
  places: z.array(z.object({ name: z.string().min(1), lat: Latitude, lon: Longitude })).default([]),
  /** Basemaps of the layer panel, besides the built-in offline map (docs/site-file.md#basemaps). */
  basemaps: z.array(BasemapSchema).default([]),
  /** Elevation model: terrain-RGB tiles in an MBTiles file (single-tower fix, tilt for look-here). */
  terrain: z.object({ path: z.string().min(1), encoding: z.enum(['mapbox', 'terrarium']).default('mapbox') }).optional(),
  /** NASA FIRMS active-fire CSV fetched on a schedule (the area and key are part of the URL). */
  hotspots: z
    .object({ url: HttpUrl.optional(), intervalMinutes: z.number().min(5).max(1440).default(30), maxAgeHours: z.number().min(1).max(240).default(48) })
    .optional(),
  /** How the weather stations are read and coloured. */
  weather: z
    .object({ pollSeconds: z.number().min(5).max(3600).default(60), fireDanger: z.array(FireDangerLevelSchema).default([]) })
    .optional(),
  /** Password rules, lockout, idle timeout and audit retention (defaults: docs/security.md). */
  security: SecurityPolicySchema.default(SecurityPolicySchema.parse({})),
  /** Fire alerts: merging, linking, escalation, observation and who gets the reports. */
  alerts: AlertsConfigSchema.default(AlertsConfigSchema.parse({})),
  /** Operations and maintenance: probes, availability target, ticket threshold, working hours (docs/health.md). */
  health: HealthConfigSchema.default(HealthConfigSchema.parse({})),
  /** Video conference: ICE servers, roll-call sites, link lifetime (docs/site-file.md#conference). */
  conference: ConferenceConfigSchema.default(ConferenceConfigSchema.parse({})),
});
/** A validated site file. */
export type SiteConfig = z.infer<typeof SiteSchema>;

/** One problem in a site file, with the path of the offending value. */
export interface SiteIssue {
  path: string;
  message: string;
}

/** Formats a zod path as `towers[3].cameras[0].id`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out || '(root)';
}

function crossChecks(site: SiteConfig): SiteIssue[] {
  const issues: SiteIssue[] = [];
  const seen = new Map<string, string>();
  const unique = (id: string, path: string) => {
    const prev = seen.get(id);
    if (prev) issues.push({ path, message: `duplicate id "${id}" (first used at ${prev})` });
    else seen.set(id, path);
  };
  const credIds = new Set(site.credentials.map((c) => c.id));
  site.towers.forEach((t, ti) => {
    unique(t.id, `towers[${ti}].id`);
    t.cameras.forEach((c, ci) => {
      unique(c.id, `towers[${ti}].cameras[${ci}].id`);
      if (c.credentials && !credIds.has(c.credentials))
        issues.push({ path: `towers[${ti}].cameras[${ci}].credentials`, message: `unknown credentials "${c.credentials}"` });
      if (c.onvif?.credentials && !credIds.has(c.onvif.credentials))
        issues.push({ path: `towers[${ti}].cameras[${ci}].onvif.credentials`, message: `unknown credentials "${c.onvif.credentials}"` });
      if (c.lens && c.lens.focalMaxMm < c.lens.focalMinMm)
        issues.push({ path: `towers[${ti}].cameras[${ci}].lens.focalMaxMm`, message: 'must not be smaller than focalMinMm' });
    });
  });
  site.basemaps.forEach((b, bi) => {
    unique(b.id, `basemaps[${bi}].id`);
    if (b.kind === 'xyz') {
      if (b.url.includes('{key}') && b.key === undefined && b.keySecretRef === undefined)
        issues.push({ path: `basemaps[${bi}].url`, message: 'contains {key} but neither key nor keySecretRef is given' });
      if (b.url.includes('{s}') && b.subdomains.length === 0) issues.push({ path: `basemaps[${bi}].subdomains`, message: 'the url contains {s}: list the subdomains' });
      if (b.maxzoom < b.minzoom) issues.push({ path: `basemaps[${bi}].maxzoom`, message: 'must not be smaller than minzoom' });
    }
  });
  if (site.wall) {
    const { rows, columns } = site.wall;
    const panels = new Map<string, number>();
    site.wall.decoders.forEach((d, di) => {
      unique(d.id, `wall.decoders[${di}].id`);
      if (d.row >= rows) issues.push({ path: `wall.decoders[${di}].row`, message: `must be below the wall's ${rows} rows` });
      if (d.column >= columns) issues.push({ path: `wall.decoders[${di}].column`, message: `must be below the wall's ${columns} columns` });
      const key = `${d.row},${d.column}`;
      const prev = panels.get(key);
      if (prev !== undefined) issues.push({ path: `wall.decoders[${di}]`, message: `panel ${key} already has decoder wall.decoders[${prev}]` });
      else panels.set(key, di);
      if (d.driver === 'http-json' && !d.address) issues.push({ path: `wall.decoders[${di}].address`, message: 'required for the http-json driver' });
    });
  }
  return issues;
}

/** Validates a parsed site document; returns every problem found, each with its path. */
export function validateSite(raw: unknown): { ok: true; site: SiteConfig } | { ok: false; issues: SiteIssue[] } {
  const parsed = SiteSchema.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, issues: parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })) };
  }
  const issues = crossChecks(parsed.data);
  return issues.length ? { ok: false, issues } : { ok: true, site: parsed.data };
}

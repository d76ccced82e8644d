import type { SiteView } from '../../common/contract';
import type { SiteConfig } from '../../common/site';

/** The operator's view of the site: stream URLs and credentials stay in the host. */
export function toSiteView(site: SiteConfig): SiteView {
  return {
    id: site.site.id,
    name: site.site.name,
    simulated: site.site.simulated,
    timeZone: site.site.timeZone,
    towers: site.towers.map((t) => ({
      id: t.id,
      name: t.name,
      lat: t.lat,
      lon: t.lon,
      groundElevation: t.groundElevation,
      mastHeight: t.mastHeight,
      northOffset: t.northOffset,
      approximate: t.approximate,
      cameras: t.cameras.map((c) => ({
        id: c.id,
        towerId: t.id,
        kind: c.kind,
        name: c.name ?? `${t.name} ${c.kind === 'visible' ? '可见光' : '热成像'}`,
        codec: c.codec,
        hasSubStream: Boolean(c.streams.sub),
        hasPtz: Boolean(c.onvif),
        ...(c.lens ? { lens: c.lens } : {}),
      })),
    })),
    wall: site.wall
      ? {
          rows: site.wall.rows,
          columns: site.wall.columns,
          panelWidth: site.wall.panel.width,
          panelHeight: site.wall.panel.height,
          decoders: site.wall.decoders.map((d) => ({ id: d.id, row: d.row, column: d.column, maxStreams: d.maxStreams })),
        }
      : null,
    alerts: { observeMinutes: site.alerts.observeMinutes, followUpMinutes: site.alerts.followUpMinutes },
    places: site.places,
    basemaps: site.basemaps.map((b) => ({ id: b.id, name: b.name, kind: b.kind, crs: b.crs, ...(b.attribution ? { attribution: b.attribution } : {}), tileSize: b.kind === 'xyz' ? b.tileSize : 256 })),
    terrain: Boolean(site.terrain),
  };
}

/** Finds the stream URL for `cameraId/profile`; the sub profile falls back to main where a camera has none. */
export function resolveStreamUrl(site: SiteConfig, key: string): string | undefined {
  const [cameraId, profile] = key.split('/');
  for (const t of site.towers) {
    const cam = t.cameras.find((c) => c.id === cameraId);
    if (!cam) continue;
    const url = profile === 'sub' ? (cam.streams.sub ?? cam.streams.main) : profile === 'main' ? cam.streams.main : undefined;
    if (!url) return undefined;
    const cred = cam.credentials ? site.credentials.find((c) => c.id === cam.credentials) : undefined;
    if (cred?.password !== undefined && /^rtsps?:\/\//.test(url) && !/@/.test(url.split('/')[2] ?? '')) {
      return url.replace(/^(rtsps?:\/\/)/, `$1${encodeURIComponent(cred.user)}:${encodeURIComponent(cred.password)}@`);
    }
    return url;
  }
  return undefined;
}

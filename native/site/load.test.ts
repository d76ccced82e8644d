import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateSite } from '../../common/site';
import { loadSiteFile, parseSiteText, SiteLoadError } from './load';
import { buildSimulatedSite, SIMULATED_TOWERS } from './simulated';
import { toSiteView } from './view';

const yamlSite = `
site: { id: demo, name: 演示站点 }
towers:
  - id: t1
    name: 仙人山
    lat: 31.26
    lon: 119.35
    groundElevation: 352
    mastHeight: 25
    cameras:
      - { id: t1-vis, kind: visible, streams: { main: "rtsp://127.0.0.1:8554/t1" } }
`;

describe('site file loading', () => {
  it('reads YAML and JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'site-'));
    await writeFile(join(dir, 'a.yaml'), yamlSite);
    const a = await loadSiteFile(join(dir, 'a.yaml'));
    expect(a.towers[0]?.name).toBe('仙人山');
    await writeFile(join(dir, 'b.json'), JSON.stringify(a));
    const b = await loadSiteFile(join(dir, 'b.json'));
    expect(b).toEqual(a);
  });

  it('lists every problem of a broken file, with paths', () => {
    const broken = yamlSite.replace('lat: 31.26', 'lat: 131.26').replace('kind: visible', 'kind: uv');
    try {
      parseSiteText(broken, 'broken.yaml');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SiteLoadError);
      const err = e as SiteLoadError;
      expect(err.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['towers[0].lat', 'towers[0].cameras[0].kind']));
      expect(err.message).toContain('towers[0].lat: must be between -90 and 90');
    }
  });

  it('reports syntax errors with line numbers', () => {
    expect(() => parseSiteText('site: {id: x\ntowers: [', 'bad.yaml')).toThrow(/line \d+/);
    expect(() => parseSiteText('{"site": ', 'bad.json')).toThrow(/not valid JSON/);
  });

  it('reports a missing file', async () => {
    await expect(loadSiteFile('/nonexistent/site.yaml')).rejects.toThrow(/cannot read: ENOENT/);
  });
});

describe('built-in simulated site', () => {
  it('has the 19 towers of the tender, each with a visible and a thermal camera, and a 3x5 wall', () => {
    const site = buildSimulatedSite({ rtspBase: 'rtsp://127.0.0.1:8554' });
    expect(validateSite(site).ok).toBe(true);
    expect(site.towers.map((t) => t.name)).toEqual(SIMULATED_TOWERS.map((t) => t.name));
    expect(site.towers).toHaveLength(19);
    for (const t of site.towers) {
      expect(t.cameras.map((c) => c.kind)).toEqual(['visible', 'thermal']);
      expect(t.approximate).toBe(true);
      // southern Liyang hills
      expect(t.lat).toBeGreaterThan(31.1);
      expect(t.lat).toBeLessThan(31.4);
      expect(t.lon).toBeGreaterThan(119.2);
      expect(t.lon).toBeLessThan(119.6);
    }
    expect(site.wall?.decoders).toHaveLength(15);
    expect(site.towers.find((t) => t.name === '金山')?.power).toBe('solar');
  });

  it("gives the console each camera's lens, so the HUD and the map cones use the real field of view", () => {
    const site = buildSimulatedSite({ rtspBase: 'rtsp://127.0.0.1:8554' });
    const view = toSiteView(site);
    const visible = view.towers[0]?.cameras.find((c) => c.kind === 'visible');
    const thermal = view.towers[0]?.cameras.find((c) => c.kind === 'thermal');
    expect(visible?.lens?.focalMaxMm).toBeGreaterThan(visible?.lens?.focalMinMm ?? Infinity);
    expect(thermal?.lens?.focalMaxMm).toBe(thermal?.lens?.focalMinMm);
    const bare = { ...site, towers: site.towers.map((t) => ({ ...t, cameras: t.cameras.map(({ lens: _l, ...c }) => c) })) };
    expect(toSiteView(bare).towers[0]?.cameras[0]).not.toHaveProperty('lens');
  });
});

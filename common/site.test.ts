import { describe, expect, it } from 'vitest';
import { formatPath, validateSite } from './site';

const minimal = () => ({
  site: { id: 's1', name: 'Test' },
  towers: [
    {
      id: 't1',
      name: '仙人山',
      lat: 31.2,
      lon: 119.3,
      groundElevation: 300,
      mastHeight: 20,
      cameras: [{ id: 'c1', kind: 'visible', streams: { main: 'rtsp://10.0.0.1/main' } }],
    },
  ],
});

describe('validateSite', () => {
  it('accepts a minimal site and fills defaults', () => {
    const r = validateSite(minimal());
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.site.towers[0]?.northOffset).toBe(0);
      expect(r.site.towers[0]?.cameras[0]?.codec).toBe('h264');
      expect(r.site.site.timeZone).toBe('Asia/Shanghai');
    }
  });

  it('reports every problem with its path', () => {
    const s = minimal() as Record<string, unknown> & ReturnType<typeof minimal>;
    const tower = s.towers[0] as Record<string, unknown>;
    tower.lat = 123;
    tower.lon = 'east';
    (s.towers[0]!.cameras[0] as Record<string, unknown>).kind = 'infrared';
    (s.towers[0]!.cameras[0]!.streams as Record<string, unknown>).main = 'ftp://nope';
    const r = validateSite(s);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const paths = r.issues.map((i) => i.path);
    expect(paths).toContain('towers[0].lat');
    expect(paths).toContain('towers[0].lon');
    expect(paths).toContain('towers[0].cameras[0].kind');
    expect(paths).toContain('towers[0].cameras[0].streams.main');
    expect(r.issues.find((i) => i.path === 'towers[0].lat')?.message).toBe('must be between -90 and 90');
  });

  it('finds duplicate ids, unknown credentials and decoders off the wall', () => {
    const s = minimal();
    const doc = {
      ...s,
      towers: [s.towers[0]!, { ...s.towers[0]!, cameras: [{ ...s.towers[0]!.cameras[0]!, credentials: 'nope' }] }],
      wall: {
        rows: 1,
        columns: 2,
        panel: { width: 1920, height: 1080 },
        decoders: [
          { id: 'd1', row: 0, column: 0, driver: 'software' },
          { id: 'd2', row: 0, column: 0, driver: 'software' },
          { id: 'd3', row: 2, column: 5, address: 'http://10.0.0.9' },
        ],
      },
    };
    const r = validateSite(doc);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const text = r.issues.map((i) => `${i.path}: ${i.message}`);
    expect(text).toContain('towers[1].id: duplicate id "t1" (first used at towers[0].id)');
    expect(text).toContain('towers[1].cameras[0].id: duplicate id "c1" (first used at towers[0].cameras[0].id)');
    expect(text).toContain('towers[1].cameras[0].credentials: unknown credentials "nope"');
    expect(text).toContain('wall.decoders[1]: panel 0,0 already has decoder wall.decoders[0]');
    expect(text).toContain("wall.decoders[2].row: must be below the wall's 1 rows");
    expect(text).toContain("wall.decoders[2].column: must be below the wall's 2 columns");
  });

  it('rejects non-objects without throwing', () => {
    for (const bad of [null, 42, 'site', [], { towers: 'x' }]) {
      const r = validateSite(bad);
      expect(r.ok).toBe(false);
    }
  });

  it('formats paths', () => {
    expect(formatPath(['towers', 3, 'cameras', 0, 'id'])).toBe('towers[3].cameras[0].id');
    expect(formatPath([])).toBe('(root)');
  });
});

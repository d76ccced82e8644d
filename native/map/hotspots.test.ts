import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { confidenceLevel, createHotspotStore } from './hotspots';

const CSV = 'latitude,longitude,acq_date,acq_time,satellite,confidence\n31.2,119.4,2026-11-20,0512,N,h\n31.3,119.5,2026-11-20,0512,N,35\n';

describe('hotspot store', () => {
  it('keeps hotspots across a restart and saves on close', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'hotspots-')), 'map', 'hotspots.json');
    const a = createHotspotStore({ file, onChange: () => undefined, log: () => undefined });
    expect(a.importText('a.csv', CSV)).toMatchObject({ imported: 2, rejected: 0 });
    a.close();
    expect(JSON.parse(readFileSync(file, 'utf8')).hotspots).toHaveLength(2);
    const b = createHotspotStore({ file, onChange: () => undefined, log: () => undefined });
    expect(b.state().hotspots.map((h) => h.level).sort()).toEqual(['high', 'nominal']);
    expect(b.importText('a.csv', CSV)).toMatchObject({ imported: 0, duplicates: 2 });
    b.close();
  });
  it('downloads on request and reports a download that fails', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'hotspots-')), 'h.json');
    let fail = false;
    const s = createHotspotStore({
      file,
      url: 'https://firms.example/api/area/csv/KEY/VIIRS_NOAA20_NRT/119,31,120,32/1',
      onChange: () => undefined,
      log: () => undefined,
      fetchText: async () => {
        if (fail) throw Object.assign(new Error('fetch failed'), { cause: { code: 'ENOTFOUND' } });
        return CSV;
      },
    });
    expect(await s.download()).toMatchObject({ imported: 2, source: 'firms.example (定时下载)' });
    fail = true;
    expect((await s.download())?.message).toBe('download from firms.example failed: ENOTFOUND');
    expect(s.state().schedule?.intervalMinutes).toBe(30);
    s.close();
  });
  it('classes MODIS and VIIRS confidence', () => {
    expect([confidenceLevel('l'), confidenceLevel('n'), confidenceLevel('h'), confidenceLevel('29'), confidenceLevel('30'), confidenceLevel('80'), confidenceLevel(null)]).toEqual([
      'low', 'nominal', 'high', 'low', 'nominal', 'high', 'nominal',
    ]);
  });
});

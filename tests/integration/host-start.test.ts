import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('host start-up', () => {
  it('refuses to start on a broken site file and lists every problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bad-site-'));
    const file = join(dir, 'site.yaml');
    writeFileSync(
      file,
      `site: { id: x, name: X }
towers:
  - { id: t1, name: A, lat: 95, lon: 119, groundElevation: 1, mastHeight: 1, cameras: [ { id: c1, kind: visible, streams: { main: "rtsp://h/1" } } ] }
  - { id: t1, name: B, lat: 31, lon: 500, groundElevation: 1, mastHeight: 1, cameras: [] }
`,
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'native/host/main.ts', '--site', file, '--port', '0'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('towers[0].lat: must be between -90 and 90');
    expect(r.stderr).toContain('towers[1].lon: must be between -180 and 180');
    expect(r.stderr).toContain('towers[1].cameras: a tower needs at least one camera');
    expect(r.stderr).toContain('The host did not start');
    expect(r.stdout).not.toContain('Console ready');
  });
});

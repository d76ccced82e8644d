import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { DEFAULT_SECURITY_POLICY } from '../../common/auth';
import { CruiseInfo, SceneInfo, SceneList, WallState } from '../../common/contract';
import { FirmsFormatError, parseFirmsCsv } from '../../common/firms';
import { validateSite, type SiteConfig } from '../../common/site';
import { checkScene, wallGeometry, type DecoderLayout, type DecoderStatus } from '../../common/wall';
import { AuditTrail } from '../../native/audit/trail';
import { canonicalJson, hashCanonical, lineFromCanonical, parseRecordLine, type UnsealedRecord } from '../../native/audit/record';
import { AccountStore } from '../../native/auth/accounts';
import { DeviceStore } from '../../native/auth/devices';
import { systemContext } from '../../native/host/registry';
import { createPtzDomain } from '../../native/ptz/domain';
import type { PtzDriver } from '../../native/ptz/driver';
import { openKeyFileBox } from '../../native/secrets/box';
import { resolveSecretRefs, SecretStore } from '../../native/secrets/store';
import { loadSiteFile, parseSiteText, SiteLoadError } from '../../native/site/load';
import { buildSimulatedSite } from '../../native/site/simulated';
import { WallController } from '../../native/wall/controller';
import type { ApplyAck, DecoderDriver } from '../../native/wall/drivers/driver';
import { HostFailure } from '../../common/contract/errors';
import { parseAssetCsv, parseChecklistTemplate } from '../../native/health/files';
import { mutate, mutateText, randomJson, REPLAY, Rng } from './gen';
import { preview } from './host';
import { SAMPLE_SCENE, SAMPLE_SCENE_WITH_TOURS, SAMPLE_TOUR } from './samples';
// demo
import { parseTourText, TourStore } from '../../native/demo/store';
import { builtInTour } from '../../native/demo/builtin';

/*
 * The file parsers, in process: the site file (JSON and YAML), FIRMS CSV, demonstration tours, wall scenes and the wall
 * state file (windows, tours, schedule), PTZ cruise plans, the account and device store files, the
 * audit trail's day files and anchor, and the secret store. Every input either loads or is refused
 * with an Error that says what is wrong; nothing hangs (each input is timed) and nothing else throws.
 * Detector payloads are not covered: there is no detector ingest yet.
 */

/** A synchronous parse slower than this counts as a hang. */
const SLOW_MS = 2000;
const counts = new Map<string, number>();
const count = (target: string, n = 1) => counts.set(target, (counts.get(target) ?? 0) + n);
const made: string[] = [];
const tmp = (label: string) => {
  const dir = mkdtempSync(join(tmpdir(), `fuzz-${label}-`));
  made.push(dir);
  return dir;
};

function timed<T>(f: () => T): { value?: T; error?: unknown; ms: number } {
  const t0 = performance.now();
  try {
    const value = f();
    return { value, ms: performance.now() - t0 };
  } catch (error) {
    return { error, ms: performance.now() - t0 };
  }
}

async function timedAsync<T>(f: () => Promise<T>): Promise<{ value?: T; error?: unknown; ms: number }> {
  const t0 = performance.now();
  try {
    const value = await f();
    return { value, ms: performance.now() - t0 };
  } catch (error) {
    return { error, ms: performance.now() - t0 };
  }
}

const errText = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message.slice(0, 200)}` : `non-Error thrown: ${preview(e)}`);

afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  console.log(`fuzz: ${total} file inputs — ${[...counts].map(([k, v]) => `${k} ${v}`).join(', ')}; detector payloads: none (no detector ingest yet)`);
});

// ---------------------------------------------------------------------------------------------
// Site file

const SITE: SiteConfig = buildSimulatedSite({
  rtspBase: (t) => `rtsp://127.0.0.1:8554/${t}`,
  onvif: { url: (t) => `http://127.0.0.1:9000/onvif/${t}`, credentials: { id: 'onvif', user: 'admin', password: 'pw' } },
  decoders: { address: (d) => `http://127.0.0.1:9100/${d}`, ledAddress: 'http://127.0.0.1:9200/led' },
});

/** YAML-only trouble: tabs, anchors and aliases, tags, duplicate keys, documents, directives. */
function mutateYaml(r: Rng, text: string): string {
  const lines = text.split('\n');
  const i = r.int(0, lines.length - 1);
  const line = lines[i] ?? '';
  const put = (l: string) => [...lines.slice(0, i), l, ...lines.slice(i + 1)].join('\n');
  switch (r.int(0, 11)) {
    case 0:
      return put(line.replace(/^ +/, (s) => '\t'.repeat(Math.max(1, s.length / 2))));
    case 1:
      return put(line.replace(/: (.+)$/, `: ${r.pick(['!!binary AAAA', '!!js/function "x"', '!custom x', '!!timestamp nope', '!!int x', '!!float y', '!!set {a: 1}', '!!omap [{a: 1}, {a: 2}]', '!!str', '!!null x', '!<tag:yaml.org,2002:int> 5'])}`));
    case 2:
      return `${r.pick(['%YAML 1.1\n---\n', '%YAML 9.9\n---\n', '%TAG ! tag:x,2000:\n---\n', '--- !!map\n', '---\n', '--- |\n'])}${text}`;
    case 3:
      return `${text}\n${r.pick(['---\nsite: {}\n', '...\n', '--- \n- 1\n'])}`;
    case 4:
      // Duplicate key at the top.
      return `${text}\n${r.pick(['site', 'towers', 'wall', 'credentials'])}: []\n`;
    case 5:
      return put(line.replace(/: (.+)$/, ': &a $1'));
    case 6:
      return put(line.replace(/: (.+)$/, `: *${r.pick(['a', 'nope', 'a'.repeat(100)])}`));
    case 7:
      return `base: &base {lat: 1, lon: 2}\n${text}\nmerged:\n  <<: ${r.pick(['*base', '[*base, *base]', '3', 'x'])}\n`;
    case 8: {
      // Exponential aliases, small.
      const n = r.int(2, 5);
      let y = 'b0: &b0 [x, x]\n';
      for (let k = 1; k <= n; k++) y += `b${k}: &b${k} [*b${k - 1}, *b${k - 1}, *b${k - 1}]\n`;
      return `${y}${text}`;
    }
    case 9:
      return put(`${line}  # ${r.pick(['comment', ': not a key', '"', "'", '森林'])}`);
    case 10:
      return put(line.replace(/: (.+)$/, `: ${r.pick(['"unterminated', "'single", '{a: 1', '[1, 2', '|', '>', '? complex', 'yes', 'no', 'on', '0o17', '0x1F', '1e400', '.inf', '-.inf', '.nan', '~', 'null'])}`));
    default:
      return `${'['.repeat(r.int(100, 3000))}${']'.repeat(r.int(0, 3000))}`;
  }
}

describe('file parsers fuzz', () => {
  it('site file: every input loads or is refused with a SiteLoadError naming the problems', async () => {
    expect(validateSite(SITE).ok).toBe(true);
    const r = Rng.for('files/site');
    const failures: string[] = [];
    const json = JSON.stringify(SITE, null, 2);
    const yaml = toYaml(SITE);
    const inputs: { text: string; name: string; kind: string }[] = [];
    for (let i = 0; i < 500; i++) inputs.push({ kind: 'json, value mutated', name: 'site.json', text: JSON.stringify(mutate(r, SITE), null, 2) ?? '' });
    for (let i = 0; i < 200; i++) inputs.push({ kind: 'yaml, value mutated', name: 'site.yaml', text: (toYaml(mutate(r, SITE)) as string | undefined) ?? '' });
    for (let i = 0; i < 300; i++) inputs.push({ kind: 'json, text mutated', name: 'site.json', text: mutateText(r, json) });
    for (let i = 0; i < 300; i++) inputs.push({ kind: 'yaml, text mutated', name: r.pick(['site.yaml', 'site.yml', 'SITE.YAML', 'site']), text: r.bool(0.6) ? mutateYaml(r, yaml) : mutateText(r, yaml) });
    for (let i = 0; i < 100; i++) inputs.push({ kind: 'random value', name: r.pick(['site.json', 'site.yaml']), text: JSON.stringify(randomJson(r, { budget: 20_000 })) ?? 'null' });
    for (const { text, name, kind } of inputs) {
      const t = timed(() => parseSiteText(text, name));
      count('site');
      const what = `${kind} (${name}): ${JSON.stringify(text.slice(0, 100))}`;
      if (t.ms > SLOW_MS) failures.push(`${what}: took ${Math.round(t.ms)} ms`);
      if (t.error === undefined) {
        if (!validateSite(t.value).ok) failures.push(`${what}: loaded a site that does not validate again`);
        continue;
      }
      const e = t.error;
      if (e instanceof SiteLoadError) {
        const bad = e.issues.length === 0 || e.issues.some((i) => !i.path || !i.message.trim());
        if (bad || !e.message.trim()) failures.push(`${what}: SiteLoadError without clear issues: ${preview(e.issues)}`);
      }
      else failures.push(`${what}: threw ${errText(e)}`);
    }
    // Through the file system too, as the host loads it.
    const dir = tmp('site');
    for (let i = 0; i < 60; i++) {
      const { text, name } = inputs[r.int(0, inputs.length - 1)]!;
      const file = join(dir, `${i}-${name}`);
      writeFileSync(file, text);
      const t = await timedAsync(() => loadSiteFile(file));
      count('site');
      if (t.error !== undefined && !(t.error instanceof SiteLoadError)) failures.push(`${file}: threw ${errText(t.error)}`);
    }
    for (const file of [join(dir, 'missing.yaml'), dir, join(dir, 'nul\u0000.yaml')]) {
      const t = await timedAsync(() => loadSiteFile(file));
      count('site');
      if (!(t.error instanceof SiteLoadError)) failures.push(`${JSON.stringify(file)}: expected a SiteLoadError, got ${t.error === undefined ? 'a site' : errText(t.error)}`);
    }
    console.log(`fuzz: site file: ${counts.get('site')} inputs, ${failures.length} failures`);
    expect(failures, REPLAY).toEqual([]);
  }, 90_000);

  // BUG (native/site/load.ts, parseSiteText): `doc.toJS()` runs outside any try/catch, and the yaml
  // library reports alias trouble only there, as a plain ReferenceError instead of a SiteLoadError:
  // an alias to an anchor that does not exist (a typo: `lat: *centre`) gives "Unresolved alias (the
  // anchor must be set before the alias): centre", and aliases that expand past the library's limit
  // (an "alias bomb", a few lines) give "Excessive alias count indicates a resource exhaustion attack".
  // Neither names a line; native/host/main.ts prints only SiteLoadErrors as a clean message (exit 2),
  // so these end as "host failed to start" with a stack trace (exit 1). Remove `.fails` once fixed.
  it('site file: a YAML alias to a missing anchor is refused with a SiteLoadError', () => {
    const yaml = toYaml(SITE).replace(/lat: 31\.23\b/, 'lat: *centre');
    expect(() => parseSiteText(yaml, 'site.yaml')).toThrow(SiteLoadError);
  });

  it('site file: an alias bomb is refused with a SiteLoadError', () => {
    let y = 'b0: &b0 [x, x, x, x, x, x, x, x, x]\n';
    for (let k = 1; k <= 5; k++) y += `b${k}: &b${k} [*b${k - 1}, *b${k - 1}, *b${k - 1}, *b${k - 1}, *b${k - 1}, *b${k - 1}, *b${k - 1}, *b${k - 1}, *b${k - 1}]\n`;
    expect(() => parseSiteText(y, 'site.yaml')).toThrow(SiteLoadError);
  });

  // -------------------------------------------------------------------------------------------
  // health (运维): asset register CSV and checklist template

  it('asset CSV and checklist template: every input gives rows and reasoned line errors, or named problems; nothing throws', () => {
    const r = Rng.for('files/health');
    const csv = '\ufeffdeviceId,towerId,kind,model,serial,installDate,location,spares\r\n' + Array.from({ length: 12 }, (_, i) => `cam:t${String(i + 1).padStart(2, '0')}-visible,t01,camera,"M,${i}",SN${i},2024-0${1 + (i % 9)}-01,塔顶,${i}`).join('\r\n');
    const known = new Set(Array.from({ length: 12 }, (_, i) => `cam:t${String(i + 1).padStart(2, '0')}-visible`));
    expect(parseAssetCsv(csv, known).errors).toEqual([]);
    const yaml = 'weekly:\n  title: 周检\n  items:\n    - { key: a, label: 清洁云台, hint: 每周 }\n    - { key: b, label: 网桥信号 }\nmonthly:\n  title: 月检\n  items:\n    - { key: c, label: 防雷 }\n';
    expect(parseChecklistTemplate(yaml).ok).toBe(true);
    const failures: string[] = [];
    for (let i = 0; i < 500; i++) {
      const text = i % 5 === 0 ? JSON.stringify(randomJson(r, { budget: 2000 })) ?? '' : mutateText(r, csv);
      count('assets');
      const t = timed(() => parseAssetCsv(text, known));
      const what = JSON.stringify(text.slice(0, 100));
      if (t.error !== undefined) failures.push(`${what}: threw ${errText(t.error)}`);
      else {
        if (t.ms > SLOW_MS) failures.push(`${what}: took ${Math.round(t.ms)} ms`);
        for (const e of t.value!.errors) if (!Number.isInteger(e.line) || e.line < 1 || !e.reason.trim()) failures.push(`${what}: error without line or reason: ${preview(e)}`);
        for (const a of t.value!.rows) if (!known.has(a.deviceId)) failures.push(`${what}: imported an unknown device ${a.deviceId}`);
      }
    }
    for (let i = 0; i < 500; i++) {
      const text = i % 5 === 0 ? toYaml(randomJson(r, { budget: 2000 })) : mutateText(r, yaml);
      count('checklists');
      const t = timed(() => parseChecklistTemplate(text, 'fz.yaml'));
      const what = JSON.stringify(text.slice(0, 100));
      if (t.error !== undefined) failures.push(`${what}: threw ${errText(t.error)}`);
      else if (!t.value!.ok && (t.value!.problems.length === 0 || t.value!.problems.some((p) => !p.startsWith('fz.yaml')))) failures.push(`${what}: refused without naming the file: ${preview(t.value)}`);
    }
    console.log(`fuzz: asset CSV ${counts.get('assets')} inputs, checklist templates ${counts.get('checklists')} inputs, ${failures.length} failures`);
    expect(failures, REPLAY).toEqual([]);
  }, 60_000);

  // -------------------------------------------------------------------------------------------
  // FIRMS CSV

  it('FIRMS CSV: every input gives hotspots and reasoned rejections, or a FirmsFormatError', () => {
    const r = Rng.for('files/firms');
    const header = 'latitude,longitude,brightness,scan,track,acq_date,acq_time,satellite,confidence,version,bright_t31,frp,daynight';
    const hhmm = (i: number) => `${String(i % 24).padStart(2, '0')}${String((i * 7) % 60).padStart(2, '0')}`;
    const rows = Array.from({ length: 20 }, (_, i) => `31.${2000 + i},119.${3000 + i},${300 + i}.5,1.0,1.0,2026-03-${String(1 + (i % 28)).padStart(2, '0')},${i % 3 ? hhmm(i) : Number(hhmm(i))},Terra,${50 + i},6.1NRT,290.${i},${i}.3,${i % 2 ? 'D' : 'N'}`);
    const csv = [header, ...rows].join('\n');
    const base = parseFirmsCsv(csv);
    expect(base.rejected).toEqual([]);
    const failures: string[] = [];
    const columnMutations = (): string => {
      const cols = header.split(',');
      const lines = [header, ...rows].map((l) => l.split(','));
      switch (r.int(0, 6)) {
        case 0: {
          const k = r.int(0, cols.length - 1);
          return lines.map((l) => l.filter((_, j) => j !== k).join(',')).join('\n');
        }
        case 1: {
          const order = r.shuffle(cols.map((_, j) => j));
          return lines.map((l) => order.map((j) => l[j]).join(',')).join('\n');
        }
        case 2:
          return lines.map((l, n) => (n === 0 ? l.map((c) => c.toUpperCase()) : l).join(',')).join('\n');
        case 3:
          return lines.map((l) => l.map((c) => `"${c.replace(/"/g, '""')}"`).join(',')).join('\r\n');
        case 4: {
          const k = r.int(0, cols.length - 1);
          const bad = r.pick(['abc', '1e999', 'NaN', '', '  12 ', '"1,5"', '""', '"', '-', '١٢', '0x10', 'Infinity', '2026-02-30', '2400', '99', '1260', 'X', '\u0000']);
          return lines.map((l, n) => (n === 0 ? l : l.map((c, j) => (j === k && r.bool(0.5) ? bad : c))).join(',')).join('\n');
        }
        case 5:
          return `\ufeff${lines.map((l) => l.join(',')).join(r.pick(['\r\n', '\r', '\n\n']))}`;
        default:
          return [...lines.map((l) => l.join(',')), `${'9'.repeat(r.int(1000, 1_000_000))},1,2`, `"${'x'.repeat(r.int(10, 100_000))}`].join('\n');
      }
    };
    const inputs: string[] = [];
    for (let i = 0; i < 600; i++) inputs.push(columnMutations());
    for (let i = 0; i < 600; i++) inputs.push(mutateText(r, csv));
    for (let i = 0; i < 100; i++) {
      const v = randomJson(r, { budget: 5000 });
      inputs.push(typeof v === 'string' ? v : (JSON.stringify(v) ?? ''));
    }
    inputs.push('', '\ufeff', '\n\n\n', header, `${header}\n`, ',,,,', '"', '"""', 'latitude\nlongitude', `${header}\n${'x,'.repeat(100_000)}`);
    for (const text of inputs) {
      count('firms');
      const t = timed(() => parseFirmsCsv(text));
      const what = JSON.stringify(text.slice(0, 120));
      if (t.ms > SLOW_MS) failures.push(`${what}: took ${Math.round(t.ms)} ms`);
      if (t.error !== undefined) {
        if (!(t.error instanceof FirmsFormatError) || !t.error.message.trim()) failures.push(`${what}: threw ${errText(t.error)}`);
        continue;
      }
      const { hotspots, rejected } = t.value!;
      const lines = text.replace(/^\uFEFF/, '').split(/\r?\n|\r/).filter((l) => l.trim() !== '').length;
      if (hotspots.length + rejected.length > Math.max(0, lines - 1)) failures.push(`${what}: ${hotspots.length} + ${rejected.length} rows from ${lines} lines`);
      for (const h of hotspots) {
        const ok =
          Number.isFinite(h.latitude) && Math.abs(h.latitude) <= 90 && Number.isFinite(h.longitude) && Math.abs(h.longitude) <= 180 &&
          Number.isFinite(h.at) && /^\d{4}-\d{2}-\d{2}$/.test(h.acqDate) && /^\d{4}$/.test(h.acqTime) && [null, 'D', 'N'].includes(h.daynight);
        if (!ok) failures.push(`${what}: a hotspot out of range: ${preview(h)}`);
      }
      for (const x of rejected) if (!Number.isInteger(x.line) || x.line < 2 || !x.reason.trim()) failures.push(`${what}: a rejection without line or reason: ${preview(x)}`);
    }
    console.log(`fuzz: FIRMS CSV: ${counts.get('firms')} inputs, ${failures.length} failures`);
    expect(failures, REPLAY).toEqual([]);
  }, 60_000);

  // -------------------------------------------------------------------------------------------
  // Wall: scene files, scene import, wall.json (windows, tours, schedule)

  const wall = SITE.wall!;
  const cameras = new Map(SITE.towers.flatMap((t) => t.cameras.map((c) => [c.id, c.id] as const)));

  class FakeDecoder implements DecoderDriver {
    layout: DecoderLayout = { revision: 0, outputs: [] };
    async apply(l: DecoderLayout): Promise<ApplyAck> {
      const changed = l.revision !== this.layout.revision;
      this.layout = l;
      return { revision: l.revision, changed };
    }
    async status(): Promise<DecoderStatus> {
      return { protocol: 1, model: 'fake', firmware: '1', capacity: { maxStreams: 4, subStreamWeight: 0.25, osd: false }, output: { width: 1920, height: 1080 }, revision: this.layout.revision, uptimeS: 1, outputs: [] };
    }
    async close(): Promise<void> {}
  }

  const controller = (stateDir: string) =>
    new WallController({
      wall,
      timeZone: 'Asia/Shanghai',
      cameras,
      driverFor: () => new FakeDecoder(),
      mediaUrl: (id, p) => `ws://127.0.0.1:1/media/${id}/${p}.flv`,
      bus: { emit: () => undefined },
      log: () => undefined,
      stateDir,
      pollMs: 0,
      tickMs: 0,
      stateCoalesceMs: 0,
    });

  // A scene that names real cameras of the site (in process: no video is involved).
  const REAL_SCENE = {
    ...SAMPLE_SCENE_WITH_TOURS,
    name: 'real',
    windows: [
      { id: 'w1', rect: { x: 0, y: 0, w: 3840, h: 2160 }, split: 4, panes: [{ kind: 'camera', cameraId: 't01-visible' }, { kind: 'tour', cameras: ['t02-visible', 't03-thermal'], dwellS: 10, sync: true }, null, { kind: 'camera', cameraId: 't04-visible', profile: 'sub' }] },
      { id: 'w2', rect: { x: 3840, y: 0, w: 1920, h: 1080 }, split: 1, panes: [{ kind: 'tour', cameras: ['t05-visible'], dwellS: 3 }], title: '轮巡' },
    ],
  };

  it('wall scenes: checkScene and wall:sceneImport accept or refuse with reasons; scene files on disk load or are listed as rejected', async () => {
    const r = Rng.for('files/scenes');
    const failures: string[] = [];
    const g = wallGeometry(wall);
    const ctx = { knownCamera: (id: string) => cameras.has(id) };
    expect(checkScene(REAL_SCENE, g, ctx)).toMatchObject({ ok: true });
    const bases = [SAMPLE_SCENE, SAMPLE_SCENE_WITH_TOURS, REAL_SCENE];
    for (let i = 0; i < 800; i++) {
      const raw = r.bool(0.9) ? mutate(r, r.pick(bases)) : randomJson(r, { budget: 20_000 });
      count('scenes');
      const t = timed(() => checkScene(raw, g, ctx));
      const what = preview(raw, 200);
      if (t.ms > SLOW_MS) failures.push(`${what}: took ${Math.round(t.ms)} ms`);
      if (t.error !== undefined) failures.push(`checkScene(${what}) threw ${errText(t.error)}`);
      else if (!t.value!.ok && (t.value!.reasons.length === 0 || t.value!.reasons.some((x) => !x.trim()))) failures.push(`${what}: refused without reasons`);
    }
    // The handler's own path: JSON text → WallController.sceneImport.
    const c = controller(tmp('wall-import'));
    try {
      for (let i = 0; i < 400; i++) {
        const base = JSON.stringify(r.pick(bases));
        const json = r.bool(0.5) ? mutateText(r, base) : (JSON.stringify(mutate(r, r.pick(bases))) ?? '');
        count('scenes');
        const t = timed(() => c.sceneImport(json, r.bool(0.3) ? r.pick(['fz', '模糊', ' x ']) : undefined, true));
        const what = JSON.stringify(json.slice(0, 160));
        if (t.ms > SLOW_MS) failures.push(`${what}: took ${Math.round(t.ms)} ms`);
        if (t.error === undefined) {
          if (!SceneInfo.safeParse(t.value).success) failures.push(`${what}: imported, but the answer is not a SceneInfo: ${preview(t.value)}`);
        } else if (!(t.error instanceof HostFailure) || t.error.code === 'internal' || !t.error.message.trim()) failures.push(`sceneImport(${what}) threw ${errText(t.error)}`);
      }
      if (!SceneList.safeParse(c.sceneList()).success) failures.push('sceneList() after the imports does not match its schema');
    } finally {
      await c.close();
    }
    // Scene files written by hand (or damaged) into scenes/, then loaded by a new controller.
    for (let round = 0; round < 20; round++) {
      const dir = tmp('wall-scenes');
      mkdirSync(join(dir, 'scenes'));
      const written = r.int(5, 15);
      for (let k = 0; k < written; k++) {
        const base = { ...r.pick(bases), name: `s${k}` };
        const text = r.bool(0.5) ? mutateText(r, JSON.stringify(base, null, 2)) : (JSON.stringify(mutate(r, base)) ?? '');
        writeFileSync(join(dir, 'scenes', `${r.pick(['', 'x', '森林-'])}${k}.json`), text);
      }
      if (r.bool(0.2)) mkdirSync(join(dir, 'scenes', 'dir.json'));
      count('scenes', written);
      const t = timed(() => controller(dir));
      if (t.error !== undefined) {
        failures.push(`a scenes folder made the controller throw: ${errText(t.error)}`);
        continue;
      }
      const wc = t.value!;
      const list = timed(() => wc.sceneList());
      if (list.error !== undefined) failures.push(`sceneList() threw ${errText(list.error)}`);
      else {
        if (!SceneList.safeParse(list.value).success) failures.push(`sceneList() does not match its schema: ${preview(list.value)}`);
        for (const x of list.value!.rejected) if (x.reasons.length === 0 || x.reasons.some((s) => !s.trim())) failures.push(`scene file ${x.file} rejected without reasons`);
      }
      await wc.close();
    }
    console.log(`fuzz: wall scenes: ${counts.get('scenes')} inputs, ${failures.length} failures`);
    expect(failures, REPLAY).toEqual([]);
  }, 90_000);

  // demo: tour files (JSON or YAML), as imported and as dropped into the data folder.
  it('demo tours: parseTourText and the tour folder accept or refuse with reasons', () => {
    const r = Rng.for('files/tours');
    const failures: string[] = [];
    const ctx = { towers: new Set(SITE.towers.map((t) => t.id)), cameras: new Set(SITE.towers.flatMap((t) => t.cameras.map((c) => c.id))) };
    const bases: unknown[] = [SAMPLE_TOUR, builtInTour(SITE)];
    expect(parseTourText(JSON.stringify(bases[1]), ctx)).toMatchObject({ ok: true });
    const check = (text: string) => {
      count('tours');
      const t = timed(() => parseTourText(text, ctx));
      const what = JSON.stringify(text.slice(0, 160));
      if (t.ms > SLOW_MS) failures.push(`${what}: took ${Math.round(t.ms)} ms`);
      if (t.error !== undefined) failures.push(`parseTourText(${what}) threw ${errText(t.error)}`);
      else if (!t.value!.ok && (t.value!.reasons.length === 0 || t.value!.reasons.some((x) => !x.trim()))) failures.push(`${what}: refused without reasons`);
    };
    for (let i = 0; i < 600; i++) {
      const base = r.pick(bases);
      const roll = r.int(0, 3);
      if (roll === 0) check(mutateText(r, JSON.stringify(base, null, 2)));
      else if (roll === 1) check(mutateText(r, toYaml(base)));
      else if (roll === 2) check(JSON.stringify(mutate(r, base)) ?? '');
      else check(JSON.stringify(randomJson(r, { budget: 20_000 })) ?? '');
    }
    for (let round = 0; round < 10; round++) {
      const dir = tmp('demo-tours');
      for (let k = 0; k < 8; k++) {
        const base = { ...(r.pick(bases) as object), name: `t${k}` };
        const text = r.bool(0.5) ? mutateText(r, toYaml(base)) : (JSON.stringify(mutate(r, base)) ?? '');
        writeFileSync(join(dir, `${k}.tour.${r.pick(['json', 'yaml', 'yml'])}`), text);
      }
      if (r.bool(0.2)) mkdirSync(join(dir, 'dir.json'));
      count('tours', 8);
      const t = timed(() => new TourStore({ dir, ctx, log: () => undefined }).load());
      if (t.error !== undefined) failures.push(`a tour folder threw ${errText(t.error)}`);
      else {
        if (t.value!.tours.size + t.value!.rejected.length < 8) failures.push(`a tour folder lost files: ${t.value!.tours.size} loaded, ${t.value!.rejected.length} refused`);
        for (const x of t.value!.rejected) if (x.reasons.length === 0 || x.reasons.some((m) => !m.trim())) failures.push(`tour file ${x.file} refused without reasons`);
      }
    }
    console.log(`fuzz: demo tours: ${counts.get('tours')} inputs, ${failures.length} failures`);
    expect(failures, REPLAY).toEqual([]);
  }, 60_000);

  it('wall state file (windows, tours, LED, alarm region, schedule): any wall.json starts a valid wall', async () => {
    const r = Rng.for('files/wall-json');
    const failures: string[] = [];
    const good = {
      windows: REAL_SCENE.windows,
      led: { text: '森林防火', colour: '#ff3b30', speedPxS: 60 },
      alarmRegion: { x: 5760, y: 0, w: 3840, h: 2160 },
      schedule: [{ time: '07:30', scene: 'day', days: [1, 2, 3, 4, 5] }, { time: '19:00', scene: 'night' }],
    };
    for (let i = 0; i < 200; i++) {
      const dir = tmp('wall-state');
      const text = r.bool(0.6) ? (JSON.stringify(mutate(r, good)) ?? '') : mutateText(r, JSON.stringify(good, null, 2));
      writeFileSync(join(dir, 'wall.json'), text);
      count('wall.json');
      const t = timed(() => controller(dir));
      const what = JSON.stringify(text.slice(0, 160));
      if (t.ms > SLOW_MS) failures.push(`${what}: took ${Math.round(t.ms)} ms`);
      if (t.error !== undefined) {
        failures.push(`${what}: the controller threw ${errText(t.error)}`);
        continue;
      }
      const wc = t.value!;
      const st = timed(() => {
        wc.tick();
        return wc.state();
      });
      if (st.error !== undefined) failures.push(`${what}: state() threw ${errText(st.error)}`);
      else if (!WallState.safeParse(st.value).success) failures.push(`${what}: state() does not match WallState: ${WallState.safeParse(st.value).error?.issues[0]?.message}`);
      await wc.close();
      rmSync(dir, { recursive: true, force: true });
    }
    console.log(`fuzz: wall.json: ${counts.get('wall.json')} inputs, ${failures.length} failures`);
    expect(failures, REPLAY).toEqual([]);
  }, 60_000);

  it('PTZ cruise plan file: any ptz-cruise.json starts the PTZ domain with valid cruises', async () => {
    const r = Rng.for('files/cruise');
    const failures: string[] = [];
    const site: SiteConfig = { ...SITE, towers: SITE.towers.slice(0, 2) };
    const fake = (): PtzDriver => ({
      connect: async () => ({ manufacturer: 'fz', model: 'fz', firmware: '1', focus: false }),
      continuousMove: async () => undefined,
      stop: async () => undefined,
      absoluteMove: async () => undefined,
      relativeMove: async () => undefined,
      gotoPreset: async () => undefined,
      setPreset: async () => undefined,
      removePreset: async () => undefined,
      presets: async () => [],
      status: async () => ({ pan: 0, tilt: 0, zoom: 1, focus: null, moving: false }),
      close: async () => undefined,
    });
    const good = {
      plans: {
        t01: { mode: 'presets', steps: [{ preset: 1, dwellS: 10 }, { preset: 2, dwellS: 20 }], resumeAfterS: 60, homePreset: 1, homeAfterS: 60 },
        t02: { mode: 'scan', periodS: 60, tilt: 0, zoom: 1, clockwise: true, resumeAfterS: 60, homeAfterS: 60 },
      },
    };
    for (let i = 0; i < 100; i++) {
      const dir = tmp('ptz');
      const text = r.bool(0.6) ? (JSON.stringify(mutate(r, good)) ?? '') : mutateText(r, JSON.stringify(good, null, 2));
      writeFileSync(join(dir, 'ptz-cruise.json'), text);
      count('ptz-cruise.json');
      const what = JSON.stringify(text.slice(0, 160));
      const t = timed(() => createPtzDomain({ site, bus: { emit: () => undefined }, log: () => undefined, stateDir: dir, driverFor: fake, tickMs: 60_000 }));
      if (t.error !== undefined) {
        failures.push(`${what}: createPtzDomain threw ${errText(t.error)}`);
        continue;
      }
      const list = await timedAsync(async () => t.value!.handlers['ptz:cruiseList']({}, systemContext('fuzz')));
      if (list.error !== undefined) failures.push(`${what}: ptz:cruiseList threw ${errText(list.error)}`);
      else if (!CruiseInfo.array().safeParse(list.value).success) failures.push(`${what}: ptz:cruiseList does not match its schema`);
      await t.value!.close();
    }
    console.log(`fuzz: ptz-cruise.json: ${counts.get('ptz-cruise.json')} inputs, ${failures.length} failures`);
    expect(failures, REPLAY).toEqual([]);
  }, 60_000);

  // -------------------------------------------------------------------------------------------
  // Account and device store files

  it('account and device files: open or refuse with a message naming the file, and stay byte-identical', async () => {
    const r = Rng.for('files/stores');
    const failures: string[] = [];
    const dir = tmp('stores');
    const accountsFile = join(dir, 'accounts.json');
    const accounts = AccountStore.open({ file: accountsFile, policy: DEFAULT_SECURITY_POLICY });
    await accounts.create({ username: 'alice', displayName: 'Alice', role: 'admin', password: 'Strong-pass-2026', mustChangePassword: false });
    await accounts.create({ username: 'bob.w', displayName: '王', role: 'operator', password: 'Other-pass-2026!', mustChangePassword: true });
    const devicesFile = join(dir, 'devices.json');
    const devices = DeviceStore.open({ file: devicesFile });
    const { token } = devices.issue({ name: 'panel', kind: 'touch', createdBy: 'alice' });
    devices.issue({ name: 'decoder', kind: 'decoder', createdBy: 'alice' });
    devices.revoke(devices.list()[1]!.id);
    devices.flush();
    const accountsText = readFileSync(accountsFile, 'utf8');
    const devicesText = readFileSync(devicesFile, 'utf8');
    const accountsValue = JSON.parse(accountsText) as { users: { passwordHash: string }[] };
    const devicesValue = JSON.parse(devicesText) as unknown;
    let verified = 0;

    const hostileHashes = [
      'scrypt$1048576$8$1$YKftLkxT1QFue2T/XSWx8A==$Pr9dHX3ofskvFE8AeWjtspg1R20VlrFQgOaXCgCrr88=',
      'scrypt$2147483648$8$1$YKftLkxT1QFue2T/XSWx8A==$Pr9dHX3ofskvFE8AeWjtspg1R20VlrFQgOaXCgCrr88=',
      'scrypt$32768$1000000$1$YKftLkxT1QFue2T/XSWx8A==$Pr9dHX3ofskvFE8AeWjtspg1R20VlrFQgOaXCgCrr88=',
      'scrypt$32768$8$100000$YKftLkxT1QFue2T/XSWx8A==$Pr9dHX3ofskvFE8AeWjtspg1R20VlrFQgOaXCgCrr88=',
      'scrypt$32767$8$1$YKftLkxT1QFue2T/XSWx8A==$Pr9dHX3ofskvFE8AeWjtspg1R20VlrFQgOaXCgCrr88=',
      'scrypt$-1$8$1$YKftLkxT1QFue2T/XSWx8A==$Pr9dHX3ofskvFE8AeWjtspg1R20VlrFQgOaXCgCrr88=',
      'scrypt$32768$8$1$$',
      'scrypt$32768$8$1$!!!$???',
      `scrypt$32768$8$1$${'A'.repeat(100_000)}$x`,
      'bcrypt$10$abc',
      '',
      '$$$$$',
    ];

    for (let i = 0; i < 700; i++) {
      const isAccounts = i % 2 === 0;
      const file = join(dir, `case-${i}.json`);
      const [text, value] = isAccounts ? [accountsText, accountsValue] : [devicesText, devicesValue];
      let mutated: string;
      if (isAccounts && i % 20 === 0) {
        const copy = structuredClone(accountsValue);
        copy.users[0]!.passwordHash = r.pick(hostileHashes);
        mutated = JSON.stringify(copy);
      } else mutated = r.bool(0.6) ? (JSON.stringify(mutate(r, value)) ?? '') : mutateText(r, text);
      writeFileSync(file, mutated);
      const before = readFileSync(file);
      count(isAccounts ? 'accounts.json' : 'devices.json');
      const what = `${isAccounts ? 'accounts' : 'devices'} ${JSON.stringify(mutated.slice(0, 140))}`;
      const t = timed(() => (isAccounts ? AccountStore.open({ file, policy: DEFAULT_SECURITY_POLICY }) : DeviceStore.open({ file })));
      if (t.ms > SLOW_MS) failures.push(`${what}: took ${Math.round(t.ms)} ms`);
      // Opening (or refusing) never writes; a sign-in afterwards may (last sign-in, last seen).
      if (!before.equals(readFileSync(file))) failures.push(`${what}: the file was changed by opening it`);
      if (t.error !== undefined) {
        if (!(t.error instanceof Error) || !t.error.message.includes(file)) failures.push(`${what}: refused without naming the file: ${errText(t.error)}`);
      } else if (t.value instanceof AccountStore) {
        const store = t.value;
        const l = timed(() => store.list());
        if (l.error !== undefined) failures.push(`${what}: list() threw ${errText(l.error)}`);
        // Sign-in against the (possibly hostile) stored hash: bounded, never a throw.
        if (verified < 40 || i % 20 === 0) {
          verified++;
          const v = await timedAsync(() => store.verify(r.pick(['alice', 'bob.w', 'ALICE', 'nobody']), 'Strong-pass-2026'));
          if (v.error !== undefined) failures.push(`${what}: verify() threw ${errText(v.error)}`);
          if (v.ms > 5000) failures.push(`${what}: verify() took ${Math.round(v.ms)} ms`);
        }
      } else if (t.value instanceof DeviceStore) {
        const store = t.value;
        const l = timed(() => [store.list(), store.verify(r.pick([token, 'dev_x', '', token.slice(0, -1)]))]);
        if (l.error !== undefined) failures.push(`${what}: list()/verify() threw ${errText(l.error)}`);
      }
    }
    const leftovers = readdirSync(dir).filter((f) => f.endsWith('.tmp'));
    if (leftovers.length) failures.push(`temporary files left behind: ${leftovers.join(', ')}`);
    console.log(`fuzz: accounts.json ${counts.get('accounts.json')}, devices.json ${counts.get('devices.json')} inputs (${verified} sign-ins checked), ${failures.length} failures`);
    expect(failures, REPLAY).toEqual([]);
  }, 90_000);

  // -------------------------------------------------------------------------------------------
  // Audit trail

  const DAY = 86_400_000;
  const T0 = Date.UTC(2026, 5, 1, 23, 30);

  /** A trail of 40 records over two UTC days; its day files as lines. */
  function auditTemplate(): Map<string, string[]> {
    const dir = tmp('audit-template');
    let t = T0;
    const trail = AuditTrail.open({ dir, now: () => t });
    for (let i = 0; i < 40; i++) {
      t += 90_000;
      trail.append({ actor: i % 3 ? 'zhang.wei' : '-', role: 'operator', source: 'console-1', action: i % 2 ? 'wall:sceneRecall' : 'ptz:takeControl', target: `t0${i % 9}`, outcome: i % 5 ? 'ok' : 'denied', detail: i % 4 ? '' : '森林 "quoted" \\ back' });
    }
    trail.close();
    const files = new Map<string, string[]>();
    for (const f of readdirSync(dir).sort()) files.set(f, readFileSync(join(dir, f), 'utf8').split('\n').slice(0, -1));
    return files;
  }

  /** Re-hashes the chain from one record on, so an edit is not given away by its hash. */
  function reseal(lines: string[], from: number, prevHash: string): string[] {
    const out = [...lines];
    let prev = prevHash;
    for (let k = from; k < out.length; k++) {
      let v: Record<string, unknown>;
      try {
        v = JSON.parse(out[k]!) as Record<string, unknown>;
      } catch {
        return out;
      }
      if (typeof v !== 'object' || v === null) return out;
      const c = canonicalJson(v as unknown as UnsealedRecord);
      const h = hashCanonical(prev, c);
      out[k] = lineFromCanonical(c, h);
      prev = h;
    }
    return out;
  }

  it('audit trail: open, verify, query and append never throw on damaged day files and anchors; damage is reported', () => {
    const r = Rng.for('files/audit');
    const template = auditTemplate();
    const names = [...template.keys()];
    expect(names).toHaveLength(2);
    const failures: string[] = [];
    const undetected = new Map<string, number>();
    let detected = 0;
    for (let i = 0; i < 400; i++) {
      const dir = tmp('audit');
      const files = new Map<string, string[]>([...template].map(([k, v]) => [k, [...v]]));
      const all = () => names.flatMap((n) => files.get(n)!.map((line, k) => ({ n, k, line })));
      const pickLine = (notLast = false) => {
        const list = all();
        return r.pick(notLast ? list.slice(0, -1) : list);
      };
      const raw: { name: string; bytes: Buffer }[] = [];
      let mustDetect = true;
      let kind = '';
      const choice = r.int(0, 17);
      switch (choice) {
        case 0: {
          kind = 'line deleted';
          const p = pickLine(true);
          files.get(p.n)!.splice(p.k, 1);
          break;
        }
        case 1: {
          kind = 'lines swapped';
          const p = pickLine(true);
          const lines = files.get(p.n)!;
          if (p.k + 1 >= lines.length) {
            // The last line of the first file: swap with the first of the second.
            const other = files.get(names[1]!)!;
            [lines[p.k], other[0]] = [other[0]!, lines[p.k]!];
          } else [lines[p.k], lines[p.k + 1]] = [lines[p.k + 1]!, lines[p.k]!];
          break;
        }
        case 2: {
          kind = 'line duplicated';
          const p = pickLine();
          files.get(p.n)!.splice(p.k, 0, p.line);
          break;
        }
        case 3:
        case 4: {
          kind = 'field edited';
          const p = pickLine();
          const edited = JSON.stringify(mutate(r, JSON.parse(p.line))) ?? '';
          if (edited === p.line) mustDetect = false;
          files.get(p.n)![p.k] = edited;
          break;
        }
        case 5:
        case 6: {
          kind = 'field edited and chain re-hashed';
          mustDetect = false;
          const p = pickLine();
          const lines = files.get(p.n)!;
          lines[p.k] = JSON.stringify(mutate(r, JSON.parse(p.line))) ?? '';
          const prev = p.k > 0 ? (JSON.parse(lines[p.k - 1]!) as { hash: string }).hash : p.n === names[1] ? (JSON.parse(files.get(names[0]!)!.at(-1)!) as { hash: string }).hash : '0'.repeat(64);
          files.set(p.n, reseal(lines, p.k, prev));
          if (p.n === names[0]) {
            const lastHash = (parseRecordLine(files.get(names[0]!)!.at(-1) ?? '') ?? { hash: '' }).hash;
            files.set(names[1]!, reseal(files.get(names[1]!)!, 0, lastHash));
          }
          break;
        }
        case 7: {
          kind = 'torn last line';
          const lines = files.get(names[1]!)!;
          const last = lines.pop()!;
          raw.push({ name: names[1]!, bytes: Buffer.from(`${lines.join('\n')}\n${last.slice(0, r.int(1, last.length - 1))}`) });
          break;
        }
        case 8: {
          kind = 'garbage line';
          const p = pickLine();
          files.get(p.n)!.splice(p.k, 0, r.pick(['', ' ', '{}', 'null', '[1,2]', '{"seq":1}', `{"seq":1e400}`, 'x'.repeat(r.int(1, 2_000_000)), JSON.stringify(randomJson(r, { budget: 2000 })) ?? 'x']));
          break;
        }
        case 9: {
          kind = 'invalid UTF-8';
          const n = r.pick(names);
          const text = `${files.get(n)!.join('\n')}\n`;
          const at = r.int(0, text.length - 2);
          raw.push({ name: n, bytes: Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from([r.pick([0xff, 0xc3, 0xe2, 0x80])]), Buffer.from(text.slice(at))]) });
          break;
        }
        case 10:
          kind = 'CRLF';
          for (const n of names) raw.push({ name: n, bytes: Buffer.from(`${files.get(n)!.join('\r\n')}\r\n`) });
          break;
        case 11: {
          kind = 'BOM';
          const n = r.pick(names);
          raw.push({ name: n, bytes: Buffer.from(`\ufeff${files.get(n)!.join('\n')}\n`) });
          break;
        }
        case 12: {
          kind = 'file moved to another day';
          const n = r.pick(names);
          raw.push({ name: r.pick(['audit-2026-06-05.jsonl', 'audit-2026-05-30.jsonl']), bytes: Buffer.from(`${files.get(n)!.join('\n')}\n`) });
          files.delete(n);
          break;
        }
        case 13:
          kind = 'anchor.json damaged';
          raw.push({ name: 'anchor.json', bytes: Buffer.from(r.pick(['', '{', 'null', '[]', '{"seq":-1}', JSON.stringify(randomJson(r, { budget: 500 })) ?? '', '{"seq":0,"hash":"x","at":0,"prunedThrough":"2020-01-01","writtenAt":0}'])) });
          break;
        case 14:
          kind = 'anchor.json plausible but wrong';
          // prunedThrough inside the retention period: reported as an edited anchor, nothing deleted.
          raw.push({ name: 'anchor.json', bytes: Buffer.from(JSON.stringify({ seq: r.pick([0, 1, 5, 100]), hash: 'ab'.repeat(32), at: T0 - DAY, prunedThrough: r.pick(['2025-05-01', '2025-11-30']), writtenAt: T0 })) });
          break;
        case 15: {
          kind = 'file of random bytes';
          const bytes = Buffer.alloc(r.int(1, 5000));
          for (let k = 0; k < bytes.length; k++) bytes[k] = r.int(0, 255);
          raw.push({ name: r.pick(names), bytes });
          break;
        }
        case 16:
          kind = 'stray files';
          mustDetect = false;
          raw.push({ name: r.pick(['notes.txt', 'audit-2026-06-03.jsonl.tmp', 'anchor.json.tmp', 'audit-x.jsonl']), bytes: Buffer.from('stray') });
          break;
        default:
          kind = 'file emptied';
          mustDetect = false;
          raw.push({ name: r.pick(names), bytes: Buffer.alloc(0) });
      }
      for (const [n, lines] of files) if (!raw.some((x) => x.name === n)) writeFileSync(join(dir, n), lines.length ? `${lines.join('\n')}\n` : '');
      for (const { name, bytes } of raw) writeFileSync(join(dir, name), bytes);
      count('audit trail');
      const what = `#${i} ${kind}`;
      const report = (step: string, e: unknown) => failures.push(`${what}: ${step} threw ${errText(e)}`);
      const opened = timed(() => AuditTrail.open({ dir, now: () => T0 + 2 * DAY, log: () => undefined }));
      if (opened.error !== undefined) {
        report('open', opened.error);
        continue;
      }
      const trail = opened.value!;
      const v = timed(() => trail.verify());
      if (v.ms > SLOW_MS) failures.push(`${what}: verify took ${Math.round(v.ms)} ms`);
      if (v.error !== undefined) report('verify', v.error);
      else {
        const res = v.value!;
        if (!res.ok && !res.firstBad?.reason.trim()) failures.push(`${what}: verify failed without a reason`);
        if (mustDetect && res.ok) undetected.set(kind, (undetected.get(kind) ?? 0) + 1);
        if (!res.ok) detected++;
      }
      const q = timed(() => trail.query({ text: 'zhang', limit: 5 }));
      if (q.error !== undefined) report('query', q.error);
      const a = timed(() => trail.append({ actor: 'fuzz', role: 'admin', source: 'fuzz', action: 'fuzz', target: '', outcome: 'ok', detail: '' }));
      if (a.error !== undefined) report('append', a.error);
      const v2 = timed(() => trail.verify());
      if (v2.error !== undefined) report('verify after append', v2.error);
      trail.close();
      rmSync(dir, { recursive: true, force: true });
    }
    if (undetected.size) failures.push(`damage verify() did not report: ${[...undetected].map(([k, n]) => `${k} ×${n}`).join(', ')}`);
    console.log(`fuzz: audit trail: ${counts.get('audit trail')} damaged trails, ${detected} reported by verify(), ${failures.length} failures`);
    expect(failures, REPLAY).toEqual([]);
  }, 90_000);

  // BUG (native/audit/trail.ts + record.ts): parseRecordLine accepts any finite `at`, but utcDay()
  // (`new Date(at).toISOString()`) throws RangeError "Invalid time value" beyond ±8.64e15 ms. A day
  // file whose last record has such an `at` (with a correct hash, i.e. re-sealed) makes verify()
  // throw instead of reporting it (linkProblem → utcDay), and every later append() throws too
  // (monotonicAt raises `at` to the head's time → utcDay): on the host, AuditTrail.open succeeds but
  // the 'host.start' audit row in startHost throws, so the host cannot start. Remove `.fails` once fixed.
  it('audit trail: a re-sealed record dated 1e300 is reported by verify(), not thrown', () => {
    const template = auditTemplate();
    const names = [...template.keys()];
    const dir = tmp('audit-at');
    const first = template.get(names[0]!)!;
    const second = template.get(names[1]!)!;
    const last = JSON.parse(second.at(-1)!) as Record<string, unknown>;
    second[second.length - 1] = JSON.stringify({ ...last, at: 1e300 });
    const prev = (JSON.parse(second.at(-2)!) as { hash: string }).hash;
    const resealed = reseal(second, second.length - 1, prev);
    writeFileSync(join(dir, names[0]!), `${first.join('\n')}\n`);
    writeFileSync(join(dir, names[1]!), `${resealed.join('\n')}\n`);
    const trail = AuditTrail.open({ dir, now: () => T0 + 2 * DAY });
    expect(() => trail.verify()).not.toThrow();
    expect(() => trail.append({ actor: 'a', role: 'r', source: 's', action: 'x', target: 't', outcome: 'ok', detail: '' })).not.toThrow();
  });

  // BUG (native/audit/trail.ts, prune): day files `<= anchor.prunedThrough` are deleted without
  // checking that prunedThrough lies before the retention cutoff. An anchor.json that is damaged or
  // edited (one field, no hash needed), e.g. `"prunedThrough":"9999-12-31"`, makes the next
  // AuditTrail.open() (every host start) delete every day file, records of yesterday included, and
  // verify() then answers ok: true with 0 records checked. Expected: an anchor past the cutoff is
  // reported by verify() and nothing inside the retention period is deleted. Remove `.fails` once fixed.
  it('audit trail: an anchor.json dated in the future deletes nothing inside the retention period', () => {
    const template = auditTemplate();
    const dir = tmp('audit-anchor');
    for (const [name, lines] of template) writeFileSync(join(dir, name), `${lines.join('\n')}\n`);
    writeFileSync(join(dir, 'anchor.json'), JSON.stringify({ seq: 0, hash: 'ab'.repeat(32), at: T0, prunedThrough: '9999-12-31', writtenAt: T0 }));
    const trail = AuditTrail.open({ dir, now: () => T0 + 2 * DAY, log: () => undefined });
    const left = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
    const v = trail.verify();
    expect(left.length > 0 || !v.ok, `day files left: ${left.length}; verify: ${JSON.stringify(v)}`).toBe(true);
  });

  // -------------------------------------------------------------------------------------------
  // Secret store

  it('secret store: a damaged store or key file is refused with an Error that says so, never a crash', () => {
    const r = Rng.for('files/secrets');
    const failures: string[] = [];
    const dir = tmp('secrets');
    const keyFile = join(dir, 'secret.key');
    const box = openKeyFileBox(keyFile);
    const storeFile = join(dir, 'secrets.json');
    const store = new SecretStore(storeFile, box);
    const refs = ['camera-admin', 'decoder.pw', 'constructor', 'x__proto__', 'a'];
    for (const ref of refs) store.set(ref, `pw-${ref}-森林`);
    const storeText = readFileSync(storeFile, 'utf8');
    const storeValue = JSON.parse(storeText) as unknown;
    const keyBytes = readFileSync(keyFile);
    const site: SiteConfig = { ...SITE, credentials: refs.map((ref, k) => ({ id: `c${k}`, user: 'admin', secretRef: ref })) };
    const clear = (e: unknown) => e instanceof Error && e.message.trim().length > 0;
    for (let i = 0; i < 400; i++) {
      const file = join(dir, `store-${i}.json`);
      const text = r.bool(0.6) ? (JSON.stringify(mutate(r, storeValue)) ?? '') : mutateText(r, storeText);
      writeFileSync(file, text);
      const before = readFileSync(file);
      count('secret store');
      const what = JSON.stringify(text.slice(0, 140));
      const s = new SecretStore(file, box);
      for (const ref of [...refs, r.pick(['toString', 'hasOwnProperty', 'nope', 'x'.repeat(64)])]) {
        const t = timed(() => s.get(ref));
        if (t.error !== undefined && !clear(t.error)) failures.push(`${what}: get(${ref}) threw ${errText(t.error)}`);
        if (t.error === undefined && t.value !== undefined && typeof t.value !== 'string') failures.push(`${what}: get(${ref}) gave ${preview(t.value)}`);
      }
      const l = timed(() => s.list());
      if (l.error !== undefined && !clear(l.error)) failures.push(`${what}: list() threw ${errText(l.error)}`);
      const res = timed(() => resolveSecretRefs(site, s));
      if (res.error !== undefined && !clear(res.error)) failures.push(`${what}: resolveSecretRefs threw ${errText(res.error)}`);
      if (!before.equals(readFileSync(file))) failures.push(`${what}: reading changed the file`);
    }
    for (let i = 0; i < 60; i++) {
      const kf = join(dir, `key-${i}`);
      const bytes = Buffer.from(keyBytes);
      const choice = r.int(0, 3);
      const mutated =
        choice === 0 ? bytes.subarray(0, r.int(0, 31)) : choice === 1 ? Buffer.concat([bytes, Buffer.from([r.int(0, 255)])]) : choice === 2 ? Buffer.from(`${bytes.toString('hex')}\n`) : (bytes.writeUInt8(r.int(0, 255), r.int(0, 31)), bytes);
      writeFileSync(kf, mutated, { mode: 0o600 });
      count('secret store');
      const t = timed(() => openKeyFileBox(kf));
      if (t.error !== undefined) {
        if (!clear(t.error)) failures.push(`key file variant ${choice}: threw ${errText(t.error)}`);
        continue;
      }
      const g = timed(() => new SecretStore(storeFile, t.value!).get('camera-admin'));
      if (g.error !== undefined && !clear(g.error)) failures.push(`key file variant ${choice}: get threw ${errText(g.error)}`);
    }
    console.log(`fuzz: secret store: ${counts.get('secret store')} inputs, ${failures.length} failures`);
    expect(failures, REPLAY).toEqual([]);
  }, 60_000);

  it.todo('detector payloads (no detector ingest exists yet)');
});

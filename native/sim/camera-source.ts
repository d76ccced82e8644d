import { execFileSync, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { spawnOwned, stopChild } from '../process/child';
import { locateFfmpeg } from '../process/ffmpeg-path';
// The FLV demuxer is a plain format parser shared with the gateway.
import { FlvDemuxer } from '../streams/flv';
import { NalType, nalType, type AccessUnit } from './h264';
import type { H264Source } from './rtsp-server';
import {
  STRIP_DATA_BITS,
  STRIP_DATA_OFFSET,
  STRIP_END_GUARD,
  STRIP_END_OFFSET,
  STRIP_PARITY_BITS,
  STRIP_PARITY_OFFSET,
  STRIP_START_GUARD,
  stripLayout,
} from './timestamp-strip';

export type CameraKind = 'visible' | 'thermal';
export type CameraProfile = 'main' | 'sub';

export interface CameraSourceOptions {
  /** RTSP path, e.g. '/t01/visible/main'. */
  path: string;
  /** Tower name as shown on the picture (Chinese), e.g. '青龙山瞭望塔'. */
  towerName: string;
  towerId: string;
  kind: CameraKind;
  profile: CameraProfile;
  /**
   * File whose first line (the PTZ pose) is shown on the picture; checked every 200 ms while the
   * camera runs, so the writer may replace, rewrite or delete it freely. Created with a placeholder
   * if missing.
   */
  poseFile?: string;
  /** A font with CJK glyphs; defaults to the first Noto CJK font found on the system. */
  fontFile?: string;
  /** IANA time zone of the site; the burned-in clock shows local time there. */
  timeZone?: string;
  /** Frame rate; defaults to the profile's (PROFILE_FORMAT). */
  fps?: number;
  /**
   * Encode live for this many seconds (whole GOPs), then stop the encoder and replay what it made,
   * in a loop, paced in real time. For load benchmarks of the console: a real camera costs the
   * console nothing to encode, and seventeen live encoders would saturate a 2-core test machine.
   * The clock, the pose and the latency strip then stand still on the picture.
   */
  replaySeconds?: number;
  log?: (msg: string) => void;
}

export const POSE_PLACEHOLDER = 'PTZ  P 0.00°  T 0.00°  Z 1.0x';
/** How often the pose file is checked for changes while the camera runs. */
const POSE_POLL_MS = 200;

/**
 * Picture format per stream. The sub stream runs at 15 fps, as sites configure it to spare the
 * 10 Mbit/s tower links (and as it halves the simulator's cost when a console shows sixteen tiles).
 */
export const PROFILE_FORMAT: Record<CameraProfile, { width: number; height: number; fps: number }> = {
  main: { width: 1280, height: 720, fps: 25 },
  sub: { width: 640, height: 360, fps: 15 },
};

const KIND_LABEL: Record<CameraKind, string> = { visible: '可见光', thermal: '热成像' };
const PROFILE_LABEL: Record<CameraProfile, string> = { main: '主码流', sub: '子码流' };

const FONT_CANDIDATES = [
  '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/opentype/noto/NotoSansCJK-Medium.ttc',
  '/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc',
  '/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc',
  '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc',
  'C:\\Windows\\Fonts\\msyh.ttc',
  '/System/Library/Fonts/PingFang.ttc',
];

let scFont: string | null | undefined;
/** The fontconfig name of a Simplified Chinese face, if fontconfig knows one. */
export function scFontName(): string | undefined {
  if (scFont === undefined) {
    try {
      const out = execFileSync('fc-list', [':lang=zh-cn', 'family'], { encoding: 'utf8', timeout: 3000 });
      scFont = out.includes('Noto Sans CJK SC') ? 'Noto Sans CJK SC' : out.includes('WenQuanYi Micro Hei') ? 'WenQuanYi Micro Hei' : null;
    } catch {
      scFont = null;
    }
  }
  return scFont ?? undefined;
}

export function findCjkFont(): string | undefined {
  return FONT_CANDIDATES.find((p) => existsSync(p));
}

/** Escapes a value for a filter option (level 1) and then for the filtergraph (level 2). */
function esc(value: string | number): string {
  return String(value)
    .replace(/[\\':]/g, (c) => `\\${c}`)
    .replace(/[\\'[\],;]/g, (c) => `\\${c}`);
}

function filter(name: string, opts: Record<string, string | number> = {}): string {
  const args = Object.entries(opts).map(([k, v]) => `${k}=${esc(v)}`);
  return args.length ? `${name}=${args.join(':')}` : name;
}

/** Files the filtergraph reads; text goes through files so no drawtext escaping is needed. */
export interface CameraGraphFiles {
  /** Static caption (tower, kind, profile). */
  labelFile: string;
  /** drawtext expansion template for the clock line. */
  clockFile: string;
  /** Re-read every frame (`reload=1`); must always exist while ffmpeg runs. */
  poseFile?: string;
  fontFile?: string;
  /** fontconfig family name; preferred over fontFile when set. */
  fontName?: string;
}

/** The frame's wall-clock ms, once the pts has been replaced by it (time base 1 ms). */
const FRAME_MS = 'floor(t*1000+0.5)';

function bitExpr(bit: number): string {
  return bit === 0 ? `mod(${FRAME_MS},2)` : `mod(floor(${FRAME_MS}/${2 ** bit}),2)`;
}

/** Odd parity over byte `byteIndex` (0 = most significant), matching timestamp-strip.ts. */
function parityExpr(byteIndex: number): string {
  const terms: string[] = [];
  for (let i = 0; i < 8; i++) terms.push(bitExpr(8 * (3 - byteIndex) + i));
  return `eq(mod(${terms.join('+')},2),0)`;
}

/** Static strip parts (bar, guards), drawn once into the background. */
function stripStaticFilters(width: number): string[] {
  const { cell, barWidth, barHeight } = stripLayout(width);
  const out = [filter('drawbox', { x: 0, y: 0, w: barWidth, h: barHeight, color: 'black', t: 'fill' })];
  const guards: Array<[number, number]> = [
    ...STRIP_START_GUARD.map((b, i): [number, number] => [b, i]),
    ...STRIP_END_GUARD.map((b, i): [number, number] => [b, STRIP_END_OFFSET + i]),
  ];
  for (const [bit, index] of guards) {
    if (bit === 1) out.push(filter('drawbox', { x: index * cell, y: 0, w: cell, h: cell, color: 'white', t: 'fill' }));
  }
  return out;
}

/** Data and parity cells: each is a white box enabled only on frames where its bit is 1. */
function stripDynamicFilters(width: number): string[] {
  const { cell } = stripLayout(width);
  const out: string[] = [];
  for (let i = 0; i < STRIP_DATA_BITS; i++) {
    const x = (STRIP_DATA_OFFSET + i) * cell;
    out.push(filter('drawbox', { x, y: 0, w: cell, h: cell, color: 'white', t: 'fill', enable: bitExpr(31 - i) }));
  }
  for (let b = 0; b < STRIP_PARITY_BITS; b++) {
    const x = (STRIP_PARITY_OFFSET + b) * cell;
    out.push(filter('drawbox', { x, y: 0, w: cell, h: cell, color: 'white', t: 'fill', enable: parityExpr(b) }));
  }
  return out;
}

/** Hill outlines shared by both looks, as fractions of the height over X/W; far ridge, then near ridge. */
const FAR_RIDGE = '(0.50+0.06*sin(X/W*7+1)+0.03*sin(X/W*23))';
const NEAR_RIDGE = '(0.62+0.05*sin(X/W*5+2)+0.02*sin(X/W*31))';
/** 0 above a ridge, 1 below, blended over one scene pixel so the upscaled outline is not stair-stepped. */
const below = (ridge: string): string => `clip(Y-H*${ridge}+0.5,0,1)`;
/** Sky, far-ridge and near-slope values blended by the two ridge masks. */
const scene = (sky: string, far: string, near: string): string =>
  `(${sky})+${below(FAR_RIDGE)}*((${far})-(${sky})+${below(NEAR_RIDGE)}*((${near})-(${far})))`;

/** Computed once at this size (geq costs ~1 µs a pixel, i.e. startup latency), then upscaled. */
const SCENE_SIZE = '320x180';

function visibleBackground(w: number, h: number, fps: number): string[] {
  return [
    // `loop` later repeats this single frame, so the scene costs nothing per frame.
    filter('color', { c: 'black', s: SCENE_SIZE, r: fps, d: 1 }),
    'format=rgb24',
    filter('trim', { end_frame: 1 }),
    filter('geq', {
      // Only faint texture: noise is what makes key frames expensive to encode.
      r: scene('70+110*(Y/H)', '66+6*random(1)', '44+12*random(1)+20*(Y/H)'),
      g: scene('125+95*(Y/H)', '100+6*random(1)', '74+16*random(1)'),
      b: scene('215+30*(Y/H)', '95+5*random(1)', '36+8*random(1)'),
    }),
    filter('scale', { w, h }),
  ];
}

function thermalBackground(w: number, h: number, fps: number): string[] {
  return [
    filter('color', { c: 'black', s: SCENE_SIZE, r: fps, d: 1 }),
    'format=gray',
    filter('trim', { end_frame: 1 }),
    // Grey level = apparent temperature: cold sky, cool far ridge, sun-warmed near slope.
    filter('geq', { lum: scene('12+26*(Y/H)', '70+4*random(1)', '92+8*random(1)+60*(Y/H-0.6)') }),
    filter('scale', { w, h }),
    'format=yuv444p',
    filter('pseudocolor', { p: 'inferno' }),
  ];
}

function caption(files: CameraGraphFiles, opts: Record<string, string | number>): string {
  // A fontconfig name picks the Simplified Chinese face of the CJK collection; a bare .ttc path
  // gives its first face (Japanese), whose glyphs differ for some hanzi.
  const font: Record<string, string> = files.fontName ? { font: files.fontName } : files.fontFile ? { fontfile: files.fontFile } : {};
  return filter('drawtext', { ...font, fontcolor: 'white', box: 1, boxcolor: 'black@0.45', ...opts });
}

/**
 * The lavfi filtergraph for one camera. Everything static (scene, caption, strip guards) is drawn
 * once and repeated with `loop`, so per-frame work is a few small overlays, the strip cells and two
 * text lines; the encoder dominates the CPU cost.
 */
export function buildCameraGraph(
  kind: CameraKind,
  profile: CameraProfile,
  files: CameraGraphFiles,
  fps = PROFILE_FORMAT[profile].fps,
): string {
  const { width: w, height: h } = PROFILE_FORMAT[profile];
  const cell = stripLayout(w).cell;
  const fontSize = Math.round(h / 24);
  const margin = cell;
  const chains: string[] = [];

  const background = kind === 'visible' ? visibleBackground(w, h, fps) : thermalBackground(w, h, fps);
  // Centre reticle, as PTZ camera OSDs show.
  const reticle = [
    filter('drawbox', { x: w / 2 - cell, y: h / 2 - 1, w: 2 * cell, h: 2, color: 'white@0.7', t: 'fill' }),
    filter('drawbox', { x: w / 2 - 1, y: h / 2 - cell, w: 2, h: 2 * cell, color: 'white@0.7', t: 'fill' }),
  ];
  chains.push(
    [
      ...background,
      'format=yuv420p',
      ...reticle,
      ...stripStaticFilters(w),
      caption(files, { textfile: files.labelFile, expansion: 'none', fontsize: fontSize, x: margin, y: 2 * cell }),
      filter('loop', { loop: -1, size: 1 }),
      filter('setpts', { expr: `N/${fps}/TB` }),
    ].join(',') + '[bg]',
  );

  let current = 'bg';
  const overlay = (sprite: string, x: string, y: string): void => {
    const next = `${current}_${sprite}`;
    chains.push(`[${current}][${sprite}]${filter('overlay', { x, y, eval: 'frame' })}[${next}]`);
    current = next;
  };

  if (kind === 'visible') {
    const cw = Math.round(w / 5);
    const ch = Math.round(h / 9);
    // A soft cloud (union of three ellipses) drifting across the sky.
    const ell = (cx: number, cy: number, rx: number, ry: number): string =>
      `max(0,1-pow((X-W*${cx})/(W*${rx}),2)-pow((Y-H*${cy})/(H*${ry}),2))`;
    chains.push(
      [
        filter('color', { c: 'white', s: `${cw}x${ch}`, r: fps, d: 1 }),
        'format=rgba',
        filter('trim', { end_frame: 1 }),
        filter('geq', {
          r: 245,
          g: 248,
          b: 252,
          a: `min(255,230*max(${ell(0.3, 0.6, 0.3, 0.4)},max(${ell(0.55, 0.45, 0.28, 0.45)},${ell(0.75, 0.62, 0.25, 0.38)})))`,
        }),
        // Converted once here; after `loop` the overlay would otherwise convert it every frame.
        'format=yuva420p',
        filter('loop', { loop: -1, size: 1 }),
        filter('setpts', { expr: `N/${fps}/TB` }),
      ].join(',') + '[cloud]',
    );
    overlay('cloud', `mod(t*${Math.round(w / 40)},W+w)-w`, `H*0.2+H*0.02*sin(t/9)`);
    // A moving test pattern inset, so motion and frame pacing are always visible.
    chains.push(`${filter('testsrc2', { s: `${Math.round(w / 8)}x${Math.round(h / 8)}`, r: fps })}[inset]`);
    overlay('inset', `W-w-${margin}`, `H-h-${margin}`);
  } else {
    const sw = Math.round(w / 14);
    const sh = Math.round(h / 14);
    // A hot spot (vehicle / animal) crawling along the near slope: white-yellow core, red halo.
    const d = 'max(0,1-pow(2*X/W-1,2)-pow(2*Y/H-1,2))';
    chains.push(
      [
        filter('color', { c: 'black', s: `${sw}x${sh}`, r: fps, d: 1 }),
        'format=rgba',
        filter('trim', { end_frame: 1 }),
        filter('geq', {
          r: `255*min(1,2.5*${d})`,
          g: `255*min(1,max(0,2*${d}-0.5))`,
          b: `255*min(1,max(0,3*${d}-2))`,
          a: `255*min(1,3*${d})`,
        }),
        // Converted once here; after `loop` the overlay would otherwise convert it every frame.
        'format=yuva420p',
        filter('loop', { loop: -1, size: 1 }),
        filter('setpts', { expr: `N/${fps}/TB` }),
      ].join(',') + '[hot]',
    );
    overlay('hot', `W*0.45+W*0.3*sin(t/8)-w/2`, `H*0.78+H*0.03*sin(t/3)-h/2`);
  }

  const perFrame: string[] = [
    // From here on the pts is the wall clock in ms: the strip and the clock line are read from it,
    // so they describe the moment this frame was generated.
    filter('settb', { expr: '1/1000' }),
    filter('setpts', { expr: 'floor(RTCTIME/1000)' }),
    ...stripDynamicFilters(w),
    caption(files, { textfile: files.clockFile, fontsize: fontSize, x: margin, y: 2 * cell + Math.round(fontSize * 1.6) }),
  ];
  if (files.poseFile) {
    perFrame.push(
      caption(files, {
        textfile: files.poseFile,
        reload: 1,
        expansion: 'none',
        fontsize: fontSize,
        x: margin,
        y: `h-th-${margin}`,
      }),
    );
  }
  perFrame.push(filter('settb', { expr: `1/${fps}` }), filter('setpts', { expr: 'N' }));
  chains.push(`[${current}]${perFrame.join(',')}[out0]`);
  return chains.join(';');
}

export function buildCameraFfmpegArgs(
  kind: CameraKind,
  profile: CameraProfile,
  files: CameraGraphFiles,
  fps = PROFILE_FORMAT[profile].fps,
): string[] {
  const main = profile === 'main';
  return [
    '-hide_banner',
    '-nostdin',
    '-nostats',
    '-loglevel',
    'warning',
    '-re',
    '-f',
    'lavfi',
    '-i',
    buildCameraGraph(kind, profile, files, fps),
    '-an',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-tune',
    'zerolatency',
    // ultrafast turns off CABAC and 8x8 transforms, so x264 emits Constrained Baseline whatever the
    // requested profile; asking for Main would only mislabel it as a ceiling.
    '-profile:v',
    'baseline',
    '-pix_fmt',
    'yuv420p',
    '-r',
    String(fps),
    '-g',
    String(fps),
    '-keyint_min',
    String(fps),
    '-sc_threshold',
    '0',
    '-bf',
    '0',
    // One thread: sliced threads would only add overhead at these sizes, and several cameras share the cores.
    '-threads',
    '1',
    '-crf',
    '25',
    '-maxrate',
    main ? '2500k' : '600k',
    '-bufsize',
    main ? '2500k' : '600k',
    '-x264-params',
    'aud=1:repeat-headers=1',
    '-flush_packets',
    '1',
    // FLV, not raw H.264: each frame arrives as one length-framed tag and can be sent at once. With an
    // Annex-B stream a frame is only known to be complete when the next one starts, 40 ms later.
    '-flvflags',
    'no_duration_filesize',
    '-f',
    'flv',
    'pipe:1',
  ];
}

/** SPS and PPS from an AVCDecoderConfigurationRecord, and the NAL length size it declares. */
function parseAvcConfig(rec: Buffer): { sps: Buffer[]; pps: Buffer[]; lengthSize: number } {
  const lengthSize = ((rec[4] ?? 3) & 0x03) + 1;
  const sps: Buffer[] = [];
  const pps: Buffer[] = [];
  let off = 5;
  const nSps = (rec[off++] ?? 0) & 0x1f;
  for (let i = 0; i < nSps && off + 2 <= rec.length; i++) {
    const len = rec.readUInt16BE(off);
    sps.push(rec.subarray(off + 2, off + 2 + len));
    off += 2 + len;
  }
  const nPps = rec[off++] ?? 0;
  for (let i = 0; i < nPps && off + 2 <= rec.length; i++) {
    const len = rec.readUInt16BE(off);
    pps.push(rec.subarray(off + 2, off + 2 + len));
    off += 2 + len;
  }
  return { sps, pps, lengthSize };
}

/** Splits length-prefixed (AVCC) NAL units. */
function splitAvcc(data: Buffer, lengthSize: number): Buffer[] {
  const nals: Buffer[] = [];
  let off = 0;
  while (off + lengthSize <= data.length) {
    let len = 0;
    for (let i = 0; i < lengthSize; i++) len = len * 256 + (data[off + i] ?? 0);
    off += lengthSize;
    if (len === 0 || off + len > data.length) break;
    nals.push(data.subarray(off, off + len));
    off += len;
  }
  return nals;
}

/** Writes a file via rename so a drawtext `reload` never reads it half-written. */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

const STDERR_TAIL_LINES = 20;

/** An `H264Source` that runs one ffmpeg test-picture encoder while started. */
export class CameraSource extends EventEmitter implements H264Source {
  readonly path: string;
  readonly fps: number;
  private _sps: Buffer | undefined;
  private _pps: Buffer | undefined;
  private run: Run | undefined;
  private generation = 0;
  private spawns = 0;
  private readonly stderrTail: string[] = [];
  private poseShown: string | undefined;

  constructor(readonly options: CameraSourceOptions) {
    super();
    this.path = options.path;
    this.fps = options.fps ?? PROFILE_FORMAT[options.profile].fps;
  }

  get sps(): Buffer | undefined {
    return this._sps;
  }

  get pps(): Buffer | undefined {
    return this._pps;
  }

  get running(): boolean {
    return this.run !== undefined;
  }

  /** Process id of the current ffmpeg, if running. */
  get pid(): number | undefined {
    return this.run?.child.pid;
  }

  /** How many times an ffmpeg has been spawned for this source. */
  get spawnCount(): number {
    return this.spawns;
  }

  get title(): string {
    const o = this.options;
    return `${o.towerName} ${o.towerId} ${KIND_LABEL[o.kind]} ${PROFILE_LABEL[o.profile]}`;
  }

  start(): void {
    if (this.run) return;
    const gen = ++this.generation;
    let dir: string | undefined;
    let child: ChildProcess;
    try {
      const ffmpeg = locateFfmpeg().path;
      dir = mkdtempSync(join(tmpdir(), 'skywatch-cam-'));
      const files = this.prepareFiles(dir);
      child = spawnOwned(ffmpeg, buildCameraFfmpegArgs(this.options.kind, this.options.profile, files, this.fps), {
        stdio: ['ignore', 'pipe', 'pipe'],
        // A camera shows the local time of its site, whatever the time zone of the machine.
        env: { ...process.env, TZ: this.options.timeZone ?? process.env.TZ ?? 'Asia/Shanghai' },
      });
    } catch (e) {
      removeDir(dir);
      const err = e instanceof Error ? e : new Error(String(e));
      process.nextTick(() => this.fail(err));
      return;
    }
    const run: Run = { child, dir, poseTimer: undefined, ...(this.options.replaySeconds ? { recording: [] } : {}) };
    if (this.options.poseFile) {
      const mirror = join(dir, 'pose.txt');
      run.poseTimer = setInterval(() => this.mirrorPose(mirror), POSE_POLL_MS);
      run.poseTimer.unref();
    }
    this.run = run;
    this.spawns++;
    this.stderrTail.length = 0;
    const demux = new FlvDemuxer();
    let lengthSize = 4;
    let frame = 0;
    child.stdout?.on('data', (chunk: Buffer) => {
      if (gen !== this.generation || run.replayTimer) return;
      let tags;
      try {
        tags = demux.push(chunk);
      } catch (e) {
        this.options.log?.(`[${this.path}] unreadable encoder output: ${(e as Error).message}`);
        child.kill('SIGKILL');
        return;
      }
      for (const tag of tags) {
        // Video tag body: frame type/codec, AVC packet type, 3-byte composition time, payload.
        if (tag.type !== 9 || tag.data.length < 5) continue;
        const payload = tag.data.subarray(5);
        if (tag.data[1] === 0) {
          const cfg = parseAvcConfig(payload);
          lengthSize = cfg.lengthSize;
          if (cfg.sps[0]) this._sps = Buffer.from(cfg.sps[0]);
          if (cfg.pps[0]) this._pps = Buffer.from(cfg.pps[0]);
          continue;
        }
        if (tag.data[1] !== 1) continue;
        const nals = splitAvcc(payload, lengthSize).filter((n) => nalType(n) !== NalType.Aud);
        for (const n of nals) {
          const type = nalType(n);
          if (type === NalType.Sps) this._sps = Buffer.from(n);
          else if (type === NalType.Pps) this._pps = Buffer.from(n);
        }
        if (!nals.length) continue;
        const au: AccessUnit = { nals: nals.map((n) => Buffer.from(n)), isKeyframe: tag.isKeyframe, pts: frame * (90_000 / this.fps) };
        if (run.recording) {
          // A loop of whole GOPs: it ends where the next keyframe starts.
          if (au.isKeyframe && run.recording.length >= this.replayFrames) {
            this.replay(run, gen, run.recording, frame);
            return;
          }
          if (run.recording.length || au.isKeyframe) run.recording.push(au);
        }
        frame++;
        this.emit('au', au);
      }
    });
    // stderr must always be drained, or ffmpeg blocks once the pipe fills.
    let partial = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const full of lines) {
        if (!full.trim()) continue;
        // ffmpeg echoes the whole (multi-kilobyte) filtergraph in some errors.
        const line = full.length > 300 ? `${full.slice(0, 300)}…` : full;
        this.stderrTail.push(line);
        if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
        this.options.log?.(`[${this.path}] ffmpeg: ${line}`);
      }
    });
    let dead = false;
    const died = (err: Error): void => {
      // 'error' and 'exit' can both fire for one failure.
      if (dead) return;
      dead = true;
      clearInterval(run.poseTimer);
      removeDir(run.dir);
      if (gen !== this.generation || run.replayTimer) return;
      this.run = undefined;
      this.fail(err);
    };
    child.on('error', died);
    child.on('exit', (code, signal) => {
      const tail = this.stderrTail.slice(-5).join(' | ');
      died(new Error(`ffmpeg for ${this.path} exited unexpectedly (${signal ?? `code ${code}`})${tail ? `: ${tail}` : ''}`));
    });
  }

  async stop(): Promise<void> {
    const run = this.run;
    // A new generation makes the old process's late output and exit invisible.
    this.generation++;
    this.run = undefined;
    if (!run) return;
    clearInterval(run.poseTimer);
    clearTimeout(run.replayTimer);
    await stopChild(run.child);
    removeDir(run.dir);
  }

  /**
   * drawtext reads a private copy of the pose file: ffmpeg exits if a `reload` file is missing,
   * and the writer (another module) may delete or rewrite its file non-atomically at any time.
   */
  private mirrorPose(mirror: string, initial = false): void {
    const src = this.options.poseFile;
    if (!src) return;
    let text: string;
    try {
      text = poseLine(readFileSync(src, 'utf8'));
    } catch {
      if (!initial) return;
      text = POSE_PLACEHOLDER;
    }
    if (!initial && text === this.poseShown) return;
    this.poseShown = text;
    try {
      writeFileAtomic(mirror, text);
    } catch (e) {
      this.options.log?.(`[${this.path}] cannot update pose text: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private get replayFrames(): number {
    return Math.max(1, Math.round((this.options.replaySeconds ?? 0) * this.fps));
  }

  /** Stops the encoder and plays `loop` over and over from frame number `from`, at the source's frame rate. */
  private replay(run: Run, gen: number, loop: AccessUnit[], from: number): void {
    delete run.recording;
    const frameMs = 1000 / this.fps;
    const t0 = performance.now() - frameMs;
    let n = 0;
    const next = () => {
      if (gen !== this.generation) return;
      // Paced from the start, not from the last timer, so the frame rate does not drift.
      while (performance.now() >= t0 + (n + 1) * frameMs) {
        const au = loop[n % loop.length]!;
        this.emit('au', { ...au, pts: (from + n) * (90_000 / this.fps) });
        n++;
      }
      run.replayTimer = setTimeout(next, Math.max(1, t0 + (n + 1) * frameMs - performance.now()));
    };
    next();
    this.options.log?.(`[${this.path}] replaying ${loop.length} recorded frames in a loop; encoder stopped`);
    clearInterval(run.poseTimer);
    void stopChild(run.child);
  }

  private fail(err: Error): void {
    // An unhandled 'error' event would throw; a source nobody listens to just stops.
    if (this.listenerCount('error') > 0) this.emit('error', err);
    else this.options.log?.(err.message);
  }

  private prepareFiles(dir: string): CameraGraphFiles {
    const o = this.options;
    const labelFile = join(dir, 'label.txt');
    const { width, height } = PROFILE_FORMAT[o.profile];
    writeFileSync(labelFile, `${o.towerName}  ${o.towerId}  ${KIND_LABEL[o.kind]}  ${PROFILE_LABEL[o.profile]} ${width}×${height}`);
    const clockFile = join(dir, 'clock.txt');
    writeFileSync(clockFile, '%{localtime:%Y-%m-%d %H\\:%M\\:%S}.%{eif:mod(floor(t*1000+0.5),1000):d:3}');
    let poseMirror: string | undefined;
    if (o.poseFile) {
      if (!existsSync(o.poseFile)) {
        mkdirSync(dirname(o.poseFile), { recursive: true });
        writeFileAtomic(o.poseFile, POSE_PLACEHOLDER);
      }
      poseMirror = join(dir, 'pose.txt');
      this.mirrorPose(poseMirror, true);
    }
    const fontFile = o.fontFile ?? findCjkFont();
    const fontName = o.fontFile ? undefined : scFontName();
    return {
      ...(fontName ? { fontName } : {}),
      labelFile,
      clockFile,
      ...(poseMirror ? { poseFile: poseMirror } : {}),
      ...(fontFile ? { fontFile } : {}),
    };
  }
}

interface Run {
  child: ChildProcess;
  /** Temporary caption files; drawtext reads them at startup, so they go when the process does. */
  dir: string;
  poseTimer: NodeJS.Timeout | undefined;
  /** Frames kept for the replay loop (`replaySeconds`), from the first keyframe. */
  recording?: AccessUnit[];
  /** Set once the encoder has stopped and the loop plays. */
  replayTimer?: NodeJS.Timeout;
}

/** The pose text shown: first line only, bounded, so a stray file cannot flood the picture. */
function poseLine(text: string): string {
  const line = text.split(/\r?\n/)[0] ?? '';
  return line.length > 120 ? line.slice(0, 120) : line;
}

function removeDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

export function createCameraSource(opts: CameraSourceOptions): CameraSource {
  return new CameraSource(opts);
}

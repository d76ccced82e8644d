import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { HostFailure } from '../../common/contract/errors';
import {
  ScheduleEntry,
  type SceneInfo,
  type SceneList,
  type SceneSchedule,
  type WallAlarm,
  type WallDecoderView,
  type WallEditResult,
  type WallLockInfo,
  type WallState,
  type wallEvents,
} from '../../common/contract/wall';
import type { SiteConfig } from '../../common/site';
import {
  ALARM_WINDOW_ID,
  alarmWindow,
  checkScene,
  clampRect,
  DEFAULT_SPLITS,
  LED_OFF,
  LedStateSchema,
  MAX_ALARM_CAMERAS,
  nextWindowId,
  normalizePanes,
  outputsKey,
  planWall,
  raiseWindow,
  roundRect,
  SCENE_FORMAT,
  snapRect,
  tourCamera,
  tourPosition,
  validateWindows,
  wallGeometry,
  WallRectSchema,
  wallSizeOf,
  WallWindowsSchema,
  type DecoderLayout,
  type DecoderOutput,
  type DecoderStatus,
  type LedState,
  type OverBudget,
  type PaneSource,
  type PlannedWindow,
  type Profile,
  type Scene,
  type WallGeometry,
  type WallIssue,
  type WallPlan,
  type WallRect,
  type WallWindow,
} from '../../common/wall';
import type { Logger } from '../host/dispatch';
import { DecoderError, type DecoderDriver, type LedDriver } from './drivers/driver';
import type { DecoderConfig } from './drivers/registry';
import { WallLock } from './lock';
import type { OsdTarget } from './osd';
import { SceneStore, writeFileAtomic } from './scene-store';
import { SceneScheduler, type ScheduleItem } from './schedule';

type WallEvents = { [E in keyof typeof wallEvents]: z.output<(typeof wallEvents)[E]> };
/** The part of the host's EventBus the wall publishes on. */
export interface WallEventSink {
  emit<E extends keyof WallEvents>(name: E, payload: WallEvents[E]): void;
}

export type WallConfig = NonNullable<SiteConfig['wall']>;

export interface WallControllerOptions {
  wall: WallConfig;
  /** IANA time zone of the site (schedules, messages). */
  timeZone: string;
  /** Known cameras and the label shown on their panes. */
  cameras: ReadonlyMap<string, string>;
  driverFor: (decoder: DecoderConfig) => DecoderDriver;
  led?: LedDriver;
  /** URL a decoder plays for a camera stream (fully qualified, with a token the host accepts). */
  mediaUrl: (cameraId: string, profile: Profile) => string;
  bus: WallEventSink;
  log: Logger;
  now?: () => number;
  /** Folder for `wall.json` (current windows, LED, alarm region, schedule) and `scenes/`; in memory without it. */
  stateDir?: string;
  /** Over a decoder's budget: refuse (default) or degrade panes to sub streams. */
  overBudget?: Exclude<OverBudget, 'shed'>;
  subStreamWeight?: number;
  splits?: readonly number[];
  bezelCompensation?: boolean;
  /** Snap tolerance, wall pixels (default 48). */
  snapPx?: number;
  /** The edit lock lapses after this much inactivity, ms (default 120 000). */
  lockIdleMs?: number;
  /** Undo depth (default 50). */
  historyLimit?: number;
  /** Decoder status poll, ms (default 2000; 0 = only pollAll()). */
  pollMs?: number;
  /** Tour, schedule and lock clock, ms (default 250; 0 = only tick()). */
  tickMs?: number;
  /** `wall:state` is sent at most this often, ms (default 100). */
  stateCoalesceMs?: number;
}

/** What the controller keeps on disk between runs. */
const PersistedWallSchema = z.object({
  windows: WallWindowsSchema,
  led: LedStateSchema.default(LED_OFF),
  alarmRegion: WallRectSchema.nullable().default(null),
  schedule: z.array(ScheduleEntry).default([]),
});
type PersistedWall = z.infer<typeof PersistedWallSchema>;

interface Slot {
  cfg: DecoderConfig;
  driver: DecoderDriver;
  desired: DecoderOutput[];
  desiredKey: string | null;
  cost: number;
  /** Revision of the desired layout; grows whenever its content changes (or a decoder is ahead). */
  revision: number;
  ackRevision: number | null;
  /** A revision the decoder refused (422); not retried until the content changes. */
  rejectedRevision: number | null;
  reported: DecoderStatus | null;
  reportedKey: string;
  online: boolean | null;
  error: string | null;
  lastSeen: number | null;
  lastApplyMs: number | null;
  busy: Promise<void> | null;
  again: boolean;
  polling: boolean;
}

interface AlarmHold {
  cameraId: string;
  reason: string;
  since: number;
}

interface Snapshot {
  windows: WallWindow[];
  scene: string | null;
}

const fail = (code: ConstructorParameters<typeof HostFailure>[0], message: string, issues?: WallIssue[]): never => {
  throw new HostFailure(code, message, issues);
};

/**
 * The wall controller: keeps the desired wall (windows, alarm overlay, LED), turns it into one
 * full layout per decoder, sends those in parallel with a revision, and keeps what each decoder
 * reports apart from what it was asked. Offline decoders are polled and get their layout again
 * when they return; tours advance on the controller's clock so synchronised panes switch together.
 */
export class WallController {
  readonly geometry: WallGeometry;
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly slots: Slot[];
  private readonly lock: WallLock;
  private readonly scenes: SceneStore | undefined;
  private readonly scheduler: SceneScheduler;
  private readonly splits: readonly number[];
  private readonly stateFile: string | undefined;

  private windows: WallWindow[] = [];
  private version = 0;
  private undoStack: Snapshot[] = [];
  private redoStack: Snapshot[] = [];
  private scene: string | null = null;
  private alarmRegion: WallRect | null = null;
  private alarms: AlarmHold[] = [];
  private led: LedState = LED_OFF;
  private ledRevision = 0;
  private ledPending = false;
  private ledRetryAt = 0;
  private epochs = new Map<string, number>();
  private plan: WallPlan;
  private tours: WallState['tours'] = [];
  private nextTourAt = Infinity;
  private stateTimer: NodeJS.Timeout | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private closed = false;

  constructor(private readonly opts: WallControllerOptions) {
    this.now = opts.now ?? Date.now;
    this.log = opts.log;
    this.geometry = wallGeometry(opts.wall, { bezelCompensation: opts.bezelCompensation ?? false });
    this.splits = opts.splits ?? DEFAULT_SPLITS;
    this.lock = new WallLock({ now: this.now, idleMs: opts.lockIdleMs ?? 120_000 });
    this.slots = opts.wall.decoders.map((cfg) => ({
      cfg,
      driver: opts.driverFor(cfg),
      desired: [],
      desiredKey: null,
      cost: 0,
      revision: 0,
      ackRevision: null,
      rejectedRevision: null,
      reported: null,
      reportedKey: '',
      online: null,
      error: null,
      lastSeen: null,
      lastApplyMs: null,
      busy: null,
      again: false,
      polling: false,
    }));
    this.stateFile = opts.stateDir ? join(opts.stateDir, 'wall.json') : undefined;
    if (opts.stateDir) {
      mkdirSync(opts.stateDir, { recursive: true });
      this.scenes = new SceneStore({ dir: join(opts.stateDir, 'scenes'), check: (raw) => checkScene(raw, this.geometry, this.layoutContext()), log: this.log });
    }
    const restored = this.restore();
    this.scheduler = new SceneScheduler(restored?.schedule ?? [], opts.timeZone, this.now());
    this.plan = this.desiredPlan();
    this.recompute();

    const pollMs = opts.pollMs ?? 2000;
    if (pollMs > 0) {
      this.pollAll();
      const t = setInterval(() => this.pollAll(), pollMs);
      t.unref();
      this.timers.push(t);
    }
    const tickMs = opts.tickMs ?? 250;
    if (tickMs > 0) {
      const t = setInterval(() => this.tick(), tickMs);
      t.unref();
      this.timers.push(t);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Reading

  /** Everything about the wall (the `wall:get` answer and the `wall:state` payload). */
  state(): WallState {
    const g = this.geometry;
    return {
      geometry: { rows: g.rows, columns: g.columns, panelWidth: g.panelWidth, panelHeight: g.panelHeight, gapX: g.gapX, gapY: g.gapY, width: g.width, height: g.height },
      version: this.version,
      windows: this.windows,
      alarm: this.alarmView(),
      led: this.led,
      lock: this.lockInfo(),
      canUndo: this.undoStack.length > 0,
      canRedo: this.redoStack.length > 0,
      scene: this.scene,
      degraded: this.plan.degraded,
      tours: this.tours,
      decoders: this.slots.map((s) => this.decoderView(s)),
      splits: [...this.splits],
    };
  }

  private decoderView(s: Slot): WallDecoderView {
    return {
      id: s.cfg.id,
      row: s.cfg.row,
      column: s.cfg.column,
      driver: s.cfg.driver,
      online: s.online,
      error: s.error,
      maxStreams: s.cfg.maxStreams,
      cost: s.cost,
      desiredRevision: s.revision,
      ackRevision: s.ackRevision,
      reportedRevision: s.reported?.revision ?? null,
      lastSeen: s.lastSeen,
      lastApplyMs: s.lastApplyMs,
      model: s.reported ? `${s.reported.model} ${s.reported.firmware}`.trim() : null,
      desired: s.desired,
      reported: s.reported?.outputs ?? [],
    };
  }

  /** The layout a decoder should show now (a software decoder page that has just opened). */
  decoderLayout(decoderId: string): DecoderLayout {
    const s = this.slot(decoderId);
    return { revision: s.revision, outputs: s.desired };
  }

  /** Every decoder with what it should show, and whether it is online and draws OSD (the HUD feeder). */
  osdTargets(): OsdTarget[] {
    return this.slots.map((s) => ({
      decoderId: s.cfg.id,
      driver: s.driver,
      outputs: s.desired,
      takesOsd: s.online === true && s.reported?.capacity.osd === true,
    }));
  }

  /** The driver of a decoder (the domain routes software decoder reports to it). */
  driverOf(decoderId: string): DecoderDriver {
    return this.slot(decoderId).driver;
  }

  private slot(decoderId: string): Slot {
    return this.slots.find((s) => s.cfg.id === decoderId) ?? fail('not_found', `no decoder ${decoderId}`);
  }

  private lockInfo(): WallLockInfo {
    const h = this.lock.holder();
    return h ? { ...h } : null;
  }

  private alarmView(): WallAlarm {
    return { region: this.alarmRegion, active: this.alarms.map((a) => ({ ...a })) };
  }

  private clock(ms: number): string {
    return new Date(ms).toLocaleTimeString('zh-CN', { timeZone: this.opts.timeZone, hour12: false });
  }

  // ------------------------------------------------------------------------------------------
  // The edit lock

  /** Takes or renews the edit lock for a console; `conflict` naming the holder otherwise. */
  claim(clientId: string): WallLockInfo {
    const r = this.lock.acquire(clientId);
    if (!r.ok) fail('conflict', `the wall is being edited by ${r.holder.clientId} until ${this.clock(r.holder.until)}`);
    else if (r.fresh) {
      this.log('info', `wall: ${clientId} took the edit lock`);
      this.scheduleState();
    }
    return this.lockInfo();
  }

  unlock(clientId: string): WallLockInfo {
    if (this.lock.release(clientId)) {
      this.log('info', `wall: ${clientId} released the edit lock`);
      this.scheduleState();
    }
    return this.lockInfo();
  }

  // ------------------------------------------------------------------------------------------
  // Editing

  private layoutContext() {
    return { knownCamera: (id: string) => this.opts.cameras.has(id), splits: this.splits };
  }

  private windowAt(id: string): WallWindow {
    return this.windows.find((w) => w.id === id) ?? fail('not_found', `no window ${id}`);
  }

  private check(windows: WallWindow[]): WallPlan {
    const issues = validateWindows(this.geometry, windows, this.layoutContext());
    windows.forEach((w, i) => {
      if (w.id === ALARM_WINDOW_ID) issues.push({ path: `windows[${i}].id`, message: `window id "${ALARM_WINDOW_ID}" is reserved for the alarm region` });
    });
    if (issues.length) {
      const notYet = issues.every((i) => i.message.endsWith('is not yet available'));
      fail(notYet ? 'unavailable' : 'invalid_args', issues.map((i) => i.message).join('; '), issues);
    }
    const plan = this.planOf(windows, this.epochsFor(windows), this.opts.overBudget ?? 'refuse');
    if (!plan.ok) fail('unavailable', plan.problems.join('; '), plan.problems.map((p) => ({ path: 'decoders', message: p })));
    return plan;
  }

  /** Replaces the windows after checking them; the one way the operator layout changes. */
  private commit(next: WallWindow[], how: { history: boolean; scene?: string | null; windowId?: string | null }): WallEditResult {
    const windows = next.map((w) => ({ ...w, rect: roundRect(w.rect), panes: normalizePanes(w.panes, w.split) }));
    const plan = this.check(windows);
    if (how.history) {
      this.undoStack.push({ windows: this.windows, scene: this.scene });
      if (this.undoStack.length > (this.opts.historyLimit ?? 50)) this.undoStack.shift();
      this.redoStack = [];
    }
    this.epochs = this.epochsFor(windows);
    this.windows = windows;
    this.scene = how.scene ?? null;
    this.changed();
    const id = how.windowId ?? null;
    return { version: this.version, windowId: id, rect: id ? (windows.find((w) => w.id === id)?.rect ?? null) : null, degraded: plan.degraded };
  }

  /** After any change of the desired state: new version, new layouts, saved, announced. */
  private changed(): void {
    this.version++;
    this.recompute();
    this.persist();
    this.scheduleState();
  }

  openWindow(a: { rect: WallRect; split: number; panes: (PaneSource | null)[]; title?: string; snap: boolean }): WallEditResult {
    const id = nextWindowId([...this.windows, { id: ALARM_WINDOW_ID }]);
    const rect = a.snap ? snapRect(this.geometry, a.rect, this.opts.snapPx ?? 48, 'resize') : a.rect;
    const win: WallWindow = { id, rect, split: a.split, panes: a.panes, ...(a.title ? { title: a.title } : {}) };
    return this.commit([...this.windows, win], { history: true, windowId: id });
  }

  moveWindow(a: { windowId: string; rect: WallRect; snap: boolean; mode: 'move' | 'resize' }): WallEditResult {
    this.windowAt(a.windowId);
    let rect = a.snap ? snapRect(this.geometry, a.rect, this.opts.snapPx ?? 48, a.mode) : a.rect;
    // A drag keeps the window on the wall; a resize beyond the wall is refused with the reason.
    if (a.mode === 'move') rect = clampRect(this.geometry, rect);
    return this.commit(
      this.windows.map((w) => (w.id === a.windowId ? { ...w, rect } : w)),
      { history: true, windowId: a.windowId },
    );
  }

  closeWindow(windowId: string): WallEditResult {
    this.windowAt(windowId);
    return this.commit(
      this.windows.filter((w) => w.id !== windowId),
      { history: true },
    );
  }

  setSplit(windowId: string, split: number): WallEditResult {
    this.windowAt(windowId);
    return this.commit(
      this.windows.map((w) => (w.id === windowId ? { ...w, split, panes: normalizePanes(w.panes, split) } : w)),
      { history: true, windowId },
    );
  }

  setPaneSource(windowId: string, pane: number, source: PaneSource | null): WallEditResult {
    const w = this.windowAt(windowId);
    if (pane >= w.split) fail('invalid_args', `window ${windowId} has ${w.split} pane${w.split > 1 ? 's' : ''}; there is no pane ${pane}`);
    const panes = normalizePanes(w.panes, w.split);
    panes[pane] = source;
    return this.commit(
      this.windows.map((x) => (x.id === windowId ? { ...x, panes } : x)),
      { history: true, windowId },
    );
  }

  setPanes(windowId: string, sources: readonly (PaneSource | null)[]): WallEditResult {
    const w = this.windowAt(windowId);
    if (sources.length > w.split) fail('invalid_args', `window ${windowId} has ${w.split} pane${w.split > 1 ? 's' : ''}, not ${sources.length}`);
    const panes = normalizePanes(sources, w.split);
    return this.commit(
      this.windows.map((x) => (x.id === windowId ? { ...x, panes } : x)),
      { history: true, windowId },
    );
  }

  raiseWindow(windowId: string): WallEditResult {
    this.windowAt(windowId);
    return this.commit(raiseWindow(this.windows, windowId), { history: true, windowId });
  }

  clear(): WallEditResult {
    return this.commit([], { history: true });
  }

  undo(): WallEditResult {
    const prev = this.undoStack.pop() ?? fail('not_found', 'nothing to undo');
    const current = { windows: this.windows, scene: this.scene };
    try {
      const r = this.commit(prev.windows, { history: false, scene: prev.scene });
      this.redoStack.push(current);
      return r;
    } catch (e) {
      this.undoStack.push(prev);
      throw e;
    }
  }

  redo(): WallEditResult {
    const next = this.redoStack.pop() ?? fail('not_found', 'nothing to redo');
    const current = { windows: this.windows, scene: this.scene };
    try {
      const r = this.commit(next.windows, { history: false, scene: next.scene });
      this.undoStack.push(current);
      return r;
    } catch (e) {
      this.redoStack.push(next);
      throw e;
    }
  }

  // ------------------------------------------------------------------------------------------
  // Scenes

  private store(): SceneStore {
    return this.scenes ?? fail('unavailable', 'scenes need a state folder, and this host has none');
  }

  private sceneInfo(s: Scene): SceneInfo {
    const cams = new Set<string>();
    for (const w of s.windows)
      for (const p of w.panes) {
        if (p?.kind === 'camera') cams.add(p.cameraId);
        else if (p?.kind === 'tour') for (const c of p.cameras) cams.add(c);
      }
    return { name: s.name, savedAt: s.savedAt, windows: s.windows.length, cameras: cams.size };
  }

  sceneList(): SceneList {
    const store = this.store();
    return { scenes: store.list().map((s) => this.sceneInfo(s)), rejected: store.rejected(), schedule: this.schedule() };
  }

  sceneSave(name: string, overwrite: boolean): SceneInfo {
    const store = this.store();
    if (store.has(name) && !overwrite) fail('conflict', `a scene named "${name}" exists; save with overwrite to replace it`);
    const scene: Scene = { format: SCENE_FORMAT, version: 1, name, savedAt: this.now(), wall: wallSizeOf(this.geometry), windows: this.windows };
    store.save(scene);
    this.log('info', `wall: scene "${name}" saved (${scene.windows.length} windows)`);
    this.scene = name;
    this.scheduleState();
    return this.sceneInfo(scene);
  }

  sceneRecall(name: string): WallEditResult {
    const scene = this.store().get(name) ?? fail('not_found', `no scene "${name}"`);
    const r = this.commit(scene.windows, { history: true, scene: name });
    this.log('info', `wall: scene "${name}" recalled`);
    return r;
  }

  /**
   * Sets the windows as given, with no undo step: a demonstration's step, and the layout put back
   * exactly (scene name included) when the demonstration ends.
   */
  restoreWindows(windows: WallWindow[], scene: string | null): WallEditResult {
    return this.commit(windows, { history: false, scene });
  }

  sceneRename(name: string, to: string): SceneInfo {
    const store = this.store();
    if (!store.has(name)) fail('not_found', `no scene "${name}"`);
    if (name !== to && store.has(to)) fail('conflict', `a scene named "${to}" exists`);
    const s = store.rename(name, to) ?? fail('not_found', `no scene "${name}"`);
    if (this.scene === name) this.scene = to;
    const items = this.scheduler.entries.map((e) => (e.scene === name ? { ...e, scene: to } : e));
    if (items.some((e, i) => e !== this.scheduler.entries[i])) {
      this.scheduler.set(items, this.now());
      this.persist();
    }
    this.scheduleState();
    return this.sceneInfo(s);
  }

  sceneDelete(name: string): { name: string } {
    if (!this.store().delete(name)) fail('not_found', `no scene "${name}"`);
    if (this.scene === name) this.scene = null;
    this.scheduleState();
    return { name };
  }

  sceneExport(name: string): { fileName: string; json: string } {
    const s = this.store().get(name) ?? fail('not_found', `no scene "${name}"`);
    return { fileName: `${name.replace(/[^\p{L}\p{N}_-]+/gu, '_')}.wall-scene.json`, json: `${JSON.stringify(s, null, 2)}\n` };
  }

  sceneImport(json: string, name: string | undefined, overwrite: boolean): SceneInfo {
    const store = this.store();
    let raw: unknown;
    try {
      raw = JSON.parse(json);
    } catch (e) {
      return fail('invalid_args', `scene refused: not JSON (${(e as Error).message})`, [{ path: 'json', message: 'not JSON' }]);
    }
    if (name && typeof raw === 'object' && raw !== null) raw = { ...raw, name };
    const r = checkScene(raw, this.geometry, this.layoutContext());
    if (!r.ok) return fail('invalid_args', `scene refused: ${r.reasons.join('; ')}`, r.reasons.map((m) => ({ path: 'json', message: m })));
    if (store.has(r.scene.name) && !overwrite) fail('conflict', `a scene named "${r.scene.name}" exists; import with overwrite to replace it`);
    store.save(r.scene);
    this.log('info', `wall: scene "${r.scene.name}" imported`);
    return this.sceneInfo(r.scene);
  }

  schedule(): SceneSchedule {
    return { timeZone: this.opts.timeZone, entries: [...this.scheduler.entries], next: this.scheduler.next(this.now()) };
  }

  setSchedule(entries: ScheduleItem[]): SceneSchedule {
    const store = this.store();
    const missing = [...new Set(entries.map((e) => e.scene).filter((n) => !store.has(n)))];
    if (missing.length) fail('not_found', `no scene ${missing.map((n) => `"${n}"`).join(', ')}`);
    this.scheduler.set(entries, this.now());
    this.persist();
    return this.schedule();
  }

  // ------------------------------------------------------------------------------------------
  // Alarm region

  setAlarmRegion(rect: WallRect | null, snap: boolean): WallAlarm {
    if (rect) {
      const r = roundRect(snap ? snapRect(this.geometry, rect, this.opts.snapPx ?? 48, 'resize') : rect);
      const issues = validateWindows(this.geometry, [{ id: ALARM_WINDOW_ID, rect: r, split: 1, panes: [] }], this.layoutContext());
      if (issues.length) fail('invalid_args', issues.map((i) => i.message).join('; '), issues);
      this.alarmRegion = r;
    } else {
      this.alarmRegion = null;
    }
    this.changed();
    return this.alarmView();
  }

  /** An alarm takes the region over; the windows under it stay as they are and show again on release. */
  alarmTakeover(cameraId: string, reason: string): WallAlarm {
    if (!this.opts.cameras.has(cameraId)) fail('not_found', `no camera ${cameraId}`);
    if (!this.alarmRegion) fail('unavailable', 'no alarm region is marked on the wall');
    const existing = this.alarms.find((a) => a.cameraId === cameraId);
    if (existing) existing.reason = reason;
    else {
      this.alarms.push({ cameraId, reason, since: this.now() });
      if (this.alarms.length > MAX_ALARM_CAMERAS) this.alarms.shift();
    }
    this.log('info', `wall: alarm takes the alarm region for ${cameraId}: ${reason}`);
    this.changed();
    return this.alarmView();
  }

  alarmRelease(cameraId?: string): WallAlarm {
    const before = this.alarms.length;
    this.alarms = cameraId ? this.alarms.filter((a) => a.cameraId !== cameraId) : [];
    if (this.alarms.length !== before) {
      this.log('info', `wall: alarm region given back${cameraId ? ` by ${cameraId}` : ''}`);
      this.changed();
    }
    return this.alarmView();
  }

  // ------------------------------------------------------------------------------------------
  // LED strip

  setLed(a: { text: string; colour?: string; speedPxS?: number }): LedState {
    this.led = { text: a.text, colour: a.colour ?? this.led.colour, speedPxS: a.speedPxS ?? this.led.speedPxS };
    this.ledRevision++;
    this.ledPending = true;
    this.sendLed();
    this.version++;
    this.persist();
    this.scheduleState();
    return this.led;
  }

  /** Sends the LED state if it has not been acknowledged; a failure is retried after a few seconds. */
  private sendLed(): void {
    const d = this.opts.led;
    if (!d || !this.ledPending || this.now() < this.ledRetryAt) return;
    this.ledPending = false;
    const rev = this.ledRevision;
    d.apply(rev, this.led).catch((e: unknown) => {
      const stale = e instanceof DecoderError && e.kind === 'stale';
      if (stale && e.detail.revision !== undefined) this.ledRevision = Math.max(this.ledRevision, e.detail.revision + 1);
      this.ledPending = true;
      this.ledRetryAt = stale ? 0 : this.now() + 5000;
      this.log('warn', `wall: LED strip: ${(e as Error).message}`);
    });
  }

  // ------------------------------------------------------------------------------------------
  // Desired state → decoder layouts

  /** Tour clocks for a new set of windows: unchanged tours keep theirs, changed ones start now. */
  private epochsFor(next: readonly WallWindow[]): Map<string, number> {
    const now = this.now();
    const out = new Map<string, number>();
    for (const w of next) {
      const prev = this.windows.find((x) => x.id === w.id);
      let syncChanged = false;
      let hasSync = false;
      w.panes.forEach((src, p) => {
        if (src?.kind !== 'tour') return;
        const same = JSON.stringify(prev?.panes[p] ?? null) === JSON.stringify(src);
        if (src.sync) {
          hasSync = true;
          if (!same) syncChanged = true;
        } else {
          const key = `${w.id}:${p}`;
          out.set(key, same ? (this.epochs.get(key) ?? now) : now);
        }
      });
      if (hasSync) {
        const key = `${w.id}:sync`;
        out.set(key, !syncChanged && this.epochs.has(key) ? (this.epochs.get(key) ?? now) : now);
      }
    }
    return out;
  }

  private resolve(windows: readonly WallWindow[], epochs: ReadonlyMap<string, number>, tours?: WallState['tours']): PlannedWindow[] {
    const now = this.now();
    return windows.map((w) => ({
      id: w.id,
      rect: w.rect,
      split: w.split,
      panes: normalizePanes(w.panes, w.split).map((src, p) => {
        if (!src) return null;
        if (src.kind === 'camera') return { cameraId: src.cameraId, ...(src.profile ? { profile: src.profile } : {}) };
        if (src.kind === 'tour') {
          const epoch = epochs.get(src.sync ? `${w.id}:sync` : `${w.id}:${p}`) ?? now;
          const pos = tourPosition(epoch, src.dwellS, now);
          const cameraId = tourCamera(src, pos.step);
          tours?.push({ windowId: w.id, pane: p, cameraId, step: pos.step, nextAt: pos.nextAt });
          return { cameraId, ...(src.profile ? { profile: src.profile } : {}) };
        }
        return null;
      }),
    }));
  }

  private planOf(windows: readonly WallWindow[], epochs: ReadonlyMap<string, number>, policy: OverBudget, tours?: WallState['tours']): WallPlan {
    const budgets = this.opts.wall.decoders.map((d) => ({ id: d.id, row: d.row, column: d.column, maxStreams: d.maxStreams }));
    return planWall(this.geometry, this.resolve(windows, epochs, tours), budgets, {
      overBudget: policy,
      ...(this.opts.subStreamWeight !== undefined ? { subStreamWeight: this.opts.subStreamWeight } : {}),
    });
  }

  /** The windows with the alarm overlay on top while alarms hold the region. */
  private desiredPlan(tours?: WallState['tours']): WallPlan {
    if (!this.alarmRegion || this.alarms.length === 0) return this.planOf(this.windows, this.epochs, this.opts.overBudget ?? 'refuse', tours);
    const overlay = alarmWindow(
      this.alarmRegion,
      this.alarms.map((a) => a.cameraId),
    );
    // Alarm pictures are pinned to HD; what lies under them gives way (degraded, then blanked).
    const pinned = { ...overlay, panes: overlay.panes.map((p) => (p?.kind === 'camera' ? { ...p, profile: 'main' as const } : p)) };
    return this.planOf([...this.windows, pinned], this.epochs, 'shed', tours);
  }

  /** The source of a window's pane (the operator's windows; the alarm overlay has cameras only). */
  private sourceAt(windowId: string, pane: number): PaneSource | null {
    return this.windows.find((w) => w.id === windowId)?.panes[pane] ?? null;
  }

  /** Recomputes every decoder's layout; a decoder whose layout changed gets a new revision and is sent it. */
  private recompute(): void {
    const tours: WallState['tours'] = [];
    this.plan = this.desiredPlan(tours);
    this.tours = tours;
    this.nextTourAt = tours.reduce((m, t) => Math.min(m, t.nextAt), Infinity);
    if (!this.plan.ok) this.log('warn', `wall: ${this.plan.problems.join('; ')}`);
    for (const s of this.slots) {
      const dp = this.plan.decoders.find((d) => d.decoderId === s.cfg.id);
      const outputs: DecoderOutput[] = (dp?.outputs ?? []).map((o) => {
        const cam = o.video && o.profile ? o.video.cameraId : null;
        // conference: a conference pane plays no camera stream; the decoder joins the room.
        const src = this.sourceAt(o.windowId, o.pane);
        const conference = src?.kind === 'conference' && src.ref ? { roomId: src.ref } : undefined;
        const label = cam ? this.opts.cameras.get(cam) : conference ? '视频会商' : undefined;
        return {
          id: `${o.windowId}.${o.pane}`,
          z: o.z,
          dest: o.dest,
          crop: o.crop,
          stream: cam && o.profile ? { cameraId: cam, profile: o.profile, url: this.opts.mediaUrl(cam, o.profile) } : null,
          ...(label ? { label: label.slice(0, 64) } : {}),
          ...(conference ? { conference } : {}),
        };
      });
      s.cost = dp?.cost ?? 0;
      const key = outputsKey(outputs);
      if (key === s.desiredKey) continue;
      s.desired = outputs;
      s.desiredKey = key;
      s.revision = Math.max(s.revision, s.reported?.revision ?? 0) + 1;
      s.rejectedRevision = null;
      void this.reconcile(s);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Reconciliation

  /** Sends a decoder its desired layout unless it has acknowledged it; one request at a time per decoder. */
  private reconcile(s: Slot): Promise<void> {
    if (s.busy) {
      s.again = true;
      return s.busy;
    }
    s.busy = (async () => {
      do {
        s.again = false;
        await this.applyOnce(s);
      } while (s.again && !this.closed);
    })().finally(() => {
      s.busy = null;
    });
    return s.busy;
  }

  private async applyOnce(s: Slot): Promise<void> {
    for (let attempt = 0; attempt < 3 && !this.closed; attempt++) {
      if (s.ackRevision === s.revision || s.rejectedRevision === s.revision) return;
      const layout: DecoderLayout = { revision: s.revision, outputs: s.desired };
      const t0 = performance.now();
      try {
        await s.driver.apply(layout);
        s.lastApplyMs = Math.round((performance.now() - t0) * 10) / 10;
        s.ackRevision = layout.revision;
        s.error = null;
        this.setOnline(s, true, null, true);
        return;
      } catch (e) {
        const err = e instanceof DecoderError ? e : new DecoderError('protocol', (e as Error).message);
        if (err.kind === 'stale') {
          // Someone (an earlier run of the host, another controller) wrote a newer revision: go above it.
          s.revision = Math.max(s.revision, err.detail.revision ?? s.revision) + 1;
          this.log('info', `wall: decoder ${s.cfg.id}: ${err.message}; sending revision ${s.revision}`);
          continue;
        }
        if (err.kind === 'rejected') {
          s.rejectedRevision = layout.revision;
          s.error = err.message;
          this.log('warn', `wall: decoder ${s.cfg.id}: ${err.message}`);
          this.setOnline(s, true, err.message, true);
          return;
        }
        this.setOnline(s, false, err.message, false);
        return;
      }
    }
  }

  private setOnline(s: Slot, online: boolean, error: string | null, announce: boolean): void {
    const was = s.online;
    s.online = online;
    s.error = error;
    if (online) s.lastSeen = this.now();
    if (was !== online) {
      if (!online) this.log('warn', `wall: decoder ${s.cfg.id} (row ${s.cfg.row + 1}, column ${s.cfg.column + 1}) offline: ${error ?? ''}`);
      else if (was === false) this.log('info', `wall: decoder ${s.cfg.id} back online`);
    }
    if (was !== online || announce) {
      this.opts.bus.emit('wall:decoder', {
        decoderId: s.cfg.id,
        online,
        error,
        desiredRevision: s.revision,
        ackRevision: s.ackRevision,
        reportedRevision: s.reported?.revision ?? null,
        at: this.now(),
      });
      this.scheduleState();
    }
  }

  /** Reads every decoder's status once (the poll timer calls this). */
  pollAll(): Promise<void> {
    return Promise.all(this.slots.map((s) => this.poll(s))).then(() => undefined);
  }

  /** Reads one decoder's status now (a software decoder page has just reported). */
  pollDecoder(decoderId: string): Promise<void> {
    return this.poll(this.slot(decoderId));
  }

  private async poll(s: Slot): Promise<void> {
    if (s.polling || this.closed) return;
    s.polling = true;
    try {
      const st = await s.driver.status();
      s.reported = st;
      const key = JSON.stringify([st.revision, st.outputs]);
      const reportChanged = key !== s.reportedKey;
      s.reportedKey = key;
      this.setOnline(s, true, s.rejectedRevision === s.revision ? s.error : null, false);
      if (reportChanged) this.scheduleState();
      if (s.busy || s.rejectedRevision === s.revision) return;
      if (st.revision !== s.revision) {
        // Rebooted (revision 0), replaced, or written by someone else: send the desired layout again.
        if (st.revision > s.revision) s.revision = st.revision + 1;
        s.ackRevision = null;
        if (s.online) this.log('info', `wall: decoder ${s.cfg.id} reports revision ${st.revision}, desired ${s.revision}: sending it again`);
        void this.reconcile(s);
      }
    } catch (e) {
      const err = e instanceof DecoderError ? e : new DecoderError('protocol', (e as Error).message);
      s.ackRevision = null;
      this.setOnline(s, false, err.message, false);
    } finally {
      s.polling = false;
    }
  }

  /** Resolves once no layout is being sent. */
  async idle(): Promise<void> {
    for (;;) {
      const busy = this.slots.map((s) => s.busy).filter((b): b is Promise<void> => b !== null);
      if (!busy.length) return;
      await Promise.all(busy);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Clock: tours, schedule, lock

  /** Advances tours, fires scheduled scenes and lapses the lock (the tick timer calls this). */
  tick(): void {
    if (this.closed) return;
    const now = this.now();
    if (this.lock.expired()) {
      this.log('info', 'wall: edit lock lapsed');
      this.scheduleState();
    }
    const due = this.scenes ? this.scheduler.due(now) : null;
    if (due) {
      if (this.scenes?.has(due.scene)) {
        try {
          this.commit(this.scenes.get(due.scene)?.windows ?? [], { history: true, scene: due.scene });
          this.log('info', `wall: scheduled scene "${due.scene}" recalled`);
        } catch (e) {
          this.log('warn', `wall: scheduled scene "${due.scene}" cannot be shown: ${(e as Error).message}`);
        }
      } else this.log('warn', `wall: scheduled scene "${due.scene}" does not exist`);
    }
    if (now >= this.nextTourAt) {
      this.recompute();
      this.scheduleState();
    }
    this.sendLed();
  }

  // ------------------------------------------------------------------------------------------
  // Events and persistence

  private scheduleState(): void {
    if (this.stateTimer || this.closed) return;
    this.stateTimer = setTimeout(() => {
      this.stateTimer = undefined;
      if (!this.closed) this.opts.bus.emit('wall:state', this.state());
    }, this.opts.stateCoalesceMs ?? 100);
    this.stateTimer.unref();
  }

  private persist(): void {
    if (!this.stateFile) return;
    const p: PersistedWall = { windows: this.windows, led: this.led, alarmRegion: this.alarmRegion, schedule: [...this.scheduler.entries] };
    try {
      writeFileAtomic(this.stateFile, `${JSON.stringify(p, null, 2)}\n`);
    } catch (e) {
      this.log('warn', `wall: cannot save ${this.stateFile}: ${(e as Error).message}`);
    }
  }

  private restore(): PersistedWall | undefined {
    if (!this.stateFile) return undefined;
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.stateFile, 'utf8'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.log('warn', `wall: cannot read ${this.stateFile}: ${(e as Error).message}; starting empty`);
      return undefined;
    }
    const parsed = PersistedWallSchema.safeParse(raw);
    if (!parsed.success) {
      this.log('warn', `wall: ${this.stateFile} is not a wall state; starting empty`);
      return undefined;
    }
    const p = parsed.data;
    this.led = p.led;
    this.alarmRegion = p.alarmRegion && validateWindows(this.geometry, [{ id: 'r', rect: p.alarmRegion, split: 1, panes: [] }], this.layoutContext()).length === 0 ? p.alarmRegion : null;
    try {
      this.check(p.windows);
      this.windows = p.windows;
      this.epochs = this.epochsFor(p.windows);
    } catch (e) {
      this.log('warn', `wall: the saved wall cannot be shown (${(e as Error).message}); starting empty`);
    }
    if (this.led.text) this.ledPending = true;
    return p;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    if (this.stateTimer) clearTimeout(this.stateTimer);
    await Promise.all(this.slots.map((s) => s.busy?.catch(() => undefined)));
    await Promise.all(this.slots.map((s) => s.driver.close().catch(() => undefined)));
    await this.opts.led?.close().catch(() => undefined);
  }
}

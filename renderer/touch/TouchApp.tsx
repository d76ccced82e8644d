import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { PTZ_LIMITS, speedForLevel } from '../../common/ptz';
import { mediaWsUrl } from '../app/connection';
import { useAppStore } from '../app/store';
import { useT } from '../i18n';
import { centreOnClick } from '../ptz/click-centre';
import { PRESET_SLOTS, PTZ_COMMANDS, type PtzCommandContext, type PtzCommandId } from '../ptz/commands';
import { useControlView, PRIORITY_LABEL, siteClock } from '../ptz/control-state';
import { HoldButton } from '../ptz/HoldButton';
import { PtzHud } from '../ptz/PtzHud';
import * as ptz from '../ptz/ptz-client';
import { KIND_LABEL, usePtzTarget, type PtzTarget } from '../ptz/ptz-target';
import { LINK_LABEL, formatSpeed } from '../ptz/labels';
import type { PlayerState } from '../video/live-player';
import { TileStage } from '../video/tile-stage';
import { VirtualJoystick } from './VirtualJoystick';
// demo
import { DemoTouchButtons } from '../demo/DemoTouchButtons';

const CAMERA_KEY = 'skywatch.touch.camera';

function savedCamera(): string | null {
  try {
    return localStorage.getItem(CAMERA_KEY);
  } catch {
    return null;
  }
}

/**
 * The touch video controller (NB330) at `/touch`: pick a tower's visible or thermal camera,
 * watch it live with the HUD, steer with a large virtual stick, zoom/focus rockers and a preset
 * pad. Everything is a tap or a hold, at least 48 px, nothing depends on hover.
 */
export function TouchApp() {
  const t = useT();
  const site = useAppStore((s) => s.site);
  const link = useAppStore((s) => s.link);
  const lang = useAppStore((s) => s.lang);
  const service = useAppStore((s) => s.ptzService);
  const [cameraId, setCameraId] = useState<string | null>(savedCamera);
  const ptzCameras = useMemo(() => site?.towers.flatMap((tw) => tw.cameras.filter((c) => c.hasPtz).map((c) => c.id)) ?? [], [site]);

  const choose = useCallback((id: string) => {
    setCameraId(id);
    try {
      localStorage.setItem(CAMERA_KEY, id);
    } catch {
      /* not remembered; still chosen */
    }
  }, []);

  // Default to the first PTZ camera, and never keep steering the camera left behind.
  useEffect(() => {
    if (site && (!cameraId || !site.towers.some((tw) => tw.cameras.some((c) => c.id === cameraId)))) {
      const first = ptzCameras[0] ?? site.towers[0]?.cameras[0]?.id;
      if (first) setCameraId(first);
    }
  }, [site, cameraId, ptzCameras]);
  useEffect(() => ptz.focusCamera(cameraId), [cameraId]);
  useEffect(() => {
    if (cameraId && service === 'ready') void ptz.loadPresets(cameraId);
  }, [cameraId, service]);

  const target = usePtzTarget(cameraId);
  const cameraRef = useRef(cameraId);
  cameraRef.current = cameraId;
  const context = useCallback(
    (): PtzCommandContext => ({
      cameraId: cameraRef.current,
      source: 'touch',
      speed: useAppStore.getState().ptzSpeedLevel / PTZ_LIMITS.speedLevels,
      nextCamera: (step) => {
        const i = ptzCameras.indexOf(cameraRef.current ?? '');
        const next = ptzCameras[(((i + step) % ptzCameras.length) + ptzCameras.length) % ptzCameras.length];
        if (next) choose(next);
      },
    }),
    [ptzCameras, choose],
  );

  return (
    <div className="touch" data-testid="touch-app">
      <header className="touch-top">
        <h1>{t('touch.title')}</h1>
        {target && (
          <span className="touch-current" data-testid="touch-current">
            <span className={`kind-dot ${target.camera.kind}`} />
            {target.tower.name} · {t(KIND_LABEL[target.camera.kind])}
          </span>
        )}
        <span className="grow" />
        <DemoTouchButtons />
        <span className={`link link-${link}`} data-testid="link-state" data-state={link}>
          <span className="dot" /> {t(link === 'open' ? 'link.open' : link === 'connecting' ? 'link.connecting' : 'link.closed')}
        </span>
        <button className="touch-lang" onClick={() => useAppStore.getState().setLang(lang === 'zh-CN' ? 'en' : 'zh-CN')}>
          {t('status.lang')}
        </button>
      </header>
      <CameraPicker selected={cameraId} onPick={choose} />
      <main className="touch-main">
        {target ? <TouchVideo target={target} /> : <div className="touch-video empty">{t('touch.noCamera')}</div>}
        <PresetPad target={target} context={context} />
        <WallButtons />
      </main>
      <TouchControls target={target} context={context} />
    </div>
  );
}

function CameraPicker({ selected, onPick }: { selected: string | null; onPick: (id: string) => void }) {
  const t = useT();
  const site = useAppStore((s) => s.site);
  const status = useAppStore((s) => s.cameraStatus);
  return (
    <nav className="touch-picker" aria-label={t('touch.cameras')}>
      <h2>{t('touch.cameras')}</h2>
      <ul>
        {site?.towers.map((tw) => (
          <li key={tw.id}>
            <span className="tower">{tw.name}</span>
            <div className="kinds">
              {tw.cameras.map((c) => (
                <button
                  key={c.id}
                  className={`${c.id === selected ? 'active' : ''} ${c.kind}`}
                  aria-pressed={c.id === selected}
                  data-testid={`touch-camera-${c.id}`}
                  onClick={() => onPick(c.id)}
                >
                  <span className={`dot ${status[c.id]?.online ? 'on' : status[c.id]?.online === false ? 'off' : ''}`} />
                  {t(KIND_LABEL[c.kind])}
                </button>
              ))}
            </div>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function TouchVideo({ target }: { target: PtzTarget }) {
  const t = useT();
  const stageRef = useRef<HTMLDivElement>(null);
  const stage = useRef<TileStage | undefined>(undefined);
  const [state, setState] = useState<PlayerState>('connecting');
  const clickCentre = useAppStore((s) => s.ptzClickCentre);
  const { cameraId } = target;
  useEffect(() => {
    const el = stageRef.current;
    if (!el) return;
    const s = new TileStage(el, setState);
    stage.current = s;
    s.play(mediaWsUrl(cameraId, 'main'));
    return () => {
      s.destroy();
      stage.current = undefined;
      setState('connecting');
    };
  }, [cameraId]);
  const getVideo = useCallback(() => stage.current?.frontVideo(), []);
  return (
    <div
      className={`touch-video${clickCentre ? ' click-centre' : ''}`}
      data-testid="touch-video"
      data-camera={cameraId}
      data-state={state}
      onClick={(e) => {
        const el = stageRef.current;
        if (clickCentre && el) centreOnClick(cameraId, target.lens, getVideo(), el.getBoundingClientRect(), e.clientX, e.clientY);
      }}
    >
      <div className="tile-stage" ref={stageRef} />
      <PtzHud cameraId={cameraId} noPicture={state !== 'playing'} lens={target.lens} getVideo={getVideo} testId="touch-hud" />
      {state !== 'playing' && <div className={`tile-state ${state}`}>{t(state === 'stalled' ? 'tile.stalled' : state === 'unsupported' ? 'tile.unsupported' : 'tile.connecting')}</div>}
    </div>
  );
}

function PresetPad({ target, context }: { target: PtzTarget | undefined; context: () => PtzCommandContext }) {
  const t = useT();
  const presets = useAppStore((s) => (target?.headId ? s.ptzPresets[target.headId] : undefined));
  const [saving, setSaving] = useState(false);
  const control = useControlView(target?.headId);
  const disabled = !target || control.kind === 'other';
  return (
    <section className="touch-presets-box" aria-label={t('ptz.preset.title')}>
      <span className="touch-label">{t('ptz.preset.title')}</span>
      <div className="touch-presets">
        {PRESET_SLOTS.map((n) => {
          const p = presets?.find((x) => x.preset === n);
          return (
            <button
              key={n}
              className={`preset${p ? ' set' : ''}${saving ? ' saving' : ''}`}
              disabled={disabled || (!saving && presets !== undefined && !p)}
              data-testid={`touch-preset-${n}`}
              onClick={() => {
                if (!target) return;
                if (saving) {
                  setSaving(false);
                  void ptz.savePreset(target.cameraId, n, p?.name ?? t('ptz.preset.defaultName', { n }));
                } else PTZ_COMMANDS[`ptz.preset${n}`].perform(context());
              }}
            >
              <span className="n">{n}</span>
              <span className="name">{p?.name ?? '—'}</span>
            </button>
          );
        })}
        <button className={`preset-save${saving ? ' active' : ''}`} aria-pressed={saving} disabled={disabled} onClick={() => setSaving((v) => !v)} data-testid="touch-preset-save">
          {saving ? t('touch.saveWhich') : t('touch.saveMode')}
        </button>
      </div>
    </section>
  );
}

/** The wall arrives with a later release: the buttons are shown, disabled, with the reason in plain sight. */
function WallButtons() {
  const t = useT();
  return (
    <section className="touch-wall" aria-label={t('touch.wall')}>
      <button disabled title={t('touch.wallSoon')} data-testid="touch-wall-send">
        {t('touch.wallSend')}
      </button>
      <button disabled title={t('touch.wallSoon')}>
        {t('touch.wallFull')}
      </button>
      <span className="touch-note">{t('touch.wallSoon')}</span>
    </section>
  );
}

function TouchControls({ target, context }: { target: PtzTarget | undefined; context: () => PtzCommandContext }) {
  const t = useT();
  const lang = useAppStore((s) => s.lang);
  const tz = useAppStore((s) => s.site?.timeZone);
  const speedLevel = useAppStore((s) => s.ptzSpeedLevel);
  const clickCentre = useAppStore((s) => s.ptzClickCentre);
  const head = useAppStore((s) => (target?.headId ? s.ptzHeads[target.headId] : undefined));
  const notice = useAppStore((s) => (target && s.ptzNotice?.cameraId === target.cameraId ? s.ptzNotice : null));
  const control = useControlView(target?.headId);
  const disabled = !target || control.kind === 'other';
  const label = (id: PtzCommandId) => t(PTZ_COMMANDS[id].label);
  const { setPtzSpeedLevel, setClickCentre } = useAppStore.getState();
  const stick = useCallback(
    (v: { x: number; y: number } | null) => {
      const ctx = context();
      if (!ctx.cameraId) return;
      ptz.setMotion(ctx.cameraId, 'touch:stick', v ? { pan: v.x * ctx.speed, tilt: v.y * ctx.speed, zoom: 0 } : null);
    },
    [context],
  );
  return (
    <aside className="touch-controls">
      {head && head.link !== 'online' && head.link !== 'connecting' && (
        <div className="ptz-banner bad" role="alert">
          <strong>{t('ptz.fault', { state: t(LINK_LABEL[head.link]) })}</strong>
        </div>
      )}
      {control.kind === 'other' && (
        <div className="ptz-banner warn" role="alert" data-testid="touch-control">
          {t('ptz.control.other', { who: control.who, priority: t(PRIORITY_LABEL[control.priority]), until: siteClock(control.until, tz, lang) })}
        </div>
      )}
      {notice && (
        <div className="ptz-banner bad" role="alert">
          {notice.text}
        </div>
      )}
      <VirtualJoystick onChange={stick} disabled={disabled} label={t('touch.stick')} testId="touch-joystick" />
      <div className="touch-rockers">
        <div className="rocker" role="group" aria-label={t('ptz.zoom')}>
          <span className="touch-label">{t('ptz.zoom')}</span>
          <HoldButton command="ptz.zoomOut" context={context} disabled={disabled} label={label('ptz.zoomOut')} testId="touch-zoom-out" className="big">
            −
          </HoldButton>
          <HoldButton command="ptz.zoomIn" context={context} disabled={disabled} label={label('ptz.zoomIn')} testId="touch-zoom-in" className="big">
            +
          </HoldButton>
        </div>
        <div className="rocker" role="group" aria-label={t('ptz.focus')}>
          <span className="touch-label">{t('ptz.focus')}</span>
          <HoldButton command="ptz.focusNear" context={context} disabled={disabled} label={label('ptz.focusNear')} className="big">
            {t('ptz.near')}
          </HoldButton>
          <HoldButton command="ptz.focusFar" context={context} disabled={disabled} label={label('ptz.focusFar')} className="big">
            {t('ptz.far')}
          </HoldButton>
          <HoldButton command="ptz.focusAuto" context={context} disabled={disabled} label={label('ptz.focusAuto')} className="big">
            {t('ptz.auto')}
          </HoldButton>
        </div>
      </div>
      <div className="touch-row">
        <button className="big stop" disabled={!target} onClick={() => target && ptz.stop(target.cameraId)} data-testid="touch-stop">
          {label('ptz.stop')}
        </button>
        <button className={`big${clickCentre ? ' active' : ''}`} aria-pressed={clickCentre} onClick={() => setClickCentre(!clickCentre)}>
          {t('touch.tapCentre')}
        </button>
      </div>
      <label className="touch-speed">
        <span className="touch-label">{t('ptz.speed')}</span>
        <input type="range" min={1} max={PTZ_LIMITS.speedLevels} value={speedLevel} onChange={(e) => setPtzSpeedLevel(Number(e.target.value))} />
        <span className="value">
          {speedLevel} · {formatSpeed(speedForLevel(speedLevel))} °/s
        </span>
      </label>
    </aside>
  );
}

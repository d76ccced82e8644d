import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { PTZ_LIMITS, speedForLevel } from '../../common/ptz';
import { useAppStore } from '../app/store';
import { useT, type MessageKey } from '../i18n';
import { PTZ_COMMANDS, type DirectionId, type PtzCommandId } from './commands';
import { PRIORITY_LABEL, siteClock, useControlView } from './control-state';
import { CruiseBox } from './CruiseBox';
import { GamepadSettingsDialog } from './GamepadSettingsDialog';
import { HoldButton } from './HoldButton';
import { KEY_HELP } from './keyboard';
import { LINK_LABEL, formatSpeed } from './labels';
import { NumericEntry } from './NumericEntry';
import { PresetList } from './PresetList';
import * as ptz from './ptz-client';
import { KIND_LABEL, usePtzTarget, type PtzTarget } from './ptz-target';
import { consoleContext, selectedPtzCamera } from './use-ptz-console';

/** The arrow pad, row by row; the middle is the stop button. */
const PAD: (DirectionId | 'stop')[] = ['ptz.upLeft', 'ptz.up', 'ptz.upRight', 'ptz.left', 'stop', 'ptz.right', 'ptz.downLeft', 'ptz.down', 'ptz.downRight'];
const PAD_ANGLE: Record<DirectionId, number> = {
  'ptz.up': 0,
  'ptz.upRight': 45,
  'ptz.right': 90,
  'ptz.downRight': 135,
  'ptz.down': 180,
  'ptz.downLeft': 225,
  'ptz.left': 270,
  'ptz.upLeft': 315,
};

/** Console PTZ panel for the selected tile's camera; collapses to a narrow strip beside the grid. */
export function PtzPanel() {
  const t = useT();
  const open = useAppStore((s) => s.ptzPanelOpen);
  const cameraId = useAppStore(selectedPtzCamera);
  const target = usePtzTarget(cameraId);
  const service = useAppStore((s) => s.ptzService);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const { setPtzPanelOpen } = useAppStore.getState();

  if (!open) {
    return (
      <aside className="ptz-panel collapsed" data-testid="ptz-panel" data-open="false">
        <button className="ptz-collapse" onClick={() => setPtzPanelOpen(true)} aria-label={t('ptz.expand')} title={t('ptz.expand')} aria-expanded={false}>
          ‹
        </button>
        <span className="ptz-collapsed-title">{t('ptz.title')}</span>
      </aside>
    );
  }
  return (
    <aside className="ptz-panel" data-testid="ptz-panel" data-open="true" data-camera={target?.cameraId ?? ''} aria-label={t('ptz.title')}>
      <header className="ptz-head">
        <h2>{t('ptz.title')}</h2>
        <button className="ptz-collapse" onClick={() => setPtzPanelOpen(false)} aria-label={t('ptz.collapse')} title={t('ptz.collapse')} aria-expanded>
          ›
        </button>
      </header>
      <div className="ptz-scroll">
        {service === 'absent' && <p className="ptz-banner warn">{t('ptz.serviceAbsent')}</p>}
        {target ? <TargetControls target={target} /> : <p className="ptz-hint">{t('ptz.noCamera')}</p>}
        <JoystickBox onSettings={() => setSettingsOpen(true)} />
        <HelpBox />
      </div>
      {settingsOpen && <GamepadSettingsDialog onClose={() => setSettingsOpen(false)} />}
    </aside>
  );
}

function TargetControls({ target }: { target: PtzTarget }) {
  const t = useT();
  const lang = useAppStore((s) => s.lang);
  const tz = useAppStore((s) => s.site?.timeZone);
  const head = useAppStore((s) => (target.headId ? s.ptzHeads[target.headId] : undefined));
  const fault = useAppStore((s) => (target.headId ? s.ptzFaults[target.headId] : undefined));
  const notice = useAppStore((s) => (s.ptzNotice?.cameraId === target.cameraId ? s.ptzNotice : null));
  const speedLevel = useAppStore((s) => s.ptzSpeedLevel);
  const clickCentre = useAppStore((s) => s.ptzClickCentre);
  const control = useControlView(target.headId);
  const blocked = control.kind === 'other';
  const ctx = useCallback(() => consoleContext('pad'), []);
  const { setPtzSpeedLevel, setClickCentre, setPtzNotice } = useAppStore.getState();
  const link = head?.link;
  // Focus drives the visible lens; until the head has told its model, assume it can.
  const focusable = target.camera.kind === 'visible' && (head?.model ? head.focus : true);

  const label = (id: PtzCommandId) => t(PTZ_COMMANDS[id].label);
  return (
    <>
      <section className="ptz-target">
        <div className="ptz-camera" data-testid="ptz-camera">
          <span className={`kind-dot ${target.camera.kind}`} />
          <strong>{target.tower.name}</strong>
          <span>{t(KIND_LABEL[target.camera.kind])}</span>
          <span className={`ptz-link ${link ?? 'unknown'}`} data-testid="ptz-link" data-state={link ?? ''}>
            {link ? t(LINK_LABEL[link]) : '—'}
          </span>
        </div>
        <LivePose target={target} />
      </section>

      {link && link !== 'online' && link !== 'connecting' && (
        <div className="ptz-banner bad" role="alert" data-testid="ptz-fault">
          <strong>{t('ptz.fault', { state: t(LINK_LABEL[link]) })}</strong>
          {(fault?.message ?? head?.message) && <span className="detail">{fault?.message ?? head?.message}</span>}
        </div>
      )}

      <div className={`ptz-control ${control.kind}`} data-testid="ptz-control" data-state={control.kind}>
        {control.kind === 'free' && <span>{t('ptz.control.free')}</span>}
        {control.kind === 'mine' && <span>{t('ptz.control.mine', { until: siteClock(control.until, tz, lang) })}</span>}
        {control.kind === 'other' && (
          <span>
            {control.former
              ? t('ptz.control.former', { until: siteClock(control.until, tz, lang) })
              : t('ptz.control.other', { who: control.who, priority: t(PRIORITY_LABEL[control.priority]), until: siteClock(control.until, tz, lang) })}
          </span>
        )}
        <span className="spacer" />
        {control.kind === 'other' && control.priority === 'operator' && (
          <button data-testid="ptz-takeover" onClick={() => void ptz.takeControl(target.cameraId, 'leader')} title={t('ptz.control.takeoverHint')}>
            {t('ptz.control.takeover')}
          </button>
        )}
        {control.kind === 'mine' && (
          <button data-testid="ptz-release" onClick={() => void ptz.releaseControl(target.cameraId)}>
            {t('ptz.control.release')}
          </button>
        )}
      </div>

      {notice && (
        <div className={`ptz-banner ${notice.code === 'conflict' ? 'warn' : 'bad'}`} role="alert" data-testid="ptz-notice" data-code={notice.code}>
          <span>
            <strong>{t(noticeTitle(notice.code))}</strong> <span className="detail">{notice.text}</span>
          </span>
          <button className="ptz-dismiss" onClick={() => setPtzNotice(null)} aria-label={t('ptz.dismiss')}>
            ×
          </button>
        </div>
      )}

      <section className="ptz-section">
        <div className="ptz-pad" role="group" aria-label={t('ptz.pad')}>
          {PAD.map((d) =>
            d === 'stop' ? (
              <button key="stop" className="pad-btn stop" data-testid="ptz-pad-stop" onClick={() => ptz.stop(target.cameraId)} title={label('ptz.stop')} aria-label={label('ptz.stop')}>
                <svg viewBox="0 0 24 24" aria-hidden="true">
                  <rect x="7" y="7" width="10" height="10" rx="1" />
                </svg>
              </button>
            ) : (
              <HoldButton key={d} command={d} context={ctx} disabled={blocked} className="pad-btn" label={label(d)} testId={`ptz-pad-${d.slice(4)}`}>
                <svg viewBox="0 0 24 24" aria-hidden="true" style={{ transform: `rotate(${PAD_ANGLE[d]}deg)` }}>
                  <path d="M12 4 L19 14 H14.5 V20 H9.5 V14 H5 Z" />
                </svg>
              </HoldButton>
            ),
          )}
        </div>
        <div className="ptz-rockers">
          <Rocker title={t('ptz.zoom')}>
            <HoldButton command="ptz.zoomOut" context={ctx} disabled={blocked} label={label('ptz.zoomOut')} testId="ptz-zoom-out" className="rocker-btn">
              −
            </HoldButton>
            <HoldButton command="ptz.zoomIn" context={ctx} disabled={blocked} label={label('ptz.zoomIn')} testId="ptz-zoom-in" className="rocker-btn">
              +
            </HoldButton>
          </Rocker>
          <Rocker title={t('ptz.focus')}>
            <HoldButton command="ptz.focusNear" context={ctx} disabled={blocked || !focusable} label={label('ptz.focusNear')} testId="ptz-focus-near" className="rocker-btn">
              {t('ptz.near')}
            </HoldButton>
            <HoldButton command="ptz.focusFar" context={ctx} disabled={blocked || !focusable} label={label('ptz.focusFar')} testId="ptz-focus-far" className="rocker-btn">
              {t('ptz.far')}
            </HoldButton>
            <HoldButton command="ptz.focusAuto" context={ctx} disabled={blocked || !focusable} label={label('ptz.focusAuto')} testId="ptz-focus-auto" className="rocker-btn">
              {t('ptz.auto')}
            </HoldButton>
          </Rocker>
        </div>
        <label className="ptz-speed">
          <span>{t('ptz.speed')}</span>
          <input
            type="range"
            min={1}
            max={PTZ_LIMITS.speedLevels}
            step={1}
            value={speedLevel}
            onChange={(e) => setPtzSpeedLevel(Number(e.target.value))}
            data-testid="ptz-speed"
            aria-valuetext={`${speedLevel} / ${PTZ_LIMITS.speedLevels}`}
          />
          <span className="value">
            {speedLevel}
            <small> · {formatSpeed(speedForLevel(speedLevel))} °/s</small>
          </span>
        </label>
        <label className="ptz-check">
          <input type="checkbox" checked={clickCentre} onChange={(e) => setClickCentre(e.target.checked)} data-testid="ptz-click-centre" />
          <span>{t('ptz.clickCentre')}</span>
        </label>
      </section>

      <NumericEntry target={target} disabled={blocked} />
      <PresetList target={target} disabled={blocked} />
      <CruiseBox target={target} disabled={blocked} />
    </>
  );
}

function Rocker({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="rocker" role="group" aria-label={title}>
      <span className="rocker-title">{title}</span>
      <div className="rocker-btns">{children}</div>
    </div>
  );
}

/** Pose figures in the panel, written through refs like the HUD (no re-render per pose). */
function LivePose({ target }: { target: PtzTarget }) {
  const t = useT();
  const ref = useRef<HTMLDListElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el || !target.headId) return;
    const headId = target.headId;
    const cells = {
      bearing: el.querySelector<HTMLElement>('[data-f="bearing"]'),
      tilt: el.querySelector<HTMLElement>('[data-f="tilt"]'),
      zoom: el.querySelector<HTMLElement>('[data-f="zoom"]'),
    };
    const draw = () => {
      const p = useAppStore.getState().ptzPoses[headId];
      if (cells.bearing) cells.bearing.textContent = p ? `${p.bearing.toFixed(1)}°` : '—';
      if (cells.tilt) cells.tilt.textContent = p ? `${p.tilt.toFixed(1)}°` : '—';
      if (cells.zoom) cells.zoom.textContent = p ? `${p.zoom.toFixed(1)}×` : '—';
      el.dataset.moving = String(p?.moving ?? false);
    };
    draw();
    return useAppStore.subscribe((s, prev) => {
      if (s.ptzPoses[headId] !== prev.ptzPoses[headId]) draw();
    });
  }, [target.headId]);
  return (
    <dl className="ptz-pose" ref={ref} data-testid="ptz-pose">
      <div>
        <dt>{t('ptz.bearing')}</dt>
        <dd data-f="bearing">—</dd>
      </div>
      <div>
        <dt>{t('hud.tilt')}</dt>
        <dd data-f="tilt">—</dd>
      </div>
      <div>
        <dt>{t('hud.zoom')}</dt>
        <dd data-f="zoom">—</dd>
      </div>
    </dl>
  );
}

function JoystickBox({ onSettings }: { onSettings: () => void }) {
  const t = useT();
  const pad = useAppStore((s) => s.gamepad);
  return (
    <section className="ptz-section ptz-joystick" data-testid="ptz-joystick" data-connected={pad ? 'true' : 'false'}>
      <span className={`dot ${pad ? 'on' : ''}`} />
      <span className="grow" title={pad?.id}>
        {pad ? t('ptz.joystick.connected', { name: pad.name }) : t('ptz.joystick.none')}
      </span>
      <button onClick={onSettings} data-testid="ptz-joystick-settings">
        {t('ptz.joystick.settings')}
      </button>
    </section>
  );
}

function HelpBox() {
  const t = useT();
  return (
    <details className="ptz-help">
      <summary>{t('ptz.help.title')}</summary>
      <p>{t('ptz.help.clickCentre')}</p>
      <p>{t('ptz.help.grid')}</p>
      <table>
        <tbody>
          {KEY_HELP.map((k) => (
            <tr key={k.keys}>
              <td>
                <kbd>{k.keys}</kbd>
              </td>
              <td>{t(k.label)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>{t('ptz.help.joystick')}</p>
      <p>{t('ptz.help.control')}</p>
    </details>
  );
}

function noticeTitle(code: string): MessageKey {
  switch (code) {
    case 'conflict':
      return 'ptz.notice.conflict';
    case 'unavailable':
      return 'ptz.notice.unavailable';
    case 'not_found':
      return 'ptz.notice.notFound';
    case 'forbidden':
      return 'ptz.notice.forbidden';
    case 'invalid_args':
    case 'client':
      return 'ptz.notice.invalid';
    case 'unknown_command':
      return 'ptz.serviceAbsent';
    default:
      return 'ptz.notice.failed';
  }
}

import { useEffect, useRef, useState } from 'react';
import { useAppStore } from '../app/store';
import { useT, type MessageKey } from '../i18n';
import { PTZ_COMMAND_IDS, commandLabel, type PtzCommandId } from './command-ids';
import { AXIS_ROLES, DEFAULT_SETTINGS, builtInMapping, mappingFor, pressedButtons, type AxisRole, type GamepadMapping, type PadLike } from './gamepad';
import { captureGamepad } from './use-gamepad';

const ROLE_LABEL: Record<AxisRole, MessageKey> = {
  pan: 'pad.role.pan',
  tilt: 'pad.role.tilt',
  zoom: 'pad.role.zoom',
  throttle: 'pad.role.throttle',
};

/** What to do with the axis while assigning it: always the role's positive way. */
const ROLE_HINT: Record<AxisRole, MessageKey> = {
  pan: 'pad.hint.pan',
  tilt: 'pad.hint.tilt',
  zoom: 'pad.hint.zoom',
  throttle: 'pad.hint.throttle',
};

type Assigning = { kind: 'axis'; role: AxisRole; rest: number[] | null } | { kind: 'button'; command: PtzCommandId; before: Set<number> | null };

/** Reads the first connected pad (the poller uses the same rule). */
function readPad(): PadLike | null {
  const pads = typeof navigator.getGamepads === 'function' ? navigator.getGamepads() : [];
  for (const p of pads) if (p && p.connected !== false) return { id: p.id, mapping: p.mapping, axes: [...p.axes], buttons: p.buttons.map((b) => ({ pressed: b.pressed, value: b.value })) };
  return null;
}

/**
 * Joystick settings: deadzone and response, and the mapping of any device (press-to-assign: pick
 * a role or command, then move the axis or press the button). Kept in localStorage.
 */
export function GamepadSettingsDialog({ onClose }: { onClose: () => void }) {
  const t = useT();
  const settings = useAppStore((s) => s.gamepadSettings);
  const { setGamepadSettings } = useAppStore.getState();
  const [pad, setPad] = useState<PadLike | null>(readPad);
  const [assigning, setAssigning] = useState<Assigning | null>(null);
  const assigningRef = useRef<Assigning | null>(null);
  assigningRef.current = assigning;
  const mapping: GamepadMapping | null = pad ? mappingFor(pad, settings) : null;

  const saveMapping = (padId: string, m: GamepadMapping) => {
    const s = useAppStore.getState().gamepadSettings;
    setGamepadSettings({ ...s, mappings: { ...s.mappings, [padId]: m } });
  };

  // Live readings at ~10 Hz for the bars; while assigning, every frame goes to the capture.
  useEffect(() => {
    const id = setInterval(() => setPad(readPad()), 100);
    return () => clearInterval(id);
  }, []);

  useEffect(() => {
    if (!assigning) return;
    captureGamepad((p) => {
      const a = assigningRef.current;
      if (!a) return;
      const m = mappingFor(p, useAppStore.getState().gamepadSettings);
      if (a.kind === 'axis') {
        if (!a.rest) {
          a.rest = [...p.axes];
          return;
        }
        const rest = a.rest;
        const moved = p.axes.findIndex((v, i) => Math.abs(v - (rest[i] ?? 0)) > 0.5);
        if (moved >= 0) {
          // The operator was asked to move the role's positive way (right, up, zoom in, faster).
          const invert = (p.axes[moved] ?? 0) - (rest[moved] ?? 0) < 0;
          saveMapping(p.id, { ...m, axes: { ...m.axes, [a.role]: { index: moved, invert } } });
          setAssigning(null);
        }
      } else {
        const now = pressedButtons(p);
        if (!a.before) {
          a.before = now;
          return;
        }
        const before = a.before;
        const hit = [...now].find((i) => !before.has(i));
        if (hit !== undefined) {
          const buttons: Record<number, PtzCommandId> = {};
          for (const [k, v] of Object.entries(m.buttons)) if (v !== a.command && Number(k) !== hit) buttons[Number(k)] = v;
          buttons[hit] = a.command;
          saveMapping(p.id, { ...m, buttons });
          setAssigning(null);
        } else a.before = now;
      }
    });
    return () => captureGamepad(null);
  }, [assigning]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        if (assigningRef.current) setAssigning(null);
        else onClose();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  const num = (k: 'deadzone' | 'zoomDeadzone' | 'exponent' | 'throttleMin', v: number) => setGamepadSettings({ ...settings, [k]: v });

  return (
    <div className="modal-backdrop" onClick={onClose}>
      <div className="modal pad-settings" role="dialog" aria-modal="true" aria-label={t('pad.title')} onClick={(e) => e.stopPropagation()} data-testid="gamepad-settings">
        <header>
          <h2>{t('pad.title')}</h2>
          <button onClick={onClose} aria-label={t('pad.close')}>
            ×
          </button>
        </header>
        <p className="device">{pad ? `${mapping?.name ?? ''} — ${pad.id}` : t('pad.none')}</p>

        <h3>{t('pad.response')}</h3>
        <div className="pad-sliders">
          <Slider label={t('pad.deadzone')} value={settings.deadzone} min={0} max={0.5} step={0.01} onChange={(v) => num('deadzone', v)} />
          <Slider label={t('pad.zoomDeadzone')} value={settings.zoomDeadzone} min={0} max={0.6} step={0.01} onChange={(v) => num('zoomDeadzone', v)} />
          <Slider label={t('pad.exponent')} value={settings.exponent} min={0.5} max={3} step={0.1} onChange={(v) => num('exponent', v)} />
          <Slider label={t('pad.throttleMin')} value={settings.throttleMin} min={0.05} max={1} step={0.05} onChange={(v) => num('throttleMin', v)} />
        </div>

        {pad && mapping && (
          <>
            <h3>{t('pad.axes')}</h3>
            <table className="pad-table">
              <tbody>
                {AXIS_ROLES.map((role) => {
                  const b = mapping.axes[role];
                  const raw = b ? (pad.axes[b.index] ?? 0) : 0;
                  const waiting = assigning?.kind === 'axis' && assigning.role === role;
                  return (
                    <tr key={role}>
                      <td>{t(ROLE_LABEL[role])}</td>
                      <td>{b ? t('pad.axis', { n: b.index }) : '—'}</td>
                      <td>
                        <label className="inline">
                          <input type="checkbox" checked={b?.invert ?? false} disabled={!b} onChange={(e) => b && saveMapping(pad.id, { ...mapping, axes: { ...mapping.axes, [role]: { ...b, invert: e.target.checked } } })} />
                          {t('pad.invert')}
                        </label>
                      </td>
                      <td className="bar-cell">
                        <span className="bar" style={{ ['--v' as string]: String((raw + 1) / 2) }} />
                      </td>
                      <td>
                        <button className={waiting ? 'active' : ''} onClick={() => setAssigning(waiting ? null : { kind: 'axis', role, rest: null })}>
                          {waiting ? t(ROLE_HINT[role]) : t('pad.assign')}
                        </button>
                        {b && (
                          <button className="ptz-mini" onClick={() => saveMapping(pad.id, { ...mapping, axes: { ...mapping.axes, [role]: null } })} aria-label={t('pad.clear')}>
                            ×
                          </button>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>

            <h3>{t('pad.buttons')}</h3>
            <table className="pad-table buttons">
              <tbody>
                {PTZ_COMMAND_IDS.map((id) => {
                  const idx = Object.entries(mapping.buttons).find(([, v]) => v === id)?.[0];
                  const waiting = assigning?.kind === 'button' && assigning.command === id;
                  const down = idx !== undefined && pad.buttons[Number(idx)]?.pressed;
                  return (
                    <tr key={id}>
                      <td>{t(commandLabel(id))}</td>
                      <td className={down ? 'down' : ''}>{idx !== undefined ? t('pad.button', { n: Number(idx) + 1 }) : '—'}</td>
                      <td>
                        <button className={waiting ? 'active' : ''} onClick={() => setAssigning(waiting ? null : { kind: 'button', command: id, before: null })}>
                          {waiting ? t('pad.pressButton') : t('pad.assign')}
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </>
        )}
        <footer>
          <button
            onClick={() => {
              const mappings = { ...settings.mappings };
              if (pad) delete mappings[pad.id];
              setGamepadSettings({ ...DEFAULT_SETTINGS, mappings });
            }}
            title={pad ? builtInMapping(pad).name : undefined}
          >
            {t('pad.reset')}
          </button>
          <span className="grow" />
          <button className="primary" onClick={onClose}>
            {t('pad.done')}
          </button>
        </footer>
      </div>
    </div>
  );
}

function Slider({ label, value, min, max, step, onChange }: { label: string; value: number; min: number; max: number; step: number; onChange: (v: number) => void }) {
  return (
    <label className="pad-slider">
      <span>{label}</span>
      <input type="range" min={min} max={max} step={step} value={value} onChange={(e) => onChange(Number(e.target.value))} />
      <span className="value">{value.toFixed(2)}</span>
    </label>
  );
}

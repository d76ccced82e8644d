import { useState } from 'react';
import type { CruiseInfo, CruisePlan, PtzPreset } from '../../common/contract';
import { useAppStore } from '../app/store';
import { useT, type MessageKey } from '../i18n';
import { siteClock } from './control-state';
import * as ptz from './ptz-client';
import type { PtzTarget } from './ptz-target';

const EMPTY: PtzPreset[] = [];

const STATE_LABEL: Record<CruiseInfo['state'], MessageKey> = {
  stopped: 'ptz.cruise.stopped',
  running: 'ptz.cruise.running',
  paused: 'ptz.cruise.paused',
};

/** Cruise of the head: what it is doing, start/stop, and a quick plan (360° scan or all presets in turn). */
export function CruiseBox({ target, disabled }: { target: PtzTarget; disabled: boolean }) {
  const t = useT();
  const lang = useAppStore((s) => s.lang);
  const tz = useAppStore((s) => s.site?.timeZone);
  const cruise = useAppStore((s) => (target.headId ? s.ptzCruise[target.headId] : undefined));
  const presets = useAppStore((s) => (target.headId ? (s.ptzPresets[target.headId] ?? EMPTY) : EMPTY));
  const [mode, setMode] = useState<CruisePlan['mode']>('scan');
  const [seconds, setSeconds] = useState('60');

  const state = cruise?.state ?? 'stopped';
  const plan = cruise?.plan ?? null;
  const summary = !plan
    ? t('ptz.cruise.noPlan')
    : plan.mode === 'scan'
      ? t('ptz.cruise.scanPlan', { s: plan.periodS })
      : t('ptz.cruise.presetPlan', { n: plan.steps.length, step: cruise?.step !== null && cruise?.step !== undefined ? cruise.step + 1 : '–' });

  const apply = () => {
    const s = Number(seconds);
    if (mode === 'scan') {
      if (!(s >= 12 && s <= 300)) return ptz.notify(target.cameraId, t('ptz.cruise.badPeriod'));
      void ptz.cruiseSet(target.cameraId, { mode: 'scan', periodS: s, clockwise: true, resumeAfterS: 60, homeAfterS: 60 });
    } else {
      if (!(s >= 1 && s <= 3600)) return ptz.notify(target.cameraId, t('ptz.cruise.badDwell'));
      if (presets.length === 0) return ptz.notify(target.cameraId, t('ptz.cruise.needPresets'));
      const steps = presets.slice(0, 64).map((p) => ({ preset: p.preset, dwellS: s }));
      void ptz.cruiseSet(target.cameraId, { mode: 'presets', steps, resumeAfterS: 60, homeAfterS: 60 });
    }
  };

  return (
    <section className="ptz-section" data-testid="ptz-cruise" data-state={state}>
      <h3>{t('ptz.cruise.title')}</h3>
      <div className="ptz-cruise-status">
        <span className={`cruise-state ${state}`}>{t(STATE_LABEL[state])}</span>
        <span className="detail">{summary}</span>
        {state === 'paused' && cruise?.resumesAt && <span className="detail">{t('ptz.cruise.resumes', { at: siteClock(cruise.resumesAt, tz, lang) })}</span>}
      </div>
      <div className="row">
        <button onClick={() => void ptz.cruiseStart(target.cameraId)} disabled={disabled || !plan || state === 'running'} data-testid="ptz-cruise-start">
          {t('ptz.cruise.start')}
        </button>
        <button onClick={() => void ptz.cruiseStop(target.cameraId)} disabled={disabled || state === 'stopped'} data-testid="ptz-cruise-stop">
          {t('ptz.cruise.stop')}
        </button>
      </div>
      <form
        className="ptz-cruise-plan"
        onSubmit={(e) => {
          e.preventDefault();
          apply();
        }}
      >
        <select value={mode} onChange={(e) => setMode(e.target.value === 'presets' ? 'presets' : 'scan')} disabled={disabled} aria-label={t('ptz.cruise.mode')}>
          <option value="scan">{t('ptz.cruise.modeScan')}</option>
          <option value="presets">{t('ptz.cruise.modePresets')}</option>
        </select>
        <input
          inputMode="numeric"
          value={seconds}
          onChange={(e) => setSeconds(e.target.value.replace(/[^0-9]/g, ''))}
          disabled={disabled}
          aria-label={t(mode === 'scan' ? 'ptz.cruise.period' : 'ptz.cruise.dwell')}
          title={t(mode === 'scan' ? 'ptz.cruise.period' : 'ptz.cruise.dwell')}
        />
        <span className="unit">{t('ptz.cruise.seconds')}</span>
        <button type="submit" disabled={disabled}>
          {t('ptz.cruise.apply')}
        </button>
      </form>
    </section>
  );
}

import { useEffect, useState } from 'react';
import type { PtzPreset } from '../../common/contract';
import { PTZ_LIMITS } from '../../common/ptz';
import { useAppStore } from '../app/store';
import { useT } from '../i18n';
import * as ptz from './ptz-client';
import type { PtzTarget } from './ptz-target';

const EMPTY: PtzPreset[] = [];

/** Lowest preset number from 1 not in use. */
export function firstFreePreset(presets: readonly PtzPreset[]): number {
  const used = new Set(presets.map((p) => p.preset));
  for (let n = 1; n <= PTZ_LIMITS.presetMax; n++) if (!used.has(n)) return n;
  return 1;
}

/** The head's presets: recall, save the current view as number + name, delete (asks once more). */
export function PresetList({ target, disabled }: { target: PtzTarget; disabled: boolean }) {
  const t = useT();
  const presets = useAppStore((s) => (target.headId ? (s.ptzPresets[target.headId] ?? EMPTY) : EMPTY));
  const [number, setNumber] = useState('');
  const [name, setName] = useState('');
  const [confirm, setConfirm] = useState<number | null>(null);

  useEffect(() => {
    if (confirm === null) return;
    const id = setTimeout(() => setConfirm(null), 4000);
    return () => clearTimeout(id);
  }, [confirm]);

  const n = number === '' ? firstFreePreset(presets) : Number(number);
  const exists = presets.some((p) => p.preset === n);
  const save = async () => {
    if (!Number.isInteger(n) || n < PTZ_LIMITS.presetMin || n > PTZ_LIMITS.presetMax) {
      ptz.notify(target.cameraId, t('ptz.preset.badNumber', { min: PTZ_LIMITS.presetMin, max: PTZ_LIMITS.presetMax }));
      return;
    }
    const label = name.trim() || t('ptz.preset.defaultName', { n });
    if (await ptz.savePreset(target.cameraId, n, label)) {
      setNumber('');
      setName('');
    }
  };

  return (
    <section className="ptz-section">
      <h3>
        {t('ptz.preset.title')}
        <button className="ptz-mini" onClick={() => void ptz.loadPresets(target.cameraId)} title={t('ptz.preset.refresh')} aria-label={t('ptz.preset.refresh')}>
          ↻
        </button>
      </h3>
      <ul className="ptz-presets" data-testid="ptz-presets">
        {presets.length === 0 && <li className="ptz-hint">{t('ptz.preset.none')}</li>}
        {presets.map((p) => (
          <li key={p.preset} data-testid={`ptz-preset-${p.preset}`}>
            <span className="num">{p.preset}</span>
            <span className="name" title={p.name}>
              {p.name}
            </span>
            <button onClick={() => void ptz.gotoPreset(target.cameraId, p.preset)} disabled={disabled} data-testid={`ptz-preset-goto-${p.preset}`}>
              {t('ptz.preset.goto')}
            </button>
            <button
              className={confirm === p.preset ? 'danger' : ''}
              disabled={disabled}
              data-testid={`ptz-preset-delete-${p.preset}`}
              onClick={() => {
                if (confirm === p.preset) {
                  setConfirm(null);
                  void ptz.removePreset(target.cameraId, p.preset);
                } else setConfirm(p.preset);
              }}
            >
              {confirm === p.preset ? t('ptz.preset.confirmDelete') : t('ptz.preset.delete')}
            </button>
          </li>
        ))}
      </ul>
      <form
        className="ptz-preset-save"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <input
          className="num"
          inputMode="numeric"
          value={number}
          placeholder={String(firstFreePreset(presets))}
          onChange={(e) => setNumber(e.target.value.replace(/[^0-9]/g, ''))}
          aria-label={t('ptz.preset.number')}
          data-testid="ptz-preset-number"
          disabled={disabled}
        />
        <input
          className="grow"
          value={name}
          maxLength={32}
          placeholder={t('ptz.preset.defaultName', { n })}
          onChange={(e) => setName(e.target.value)}
          aria-label={t('ptz.preset.name')}
          data-testid="ptz-preset-name"
          disabled={disabled}
        />
        <button type="submit" className="primary" disabled={disabled} data-testid="ptz-preset-save">
          {exists ? t('ptz.preset.overwrite') : t('ptz.preset.save')}
        </button>
      </form>
    </section>
  );
}

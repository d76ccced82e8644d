import { useState } from 'react';
import { PTZ_LIMITS, normalizeBearing } from '../../common/ptz';
import { useAppStore } from '../app/store';
import { useT } from '../i18n';
import { isFixedLens } from './lens';
import * as ptz from './ptz-client';
import type { PtzTarget } from './ptz-target';

/**
 * Numeric positioning: the operator types the true bearing (as the HUD shows it), tilt and zoom;
 * the head's pan is the bearing less the tower's north offset.
 */
export function NumericEntry({ target, disabled }: { target: PtzTarget; disabled: boolean }) {
  const t = useT();
  const [bearing, setBearing] = useState('');
  const [tilt, setTilt] = useState('');
  const [zoom, setZoom] = useState('');
  const fixed = isFixedLens(target.lens);

  const fillFromPose = () => {
    const p = target.headId ? useAppStore.getState().ptzPoses[target.headId] : undefined;
    if (!p) return;
    setBearing(p.bearing.toFixed(1));
    setTilt(p.tilt.toFixed(1));
    setZoom(p.zoom.toFixed(1));
  };

  const go = () => {
    const b = Number(bearing);
    const tl = Number(tilt === '' ? '0' : tilt);
    const z = zoom === '' ? undefined : Number(zoom);
    if (bearing === '' || !Number.isFinite(b) || b < 0 || b >= 360) return ptz.notify(target.cameraId, t('ptz.abs.badBearing'));
    if (!Number.isFinite(tl) || tl < PTZ_LIMITS.tiltMin || tl > PTZ_LIMITS.tiltMax)
      return ptz.notify(target.cameraId, t('ptz.abs.badTilt', { min: PTZ_LIMITS.tiltMin, max: PTZ_LIMITS.tiltMax }));
    if (z !== undefined && (!Number.isFinite(z) || z < PTZ_LIMITS.zoomMin || z > PTZ_LIMITS.zoomMax))
      return ptz.notify(target.cameraId, t('ptz.abs.badZoom', { min: PTZ_LIMITS.zoomMin, max: PTZ_LIMITS.zoomMax }));
    const p = target.headId ? useAppStore.getState().ptzPoses[target.headId] : undefined;
    // The pose knows the offset the host applies; before the first pose, the site's.
    const northOffset = p ? p.bearing - p.pan : target.tower.northOffset;
    const pan = Math.round(normalizeBearing(b - northOffset) * 100) / 100;
    void ptz.absolute(target.cameraId, { pan, tilt: tl, ...(z !== undefined ? { zoom: z } : {}) });
  };

  return (
    <section className="ptz-section">
      <h3>{t('ptz.abs.title')}</h3>
      <form
        className="ptz-abs"
        onSubmit={(e) => {
          e.preventDefault();
          go();
        }}
      >
        <label>
          <span>{t('ptz.abs.bearing')}</span>
          <input inputMode="decimal" value={bearing} onChange={(e) => setBearing(e.target.value)} placeholder="0–359.9" data-testid="ptz-abs-bearing" disabled={disabled} />
        </label>
        <label>
          <span>{t('hud.tilt')}</span>
          <input inputMode="decimal" value={tilt} onChange={(e) => setTilt(e.target.value)} placeholder="−45–45" data-testid="ptz-abs-tilt" disabled={disabled} />
        </label>
        <label>
          <span>{t('hud.zoom')}</span>
          <input
            inputMode="decimal"
            value={zoom}
            onChange={(e) => setZoom(e.target.value)}
            placeholder="1–32"
            data-testid="ptz-abs-zoom"
            disabled={disabled}
            title={fixed ? t('ptz.abs.zoomVisible') : undefined}
          />
        </label>
        <div className="row">
          <button type="button" onClick={fillFromPose} disabled={disabled}>
            {t('ptz.abs.current')}
          </button>
          <button type="submit" className="primary" disabled={disabled} data-testid="ptz-abs-go">
            {t('ptz.abs.go')}
          </button>
        </div>
      </form>
    </section>
  );
}

import { useMemo, useState } from 'react';
import { isOpen } from '../../common/alerts';
import { formatLatLonDecimal, formatLatLonDms, latLon } from '../../common/geo';
import { pendingAlerts, observedAlerts } from '../alerts/alerts-slice';
import { useCan } from '../auth/session';
import { host } from '../app/connection';
import { useAppStore } from '../app/store';
import { useT } from '../i18n';

/** A position found on the map: crossed bearing lines, or one camera's ray on the terrain. */
export interface MapFix {
  lat: number;
  lon: number;
  method: 'triangulated' | 'terrain';
  /** 95 % radius, metres. */
  uncertaintyM: number;
  /** How it was found, for the duty log (towers, distances, bearings). */
  detail: string;
}

/**
 * One click sends a fix to the alert in hand (its position in the pop, the reports and the log) or
 * writes it into the duty log (值班记录, category 报警).
 */
export function FixActions({ fix }: { fix: MapFix }) {
  const t = useT();
  const alerts = useAppStore((s) => s.alerts);
  const deferred = useAppStore((s) => s.alertDeferred);
  const towers = useAppStore((s) => s.site?.towers);
  const canLocate = useCan('alerts.verify');
  const canLog = useCan('duty.edit');
  // The alert in hand first (the one in the pop), then the other waiting ones, then fires under observation.
  const open = useMemo(() => {
    const seen = new Set<string>();
    return [...pendingAlerts(alerts, deferred), ...observedAlerts(alerts)].filter((a) => isOpen(a) && !seen.has(a.id) && seen.add(a.id));
  }, [alerts, deferred]);
  const [chosen, setChosen] = useState<string>('');
  const [state, setState] = useState<{ ok: boolean; text: string } | null>(null);
  const target = open.find((a) => a.id === chosen) ?? open[0];
  const name = (towerId: string) => towers?.find((x) => x.id === towerId)?.name ?? towerId;
  const method = t(fix.method === 'triangulated' ? 'alert.triangulated' : 'alert.terrain');
  const uncertaintyM = Math.round(fix.uncertaintyM);

  const run = async (what: 'alert' | 'duty') => {
    setState(null);
    try {
      if (what === 'alert' && target) {
        await host().call('alert:locate', { id: target.id, lat: fix.lat, lon: fix.lon, method: fix.method, uncertaintyM });
        setState({ ok: true, text: t('map.fixSentAlert', { tower: name(target.towerId) }) });
      } else if (what === 'duty') {
        const p = latLon(fix.lat, fix.lon);
        const text = t('map.fixDutyText', { dec: formatLatLonDecimal(p), dms: formatLatLonDms(p), r: uncertaintyM, method, detail: fix.detail });
        await host().call('duty:entryAdd', { category: 'alarm', text, tower: '', attachments: [] });
        setState({ ok: true, text: t('map.fixSentDuty') });
      }
    } catch (e) {
      setState({ ok: false, text: e instanceof Error ? e.message : String(e) });
    }
  };

  if (!canLocate && !canLog) return null;
  return (
    <div className="map-fix-actions" data-testid="map-fix-actions">
      {canLocate && open.length > 1 && (
        <select value={target?.id ?? ''} onChange={(e) => setChosen(e.target.value)} aria-label={t('map.fixAlert')} data-testid="map-fix-alert">
          {open.map((a) => (
            <option key={a.id} value={a.id}>
              {name(a.towerId)} · {a.bearing.toFixed(1)}° · {t(a.status === 'new' ? 'map.fixAlertNew' : 'map.fixAlertObserved')}
            </option>
          ))}
        </select>
      )}
      <div className="map-row">
        {canLocate && (
          <button type="button" disabled={!target} title={target ? undefined : t('map.fixNoAlert')} data-testid="map-fix-to-alert" onClick={() => void run('alert')}>
            {target ? t('map.fixToAlert', { tower: name(target.towerId) }) : t('map.fixNoAlert')}
          </button>
        )}
        {canLog && (
          <button type="button" data-testid="map-fix-to-duty" onClick={() => void run('duty')}>
            {t('map.fixToDuty')}
          </button>
        )}
      </div>
      {state && (
        <div className={state.ok ? 'map-ok' : 'map-bad'} role="status" data-testid="map-fix-sent">
          {state.text}
        </div>
      )}
    </div>
  );
}

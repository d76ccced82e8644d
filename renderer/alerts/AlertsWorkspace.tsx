import { useEffect, useMemo, useState } from 'react';
import type { Alert } from '../../common/alerts';
import type { AlertStats } from '../../common/contract';
import { host, hostAddr } from '../app/connection';
import { useAppStore } from '../app/store';
import { useT, type MessageKey } from '../i18n';

const STATUS_KEY: Record<Alert['status'], MessageKey> = {
  new: 'alert.status.new',
  confirmed: 'alert.status.confirmed',
  false_alarm: 'alert.status.false_alarm',
  duplicate: 'alert.status.duplicate',
  closed: 'alert.status.closed',
};

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);
const secs = (x: number | null) => (x === null ? '—' : `${x.toFixed(0)} s`);

/**
 * 报警记录: the alarm log of the last days with its statistics — alerts per tower, the false-alarm
 * rate and its reasons, time to acknowledge — and every alert with its picture, decision and reports.
 */
export function AlertsWorkspace() {
  const t = useT();
  const alerts = useAppStore((s) => s.alerts);
  const site = useAppStore((s) => s.site);
  const [days, setDays] = useState(30);
  const [stats, setStats] = useState<AlertStats | null>(null);
  const [error, setError] = useState<string | null>(null);
  const list = useMemo(() => Object.values(alerts).sort((x, y) => y.receivedAt - x.receivedAt), [alerts]);
  const towerName = (id: string) => site?.towers.find((x) => x.id === id)?.name ?? id;
  const fmt = useMemo(() => new Intl.DateTimeFormat('zh-CN', { dateStyle: 'short', timeStyle: 'medium', hour12: false, ...(site?.timeZone ? { timeZone: site.timeZone } : {}) }), [site?.timeZone]);

  useEffect(() => {
    let live = true;
    host()
      .call('alert:stats', { days })
      .then((s) => live && (setStats(s), setError(null)))
      .catch((e: unknown) => live && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [days, list.length]);

  const a = hostAddr();
  return (
    <div className="alerts-work" data-testid="alerts-workspace">
      <section className="alerts-stats">
        <header>
          <h2>{t('alert.statsTitle')}</h2>
          <select value={days} onChange={(e) => setDays(Number(e.target.value))} aria-label={t('alert.period')}>
            {[1, 7, 30, 90, 365].map((d) => (
              <option key={d} value={d}>
                {t('alert.lastDays', { n: d })}
              </option>
            ))}
          </select>
        </header>
        {error && <p className="alert-error">{error}</p>}
        {stats && (
          <>
            <dl className="alerts-kpi" data-testid="alerts-kpi">
              <div>
                <dt>{t('alert.total')}</dt>
                <dd>{stats.total}</dd>
              </div>
              <div>
                <dt>{t('alert.falseRate')}</dt>
                <dd>{pct(stats.falseAlarmRate)}</dd>
              </div>
              <div>
                <dt>{t('alert.ackMedian')}</dt>
                <dd>{secs(stats.ackMedianS)}</dd>
              </div>
              <div>
                <dt>{t('alert.ackP95')}</dt>
                <dd>{secs(stats.ackP95S)}</dd>
              </div>
            </dl>
            <table className="alerts-table">
              <thead>
                <tr>
                  <th>{t('alert.tower')}</th>
                  <th>{t('alert.total')}</th>
                  <th>{t('alert.status.confirmed')}</th>
                  <th>{t('alert.status.false_alarm')}</th>
                </tr>
              </thead>
              <tbody>
                {stats.byTower.map((r) => (
                  <tr key={r.towerId}>
                    <td>{towerName(r.towerId)}</td>
                    <td>{r.total}</td>
                    <td>{r.confirmed}</td>
                    <td>{r.falseAlarms}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <h3>{t('alert.reasons')}</h3>
            <ul className="alerts-reasons" data-testid="alerts-reasons">
              {Object.entries(stats.falseAlarmReasons)
                .sort((x, y) => y[1] - x[1])
                .map(([r, n]) => (
                  <li key={r}>
                    <span>{t(`alert.reason.${r}` as MessageKey)}</span>
                    <b>{n}</b>
                  </li>
                ))}
            </ul>
          </>
        )}
      </section>
      <section className="alerts-log">
        <h2>{t('alert.logTitle')}</h2>
        <table className="alerts-table">
          <thead>
            <tr>
              <th />
              <th>{t('alert.time')}</th>
              <th>{t('alert.tower')}</th>
              <th>{t('alert.bearing')}</th>
              <th>{t('alert.kind')}</th>
              <th>{t('alert.state')}</th>
              <th>{t('alert.decidedBy')}</th>
              <th>{t('alert.evidence')}</th>
            </tr>
          </thead>
          <tbody>
            {list.map((x) => (
              <tr key={x.id} data-testid="alerts-row" data-status={x.status}>
                <td>{x.snapshots[0] && <img className="alerts-thumb" alt="" src={`${a.httpBase}/api/alerts/snapshots/${encodeURIComponent(x.snapshots[0])}?token=${encodeURIComponent(a.token)}`} />}</td>
                <td>{fmt.format(x.firstAt)}</td>
                <td>{towerName(x.towerId)}</td>
                <td>{x.bearing.toFixed(1)}°</td>
                <td>
                  {t(x.kind === 'fire' ? 'alert.fire' : 'alert.smoke')}
                  {x.count > 1 ? ` ×${x.count}` : ''}
                </td>
                <td className={`alerts-status s-${x.status}`}>
                  {t(STATUS_KEY[x.status])}
                  {x.decision?.reason ? `（${t(`alert.reason.${x.decision.reason}` as MessageKey)}）` : ''}
                </td>
                <td>{x.closed?.by ?? x.decision?.by ?? ''}</td>
                <td>
                  {x.clip && (
                    <a href={`${a.httpBase}/api/clips/${encodeURIComponent(x.clip.name)}?token=${encodeURIComponent(a.token)}`} data-testid="alerts-clip">
                      {t('alert.clip', { s: Math.round(x.clip.durationS) })}
                    </a>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}

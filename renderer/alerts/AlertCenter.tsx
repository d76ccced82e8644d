import { useEffect, useMemo, useRef, useState } from 'react';
import { ESCALATION_REPORT, FALSE_ALARM_REASONS, type Alert, type FalseAlarmReason } from '../../common/alerts';
import { formatDms } from '../../common/geo';
import { compassWord } from '../../common/ptz';
import { useCan } from '../auth/session';
import { host, hostAddr, mediaWsUrl } from '../app/connection';
import { useAppStore } from '../app/store';
import { useT } from '../i18n';
import { TileStage } from '../video/tile-stage';
import { AlarmSound } from './alarm-sound';
import { observedAlerts, pendingAlerts } from './alerts-slice';

const snapshotUrl = (name: string) => {
  const a = hostAddr();
  return `${a.httpBase}/api/alerts/snapshots/${encodeURIComponent(name)}?token=${encodeURIComponent(a.token)}`;
};

/** A time of day at the site (its time zone, not the browser's). */
const clock = (ms: number, timeZone?: string) => new Date(ms).toLocaleTimeString('zh-CN', { hour12: false, ...(timeZone ? { timeZone } : {}) });
const mmss = (ms: number) => {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};

/** Live main stream of the alarm camera, for as long as the pop shows it. */
function LiveView({ cameraId }: { cameraId: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const s = new TileStage(el, () => undefined);
    s.play(mediaWsUrl(cameraId, 'main'));
    return () => s.destroy();
  }, [cameraId]);
  return <div className="alert-live" ref={ref} data-testid="alert-live" />;
}

/** The detector's picture with its detection boxes drawn over it. */
function Snapshot({ alert }: { alert: Alert }) {
  const name = alert.snapshots.at(-1);
  return (
    <div className="alert-snap" data-testid="alert-snapshot">
      {name && <img src={snapshotUrl(name)} alt="" draggable={false} />}
      {alert.boxes.map((b, i) => (
        <div key={i} className="alert-box" style={{ left: `${b.x * 100}%`, top: `${b.y * 100}%`, width: `${b.w * 100}%`, height: `${b.h * 100}%` }} />
      ))}
    </div>
  );
}

/**
 * The alarm pop: the alert waiting longest at the highest severity, impossible to miss (flashing
 * border, siren), with the detector's snapshot and boxes, live video, where it points and what is
 * known of the position; the operator confirms it, calls it a false alarm (with a reason) or a
 * duplicate, or puts it aside for the next. Confirmed fires stay in the observation list below.
 */
export function AlertCenter() {
  const t = useT();
  const alerts = useAppStore((s) => s.alerts);
  const deferred = useAppStore((s) => s.alertDeferred);
  const site = useAppStore((s) => s.site);
  const canVerify = useCan('alerts.verify');
  // On the map the pop docks to the side, so the fire's place stays in view.
  const docked = useAppStore((s) => s.workspace === 'map');
  const pending = useMemo(() => pendingAlerts(alerts, deferred), [alerts, deferred]);
  const observed = useMemo(() => observedAlerts(alerts), [alerts]);
  const current = pending[0];
  const sound = useRef<AlarmSound | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [mode, setMode] = useState<'main' | 'false' | 'duplicate'>('main');

  const escalated = pending.some((a) => a.escalatedAt);
  useEffect(() => {
    sound.current ??= new AlarmSound();
    if (pending.length) sound.current.play(escalated ? 'escalated' : 'normal');
    else sound.current.stop();
  }, [pending.length, escalated]);
  useEffect(() => () => sound.current?.stop(), []);

  // Seen on this console: the host stops escalating it.
  useEffect(() => {
    setMode('main');
    setError(null);
    if (current && !current.acknowledged && canVerify) void host().call('alert:acknowledge', { id: current.id }).catch(() => undefined);
  }, [current?.id]);

  const weather = useAppStore((s) => (current ? s.mapWeather.find((w) => w.towerId === current.towerId) : undefined));
  if (!current && !observed.length) return null;
  const tower = current ? site?.towers.find((x) => x.id === current.towerId) : undefined;
  const camera = tower?.cameras.find((c) => c.id === current?.cameraId);

  const decide = async (args: { verdict: 'confirmed' | 'false_alarm' | 'duplicate'; reason?: FalseAlarmReason; duplicateOf?: string }) => {
    if (!current) return;
    setBusy(true);
    setError(null);
    try {
      await host().call('alert:decide', { id: current.id, note: '', ...args });
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      {current && (
        <section
          className={`alert-pop${current.escalatedAt ? ' escalated' : ''}${docked ? ' docked' : ''} kind-${current.kind}`}
          role="alertdialog"
          aria-labelledby="alert-title"
          data-testid="alert-pop"
          data-alert={current.id}
          data-camera={current.cameraId}
          data-drill={current.drill ? 'true' : undefined}
        >
          <header className="alert-head">
            <h2 id="alert-title">
              {current.drill && (
                <span className="alert-drill" data-testid="alert-drill">
                  {t('demo.drill')}
                </span>
              )}
              {t(current.kind === 'fire' ? 'alert.fire' : 'alert.smoke')} · {tower?.name ?? current.towerId} {camera ? t(camera.kind === 'visible' ? 'alert.visible' : 'alert.thermal') : ''}
            </h2>
            <span className="alert-meta">
              {clock(current.firstAt, site?.timeZone)}
              {current.count > 1 && <b> ×{current.count}</b>}
              {current.escalatedAt && <em className="alert-escalated">{t('alert.escalated')}</em>}
              {current.escalatedAt && <EscalationNotice alert={current} />}
            </span>
            {pending.length > 1 && <span className="alert-queue" data-testid="alert-queue">{t('alert.queue', { n: pending.length - 1 })}</span>}
          </header>
          <div className="alert-body">
            <Snapshot alert={current} />
            <LiveView cameraId={current.cameraId} />
          </div>
          <dl className="alert-facts">
            <dt>{t('alert.bearing')}</dt>
            <dd data-testid="alert-bearing">
              {compassWord(current.bearing, 'zh')} {current.bearing.toFixed(1)}°
            </dd>
            <dt>{t('alert.tilt')}</dt>
            <dd>{current.tilt.toFixed(1)}°</dd>
            <dt>{t('alert.zoom')}</dt>
            <dd>{current.zoom.toFixed(1)}×</dd>
            <dt>{t('alert.confidence')}</dt>
            <dd>{Math.round(current.confidence * 100)}%</dd>
            <dt>{t('alert.position')}</dt>
            <dd data-testid="alert-position">
              {current.position
                ? `${formatDms(current.position.lat, 'lat')} ${formatDms(current.position.lon, 'lon')} ±${current.position.uncertaintyM} m（${t(current.position.method === 'triangulated' ? 'alert.triangulated' : 'alert.terrain')}${current.position.by ? ` · ${t('alert.locatedBy', { who: current.position.by })}` : ''}）`
                : t('alert.positionUnknown')}
            </dd>
            {weather?.ok && (
              <>
                <dt>{t('alert.weather')}</dt>
                <dd data-testid="alert-weather">
                  {t('alert.weatherLine', {
                    wind: weather.windSpeedMs?.toFixed(1) ?? '—',
                    from: weather.windFromDeg === null ? '—' : compassWord(weather.windFromDeg, 'zh'),
                    temp: weather.temperatureC?.toFixed(0) ?? '—',
                    rh: weather.humidityPct?.toFixed(0) ?? '—',
                  })}
                </dd>
              </>
            )}
            {current.linked.length > 0 && (
              <>
                <dt>{t('alert.linked')}</dt>
                <dd>{current.linked.map((id) => site?.towers.find((x) => x.id === alerts[id]?.towerId)?.name ?? id).join('、')}</dd>
              </>
            )}
          </dl>
          {error && <p className="alert-error">{error}</p>}
          {!canVerify ? (
            <p className="alert-hint">{t('alert.cannotVerify')}</p>
          ) : mode === 'main' ? (
            <div className="alert-actions">
              <button className="alert-confirm" disabled={busy} onClick={() => void decide({ verdict: 'confirmed' })} data-testid="alert-confirm">
                {t('alert.confirm')}
              </button>
              <button disabled={busy} onClick={() => setMode('false')} data-testid="alert-false">
                {t('alert.falseAlarm')}
              </button>
              <button disabled={busy || pending.length + observed.length < 2} onClick={() => setMode('duplicate')} data-testid="alert-duplicate">
                {t('alert.duplicate')}
              </button>
              <button
                onClick={() => {
                  const st = useAppStore.getState();
                  // The map at the fire: its bearing line from the tower, centred on the fix or the tower.
                  st.addBearingLine(current.towerId, current.bearing);
                  const at = current.position ?? tower;
                  if (at) st.requestMapFly(at.lat, at.lon, current.position ? 14 : 12);
                  st.setWorkspace('map');
                }}
                data-testid="alert-map"
              >
                {t('alert.onMap')}
              </button>
              <button className="alert-later" disabled={pending.length < 2} onClick={() => useAppStore.getState().deferAlert(current.id)} data-testid="alert-later">
                {t('alert.later')}
              </button>
            </div>
          ) : mode === 'false' ? (
            <div className="alert-actions reasons">
              {FALSE_ALARM_REASONS.map((r) => (
                <button key={r} disabled={busy} onClick={() => void decide({ verdict: 'false_alarm', reason: r })} data-testid={`alert-reason-${r}`}>
                  {t(`alert.reason.${r}`)}
                </button>
              ))}
              <button className="alert-later" onClick={() => setMode('main')}>
                {t('alert.back')}
              </button>
            </div>
          ) : (
            <div className="alert-actions reasons">
              {[...pending, ...observed]
                .filter((a) => a.id !== current.id)
                .map((a) => (
                  <button key={a.id} disabled={busy} onClick={() => void decide({ verdict: 'duplicate', duplicateOf: a.id })}>
                    {site?.towers.find((x) => x.id === a.towerId)?.name ?? a.towerId} {a.bearing.toFixed(0)}° {clock(a.firstAt, site?.timeZone)}
                  </button>
                ))}
              <button className="alert-later" onClick={() => setMode('main')}>
                {t('alert.back')}
              </button>
            </div>
          )}
        </section>
      )}
      {observed.length > 0 && <Observation alerts={observed} canVerify={canVerify} />}
    </>
  );
}

/** Confirmed fires under observation: time left, next follow-up, remarks, and 警讯确认解除. */
function Observation({ alerts, canVerify }: { alerts: Alert[]; canVerify: boolean }) {
  const t = useT();
  const site = useAppStore((s) => s.site);
  const offset = useAppStore((s) => s.clockOffsetMs);
  const [now, setNow] = useState(() => Date.now() + offset);
  const [remark, setRemark] = useState<Record<string, string>>({});
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now() + offset), 1000);
    return () => clearInterval(id);
  }, [offset]);
  return (
    <aside className="alert-observe" data-testid="alert-observe" aria-label={t('alert.observing')}>
      {alerts.map((a) => {
        const o = a.observation!;
        const next = o.startedAt + (o.followUps.filter((f) => f.seq > 0).length + 1) * (site?.alerts?.followUpMinutes ?? 5) * 60_000;
        const reports = a.notifications.filter((n) => n.report !== ESCALATION_REPORT);
        const sent = reports.filter((n) => n.state === 'sent').length;
        const failed = reports.some((n) => n.state === 'failed');
        return (
          <div key={a.id} className="observe-row" data-testid="observe-row" data-alert={a.id}>
            <strong>{site?.towers.find((x) => x.id === a.towerId)?.name ?? a.towerId}</strong>
            <span>
              {now < o.until ? t('alert.observeLeft', { left: mmss(o.until - now) }) : t('alert.observeDone')}
              {now < o.until && next <= o.until && ` · ${t('alert.nextReport', { left: mmss(next - now) })}`}
            </span>
            <span className={failed ? 'observe-failed' : ''} data-testid="observe-reports">
              {t('alert.reports', { n: o.followUps.filter((f) => f.seq > 0).length, sent })}
              {failed && ` · ${t('alert.sendFailed')}`}
            </span>
            {canVerify && (
              <>
                <input
                  value={remark[a.id] ?? ''}
                  placeholder={t('alert.remark')}
                  maxLength={500}
                  onChange={(e) => setRemark({ ...remark, [a.id]: e.target.value })}
                  onKeyDown={(e) => {
                    const text = (remark[a.id] ?? '').trim();
                    if (e.key === 'Enter' && text) void host().call('alert:remark', { id: a.id, text }).then(() => setRemark({ ...remark, [a.id]: '' }));
                  }}
                />
                <button onClick={() => void host().call('alert:close', { id: a.id, note: '' })} data-testid="observe-close">
                  {t('alert.close')}
                </button>
              </>
            )}
          </div>
        );
      })}
    </aside>
  );
}

/** Where the escalation notice went (the shift leader's phone, through the SMS gateway) and whether it arrived. */
function EscalationNotice({ alert }: { alert: Alert }) {
  const t = useT();
  const notices = alert.notifications.filter((n) => n.report === ESCALATION_REPORT);
  if (!notices.length) return null;
  const sent = notices.filter((n) => n.state === 'sent').map((n) => n.recipient);
  const failing = notices.filter((n) => n.state !== 'sent').map((n) => n.recipient);
  return (
    <span className={`alert-leader${failing.length ? ' failing' : ''}`} data-testid="alert-leader-notice">
      {sent.length > 0 && t('alert.leaderNotified', { names: sent.join('、') })}
      {failing.length > 0 && t('alert.leaderNotifying', { names: failing.join('、') })}
    </span>
  );
}

import { useEffect, useMemo, useState } from 'react';
import type { Asset, AvailabilityReport, DeviceHealth, Inspection, InspectionPeriod, LinkSample, Ticket } from '../../common/contract';
import type { DeviceKind, DeviceState, TicketLevel } from '../../common/health';
import { host } from '../app/connection';
import { useAppStore } from '../app/store';
import { useCan } from '../auth/session';
import { useT, type MessageKey } from '../i18n';
import type { HealthTab } from './health-slice';
import './health.css';

const COLUMNS: readonly DeviceKind[] = ['camera', 'thermal', 'ptz', 'detector', 'switch', 'link', 'power'];
const STATE_KEY: Record<DeviceState, MessageKey> = { up: 'health.state.up', degraded: 'health.state.degraded', down: 'health.state.down', unknown: 'health.state.unknown' };
const KIND_KEY: Record<DeviceKind, MessageKey> = {
  camera: 'health.kind.camera',
  thermal: 'health.kind.thermal',
  ptz: 'health.kind.ptz',
  detector: 'health.kind.detector',
  switch: 'health.kind.switch',
  link: 'health.kind.link',
  power: 'health.kind.power',
  decoder: 'health.kind.decoder',
  host: 'health.kind.host',
};
const TABS: readonly { id: HealthTab; key: MessageKey }[] = [
  { id: 'board', key: 'health.board' },
  { id: 'tickets', key: 'health.tickets' },
  { id: 'inspections', key: 'health.inspections' },
  { id: 'assets', key: 'health.assets' },
];

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));
const pct = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${v.toFixed(2)}%`);

function download(name: string, mime: string, data: BlobPart) {
  const url = URL.createObjectURL(new Blob([data], { type: mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The host's clock, ticking every second (ticket timers). */
function useHostNow(): number {
  const offset = useAppStore((s) => s.clockOffsetMs);
  const [now, setNow] = useState(() => Date.now() + offset);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now() + offset), 1000);
    return () => clearInterval(t);
  }, [offset]);
  return now;
}

/** 运维: the tower-by-tower health board, fault tickets, inspections and the asset register. */
export function HealthWorkspace() {
  const t = useT();
  const tab = useAppStore((s) => s.healthTab);
  const setTab = useAppStore((s) => s.setHealthTab);
  const openCount = Object.values(useAppStore((s) => s.healthTickets)).filter((x) => x.status === 'open').length;
  return (
    <div className="health-work" data-testid="health-workspace">
      <nav className="health-tabs" role="tablist">
        {TABS.map((x) => (
          <button key={x.id} role="tab" aria-selected={tab === x.id} className={tab === x.id ? 'active' : ''} onClick={() => setTab(x.id)} data-testid={`health-tab-${x.id}`}>
            {t(x.key)}
            {x.id === 'tickets' && openCount > 0 && <span className="health-badge">{openCount}</span>}
          </button>
        ))}
      </nav>
      {tab === 'board' && <Board />}
      {tab === 'tickets' && <Tickets />}
      {tab === 'inspections' && <Inspections />}
      {tab === 'assets' && <Assets />}
    </div>
  );
}

function Sparkline({ samples, limit }: { samples: LinkSample[] | undefined; limit: number }) {
  const w = 120;
  const h = 28;
  const list = samples ?? [];
  const max = Math.max(limit * 1.2, ...list.map((s) => s.latencyMs ?? 0));
  const x = (i: number) => (list.length < 2 ? w : (i / (list.length - 1)) * w);
  const y = (v: number) => h - 2 - (v / max) * (h - 4);
  const path = list.map((s, i) => (s.latencyMs === null ? '' : `${x(i).toFixed(1)},${y(s.latencyMs).toFixed(1)}`)).filter(Boolean);
  return (
    <svg className="health-spark" width={w} height={h} viewBox={`0 0 ${w} ${h}`} aria-hidden>
      <line x1={0} x2={w} y1={y(limit)} y2={y(limit)} className="limit" />
      {path.length > 1 && <polyline points={path.join(' ')} />}
      {list.map((s, i) => (s.latencyMs === null ? <rect key={i} x={x(i) - 1.5} y={0} width={3} height={h} className="lost" /> : null))}
    </svg>
  );
}

function Cell({ d }: { d: DeviceHealth | undefined }) {
  const t = useT();
  if (!d) return <td className="health-cell none">—</td>;
  return (
    <td className={`health-cell ${d.state}`} title={`${d.name}：${d.detail}`} data-testid={`health-cell-${d.id}`} data-state={d.state}>
      <span className="dot" />
      {t(STATE_KEY[d.state])}
    </td>
  );
}

function Board() {
  const t = useT();
  const site = useAppStore((s) => s.site);
  const devices = useAppStore((s) => s.healthDevices);
  const links = useAppStore((s) => s.healthLinks);
  const target = useAppStore((s) => s.healthTargetPct);
  const [period, setPeriod] = useState<'day' | 'week' | 'month'>('day');
  const [av, setAv] = useState<AvailabilityReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const changes = Object.values(devices).filter((d) => d.state !== 'up').length;
  useEffect(() => {
    let live = true;
    host()
      .call('health:availability', { period })
      .then((r) => live && (setAv(r), setError(null)))
      .catch((e: unknown) => live && setError(errText(e)));
    return () => {
      live = false;
    };
  }, [period, changes]);
  const all = Object.values(devices);
  const count = (s: DeviceState) => all.filter((d) => d.state === s).length;
  const centre = all.filter((d) => d.towerId === null);
  const towerAv = new Map(av?.towers.map((x) => [x.id, x.pct]) ?? []);
  const below = (v: number | null | undefined) => v !== null && v !== undefined && v < target;
  return (
    <section className="health-board">
      <header className="health-summary">
        <div className={`health-figure ${below(av?.site) ? 'bad' : 'ok'}`} data-testid="health-site-availability">
          <span className="label">{t('health.siteAvailability')}</span>
          <strong>{pct(av?.site)}</strong>
          <span className="label">{t('health.target', { pct: target })}</span>
        </div>
        <select value={period} onChange={(e) => setPeriod(e.target.value as typeof period)} aria-label={t('health.period')}>
          <option value="day">{t('health.period.day')}</option>
          <option value="week">{t('health.period.week')}</option>
          <option value="month">{t('health.period.month')}</option>
        </select>
        <span className="health-count up">{t('health.state.up')} {count('up')}</span>
        <span className="health-count degraded">{t('health.state.degraded')} {count('degraded')}</span>
        <span className="health-count down">{t('health.state.down')} {count('down')}</span>
        {error && <span className="health-error">{error}</span>}
      </header>
      <div className="health-table-wrap">
        <table className="health-table">
          <thead>
            <tr>
              <th>{t('health.tower')}</th>
              {COLUMNS.map((k) => (
                <th key={k}>{t(KIND_KEY[k])}</th>
              ))}
              <th>{t('health.latency')}</th>
              <th>{t('health.availability')}</th>
            </tr>
          </thead>
          <tbody>
            {site?.towers.map((tw) => {
              const link = devices[`link:${tw.id}`];
              const a = towerAv.get(tw.id);
              return (
                <tr key={tw.id} data-testid={`health-row-${tw.id}`}>
                  <th>{tw.name}</th>
                  {COLUMNS.map((k) => (
                    <Cell key={k} d={all.find((d) => d.towerId === tw.id && d.kind === k)} />
                  ))}
                  <td className="health-latency">
                    <Sparkline samples={links[tw.id]} limit={200} />
                    <span>{link?.latencyMs !== undefined && link.latencyMs !== null ? `${link.latencyMs.toFixed(link.latencyMs < 10 ? 1 : 0)} ms` : '—'}</span>
                  </td>
                  <td className={below(a) ? 'health-av bad' : 'health-av'}>{pct(a)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <div className="health-centre">
        <h3>{t('health.centre')}</h3>
        <ul>
          {centre.map((d) => (
            <li key={d.id} className={d.state} title={d.detail} data-testid={`health-cell-${d.id}`}>
              <span className="dot" />
              {d.name} · {d.detail}
            </li>
          ))}
        </ul>
      </div>
    </section>
  );
}

function timer(t: ReturnType<typeof useT>, until: number, now: number): string {
  const left = until - now;
  const abs = Math.abs(left);
  const h = Math.floor(abs / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  const s = `${h}:${String(m).padStart(2, '0')}`;
  return left >= 0 ? t('health.left', { t: s }) : t('health.over', { t: s });
}

function Tickets() {
  const t = useT();
  const site = useAppStore((s) => s.site);
  const tickets = useAppStore((s) => s.healthTickets);
  const ticketChanged = useAppStore((s) => s.ticketChanged);
  const canEdit = useCan('duty.edit');
  const canManage = useCan('health.manage');
  const now = useHostNow();
  const [error, setError] = useState<string | null>(null);
  const [closing, setClosing] = useState<string | null>(null);
  const [form, setForm] = useState({ title: '', level: 3 as TicketLevel, towerId: '' });
  const [report, setReport] = useState({ kind: '', cause: '', method: '', loss: '' });
  const [showClosed, setShowClosed] = useState(false);
  useEffect(() => {
    if (!showClosed) return;
    host()
      .call('health:tickets', { status: 'all' })
      .then((list) => list.forEach(ticketChanged))
      .catch((e: unknown) => setError(errText(e)));
  }, [showClosed, ticketChanged]);
  const list = useMemo(() => Object.values(tickets).filter((x) => showClosed || x.status === 'open').sort((a, b) => a.level - b.level || b.openedAt - a.openedAt), [tickets, showClosed]);
  const act = (p: Promise<Ticket>) =>
    p.then(
      (x) => (ticketChanged(x), setError(null)),
      (e: unknown) => setError(errText(e)),
    );
  const fmt = new Intl.DateTimeFormat('zh-CN', { dateStyle: 'short', timeStyle: 'short', hour12: false, ...(site?.timeZone ? { timeZone: site.timeZone } : {}) });
  return (
    <section className="health-tickets">
      {canEdit && (
        <form
          className="health-open"
          onSubmit={(e) => {
            e.preventDefault();
            void act(host().call('health:ticketOpen', { title: form.title, level: form.level, ...(form.towerId ? { towerId: form.towerId } : {}) })).then(() => setForm({ ...form, title: '' }));
          }}
        >
          <input value={form.title} onChange={(e) => setForm({ ...form, title: e.target.value })} placeholder={t('health.ticketTitle')} aria-label={t('health.ticketTitle')} required />
          <select value={form.level} onChange={(e) => setForm({ ...form, level: Number(e.target.value) as TicketLevel })} aria-label={t('health.level')}>
            {([1, 2, 3] as const).map((l) => (
              <option key={l} value={l}>
                {t(`health.level${l}`)}
              </option>
            ))}
          </select>
          <select value={form.towerId} onChange={(e) => setForm({ ...form, towerId: e.target.value })} aria-label={t('health.tower')}>
            <option value="">{t('health.centre')}</option>
            {site?.towers.map((tw) => (
              <option key={tw.id} value={tw.id}>
                {tw.name}
              </option>
            ))}
          </select>
          <button type="submit">{t('health.openTicket')}</button>
          <label className="health-check">
            <input type="checkbox" checked={showClosed} onChange={(e) => setShowClosed(e.target.checked)} />
            {t('health.showClosed')}
          </label>
        </form>
      )}
      {error && <p className="health-error">{error}</p>}
      {list.length === 0 && <p className="health-empty">{t('health.noTickets')}</p>}
      <ul className="health-ticket-list">
        {list.map((x) => (
          <li key={x.id} className={`health-ticket level-${x.level} ${x.status}`} data-testid={`ticket-${x.id}`}>
            <div className="head">
              <span className={`level l${x.level}`}>{t(`health.level${x.level}`)}</span>
              <strong>{x.title}</strong>
              <span className="id">{x.id}</span>
            </div>
            <div className="meta">
              <span>{t('health.opened', { at: fmt.format(x.openedAt), by: x.openedBy })}</span>
              {x.status === 'open' ? (
                <>
                  <span className={x.respondedAt === null && now > x.respondBy ? 'late' : ''}>
                    {t('health.respond')}：{x.respondedAt !== null ? t('health.responded') : timer(t, x.respondBy, now)}
                  </span>
                  <span className={now > x.repairBy ? 'late' : ''}>
                    {t('health.repair')}：{timer(t, x.repairBy, now)}
                  </span>
                </>
              ) : (
                <span>{t('health.closedAt', { at: fmt.format(x.closedAt ?? 0), by: x.closedBy })}</span>
              )}
              {x.assignee && <span>{t('health.assignee')}：{x.assignee}</span>}
              {x.escalations.length > 0 && <span className="late">{t('health.escalated', { n: x.escalations.length })}</span>}
            </div>
            {x.notes.length > 0 && (
              <ol className="notes">
                {x.notes.slice(-3).map((n, i) => (
                  <li key={i}>
                    {fmt.format(n.at)} {n.by}：{n.text}
                  </li>
                ))}
              </ol>
            )}
            {x.report && <p className="report">{t('health.reportLine', { ...x.report, loss: x.report.loss || '—' })}</p>}
            {x.status === 'open' && (
              <div className="actions">
                {canEdit && x.respondedAt === null && <button onClick={() => void act(host().call('health:ticketRespond', { id: x.id }))}>{t('health.doRespond')}</button>}
                {canEdit && (
                  <button
                    onClick={() => {
                      const text = prompt(t('health.note'));
                      if (text) void act(host().call('health:ticketNote', { id: x.id, text }));
                    }}
                  >
                    {t('health.note')}
                  </button>
                )}
                {canManage && (
                  <button
                    onClick={() => {
                      const who = prompt(t('health.assignee'));
                      if (who) void act(host().call('health:ticketAssign', { id: x.id, assignee: who }));
                    }}
                  >
                    {t('health.assign')}
                  </button>
                )}
                {canManage && <button onClick={() => setClosing(closing === x.id ? null : x.id)}>{t('health.close')}</button>}
              </div>
            )}
            {closing === x.id && (
              <form
                className="health-close"
                onSubmit={(e) => {
                  e.preventDefault();
                  void act(host().call('health:ticketClose', { id: x.id, ...report })).then(() => setClosing(null));
                }}
              >
                {(['kind', 'cause', 'method', 'loss'] as const).map((k) => (
                  <label key={k}>
                    {t(`health.report.${k}`)}
                    <input value={report[k]} onChange={(e) => setReport({ ...report, [k]: e.target.value })} required={k !== 'loss'} />
                  </label>
                ))}
                <button type="submit">{t('health.closeConfirm')}</button>
              </form>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Inspections() {
  const t = useT();
  const canEdit = useCan('duty.edit');
  const canExport = useCan('export');
  const [period, setPeriod] = useState<InspectionPeriod>('weekly');
  const [insp, setInsp] = useState<Inspection | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    host()
      .call('health:inspection', { period })
      .then((r) => (setInsp(r), setError(null)))
      .catch((e: unknown) => setError(errText(e)));
  }, [period]);
  const set = (key: string, result: 'ok' | 'fault' | 'na', note: string, file?: File) => {
    const send = (photo?: { name: string; mime: string; dataBase64: string }) =>
      host()
        .call('health:inspectionSet', { id: insp!.id, key, result, note, ...(photo ? { photo } : {}) })
        .then(setInsp, (e: unknown) => setError(errText(e)));
    if (!file) return void send();
    const r = new FileReader();
    r.onload = () => void send({ name: file.name, mime: file.type, dataBase64: String(r.result).split(',')[1] ?? '' });
    r.readAsDataURL(file);
  };
  const report = (p: 'week' | 'month' | 'quarter', format: 'csv' | 'pdf') =>
    host()
      .call('health:report', { period: p, format })
      .then((r) => download(r.name, r.mime, Uint8Array.from(atob(r.dataBase64), (c) => c.charCodeAt(0))), (e: unknown) => setError(errText(e)));
  return (
    <section className="health-inspections">
      <header>
        <select value={period} onChange={(e) => setPeriod(e.target.value as InspectionPeriod)} aria-label={t('health.period')}>
          <option value="weekly">{t('health.weekly')}</option>
          <option value="monthly">{t('health.monthly')}</option>
          <option value="quarterly">{t('health.quarterly')}</option>
        </select>
        <h3>{insp?.title}</h3>
        {canExport && (
          <span className="health-reports">
            {(['week', 'month', 'quarter'] as const).map((p) => (
              <span key={p}>
                {t(`health.report.${p}`)}
                <button onClick={() => void report(p, 'csv')}>CSV</button>
                <button onClick={() => void report(p, 'pdf')}>PDF</button>
              </span>
            ))}
          </span>
        )}
      </header>
      {error && <p className="health-error">{error}</p>}
      <ul className="health-items">
        {insp?.items.map((i) => (
          <li key={i.key} className={i.result ?? 'open'}>
            <span className="label">
              {i.label}
              {i.hint && <small>{i.hint}</small>}
            </span>
            {(['ok', 'fault', 'na'] as const).map((r) => (
              <button key={r} disabled={!canEdit} className={i.result === r ? 'active' : ''} onClick={() => set(i.key, r, i.note)}>
                {t(`health.result.${r}`)}
              </button>
            ))}
            <input defaultValue={i.note} placeholder={t('health.note')} disabled={!canEdit} onBlur={(e) => e.target.value !== i.note && set(i.key, i.result ?? 'ok', e.target.value)} aria-label={t('health.note')} />
            <label className="photo">
              {i.photo ? t('health.photoSaved') : t('health.photo')}
              <input type="file" accept="image/jpeg,image/png,image/webp" disabled={!canEdit} onChange={(e) => e.target.files?.[0] && set(i.key, i.result ?? 'ok', i.note, e.target.files[0])} />
            </label>
            {i.by && <span className="by">{i.by}</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Assets() {
  const t = useT();
  const canImport = useCan('health.manage');
  const canExport = useCan('export');
  const devices = useAppStore((s) => s.healthDevices);
  const [list, setList] = useState<Asset[]>([]);
  const [result, setResult] = useState<{ imported: number; errors: { line: number; reason: string }[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () =>
    host()
      .call('health:assets', {})
      .then(setList, (e: unknown) => setError(errText(e)));
  useEffect(() => void load(), []);
  const onFile = (f: File) =>
    void f.text().then((csv) =>
      host()
        .call('health:assetImport', { csv })
        .then((r) => (setResult(r), void load()), (e: unknown) => setError(errText(e))),
    );
  return (
    <section className="health-assets">
      <header>
        {canImport && (
          <label className="health-import">
            {t('health.assetImport')}
            <input type="file" accept=".csv,text/csv" onChange={(e) => e.target.files?.[0] && onFile(e.target.files[0])} />
          </label>
        )}
        {canExport && (
          <button onClick={() => void host().call('health:assetExport', {}).then((r) => download(r.name, 'text/csv', r.csv), (e: unknown) => setError(errText(e)))}>
            {t('health.assetExport')}
          </button>
        )}
      </header>
      {error && <p className="health-error">{error}</p>}
      {result && (
        <div className="health-import-result">
          <p>{t('health.imported', { n: result.imported, bad: result.errors.length })}</p>
          <ul>
            {result.errors.slice(0, 50).map((e) => (
              <li key={e.line}>{t('health.badRow', { line: e.line, reason: e.reason })}</li>
            ))}
          </ul>
        </div>
      )}
      <table className="health-table assets">
        <thead>
          <tr>
            {(['deviceId', 'model', 'serial', 'installDate', 'location', 'spares'] as const).map((k) => (
              <th key={k}>{t(`health.asset.${k}`)}</th>
            ))}
            <th>{t('health.stateCol')}</th>
          </tr>
        </thead>
        <tbody>
          {list.map((a) => (
            <tr key={a.deviceId}>
              <td>{devices[a.deviceId]?.name ?? a.deviceId}</td>
              <td>{a.model}</td>
              <td>{a.serial}</td>
              <td>{a.installDate}</td>
              <td>{a.location}</td>
              <td>{a.spares}</td>
              <Cell d={devices[a.deviceId]} />
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

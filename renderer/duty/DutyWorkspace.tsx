import { useCallback, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { DutyOverview, DutyRecord, HostApi, ReportKind } from '../../common/contract';
import { dataOf, ENTRY_CATEGORIES, type CheckLine, type EntryCategory, type MaintenancePeriod, type MaintenanceTask } from '../../common/duty';
import { host } from '../app/connection';
import { CallError } from '../app/host-client';
import { useAppStore } from '../app/store';
import { useCan } from '../auth/session';
import { useT } from '../i18n';
import type { DutyTab } from './duty-slice';
import { CATEGORY_LABEL, formatTime, KIND_LABEL, shiftLabel } from './labels';

/**
 * Duty management (值班管理): today's shift at a glance with keyboard-first quick entry and the
 * shift's timeline, handover (交接班), the daily check (每日检查), maintenance checklists, the
 * roster, search, and the printable reports. Everything is read from and written to the host's
 * duty store; views reload when the host says records changed.
 */
export function DutyWorkspace() {
  const t = useT();
  const tab = useAppStore((s) => s.dutyTab);
  const setTab = useAppStore((s) => s.setDutyTab);
  const tabs: DutyTab[] = ['shift', 'handover', 'check', 'maintenance', 'roster', 'search', 'reports'];
  return (
    <div className="duty" data-testid="duty-workspace">
      <nav className="duty-tabs" role="tablist">
        {tabs.map((k) => (
          <button key={k} role="tab" aria-selected={tab === k} className={tab === k ? 'active' : ''} onClick={() => setTab(k)} data-testid={`duty-tab-${k}`}>
            {t(`duty.${k}`)}
          </button>
        ))}
      </nav>
      {tab === 'shift' && <ShiftView />}
      {tab === 'handover' && <HandoverView />}
      {tab === 'check' && <CheckView />}
      {tab === 'maintenance' && <MaintenanceView />}
      {tab === 'roster' && <RosterView />}
      {tab === 'search' && <SearchView />}
      {tab === 'reports' && <ReportsView />}
    </div>
  );
}

/** Loads `fn()` now and whenever duty records change; the error (if any) in words. */
function useDuty<T>(fn: () => Promise<T>, deps: unknown[]): [T | null, string | null, () => void] {
  const rev = useAppStore((s) => s.dutyRevision);
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    fn()
      .then((v) => live && (setValue(v), setError(null)))
      .catch((e: unknown) => live && setError(errorText(e)));
    return () => {
      live = false;
    };
  }, [rev, tick, ...deps]);
  return [value, error, () => setTick((n) => n + 1)];
}

function errorText(e: unknown): string {
  return e instanceof CallError ? e.error.message : e instanceof Error ? e.message : String(e);
}

/** Runs a command, reporting its error in the banner. */
function useAction(): [string | null, <K extends keyof HostApi>(name: K, args: HostApi[K]['args']) => Promise<HostApi[K]['result'] | undefined>] {
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(async <K extends keyof HostApi>(name: K, args: HostApi[K]['args']) => {
    try {
      const r = await host().call(name, args);
      setError(null);
      return r;
    } catch (e) {
      setError(errorText(e));
      return undefined;
    }
  }, []);
  return [error, run];
}

const Banner = ({ error }: { error: string | null }) =>
  error ? (
    <div className="duty-error" role="alert" data-testid="duty-error">
      {error}
    </div>
  ) : null;

const d = (r: DutyRecord) => dataOf(r) as Record<string, unknown>;
const today = () => new Date(Date.now() + useAppStore.getState().clockOffsetMs).toLocaleDateString('en-CA', { timeZone: useAppStore.getState().site?.timeZone ?? 'Asia/Shanghai' });

function ShiftView() {
  const t = useT();
  const lang = useAppStore((s) => s.lang);
  const tz = useAppStore((s) => s.site?.timeZone);
  const me = useAppStore((s) => s.session?.user.displayName);
  const canEdit = useCan('duty.edit');
  const canIssue = useCan('duty.approve');
  const [ov, loadError] = useDuty(() => host().call('duty:overview', {}), []);
  const [error, run] = useAction();
  if (!ov) return <Banner error={loadError} />;
  const roster = (date: string, slot: number) => ov.roster.find((r) => d(r).date === date && d(r).slot === slot);
  const cur = roster(ov.shift.date, ov.shift.slot);
  const next = roster(ov.next.date, ov.next.slot);
  const signedOn = ov.onDuty.some((p) => p.person === me);
  return (
    <div className="duty-shift">
      <Banner error={error ?? loadError} />
      <section className="duty-glance" data-testid="duty-glance">
        <div className="duty-now">
          <div className="duty-date">{ov.shift.date}</div>
          <div className="duty-slot" data-testid="duty-slot">
            {shiftLabel(ov.shift.slot, lang)}
          </div>
        </div>
        <dl className="duty-people">
          <dt>{t('duty.operator')}</dt>
          <dd>{cur ? String(d(cur).operator) : '—'}</dd>
          <dt>{t('duty.leader')}</dt>
          <dd>{cur ? String(d(cur).leader) || '—' : '—'}</dd>
          <dt>{t('duty.onDuty')}</dt>
          <dd data-testid="duty-on-duty">
            {ov.onDuty.length ? ov.onDuty.map((p) => `${p.person}（${formatTime(p.since, lang, tz)}）`).join('、') : <span className="muted">{t('duty.nobodyOnDuty')}</span>}
          </dd>
          <dt>{t('duty.next')}</dt>
          <dd>
            {shiftLabel(ov.next.slot, lang)} · {next ? String(d(next).operator) : '—'}
          </dd>
        </dl>
        <div className="duty-glance-stats">
          <Stat label={t('duty.openItems')} value={ov.openItems.length} warn={ov.openItems.length > 0} />
          <Stat label={t('duty.pendingHandovers')} value={ov.pendingHandovers.length} warn={ov.pendingHandovers.length > 0} />
          <Stat label={t('duty.check')} value={ov.check && d(ov.check).confirmedAt ? '✓' : '—'} warn={!ov.check || !d(ov.check).confirmedAt} />
        </div>
        {canEdit && (
          <button className="duty-sign" data-testid={signedOn ? 'duty-sign-off' : 'duty-sign-on'} onClick={() => void run(signedOn ? 'duty:signOff' : 'duty:signOn', {})}>
            {t(signedOn ? 'duty.signOff' : 'duty.signOn')}
          </button>
        )}
      </section>
      {(ov.notices.length > 0 || canIssue) && (
        <section className="duty-notices" data-testid="duty-notices">
          <h3>{t('duty.notices')}</h3>
          {ov.notices.map((n) => (
            <p key={n.id}>
              <b>{String(d(n).title)}</b> {String(d(n).text)} <span className="muted">— {String(d(n).issuer)}</span>
            </p>
          ))}
          {canIssue && <NoticeForm />}
        </section>
      )}
      <div className="duty-columns">
        <div className="duty-main">
          {canEdit && <QuickEntry />}
          <Timeline overview={ov} />
        </div>
        <OpenItems items={ov.openItems} canEdit={canEdit} />
      </div>
    </div>
  );
}

/** A shift leader issues a notice; it reaches every site through the centre. */
function NoticeForm() {
  const t = useT();
  const [title, setTitle] = useState('');
  const [text, setText] = useState('');
  const [error, run] = useAction();
  return (
    <form
      className="duty-notice-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (title.trim()) void run('duty:noticeAdd', { title, text }).then((r) => r && (setTitle(''), setText('')));
      }}
    >
      <input value={title} onChange={(e) => setTitle(e.target.value)} placeholder={t('duty.noticeTitle')} />
      <input value={text} onChange={(e) => setText(e.target.value)} placeholder={t('duty.noticeText')} className="grow" />
      <button type="submit" disabled={!title.trim()}>
        {t('duty.noticeAdd')}
      </button>
      <Banner error={error} />
    </form>
  );
}

const Stat = ({ label, value, warn }: { label: string; value: number | string; warn: boolean }) => (
  <div className={`duty-stat${warn ? ' warn' : ''}`}>
    <span className="v">{value}</span>
    <span className="l">{label}</span>
  </div>
);

/** Keyboard-first: type, Alt+1…8 for the category, Ctrl+Enter to save; the field keeps focus for the next entry. */
function QuickEntry() {
  const t = useT();
  const lang = useAppStore((s) => s.lang);
  const towers = useAppStore((s) => s.site?.towers ?? []);
  const [category, setCategory] = useState<EntryCategory>('patrol');
  const [tower, setTower] = useState('');
  const [text, setText] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const [saved, setSaved] = useState(false);
  const [error, run] = useAction();
  const box = useRef<HTMLTextAreaElement>(null);
  useEffect(() => box.current?.focus(), []);

  const save = async () => {
    if (!text.trim()) return;
    const attachments = await Promise.all(
      files.map(async (f) => ({ name: f.name, mime: f.type || 'application/octet-stream', dataBase64: await toBase64(f) })),
    );
    const r = await run('duty:entryAdd', { category, text, tower, attachments });
    if (r) {
      setText('');
      setFiles([]);
      setSaved(true);
      setTimeout(() => setSaved(false), 1500);
      box.current?.focus();
    }
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void save();
    } else if (e.altKey && /^[1-8]$/.test(e.key)) {
      e.preventDefault();
      setCategory(ENTRY_CATEGORIES[Number(e.key) - 1]!);
    }
  };
  return (
    <section className="duty-entry" onKeyDown={onKey} data-testid="duty-quick-entry">
      <div className="duty-cats" role="radiogroup" aria-label={t('duty.category')}>
        {ENTRY_CATEGORIES.map((c, i) => (
          <button key={c} role="radio" aria-checked={category === c} className={category === c ? 'active' : ''} onClick={() => setCategory(c)} title={`Alt+${i + 1}`} data-testid={`duty-cat-${c}`}>
            <kbd>{i + 1}</kbd> {CATEGORY_LABEL[c][lang]}
          </button>
        ))}
      </div>
      <textarea ref={box} value={text} onChange={(e) => setText(e.target.value)} placeholder={t('duty.entryPlaceholder')} rows={3} data-testid="duty-entry-text" />
      <div className="duty-entry-bar">
        <select value={tower} onChange={(e) => setTower(e.target.value)} aria-label={t('duty.tower')} data-testid="duty-entry-tower">
          <option value="">{t('duty.anyTower')}</option>
          {towers.map((tw) => (
            <option key={tw.id} value={tw.name}>
              {tw.name}
            </option>
          ))}
        </select>
        <label className="duty-attach">
          {t('duty.attach')}
          {files.length ? `（${files.length}）` : ''}
          <input type="file" multiple accept="image/*,application/pdf" onChange={(e) => setFiles([...(e.target.files ?? [])])} />
        </label>
        <span className="spacer" />
        {saved && <span className="duty-saved">{t('duty.saved')}</span>}
        <button className="primary" onClick={() => void save()} disabled={!text.trim()} data-testid="duty-entry-save">
          {t('duty.save')} <kbd>Ctrl+Enter</kbd>
        </button>
      </div>
      <Banner error={error} />
    </section>
  );
}

function toBase64(f: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).split(',')[1] ?? '');
    r.onerror = () => reject(r.error);
    r.readAsDataURL(f);
  });
}

/** A line of the timeline or search results: time, kind, category, tower, text, who. */
function describe(r: DutyRecord, lang: 'zh-CN' | 'en'): { at: number; kind: string; cat: string; tower: string; text: string; who: string } {
  const x = d(r);
  const at = Number(x.at ?? x.openedAt ?? x.handedAt ?? x.issuedAt ?? 0);
  const kind = KIND_LABEL[r.kind]?.[lang] ?? r.kind;
  if (r.kind === 'attendance') return { at, kind, cat: '', tower: '', text: `${String(x.person)} ${x.action === 'on' ? (lang === 'zh-CN' ? '上岗' : 'signed on') : lang === 'zh-CN' ? '离岗' : 'signed off'}`, who: String(x.person) };
  if (r.kind === 'handover') return { at, kind, cat: '', tower: '', text: `${String(x.from)} → ${String(x.to)}：${String(x.summary)}`, who: String(x.from) };
  if (r.kind === 'item') return { at, kind, cat: '', tower: String(x.tower ?? ''), text: `${String(x.text)}${x.status === 'closed' ? ` ✓ ${String(x.closedBy)}` : ''}`, who: String(x.openedBy) };
  if (r.kind === 'notice') return { at, kind, cat: '', tower: '', text: `${String(x.title)} ${String(x.text)}`, who: String(x.issuer) };
  return { at, kind, cat: CATEGORY_LABEL[x.category as EntryCategory]?.[lang] ?? '', tower: String(x.tower ?? ''), text: String(x.text), who: String(x.author) };
}

function Timeline({ overview }: { overview: DutyOverview }) {
  const t = useT();
  const lang = useAppStore((s) => s.lang);
  const tz = useAppStore((s) => s.site?.timeZone);
  const [rows] = useDuty(() => host().call('duty:timeline', overview.shift), [overview.shift.date, overview.shift.slot]);
  return (
    <section className="duty-timeline" data-testid="duty-timeline">
      <h3>{t('duty.timeline')}</h3>
      {rows && rows.length === 0 && <p className="muted">{t('duty.noEntries')}</p>}
      <ol>
        {[...(rows ?? [])].reverse().map((r) => {
          const x = describe(r, lang);
          const cat = r.kind === 'entry' ? String(d(r).category) : r.kind;
          return (
            <li key={r.id} className={`tl-${cat}`} data-testid="duty-timeline-row">
              <time>{formatTime(x.at, lang, tz)}</time>
              <span className="tl-kind">{x.cat || x.kind}</span>
              {x.tower && <span className="tl-tower">{x.tower}</span>}
              <span className="tl-text">{x.text}</span>
              <Attachments record={r} />
              <span className="tl-who">{x.who}</span>
            </li>
          );
        })}
      </ol>
    </section>
  );
}

function Attachments({ record }: { record: DutyRecord }) {
  const refs = record.kind === 'entry' ? (d(record).attachments as { id: string; name: string; mime: string }[]) : [];
  const open = async (id: string) => {
    const a = await host().call('duty:attachment', { id });
    download(a.name, a.mime, Uint8Array.from(atob(a.dataBase64), (c) => c.charCodeAt(0)));
  };
  return (
    <>
      {refs.map((a) => (
        <button key={a.id} className="tl-file" onClick={() => void open(a.id)}>
          📎 {a.name}
        </button>
      ))}
    </>
  );
}

function download(name: string, mime: string, data: BlobPart) {
  const url = URL.createObjectURL(new Blob([data], { type: mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function OpenItems({ items, canEdit }: { items: DutyRecord[]; canEdit: boolean }) {
  const t = useT();
  const lang = useAppStore((s) => s.lang);
  const tz = useAppStore((s) => s.site?.timeZone);
  const [text, setText] = useState('');
  const [error, run] = useAction();
  return (
    <aside className="duty-items" data-testid="duty-open-items">
      <h3>
        {t('duty.openItems')} <span className="count">{items.length}</span>
      </h3>
      {items.length === 0 && <p className="muted">{t('duty.noOpenItems')}</p>}
      <ul>
        {items.map((i) => (
          <li key={i.id}>
            <span className="item-text">{String(d(i).text)}</span>
            <span className="muted">
              {String(d(i).openedBy)} · {formatTime(Number(d(i).openedAt), lang, tz, true)}
            </span>
            {canEdit && <button onClick={() => void run('duty:itemClose', { id: i.id })}>{t('duty.closeItem')}</button>}
          </li>
        ))}
      </ul>
      {canEdit && (
        <form
          className="duty-item-add"
          onSubmit={(e) => {
            e.preventDefault();
            if (text.trim()) void run('duty:itemOpen', { text }).then((r) => r && setText(''));
          }}
        >
          <input value={text} onChange={(e) => setText(e.target.value)} placeholder={t('duty.addItem')} data-testid="duty-item-text" />
          <button type="submit">{t('duty.addItem')}</button>
        </form>
      )}
      <Banner error={error} />
    </aside>
  );
}

function HandoverView() {
  const t = useT();
  const lang = useAppStore((s) => s.lang);
  const tz = useAppStore((s) => s.site?.timeZone);
  const canEdit = useCan('duty.edit');
  const [ov] = useDuty(() => host().call('duty:overview', {}), []);
  const from = new Date(Date.parse(`${today()}T00:00:00Z`) - 6 * 86400_000).toISOString().slice(0, 10);
  const [recent] = useDuty(() => host().call('duty:handovers', { from, to: today() }), []);
  const [to, setTo] = useState('');
  const [summary, setSummary] = useState('');
  const [error, run] = useAction();
  return (
    <div className="duty-handover" data-testid="duty-handover">
      <Banner error={error} />
      {ov && ov.pendingHandovers.length > 0 && (
        <section className="duty-card warn">
          <h3>{t('duty.pendingHandovers')}</h3>
          {ov.pendingHandovers.map((h) => (
            <div key={h.id} className="duty-handover-item">
              <div>
                <b>
                  {String(d(h).from)} · {shiftLabel(Number(d(h).slot), lang)}
                </b>{' '}
                {formatTime(Number(d(h).handedAt), lang, tz, true)}
              </div>
              <p>{String(d(h).summary)}</p>
              <ul>
                {(d(h).items as string[]).map((id) => {
                  const it = ov.openItems.find((x) => x.id === id);
                  return <li key={id}>{it ? String(d(it).text) : id}</li>;
                })}
              </ul>
              {canEdit && (
                <button className="primary" onClick={() => void run('duty:handoverAck', { id: h.id })} data-testid="duty-ack">
                  {t('duty.ack')}
                </button>
              )}
            </div>
          ))}
        </section>
      )}
      {canEdit && ov && (
        <section className="duty-card">
          <h3>
            {t('duty.handOver')} · {ov.shift.date} {shiftLabel(ov.shift.slot, lang)}
          </h3>
          <label>
            {t('duty.handTo')} <input value={to} onChange={(e) => setTo(e.target.value)} data-testid="duty-hand-to" />
          </label>
          <textarea value={summary} onChange={(e) => setSummary(e.target.value)} placeholder={t('duty.summary')} rows={4} data-testid="duty-hand-summary" />
          <p className="muted">{t('duty.carried', { n: ov.openItems.length })}</p>
          <button className="primary" disabled={!to.trim()} onClick={() => void run('duty:handoverCreate', { to, summary }).then((r) => r && (setTo(''), setSummary('')))} data-testid="duty-hand-submit">
            {t('duty.handOver')}
          </button>
        </section>
      )}
      <section className="duty-card">
        <h3>{t('duty.recentHandovers')}</h3>
        <table className="duty-table">
          <tbody>
            {[...(recent ?? [])].reverse().map((h) => (
              <tr key={h.id}>
                <td>{String(d(h).date)}</td>
                <td>{shiftLabel(Number(d(h).slot), lang)}</td>
                <td>
                  {String(d(h).from)} → {String(d(h).to)}
                </td>
                <td>{String(d(h).summary)}</td>
                <td className={d(h).acknowledgedAt ? 'ok' : 'warn'}>{d(h).acknowledgedAt ? t('duty.acknowledged', { who: String(d(h).acknowledgedBy) }) : t('duty.unacknowledged')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}

function CheckView() {
  const t = useT();
  const lang = useAppStore((s) => s.lang);
  const tz = useAppStore((s) => s.site?.timeZone);
  const canEdit = useCan('duty.edit');
  const [check, loadError, reload] = useDuty(() => host().call('duty:check', {}), []);
  const [marks, setMarks] = useState<Record<string, { result: 'ok' | 'fault'; note: string }>>({});
  const [error, run] = useAction();
  if (!check) return <Banner error={loadError} />;
  const data = d(check);
  const confirmed = data.confirmedAt !== null;
  const lines = Object.entries(data).filter(([k]) => k.startsWith('line:')) as [string, CheckLine][];
  const groups = ['picture', 'network', 'ptz', 'server'] as const;
  const mark = (k: string, line: CheckLine) => marks[k] ?? (line.result ? { result: line.result, note: line.note } : line.auto !== 'unknown' ? { result: line.auto, note: line.note } : undefined);
  const faults = lines.filter(([k, l]) => mark(k, l)?.result === 'fault').length;
  return (
    <div className="duty-check" data-testid="duty-check">
      <Banner error={error ?? loadError} />
      <header className="duty-check-head">
        <h3>{t('duty.checkFor', { date: String(data.date), shift: shiftLabel(Number(data.slot), lang) })}</h3>
        <span className={faults ? 'warn' : 'ok'}>
          {t('duty.fault')} {faults} / {lines.length}
        </span>
        {confirmed ? (
          <span className="ok" data-testid="duty-check-confirmed">
            {t('duty.confirmedBy', { who: String(data.by), time: formatTime(Number(data.confirmedAt), lang, tz) })}
          </span>
        ) : (
          canEdit && (
            <>
              <button onClick={reload}>{t('duty.refresh')}</button>
              <button
                className="primary"
                data-testid="duty-check-confirm"
                onClick={() => void run('duty:checkConfirm', { id: check.id, lines: marks }).then((r) => r && (setMarks({}), reload()))}
              >
                {t('duty.confirm')}
              </button>
            </>
          )
        )}
      </header>
      <div className="duty-check-groups">
        {groups.map((g) => (
          <section key={g} className="duty-card">
            <h4>{t(`duty.group.${g}`)}</h4>
            <table className="duty-table">
              <tbody>
                {lines
                  .filter(([, l]) => l.group === g)
                  .map(([k, l]) => {
                    const m = mark(k, l);
                    return (
                      <tr key={k} data-testid="duty-check-line" data-auto={l.auto}>
                        <td>{l.label}</td>
                        <td className={l.auto === 'ok' ? 'ok' : l.auto === 'fault' ? 'bad' : 'warn'} title={l.detail}>
                          {t(`duty.${l.auto}`)}
                          <span className="muted"> {l.detail}</span>
                        </td>
                        <td className="duty-marks">
                          {(['ok', 'fault'] as const).map((res) => (
                            <button
                              key={res}
                              disabled={confirmed || !canEdit}
                              className={m?.result === res ? `active ${res}` : ''}
                              onClick={() => setMarks({ ...marks, [k]: { result: res, note: m?.note ?? '' } })}
                            >
                              {t(`duty.${res}`)}
                            </button>
                          ))}
                        </td>
                        <td>
                          <input
                            value={m?.note ?? l.note}
                            disabled={confirmed || !canEdit}
                            placeholder={t('duty.note')}
                            onChange={(e) => setMarks({ ...marks, [k]: { result: m?.result ?? 'ok', note: e.target.value } })}
                          />
                        </td>
                      </tr>
                    );
                  })}
              </tbody>
            </table>
          </section>
        ))}
      </div>
    </div>
  );
}

function MaintenanceView() {
  const t = useT();
  const lang = useAppStore((s) => s.lang);
  const tz = useAppStore((s) => s.site?.timeZone);
  const canEdit = useCan('duty.edit');
  const [period, setPeriod] = useState<MaintenancePeriod>('weekly');
  const [list, loadError] = useDuty(() => host().call('duty:maintenance', { period }), [period]);
  const [error, run] = useAction();
  return (
    <div className="duty-maint" data-testid="duty-maintenance">
      <nav className="duty-subtabs">
        {(['weekly', 'monthly', 'quarterly'] as const).map((p) => (
          <button key={p} className={p === period ? 'active' : ''} onClick={() => setPeriod(p)}>
            {t(`duty.period.${p}`)}
          </button>
        ))}
      </nav>
      <Banner error={error ?? loadError} />
      {list && (
        <section className="duty-card">
          <h3>
            {String(d(list).title)} · {String(d(list).periodKey)}
          </h3>
          <ul className="duty-tasks">
            {(Object.entries(d(list)).filter(([k]) => k.startsWith('task:')) as [string, MaintenanceTask][]).map(([k, task]) => (
              <li key={k} className={task.done ? 'done' : ''}>
                <label>
                  <input type="checkbox" checked={task.done} disabled={!canEdit} onChange={(e) => void run('duty:maintenanceTick', { id: list.id, task: k, done: e.target.checked, note: task.note })} />
                  {task.label}
                </label>
                <span className="muted">{task.done && task.at ? t('duty.doneBy', { who: task.by, time: formatTime(task.at, lang, tz, true) }) : ''}</span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

function RosterView() {
  const t = useT();
  const lang = useAppStore((s) => s.lang);
  const canPlan = useCan('duty.approve');
  const days = Array.from({ length: 7 }, (_, i) => new Date(Date.parse(`${today()}T00:00:00Z`) + i * 86400_000).toISOString().slice(0, 10));
  const [rows, loadError] = useDuty(() => host().call('duty:roster', { from: days[0]!, to: days[6]! }), [days[0]]);
  const [edits, setEdits] = useState<Record<string, { operator: string; leader: string }>>({});
  const [error, run] = useAction();
  const cell = (date: string, slot: number) => {
    const key = `${date}/${slot}`;
    const r = rows?.find((x) => d(x).date === date && d(x).slot === slot);
    return edits[key] ?? { operator: r ? String(d(r).operator) : '', leader: r ? String(d(r).leader) : '' };
  };
  const save = async () => {
    for (const [key, v] of Object.entries(edits)) {
      const [date, slot] = key.split('/');
      await run('duty:rosterSet', { date: date!, slot: Number(slot), operator: v.operator, leader: v.leader });
    }
    setEdits({});
  };
  return (
    <div className="duty-roster" data-testid="duty-roster">
      <Banner error={error ?? loadError} />
      <table className="duty-table">
        <thead>
          <tr>
            <th />
            {[2, 0, 1].map((s) => (
              <th key={s}>{shiftLabel(s, lang)}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {days.map((date) => (
            <tr key={date}>
              <td>{date}</td>
              {[2, 0, 1].map((slot) => {
                const v = cell(date, slot);
                const set = (patch: Partial<typeof v>) => setEdits({ ...edits, [`${date}/${slot}`]: { ...v, ...patch } });
                return (
                  <td key={slot} className="duty-roster-cell">
                    <input value={v.operator} disabled={!canPlan} placeholder={t('duty.operator')} onChange={(e) => set({ operator: e.target.value })} />
                    <input value={v.leader} disabled={!canPlan} placeholder={t('duty.leader')} onChange={(e) => set({ leader: e.target.value })} />
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      {canPlan && (
        <button className="primary" disabled={Object.keys(edits).length === 0} onClick={() => void save()}>
          {t('duty.rosterSave')}
        </button>
      )}
    </div>
  );
}

function SearchView() {
  const t = useT();
  const lang = useAppStore((s) => s.lang);
  const tz = useAppStore((s) => s.site?.timeZone);
  const towers = useAppStore((s) => s.site?.towers ?? []);
  const [q, setQ] = useState({ text: '', from: '', to: '', category: '', tower: '' });
  const [rows, setRows] = useState<DutyRecord[] | null>(null);
  const [error, run] = useAction();
  const find = async () => {
    const args = Object.fromEntries(Object.entries(q).filter(([, v]) => v)) as HostApi['duty:search']['args'];
    const r = await run('duty:search', args);
    if (r) setRows(r);
  };
  const field = (k: keyof typeof q) => ({ value: q[k], onChange: (e: { target: { value: string } }) => setQ({ ...q, [k]: e.target.value }) });
  return (
    <div className="duty-search" data-testid="duty-search">
      <form
        className="duty-search-form"
        onSubmit={(e) => {
          e.preventDefault();
          void find();
        }}
      >
        <input {...field('text')} placeholder={t('duty.text')} data-testid="duty-search-text" autoFocus />
        <label>
          {t('duty.from')} <input type="date" {...field('from')} />
        </label>
        <label>
          {t('duty.to')} <input type="date" {...field('to')} />
        </label>
        <select {...field('category')} aria-label={t('duty.category')}>
          <option value="">{t('duty.allCategories')}</option>
          {ENTRY_CATEGORIES.map((c) => (
            <option key={c} value={c}>
              {CATEGORY_LABEL[c][lang]}
            </option>
          ))}
        </select>
        <select {...field('tower')} aria-label={t('duty.tower')}>
          <option value="">{t('duty.tower')}</option>
          {towers.map((tw) => (
            <option key={tw.id} value={tw.name}>
              {tw.name}
            </option>
          ))}
        </select>
        <button type="submit" className="primary" data-testid="duty-search-go">
          {t('duty.find')}
        </button>
      </form>
      <Banner error={error} />
      {rows && (
        <>
          <p className="muted" data-testid="duty-search-count">
            {t('duty.results', { n: rows.length })}
          </p>
          <table className="duty-table">
            <thead>
              <tr>
                <th>{t('duty.time')}</th>
                <th>{t('duty.kind')}</th>
                <th>{t('duty.category')}</th>
                <th>{t('duty.tower')}</th>
                <th>{t('duty.content')}</th>
                <th>{t('duty.author')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => {
                const x = describe(r, lang);
                return (
                  <tr key={r.id} data-testid="duty-search-row">
                    <td>{formatTime(x.at, lang, tz, true)}</td>
                    <td>{x.kind}</td>
                    <td>{x.cat}</td>
                    <td>{x.tower}</td>
                    <td>{x.text}</td>
                    <td>{x.who}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}

function ReportsView() {
  const t = useT();
  const canExport = useCan('export');
  const canBackup = useCan('duty.approve');
  const [kind, setKind] = useState<ReportKind>('daily');
  const [date, setDate] = useState(today());
  const [report, setReport] = useState<{ title: string; html: string } | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [error, run] = useAction();
  const frame = useRef<HTMLIFrameElement>(null);
  const show = async () => setReport((await run('duty:report', { kind, date })) ?? null);
  useEffect(() => {
    void show();
  }, [kind, date]);
  const pdf = async () => {
    const r = await run('duty:reportPdf', { kind, date });
    if (r) download(r.file.split('/').at(-1) ?? 'report.pdf', 'application/pdf', Uint8Array.from(atob(r.dataBase64), (c) => c.charCodeAt(0)));
  };
  const csv = async () => {
    const from = kind === 'daily' ? date : new Date(Date.parse(`${date}T00:00:00Z`) - (kind === 'weekly' ? 6 : 30) * 86400_000).toISOString().slice(0, 10);
    const r = await run('duty:exportCsv', { from, to: date });
    if (r) download(r.name, 'text/csv;charset=utf-8', r.csv);
  };
  return (
    <div className="duty-reports" data-testid="duty-reports">
      <div className="duty-report-bar">
        {(['daily', 'weekly', 'monthly'] as const).map((k) => (
          <button key={k} className={k === kind ? 'active' : ''} onClick={() => setKind(k)}>
            {t(`duty.report.${k}`)}
          </button>
        ))}
        <input type="date" value={date} onChange={(e) => setDate(e.target.value)} />
        <button onClick={() => frame.current?.contentWindow?.print()} disabled={!report} data-testid="duty-print">
          {t('duty.print')}
        </button>
        {canExport && (
          <>
            <button onClick={() => void pdf()} data-testid="duty-pdf">
              {t('duty.pdf')}
            </button>
            <button onClick={() => void csv()} data-testid="duty-csv">
              {t('duty.csv')}
            </button>
          </>
        )}
        {canBackup && (
          <button onClick={() => void run('duty:backupNow', {}).then((b) => b && setNote(t('duty.backupDone', { file: b.file })))}>{t('duty.backup')}</button>
        )}
        {note && <span className="muted">{note}</span>}
      </div>
      <Banner error={error} />
      {report && <iframe ref={frame} className="duty-report-frame" title={report.title} srcDoc={report.html} data-testid="duty-report-frame" />}
    </div>
  );
}

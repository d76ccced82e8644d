import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ROLE_LABEL, ROLES, type Role } from '../../common/auth';
import type { AuditRecord, DeviceKind, DeviceView, UserView } from '../../common/contract';
import { host, hostAddr } from '../app/connection';
import { useAppStore } from '../app/store';
import { authErrorText, useCan } from '../auth/session';
import { useT } from '../i18n';

/**
 * Administration: accounts (create, role, disable, reset password), device tokens for touch
 * controllers and wall PCs on the LAN (issue, revoke), and the audit trail (search, verify, export).
 * The host checks every action; this screen only offers what the person's role allows.
 */
export function AdminWorkspace() {
  const t = useT();
  const canUsers = useCan('users.manage');
  const canAudit = useCan('audit.read');
  const [tab, setTab] = useState<'users' | 'devices' | 'audit'>(canUsers ? 'users' : 'audit');
  return (
    <div className="admin" data-testid="admin-workspace">
      <nav className="admin-tabs" role="tablist">
        {canUsers && (
          <>
            <button role="tab" className={tab === 'users' ? 'active' : ''} onClick={() => setTab('users')} data-testid="admin-tab-users">
              {t('admin.users')}
            </button>
            <button role="tab" className={tab === 'devices' ? 'active' : ''} onClick={() => setTab('devices')} data-testid="admin-tab-devices">
              {t('admin.devices')}
            </button>
          </>
        )}
        {canAudit && (
          <button role="tab" className={tab === 'audit' ? 'active' : ''} onClick={() => setTab('audit')} data-testid="admin-tab-audit">
            {t('admin.audit')}
          </button>
        )}
      </nav>
      {tab === 'users' && canUsers && <Users />}
      {tab === 'devices' && canUsers && <Devices />}
      {tab === 'audit' && canAudit && <Audit />}
    </div>
  );
}

function useError(): [string | null, (e: unknown) => void, () => void] {
  const lang = useAppStore((s) => s.lang);
  const [error, setError] = useState<string | null>(null);
  return [error, (e) => setError(e instanceof Error && !('error' in e) ? e.message : authErrorText(lang, e)), () => setError(null)];
}

function roleText(lang: 'zh-CN' | 'en', role: Role): string {
  return ROLE_LABEL[role][lang];
}

/** A time as the room reads it: in the site's time zone, whatever the console machine is set to. */
function when(lang: string, ms: number | null): string {
  const timeZone = useAppStore.getState().site?.timeZone ?? 'Asia/Shanghai';
  return ms === null ? '—' : new Date(ms).toLocaleString(lang, { hour12: false, timeZone });
}

function Users() {
  const t = useT();
  const lang = useAppStore((s) => s.lang);
  const me = useAppStore((s) => s.session?.user.username);
  const [users, setUsers] = useState<UserView[]>([]);
  const [error, fail, clear] = useError();
  const [draft, setDraft] = useState({ username: '', displayName: '', role: 'operator' as Role, password: '' });
  const load = useCallback(() => {
    host().call('user:list', {}).then(setUsers, fail);
  }, [fail]);
  useEffect(load, []);
  const act = (p: Promise<unknown>) => {
    clear();
    p.then(load, fail);
  };
  const create = (e: FormEvent) => {
    e.preventDefault();
    act(host().call('user:create', draft).then(() => setDraft({ username: '', displayName: '', role: 'operator', password: '' })));
  };
  return (
    <section className="admin-section">
      <table className="admin-table" data-testid="user-table">
        <thead>
          <tr>
            <th>{t('auth.username')}</th>
            <th>{t('auth.displayName')}</th>
            <th>{t('admin.role')}</th>
            <th>{t('admin.state')}</th>
            <th>{t('admin.lastSignIn')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.username} data-testid={`user-${u.username}`}>
              <td>{u.username}</td>
              <td>{u.displayName}</td>
              <td>
                <select value={u.role} onChange={(e) => act(host().call('user:update', { username: u.username, role: e.target.value as Role }))} data-testid={`user-role-${u.username}`}>
                  {ROLES.map((r) => (
                    <option key={r} value={r}>
                      {roleText(lang, r)}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                {u.disabled ? t('admin.disabled') : u.lockedUntil ? t('admin.lockedUntil', { time: when(lang, u.lockedUntil) }) : u.mustChangePassword ? t('admin.mustChange') : t('admin.active')}
              </td>
              <td>{when(lang, u.lastSignInAt)}</td>
              <td className="admin-actions">
                {u.username !== me && (
                  <button onClick={() => act(host().call('user:update', { username: u.username, disabled: !u.disabled }))} data-testid={`user-toggle-${u.username}`}>
                    {u.disabled ? t('admin.enable') : t('admin.disable')}
                  </button>
                )}
                <button
                  onClick={() => {
                    const pw = window.prompt(t('admin.resetPrompt', { name: u.displayName }));
                    if (pw) act(host().call('user:resetPassword', { username: u.username, password: pw }));
                  }}
                >
                  {t('admin.resetPassword')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="admin-form" onSubmit={create} data-testid="user-create-form">
        <h3>{t('admin.newUser')}</h3>
        <input placeholder={t('auth.username')} value={draft.username} onChange={(e) => setDraft({ ...draft, username: e.target.value })} data-testid="new-user-name" />
        <input placeholder={t('auth.displayName')} value={draft.displayName} onChange={(e) => setDraft({ ...draft, displayName: e.target.value })} data-testid="new-user-display" />
        <select value={draft.role} onChange={(e) => setDraft({ ...draft, role: e.target.value as Role })} data-testid="new-user-role">
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {roleText(lang, r)}
            </option>
          ))}
        </select>
        <input type="password" placeholder={t('admin.tempPassword')} value={draft.password} onChange={(e) => setDraft({ ...draft, password: e.target.value })} data-testid="new-user-password" autoComplete="new-password" />
        <button type="submit" className="primary" disabled={!draft.username || !draft.displayName || !draft.password} data-testid="new-user-submit">
          {t('admin.create')}
        </button>
        <p className="auth-note">{t('admin.tempNote')}</p>
      </form>
      {error && <div className="auth-error" role="alert" data-testid="admin-error">{error}</div>}
    </section>
  );
}

function Devices() {
  const t = useT();
  const lang = useAppStore((s) => s.lang);
  const [devices, setDevices] = useState<DeviceView[]>([]);
  const [issued, setIssued] = useState<{ name: string; token: string } | null>(null);
  const [draft, setDraft] = useState<{ name: string; kind: DeviceKind }>({ name: '', kind: 'touch' });
  const [error, fail, clear] = useError();
  const load = useCallback(() => {
    host().call('device:list', {}).then(setDevices, fail);
  }, [fail]);
  useEffect(load, []);
  const issue = (e: FormEvent) => {
    e.preventDefault();
    clear();
    host()
      .call('device:issue', draft)
      .then((r) => {
        setIssued({ name: r.device.name, token: r.token });
        setDraft({ name: '', kind: draft.kind });
        load();
      }, fail);
  };
  return (
    <section className="admin-section">
      {issued && (
        <div className="admin-issued" data-testid="device-issued">
          <p>{t('admin.tokenOnce', { name: issued.name })}</p>
          <code data-testid="device-token">{issued.token}</code>
          <p className="auth-note">{t('admin.tokenUrl')}</p>
          <code>{`${hostAddr().httpBase}/touch?token=${issued.token}`}</code>
          <button onClick={() => setIssued(null)}>{t('admin.done')}</button>
        </div>
      )}
      <table className="admin-table" data-testid="device-table">
        <thead>
          <tr>
            <th>{t('admin.deviceName')}</th>
            <th>{t('admin.deviceKind')}</th>
            <th>{t('admin.issuedBy')}</th>
            <th>{t('admin.lastSeen')}</th>
            <th>{t('admin.state')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {devices.map((d) => (
            <tr key={d.id} data-testid={`device-${d.id}`}>
              <td>{d.name}</td>
              <td>{t(`admin.kind.${d.kind}`)}</td>
              <td>
                {d.createdBy} · {when(lang, d.createdAt)}
              </td>
              <td>{when(lang, d.lastSeenAt)}</td>
              <td>{d.revokedAt ? t('admin.revokedAt', { time: when(lang, d.revokedAt) }) : t('admin.active')}</td>
              <td>
                {!d.revokedAt && (
                  <button
                    onClick={() => {
                      clear();
                      host().call('device:revoke', { id: d.id }).then(load, fail);
                    }}
                    data-testid={`device-revoke-${d.id}`}
                  >
                    {t('admin.revoke')}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="admin-form" onSubmit={issue}>
        <h3>{t('admin.newDevice')}</h3>
        <input placeholder={t('admin.deviceName')} value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} data-testid="new-device-name" />
        <select value={draft.kind} onChange={(e) => setDraft({ ...draft, kind: e.target.value as DeviceKind })}>
          {(['touch', 'console', 'decoder', 'display'] as const).map((k) => (
            <option key={k} value={k}>
              {t(`admin.kind.${k}`)}
            </option>
          ))}
        </select>
        <button type="submit" className="primary" disabled={!draft.name} data-testid="new-device-submit">
          {t('admin.issue')}
        </button>
      </form>
      {error && <div className="auth-error" role="alert">{error}</div>}
    </section>
  );
}

const PAGE = 100;

function Audit() {
  const t = useT();
  const lang = useAppStore((s) => s.lang);
  const canExport = useCan('audit.export');
  const [rows, setRows] = useState<AuditRecord[]>([]);
  const [total, setTotal] = useState(0);
  const [offset, setOffset] = useState(0);
  const [filter, setFilter] = useState({ actor: '', action: '', text: '', outcome: '' as '' | 'ok' | 'denied' | 'failed' });
  const [verdict, setVerdict] = useState<string | null>(null);
  const [error, fail, clear] = useError();
  const query = useCallback(() => {
    const q = {
      ...(filter.actor ? { actor: filter.actor } : {}),
      ...(filter.action ? { action: filter.action } : {}),
      ...(filter.text ? { text: filter.text } : {}),
      ...(filter.outcome ? { outcome: filter.outcome } : {}),
    };
    return q;
  }, [filter]);
  const load = useCallback(() => {
    clear();
    host()
      .call('audit:query', { ...query(), limit: PAGE, offset })
      .then((r) => {
        setRows(r.rows);
        setTotal(r.total);
      }, fail);
  }, [query, offset, clear, fail]);
  useEffect(load, [offset]);
  return (
    <section className="admin-section">
      <form
        className="admin-form inline"
        onSubmit={(e) => {
          e.preventDefault();
          if (offset === 0) load();
          else setOffset(0);
        }}
      >
        <input placeholder={t('admin.auditActor')} value={filter.actor} onChange={(e) => setFilter({ ...filter, actor: e.target.value })} data-testid="audit-actor" />
        <input placeholder={t('admin.auditAction')} value={filter.action} onChange={(e) => setFilter({ ...filter, action: e.target.value })} data-testid="audit-action" />
        <input placeholder={t('admin.auditText')} value={filter.text} onChange={(e) => setFilter({ ...filter, text: e.target.value })} />
        <select value={filter.outcome} onChange={(e) => setFilter({ ...filter, outcome: e.target.value as typeof filter.outcome })} data-testid="audit-outcome">
          <option value="">{t('admin.outcome.all')}</option>
          <option value="ok">{t('admin.outcome.ok')}</option>
          <option value="denied">{t('admin.outcome.denied')}</option>
          <option value="failed">{t('admin.outcome.failed')}</option>
        </select>
        <button type="submit" className="primary" data-testid="audit-search">
          {t('admin.search')}
        </button>
        {canExport && (
          <>
            <button
              type="button"
              onClick={() => {
                clear();
                host()
                  .call('audit:verify', {})
                  .then((v) => setVerdict(v.ok ? t('admin.chainOk', { n: v.checked }) : t('admin.chainBad', { reason: v.firstBad?.reason ?? '' })), fail);
              }}
              data-testid="audit-verify"
            >
              {t('admin.verify')}
            </button>
            <button
              type="button"
              onClick={() => {
                clear();
                host()
                  .call('audit:export', query())
                  .then((r) => {
                    window.location.href = `${hostAddr().httpBase}${r.url}?token=${encodeURIComponent(hostAddr().token)}`;
                  }, fail);
              }}
              data-testid="audit-export"
            >
              {t('admin.export')}
            </button>
          </>
        )}
      </form>
      {verdict && (
        <div className="admin-verdict" data-testid="audit-verdict">
          {verdict}
        </div>
      )}
      <table className="admin-table audit" data-testid="audit-table">
        <thead>
          <tr>
            <th>#</th>
            <th>{t('admin.time')}</th>
            <th>{t('admin.actor')}</th>
            <th>{t('admin.action')}</th>
            <th>{t('admin.target')}</th>
            <th>{t('admin.outcome')}</th>
            <th>{t('admin.detail')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.seq} className={`outcome-${r.outcome}`} data-testid="audit-row">
              <td>{r.seq}</td>
              <td>{when(lang, r.at)}</td>
              <td title={r.source}>
                {r.actor}
                {r.role && <span className="muted"> · {ROLE_LABEL[r.role as Role]?.[lang] ?? r.role}</span>}
              </td>
              <td>{r.action}</td>
              <td>{r.target}</td>
              <td>{t(`admin.outcome.${r.outcome}`)}</td>
              <td className="detail">{r.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="admin-pager">
        <button disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
          ‹
        </button>
        <span data-testid="audit-total">{t('admin.range', { from: total ? offset + 1 : 0, to: Math.min(total, offset + PAGE), total })}</span>
        <button disabled={offset + PAGE >= total} onClick={() => setOffset(offset + PAGE)}>
          ›
        </button>
      </div>
      {error && <div className="auth-error" role="alert">{error}</div>}
    </section>
  );
}

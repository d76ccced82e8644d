import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { passwordClasses } from '../../common/auth';
import { useAppStore } from '../app/store';
import { useT } from '../i18n';
import { authErrorText, changePassword, reportActivity, setupAdmin, signIn, unlock } from './session';

/**
 * Nothing of the console shows until a person is signed in. First start: create the administrator.
 * An idle session locks: the console stays underneath (video keeps playing, the wall keeps running)
 * but is covered until the same person enters the password.
 */
export function AuthGate({ children, touch = false }: { children: ReactNode; touch?: boolean }) {
  const auth = useAppStore((s) => s.auth);
  const session = useAppStore((s) => s.session);
  useEffect(() => {
    const events = ['pointerdown', 'keydown', 'wheel', 'touchstart'] as const;
    for (const e of events) window.addEventListener(e, reportActivity, { passive: true, capture: true });
    return () => {
      for (const e of events) window.removeEventListener(e, reportActivity, { capture: true });
    };
  }, []);
  if (!auth) return <AuthScreen touch={touch} title="auth.connecting" />;
  if (auth.setupRequired) return <SetupScreen touch={touch} />;
  if (auth.state === 'signedOut' || !session) return <SignInScreen touch={touch} />;
  if (session.mustChangePassword) return <ChangePasswordScreen touch={touch} forced />;
  return (
    <>
      {children}
      {auth.state === 'locked' && <LockScreen />}
    </>
  );
}

function AuthScreen({ title, touch, children }: { title: Parameters<ReturnType<typeof useT>>[0]; touch: boolean; children?: ReactNode }) {
  const t = useT();
  const site = useAppStore((s) => s.auth);
  return (
    <div className={`auth-screen${touch ? ' touch' : ''}`} data-testid="auth-screen">
      <div className="auth-card">
        <div className="auth-brand">{t('app.title')}</div>
        <h2>{t(title)}</h2>
        {children}
        {site && <div className="auth-device">{t('auth.device', { name: site.device.name })}</div>}
      </div>
    </div>
  );
}

/** Checks a new password against the host's policy before sending it, in the operator's language. */
function usePolicyCheck(): (pw: string, username: string) => string | null {
  const t = useT();
  const policy = useAppStore((s) => s.auth?.policy);
  return (pw, username) => {
    if (!policy) return null;
    if ([...pw].length < policy.minLength) return t('auth.policy.length', { n: policy.minLength });
    if (passwordClasses(pw) < policy.minClasses) return t('auth.policy.classes', { n: policy.minClasses });
    if (username && pw.toLowerCase().includes(username.toLowerCase())) return t('auth.policy.name');
    return null;
  };
}

function useSubmit(): { busy: boolean; error: string | null; run(fn: () => Promise<void>): (e: FormEvent) => void; setError(s: string | null): void } {
  const lang = useAppStore((s) => s.lang);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return {
    busy,
    error,
    setError,
    run: (fn) => (e) => {
      e.preventDefault();
      setBusy(true);
      setError(null);
      fn()
        .catch((err: unknown) => setError(authErrorText(lang, err)))
        .finally(() => setBusy(false));
    },
  };
}

function Field({ label, testId, type = 'text', value, onChange, autoFocus, autoComplete }: { label: string; testId: string; type?: string; value: string; onChange(v: string): void; autoFocus?: boolean; autoComplete?: string }) {
  return (
    <label className="auth-field">
      <span>{label}</span>
      <input data-testid={testId} type={type} value={value} onChange={(e) => onChange(e.target.value)} autoFocus={autoFocus} autoComplete={autoComplete} spellCheck={false} />
    </label>
  );
}

function SignInScreen({ touch }: { touch: boolean }) {
  const t = useT();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const s = useSubmit();
  return (
    <AuthScreen touch={touch} title="auth.signIn">
      <form onSubmit={s.run(() => signIn(username.trim(), password).finally(() => setPassword('')))} data-testid="sign-in-form">
        <Field label={t('auth.username')} testId="sign-in-user" value={username} onChange={setUsername} autoFocus autoComplete="username" />
        <Field label={t('auth.password')} testId="sign-in-password" type="password" value={password} onChange={setPassword} autoComplete="current-password" />
        {s.error && <div className="auth-error" role="alert" data-testid="auth-error">{s.error}</div>}
        <button type="submit" className="primary" disabled={s.busy || !username || !password} data-testid="sign-in-submit">
          {t('auth.signInButton')}
        </button>
      </form>
    </AuthScreen>
  );
}

function SetupScreen({ touch }: { touch: boolean }) {
  const t = useT();
  const [username, setUsername] = useState('admin');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const check = usePolicyCheck();
  const s = useSubmit();
  const submit = s.run(async () => {
    const problem = password !== again ? t('auth.mismatch') : check(password, username);
    if (problem) throw new Error(problem);
    await setupAdmin(username.trim(), displayName.trim() || username.trim(), password);
  });
  return (
    <AuthScreen touch={touch} title="auth.setup">
      <p className="auth-note">{t('auth.setupNote')}</p>
      <form onSubmit={submit} data-testid="setup-form">
        <Field label={t('auth.username')} testId="setup-user" value={username} onChange={setUsername} autoComplete="username" />
        <Field label={t('auth.displayName')} testId="setup-name" value={displayName} onChange={setDisplayName} autoFocus />
        <Field label={t('auth.newPassword')} testId="setup-password" type="password" value={password} onChange={setPassword} autoComplete="new-password" />
        <Field label={t('auth.again')} testId="setup-again" type="password" value={again} onChange={setAgain} autoComplete="new-password" />
        <PolicyHint />
        {s.error && <div className="auth-error" role="alert" data-testid="auth-error">{s.error.replace(/^Error: /, '')}</div>}
        <button type="submit" className="primary" disabled={s.busy || !username || !password} data-testid="setup-submit">
          {t('auth.setupButton')}
        </button>
      </form>
    </AuthScreen>
  );
}

function PolicyHint() {
  const t = useT();
  const policy = useAppStore((s) => s.auth?.policy);
  return policy ? <p className="auth-note">{t('auth.policy.hint', { n: policy.minLength, c: policy.minClasses })}</p> : null;
}

export function ChangePasswordScreen({ touch, forced, onDone }: { touch: boolean; forced?: boolean; onDone?: () => void }) {
  const t = useT();
  const user = useAppStore((s) => s.session?.user);
  const [old, setOld] = useState('');
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const check = usePolicyCheck();
  const s = useSubmit();
  const submit = s.run(async () => {
    const problem = password !== again ? t('auth.mismatch') : password === old ? t('auth.same') : check(password, user?.username ?? '');
    if (problem) throw new Error(problem);
    await changePassword(old, password);
    onDone?.();
  });
  return (
    <AuthScreen touch={touch} title="auth.changePassword">
      {forced && <p className="auth-note">{t('auth.mustChange', { name: user?.displayName ?? '' })}</p>}
      <form onSubmit={submit} data-testid="change-password-form">
        <Field label={t('auth.oldPassword')} testId="old-password" type="password" value={old} onChange={setOld} autoFocus autoComplete="current-password" />
        <Field label={t('auth.newPassword')} testId="new-password" type="password" value={password} onChange={setPassword} autoComplete="new-password" />
        <Field label={t('auth.again')} testId="new-password-again" type="password" value={again} onChange={setAgain} autoComplete="new-password" />
        <PolicyHint />
        {s.error && <div className="auth-error" role="alert" data-testid="auth-error">{s.error.replace(/^Error: /, '')}</div>}
        <button type="submit" className="primary" disabled={s.busy || !old || !password} data-testid="change-password-submit">
          {t('auth.changeButton')}
        </button>
      </form>
    </AuthScreen>
  );
}

function LockScreen() {
  const t = useT();
  const user = useAppStore((s) => s.session?.user);
  const [password, setPassword] = useState('');
  const s = useSubmit();
  return (
    <div className="lock-screen" data-testid="lock-screen">
      <div className="auth-card">
        <h2>{t('auth.locked')}</h2>
        <p className="auth-note">{t('auth.lockedNote', { name: user?.displayName ?? '' })}</p>
        <form onSubmit={s.run(() => unlock(password).finally(() => setPassword('')))}>
          <Field label={t('auth.password')} testId="unlock-password" type="password" value={password} onChange={setPassword} autoFocus autoComplete="current-password" />
          {s.error && <div className="auth-error" role="alert">{s.error}</div>}
          <button type="submit" className="primary" disabled={s.busy || !password} data-testid="unlock-submit">
            {t('auth.unlockButton')}
          </button>
        </form>
      </div>
    </div>
  );
}

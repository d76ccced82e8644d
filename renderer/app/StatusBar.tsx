import { useEffect, useState } from 'react';
import { ROLE_LABEL } from '../../common/auth';
import { signOut } from '../auth/session';
import { SyncBadge } from '../duty/SyncBadge';
import { useT } from '../i18n';
import { useAppStore } from './store';

function useHostClock(timeZone: string | undefined): string {
  const offset = useAppStore((s) => s.clockOffsetMs);
  const lang = useAppStore((s) => s.lang);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, []);
  return new Intl.DateTimeFormat(lang, {
    timeZone: timeZone ?? 'Asia/Shanghai',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  }).format(new Date(now + offset));
}

export function StatusBar() {
  const t = useT();
  const link = useAppStore((s) => s.link);
  const info = useAppStore((s) => s.info);
  const site = useAppStore((s) => s.site);
  const lang = useAppStore((s) => s.lang);
  const transport = useAppStore((s) => s.transport);
  const clock = useHostClock(site?.timeZone);
  const user = useAppStore((s) => s.session?.user);
  return (
    <footer className="statusbar">
      <span className={`link link-${link}`} data-testid="link-state" data-state={link}>
        <span className="dot" /> {t(link === 'open' ? 'link.open' : link === 'connecting' ? 'link.connecting' : 'link.closed')}
      </span>
      {info && (
        <span className="site">
          {info.siteName}
          {info.simulated && <span className="badge">{t('app.simulated')}</span>}
        </span>
      )}
      <span className="spacer" />
      <SyncBadge />
      {user && (
        <span className="user" data-testid="user-badge" data-role={user.role}>
          {user.displayName}
          <span className="muted"> · {ROLE_LABEL[user.role][lang]}</span>
          <button className="lang" onClick={() => void signOut()} data-testid="sign-out">
            {t('auth.signOut')}
          </button>
        </span>
      )}
      <span className="clock" data-testid="clock" title={t('status.clock')}>
        {clock}
      </span>
      <button
        className={`lang${transport === 'hls' ? ' active' : ''}`}
        data-testid="transport-toggle"
        aria-pressed={transport === 'hls'}
        title={t('transport.help')}
        onClick={() => useAppStore.getState().setTransport(transport === 'hls' ? 'ws-flv' : 'hls')}
      >
        {t(transport === 'hls' ? 'transport.hls' : 'transport.live')}
      </button>
      <button className="lang" onClick={() => useAppStore.getState().setLang(lang === 'zh-CN' ? 'en' : 'zh-CN')}>
        {t('status.lang')}
      </button>
    </footer>
  );
}

import { useEffect, useState } from 'react';
import { host } from '../app/connection';
import { useAppStore } from '../app/store';
import { useT } from '../i18n';
import { formatTime } from './labels';

/** The duty sync in the status bar: state, pending and refused counts, last sync, next retry. Click: sync now. */
export function SyncBadge() {
  const t = useT();
  const s = useAppStore((st) => st.dutySync);
  const lang = useAppStore((st) => st.lang);
  const tz = useAppStore((st) => st.site?.timeZone);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!s?.retryAt) return;
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, [s?.retryAt]);
  if (!s) return null;
  const parts = [t(`sync.${s.state}`)];
  if (s.pending) parts.push(t('sync.pending', { n: s.pending }));
  if (s.rejected) parts.push(t('sync.rejected', { n: s.rejected }));
  if (s.state !== 'off' && s.lastSyncAt) parts.push(t('sync.last', { time: formatTime(s.lastSyncAt, lang, tz) }));
  if (s.retryAt && s.retryAt > now) parts.push(t('sync.retry', { s: Math.ceil((s.retryAt - now) / 1000) }));
  return (
    <button
      className={`sync-badge sync-${s.state}`}
      data-testid="sync-state"
      data-state={s.state}
      title={s.error ?? s.central ?? t('sync.off')}
      onClick={() => void host().call('duty:syncNow', {}).then((x) => useAppStore.setState({ dutySync: x }))}
    >
      <span className="dot" /> {parts.join(' · ')}
    </button>
  );
}

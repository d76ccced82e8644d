import { useEffect } from 'react';
import { CameraTree } from '../cameras/CameraTree';
import { translate, useT } from '../i18n';
import { PtzPanel } from '../ptz/PtzPanel';
import { usePtzConsole, usePtzKeys } from '../ptz/use-ptz-console';
import { TouchApp } from '../touch/TouchApp';
import { GridToolbar, VideoGrid } from '../video/VideoGrid';
import { StatusBar } from './StatusBar';
import { useAppStore } from './store';

/**
 * Which surface this page is. The host serves index.html for every path, so the route is the
 * path: `/touch` is the touch video controller, anything else the operator console.
 */
export function route(pathname: string): 'touch' | 'console' {
  return /\/touch\/?$/.test(pathname) ? 'touch' : 'console';
}

export function App() {
  const lang = useAppStore((s) => s.lang);
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = translate(lang, 'app.title');
  }, [lang]);
  return route(window.location.pathname) === 'touch' ? <TouchApp /> : <Console />;
}

function Console() {
  const t = useT();
  const panelOpen = useAppStore((s) => s.ptzPanelOpen);
  usePtzConsole();
  const keys = usePtzKeys();
  return (
    <div className={`shell${panelOpen ? ' with-ptz' : ' ptz-collapsed'}`}>
      <header className="topbar">
        <h1>{t('app.title')}</h1>
        <GridToolbar />
      </header>
      <aside className="side">
        <CameraTree />
      </aside>
      {/* The grid takes keyboard focus for PTZ keys (arrows/WASD, +/-, 1–8, Space). */}
      <main className="work" tabIndex={0} data-testid="grid-focus" aria-label={t('ptz.gridKeys')} {...keys}>
        <VideoGrid />
      </main>
      <PtzPanel />
      <StatusBar />
    </div>
  );
}

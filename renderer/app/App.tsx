import { useEffect } from 'react';
import { AdminWorkspace } from '../admin/AdminWorkspace';
import { AlertCenter } from '../alerts/AlertCenter';
import { AlertsWorkspace } from '../alerts/AlertsWorkspace';
import { AuthGate } from '../auth/AuthGate';
import { useCan } from '../auth/session';
import { CameraTree } from '../cameras/CameraTree';
import { ConferenceWorkspace } from '../conference/ConferenceWorkspace';
import { JoinPage } from '../conference/JoinPage';
import { DutyWorkspace } from '../duty/DutyWorkspace';
import { HealthWorkspace } from '../health/HealthWorkspace';
import { translate, useT } from '../i18n';
import { PtzPanel } from '../ptz/PtzPanel';
import { usePtzConsole, usePtzKeys } from '../ptz/use-ptz-console';
import { MapTabButton, MapWorkspace } from '../map/MapWorkspace';
import { TouchApp } from '../touch/TouchApp';
import { GridToolbar, VideoGrid } from '../video/VideoGrid';
import { DecoderPage } from '../wall/DecoderPage';
import { LedPage } from '../wall/LedPage';
import { WallWorkspace } from '../wall/WallWorkspace';
import { StatusBar } from './StatusBar';
// demo
import { DemoOverlay } from '../demo/DemoOverlay';
import { DemoTabButton, DemoWorkspace } from '../demo/DemoWorkspace';
import { useDemoSync } from '../demo/use-demo';
import { useAppStore } from './store';

/**
 * Which surface this page is. The host serves index.html for every path, so the route is the
 * path: `/touch` is the touch video controller, `/led` the LED strip output, anything else the operator console.
 */
export function route(pathname: string): 'touch' | 'led' | 'console' {
  if (/\/led\/?$/.test(pathname)) return 'led';
  return /\/touch\/?$/.test(pathname) ? 'touch' : 'console';
}

/**
 * `/decoder/<id>` (or `/decoder?id=<id>`): this page is the software decoder of one wall panel. The query
 * form loads under a host that resolves the renderer's relative asset paths against the page's folder.
 */
export function decoderRoute(pathname: string, search = ''): string | null {
  const m = /\/decoder\/([^/]+)\/?$/.exec(pathname);
  if (m) return decodeURIComponent(m[1]!);
  return /\/decoder\/?$/.test(pathname) ? new URLSearchParams(search).get('id') : null;
}

export function App() {
  const lang = useAppStore((s) => s.lang);
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = translate(lang, 'app.title');
  }, [lang]);
  const decoderId = decoderRoute(window.location.pathname, window.location.search);
  if (decoderId) return <DecoderPage decoderId={decoderId} />;
  // conference: a LAN participant's join link needs no sign-in (its token is the pass).
  if (/\/join\/?$/.test(window.location.pathname)) return <JoinPage />;
  const surface = route(window.location.pathname);
  if (surface === 'led') return <LedPage />;
  return surface === 'touch' ? (
    <AuthGate touch>
      <TouchApp />
    </AuthGate>
  ) : (
    <AuthGate>
      <Console />
    </AuthGate>
  );
}

function Console() {
  const t = useT();
  const panelOpen = useAppStore((s) => s.ptzPanelOpen);
  const workspace = useAppStore((s) => s.workspace);
  const setWorkspace = useAppStore((s) => s.setWorkspace);
  usePtzConsole();
  const keys = usePtzKeys();
  const canAdmin = useCan('users.manage');
  const canAudit = useCan('audit.read');
  const canDemo = useCan('demo.run');
  useDemoSync();
  return (
    <div className={`shell${panelOpen ? ' with-ptz' : ' ptz-collapsed'}`}>
      <header className="topbar">
        <h1>{t('app.title')}</h1>
        <nav className="workspace-tabs" role="tablist">
          <button role="tab" aria-selected={workspace === 'video'} className={workspace === 'video' ? 'active' : ''} onClick={() => setWorkspace('video')} data-testid="tab-video">
            {t('wall.tabVideo')}
          </button>
          <button role="tab" aria-selected={workspace === 'wall'} className={workspace === 'wall' ? 'active' : ''} onClick={() => setWorkspace('wall')} data-testid="tab-wall">
            {t('wall.tabWall')}
          </button>
          <MapTabButton />
          <button role="tab" aria-selected={workspace === 'duty'} className={workspace === 'duty' ? 'active' : ''} onClick={() => setWorkspace('duty')} data-testid="tab-duty">
            {t('duty.tab')}
          </button>
          <button role="tab" aria-selected={workspace === 'alerts'} className={workspace === 'alerts' ? 'active' : ''} onClick={() => setWorkspace('alerts')} data-testid="tab-alerts">
            {t('alert.tab')}
          </button>
          <button role="tab" aria-selected={workspace === 'health'} className={workspace === 'health' ? 'active' : ''} onClick={() => setWorkspace('health')} data-testid="tab-health">
            {t('health.tab')}
          </button>
          {canDemo && <DemoTabButton />}
          <button role="tab" aria-selected={workspace === 'conference'} className={workspace === 'conference' ? 'active' : ''} onClick={() => setWorkspace('conference')} data-testid="tab-conference">
            {t('conf.tab')}
          </button>
          {(canAdmin || canAudit) && (
            <button role="tab" aria-selected={workspace === 'admin'} className={workspace === 'admin' ? 'active' : ''} onClick={() => setWorkspace('admin')} data-testid="tab-admin">
              {t(canAdmin ? 'admin.tab' : 'admin.audit')}
            </button>
          )}
        </nav>
        {workspace === 'video' && <GridToolbar />}
      </header>
      <aside className="side">
        <CameraTree />
      </aside>
      {/* The grid takes keyboard focus for PTZ keys (arrows/WASD, +/-, 1–8, Space). */}
      {workspace === 'wall' ? (
        <main className="work">
          <WallWorkspace />
        </main>
      ) : (
        <main className="work" tabIndex={0} data-testid="grid-focus" aria-label={t('ptz.gridKeys')} {...keys}>
          <VideoGrid />
        </main>
      )}
      {/* The map covers the work area; the grid stays mounted under it so its video keeps playing. */}
      {workspace === 'map' && <MapWorkspace />}
      {workspace === 'duty' && (
        <main className="work duty-work">
          <DutyWorkspace />
        </main>
      )}
      {workspace === 'alerts' && (
        <main className="work alerts-main">
          <AlertsWorkspace />
        </main>
      )}
      {workspace === 'admin' && (
        <main className="work admin-work">
          <AdminWorkspace />
        </main>
      )}
      {workspace === 'health' && (
        <main className="work health-main">
          <HealthWorkspace />
        </main>
      )}
      {workspace === 'demo' && (
        <main className="work demo-work-main">
          <DemoWorkspace />
        </main>
      )}
      {workspace === 'conference' && (
        <main className="work conf-work">
          <ConferenceWorkspace />
        </main>
      )}
      <PtzPanel />
      <StatusBar />
      <DemoOverlay />
      <AlertCenter />
    </div>
  );
}

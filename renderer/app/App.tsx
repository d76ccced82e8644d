import { useEffect } from 'react';
import { CameraTree } from '../cameras/CameraTree';
import { translate, useT } from '../i18n';
import { GridToolbar, VideoGrid } from '../video/VideoGrid';
import { StatusBar } from './StatusBar';
import { useAppStore } from './store';

export function App() {
  const t = useT();
  const lang = useAppStore((s) => s.lang);
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = translate(lang, 'app.title');
  }, [lang]);
  return (
    <div className="shell">
      <header className="topbar">
        <h1>{t('app.title')}</h1>
        <GridToolbar />
      </header>
      <aside className="side">
        <CameraTree />
      </aside>
      <main className="work">
        <VideoGrid />
      </main>
      <StatusBar />
    </div>
  );
}

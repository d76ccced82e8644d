import { useAppStore } from '../app/store';
import { useCan } from '../auth/session';
import { useT } from '../i18n';
import { demoControl, useDemoSync } from './use-demo';
import './demo.css';

/** The touch controller's presenter buttons: previous, pause/resume, next — shown while a tour plays. */
export function DemoTouchButtons() {
  const t = useT();
  useDemoSync(false);
  const demo = useAppStore((s) => s.demo);
  const allowed = useCan('demo.run');
  if (!allowed || !demo || demo.status === 'idle' || demo.rehearsal) return null;
  const paused = demo.status === 'paused';
  return (
    <div className="demo-touch" role="group" aria-label={t('demo.presenter')} data-testid="demo-touch">
      <span className="demo-touch-label">
        {t('demo.badge')} {demo.index + 1}/{demo.count}
      </span>
      <button type="button" onClick={() => demoControl('prev')} data-testid="demo-touch-prev">
        ◀ {t('demo.touchPrev')}
      </button>
      <button type="button" onClick={() => demoControl(paused ? 'resume' : 'pause')} data-testid="demo-touch-pause">
        {paused ? `▶ ${t('demo.resume')}` : `❚❚ ${t('demo.pause')}`}
      </button>
      <button type="button" onClick={() => demoControl('next')} data-testid="demo-touch-next">
        {t('demo.touchNext')} ▶
      </button>
    </div>
  );
}

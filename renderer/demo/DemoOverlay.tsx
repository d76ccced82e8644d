import { useEffect } from 'react';
import { useAppStore } from '../app/store';
import { useCan } from '../auth/session';
import { useT } from '../i18n';
import { demoActionOf, demoCommandOfKey, demoTakesKey } from './demo-commands';
import { demoShownHere } from './demo-slice';
import { demoControl } from './use-demo';
import './demo.css';

/**
 * The presentation-safe view while a tour shows on this console: the caption in large type, a
 * discreet 演示 badge, a small presenter strip, the blank screen, and the presenter keys. The
 * operator-only clutter (status bar, logs, settings, raw errors) is hidden by `body.demo-mode`.
 * An alert pop stays above all of it.
 */
export function DemoOverlay() {
  const t = useT();
  const demo = useAppStore((s) => s.demo);
  const shown = useAppStore(demoShownHere);
  const presenter = useCan('demo.run');

  useEffect(() => {
    document.body.classList.toggle('demo-mode', shown);
    return () => document.body.classList.remove('demo-mode');
  }, [shown]);

  useEffect(() => {
    if (!shown || !presenter) return;
    const onKey = (e: KeyboardEvent) => {
      const s = useAppStore.getState().demo;
      const target = e.target as HTMLElement | null;
      if (!s || e.repeat || e.ctrlKey || e.altKey || e.metaKey) return;
      if (target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))) return;
      const id = demoCommandOfKey(e.key);
      if (!id || !demoTakesKey(id, s)) return;
      // The tour has these keys while it shows: the PTZ keys of the grid do not also fire.
      e.preventDefault();
      e.stopPropagation();
      demoControl(demoActionOf(id, s));
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [shown, presenter]);

  if (!shown || !demo) return null;
  const step = demo.step;
  const paused = demo.status === 'paused';
  return (
    <>
      {demo.pausedBy === 'blank' && <div className="demo-blank" data-testid="demo-blank" onClick={() => demoControl('resume')} />}
      <div className="demo-badge" data-testid="demo-badge" data-status={demo.status} data-paused-by={demo.pausedBy ?? ''} data-index={demo.index}>
        {t(demo.rehearsal ? 'demo.badgeRehearsal' : 'demo.badge')}
        {paused && demo.pausedBy === 'alert' && <span className="demo-badge-alert">{t('demo.pausedAlert')}</span>}
      </div>
      {step && demo.pausedBy !== 'alert' && (
        <section className="demo-caption" data-testid="demo-caption" aria-live="polite">
          <h2 data-testid="demo-caption-title">{step.title}</h2>
          {step.narration && <p>{step.narration}</p>}
        </section>
      )}
      {presenter && (
        <nav className="demo-strip" data-testid="demo-strip" aria-label={t('demo.presenter')}>
          <button type="button" onClick={() => demoControl('prev')} title={t('demo.prev')} data-testid="demo-prev">
            ◀
          </button>
          <span className="demo-count">
            {demo.index + 1} / {demo.count}
          </span>
          <button type="button" onClick={() => demoControl(paused ? 'resume' : 'pause')} title={t(paused ? 'demo.resume' : 'demo.pause')} data-testid="demo-pause">
            {paused ? '▶' : '❚❚'}
          </button>
          <button type="button" onClick={() => demoControl('next')} title={t('demo.next')} data-testid="demo-next">
            ▶▶
          </button>
          <button type="button" onClick={() => demoControl('stop')} title={t('demo.exit')} data-testid="demo-exit">
            ■
          </button>
        </nav>
      )}
    </>
  );
}

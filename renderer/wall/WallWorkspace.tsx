import { useEffect, useState } from 'react';
import { useAppStore } from '../app/store';
import { useT } from '../i18n';
import { markAlarmRegion } from './AlarmPanel';
import { ScenesPanel } from './ScenesPanel';
import { TourEditor } from './TourEditor';
import { wallCall, wallEdit } from './wall-commands';
import { useWallKeys, WallMirror } from './WallMirror';

const clock = (ms: number) => new Date(ms).toLocaleTimeString('zh-CN', { hour12: false });

/** The wall workspace: toolbar (lock, undo/redo, the selected window's split/raise/close), the mirror, scenes. */
export function WallWorkspace() {
  const t = useT();
  const wall = useAppStore((s) => s.wall);
  const self = useAppStore((s) => s.wallSelfId);
  const selected = useAppStore((s) => s.wallSelected);
  const error = useAppStore((s) => s.wallError);
  const setError = useAppStore((s) => s.setWallError);
  const select = useAppStore((s) => s.selectWallWindow);
  const drawAlarm = useAppStore((s) => s.wallDrawAlarm);
  const pane = useAppStore((s) => s.wallSelectedPane);
  /** The pane whose tour is being edited. */
  const [touring, setTouring] = useState<{ windowId: string; pane: number } | null>(null);
  useWallKeys();
  // T opens the tour editor on the selected pane.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const tag = (e.target as HTMLElement | null)?.tagName;
      if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || e.ctrlKey || e.metaKey || e.altKey || e.key.toLowerCase() !== 't') return;
      const st = useAppStore.getState();
      if (!st.wallSelected || !st.wall?.windows.some((w) => w.id === st.wallSelected)) return;
      e.preventDefault();
      setTouring({ windowId: st.wallSelected, pane: st.wallSelectedPane });
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  if (!wall) return <div className="wall-empty">{t('wall.none')}</div>;
  const win = wall.windows.find((w) => w.id === selected);
  const editing = touring && wall.windows.find((w) => w.id === touring.windowId);
  const lock = wall.lock;
  const mine = lock && lock.clientId === self;
  return (
    <div className="wall-workspace" data-testid="wall-workspace">
      <div className="wall-toolbar">
        <span className={`wall-lock${lock ? (mine ? ' mine' : ' other') : ''}`} data-testid="wall-lock">
          {lock ? (mine ? t('wall.lockMine', { until: clock(lock.until) }) : t('wall.lockOther', { who: lock.clientId, until: clock(lock.until) })) : t('wall.lockFree')}
        </span>
        {mine && (
          <button onClick={() => void wallCall('wall:unlock', {})} data-testid="wall-unlock">
            {t('wall.unlock')}
          </button>
        )}
        <button disabled={!wall.canUndo} onClick={() => void wallEdit('wall:undo', {})} title="Ctrl+Z" data-testid="wall-undo">
          {t('wall.undo')}
        </button>
        <button disabled={!wall.canRedo} onClick={() => void wallEdit('wall:redo', {})} title="Ctrl+Y" data-testid="wall-redo">
          {t('wall.redo')}
        </button>
        <span className="wall-sep" />
        {win ? (
          <>
            <span className="label">{t('wall.window', { id: win.id })}</span>
            {wall.splits.map((n) => (
              <button key={n} className={win.split === n ? 'active' : ''} onClick={() => void wallEdit('wall:setSplit', { windowId: win.id, split: n })} data-testid={`wall-split-${n}`}>
                {t('wall.split', { n })}
              </button>
            ))}
            <button
              className={editing && editing.id === win.id ? 'active' : ''}
              onClick={() => setTouring({ windowId: win.id, pane: Math.min(pane, win.split - 1) })}
              title={t('tour.openHint')}
              data-testid="wall-tour"
            >
              {t('tour.open')}
            </button>
            <button onClick={() => void wallEdit('wall:raiseWindow', { windowId: win.id })} data-testid="wall-raise">
              {t('wall.raise')}
            </button>
            <button
              onClick={() => {
                select(null);
                void wallEdit('wall:closeWindow', { windowId: win.id });
              }}
              title="Delete"
              data-testid="wall-close"
            >
              {t('wall.close')}
            </button>
          </>
        ) : (
          <span className="label">{t('wall.hint')}</span>
        )}
        <span className="wall-sep" />
        <button onClick={() => void wallEdit('wall:clear', {})} data-testid="wall-clear">
          {t('wall.clear')}
        </button>
      </div>
      {error && (
        <div className="wall-banner" role="alert" data-testid="wall-error">
          <span>{error}</span>
          <button onClick={() => setError(null)} aria-label={t('wall.dismiss')}>
            ×
          </button>
        </div>
      )}
      <div className="wall-body">
        <WallMirror wall={wall} drawAlarm={drawAlarm} onAlarmRegion={(rect) => void markAlarmRegion(rect)} />
        {editing && touring ? (
          <TourEditor key={`${editing.id}.${touring.pane}`} win={editing} pane={Math.min(touring.pane, editing.split - 1)} onClose={() => setTouring(null)} />
        ) : (
          <ScenesPanel />
        )}
      </div>
    </div>
  );
}

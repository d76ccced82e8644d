import { useState, type DragEvent, type KeyboardEvent } from 'react';
import type { WallWindow } from '../../common/contract';
import { normalizePanes, tourDraftOf, tourSources, type Profile } from '../../common/wall';
import { useAppStore } from '../app/store';
import { useT } from '../i18n';
import { CAMERA_DND_TYPE } from '../video/VideoTile';
import { useCameraName } from './use-camera-name';
import { wallEdit } from './wall-commands';

/** Dwell the editor offers, seconds (the contract allows 3–3600; shorter is unreadable, longer is not a tour). */
export const EDITOR_DWELL_S = { min: 5, max: 600, initial: 15 } as const;
/** The split that may page as one synchronised tour (4画面同步轮巡). */
const SYNC_SPLIT = 4;

/**
 * The tour editor (轮巡设置) of one pane: the camera list (added from the list here or dragged from
 * the camera tree; reordered; removed), the dwell, the stream, and for a 4-split window the option to
 * page all four panes together. Apply sends one `wall:setPanes`; stop leaves each touring pane on the
 * camera it shows now. A side panel, not a modal: the camera tree stays usable for dragging.
 */
export function TourEditor({ win, pane, onClose }: { win: WallWindow; pane: number; onClose: () => void }) {
  const t = useT();
  const name = useCameraName();
  const site = useAppStore((s) => s.site);
  const tours = useAppStore((s) => s.wall?.tours ?? []);
  const panes = normalizePanes(win.panes, win.split);
  const existing = tourDraftOf(panes, pane);
  const current = panes[pane];
  const [cameras, setCameras] = useState<string[]>(existing?.cameras ?? (current?.kind === 'camera' ? [current.cameraId] : []));
  const [dwell, setDwell] = useState(String(existing?.dwellS ?? EDITOR_DWELL_S.initial));
  const [profile, setProfile] = useState<Profile | 'auto'>(existing?.profile ?? 'auto');
  const [sync, setSync] = useState(existing?.sync ?? false);
  const [filter, setFilter] = useState('');
  const [focus, setFocus] = useState<number | null>(null);
  const [over, setOver] = useState(false);
  const canSync = win.split === SYNC_SPLIT;
  const syncOn = canSync && sync;

  const all = (site?.towers ?? []).flatMap((tw) => tw.cameras.map((c) => c.id));
  const shown = all.filter((id) => !filter || `${id} ${name(id)}`.toLowerCase().includes(filter.toLowerCase()));
  const dwellS = Number(dwell);
  const minCameras = syncOn ? SYNC_SPLIT + 1 : 2;
  const problem =
    !Number.isFinite(dwellS) || dwell.trim() === '' || dwellS < EDITOR_DWELL_S.min || dwellS > EDITOR_DWELL_S.max
      ? t('tour.dwellRange', { min: EDITOR_DWELL_S.min, max: EDITOR_DWELL_S.max })
      : cameras.length < minCameras
        ? t(syncOn ? 'tour.needSync' : 'tour.needTwo', { n: minCameras })
        : null;
  const touring = panes.some((p, i) => p?.kind === 'tour' && (i === pane || (syncOn && p.sync)));

  const add = (id: string) => setCameras((list) => [...list, id]);
  const move = (i: number, by: number) => {
    const j = i + by;
    if (j < 0 || j >= cameras.length) return;
    setCameras((list) => {
      const next = [...list];
      [next[i], next[j]] = [next[j]!, next[i]!];
      return next;
    });
    setFocus(j);
  };
  const remove = (i: number) => {
    setCameras((list) => list.filter((_, k) => k !== i));
    setFocus(cameras.length > 1 ? Math.min(i, cameras.length - 2) : null);
  };
  const onRowKey = (e: KeyboardEvent, i: number) => {
    if (e.altKey && e.key === 'ArrowUp') move(i, -1);
    else if (e.altKey && e.key === 'ArrowDown') move(i, 1);
    else if (e.key === 'Delete') remove(i);
    else return;
    e.preventDefault();
  };
  const onDrop = (e: DragEvent) => {
    setOver(false);
    const id = e.dataTransfer.getData(CAMERA_DND_TYPE);
    if (!id) return;
    e.preventDefault();
    add(id);
  };

  const apply = async () => {
    if (problem) return;
    const draft = { cameras, dwellS, sync: syncOn, ...(profile !== 'auto' ? { profile } : {}) };
    const res = await wallEdit('wall:setPanes', { windowId: win.id, panes: tourSources(draft, panes, win.split, pane) });
    if (res) onClose();
  };
  /** Stops the tour: each touring pane keeps the camera it shows now. */
  const stop = async () => {
    const next = panes.map((p, i) => {
      if (p?.kind !== 'tour' || !(i === pane || (existing?.sync && p.sync))) return p;
      const now = tours.find((x) => x.windowId === win.id && x.pane === i)?.cameraId ?? p.cameras[0]!;
      return { kind: 'camera' as const, cameraId: now, ...(p.profile ? { profile: p.profile } : {}) };
    });
    const res = await wallEdit('wall:setPanes', { windowId: win.id, panes: next });
    if (res) onClose();
  };

  return (
    <section
      className="tour-editor"
      role="dialog"
      aria-label={t('tour.title')}
      data-testid="tour-editor"
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          onClose();
        }
      }}
    >
      <header>
        <h3>{t('tour.title')}</h3>
        <span className="tour-target">{syncOn ? t('tour.targetSync', { id: win.id }) : t('tour.target', { id: win.id, pane: pane + 1 })}</span>
        <button className="tour-x" onClick={onClose} aria-label={t('tour.cancel')} data-testid="tour-close">
          ×
        </button>
      </header>
      {canSync && (
        <label className="tour-check">
          <input type="checkbox" checked={sync} onChange={(e) => setSync(e.target.checked)} data-testid="tour-sync" />
          <span>
            {t('tour.sync')}
            <small>{t('tour.syncHint')}</small>
          </span>
        </label>
      )}
      <div className="tour-lists">
        <div className="tour-pick">
          <input type="search" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder={t('tour.filter')} aria-label={t('tour.filter')} data-testid="tour-filter" />
          <ul>
            {shown.map((id) => (
              <li key={id}>
                <button onClick={() => add(id)} title={t('tour.add')} data-testid={`tour-add-${id}`}>
                  <span>{name(id)}</span>
                  <b>＋</b>
                </button>
              </li>
            ))}
          </ul>
        </div>
        <div
          className={`tour-chosen${over ? ' over' : ''}`}
          onDragOver={(e) => {
            if (!e.dataTransfer.types.includes(CAMERA_DND_TYPE)) return;
            e.preventDefault();
            e.dataTransfer.dropEffect = 'copy';
            setOver(true);
          }}
          onDragLeave={() => setOver(false)}
          onDrop={onDrop}
          data-testid="tour-list"
        >
          <div className="tour-count">{t('tour.count', { n: cameras.length, total: Math.round((cameras.length * (dwellS || 0)) / (syncOn ? SYNC_SPLIT : 1)) })}</div>
          {cameras.length === 0 && <p className="tour-empty">{t('tour.empty')}</p>}
          <ol>
            {cameras.map((id, i) => (
              <li
                key={`${i}-${id}`}
                tabIndex={0}
                ref={(el) => {
                  if (el && focus === i) {
                    el.focus();
                    setFocus(null);
                  }
                }}
                onKeyDown={(e) => onRowKey(e, i)}
                data-testid={`tour-item-${i}`}
                data-camera={id}
              >
                <span className="tour-n">{syncOn ? `${Math.floor(i / SYNC_SPLIT) + 1}·${(i % SYNC_SPLIT) + 1}` : i + 1}</span>
                <span className="tour-name">{name(id)}</span>
                <button disabled={i === 0} onClick={() => move(i, -1)} aria-label={t('tour.up')} title={`${t('tour.up')} (Alt+↑)`}>
                  ↑
                </button>
                <button disabled={i === cameras.length - 1} onClick={() => move(i, 1)} aria-label={t('tour.down')} title={`${t('tour.down')} (Alt+↓)`}>
                  ↓
                </button>
                <button onClick={() => remove(i)} aria-label={t('tour.remove')} title={`${t('tour.remove')} (Delete)`} data-testid={`tour-remove-${i}`}>
                  ×
                </button>
              </li>
            ))}
          </ol>
        </div>
      </div>
      <div className="tour-settings">
        <label>
          <span>{t('tour.dwell')}</span>
          <input
            type="number"
            min={EDITOR_DWELL_S.min}
            max={EDITOR_DWELL_S.max}
            step={1}
            value={dwell}
            onChange={(e) => setDwell(e.target.value)}
            aria-invalid={problem?.startsWith(t('tour.dwell')) ?? false}
            data-testid="tour-dwell"
          />
          <span>{t('tour.seconds')}</span>
        </label>
        <div className="tour-profile" role="radiogroup" aria-label={t('tour.stream')}>
          <span>{t('tour.stream')}</span>
          {(['auto', 'main', 'sub'] as const).map((p) => (
            <button key={p} role="radio" aria-checked={profile === p} className={profile === p ? 'active' : ''} onClick={() => setProfile(p)} data-testid={`tour-profile-${p}`}>
              {t(`tour.profile.${p}`)}
            </button>
          ))}
        </div>
      </div>
      {problem && (
        <p className="tour-problem" role="status" data-testid="tour-problem">
          {problem}
        </p>
      )}
      <footer>
        <button className="primary" disabled={!!problem} onClick={() => void apply()} data-testid="tour-apply">
          {existing ? t('tour.update') : t('tour.start')}
        </button>
        {touring && (
          <button onClick={() => void stop()} data-testid="tour-stop">
            {t('tour.stop')}
          </button>
        )}
        <button onClick={onClose}>{t('tour.cancel')}</button>
      </footer>
    </section>
  );
}

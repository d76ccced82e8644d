import { useEffect, useLayoutEffect, useRef, useState, type DragEvent, type PointerEvent as ReactPointerEvent } from 'react';
import type { WallState, WallWindow } from '../../common/contract';
import { alarmWindow, paneRects, panelRect, panelsOf, type WallGeometry, type WallRect } from '../../common/wall';
import { useAppStore } from '../app/store';
import { useT } from '../i18n';
import { CAMERA_DND_TYPE } from '../video/VideoTile';
import { LedStrip } from './LedStrip';
import { paneStatus } from './pane-status';
import { useCameraName } from './use-camera-name';
import { usePageVisible } from './use-page-visible';
import { PaneThumb } from './PaneThumb';
import { wallCall, wallEdit } from './wall-commands';

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

const geometryOf = (wall: WallState): WallGeometry => wall.geometry as unknown as WallGeometry;
const r = (b: Box): WallRect => ({ x: Math.round(b.x), y: Math.round(b.y), w: Math.round(b.w), h: Math.round(b.h) }) as WallRect;
const inside = (b: Box, x: number, y: number) => x >= b.x && x < b.x + b.w && y >= b.y && y < b.y + b.h;

/** A window being moved or resized: the mouse's rectangle until the host answers with the snapped one. */
interface Drag {
  windowId: string;
  mode: 'move' | 'resize';
  startX: number;
  startY: number;
  from: Box;
  rect: Box;
}

/**
 * The wall drawn to scale: panels with their bezels, windows with their panes. Each pane shows what
 * the decoders REPORT (a live sub-stream thumbnail of the reported camera), marked while what was
 * asked is not yet playing; offline decoders are drawn red with their error.
 */
export function WallMirror({ wall, drawAlarm = false, onAlarmRegion }: { wall: WallState; drawAlarm?: boolean; onAlarmRegion?: (rect: WallRect) => void }) {
  const t = useT();
  const g = geometryOf(wall);
  const selected = useAppStore((s) => s.wallSelected);
  const selectedPane = useAppStore((s) => s.wallSelectedPane);
  const select = useAppStore((s) => s.selectWallWindow);
  const outer = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ w: 0, h: 0 });
  const [drag, setDrag] = useState<Drag | null>(null);
  // After a drop, the mouse's rectangle stays until the host's snapped one arrives (no jump back).
  const [settling, setSettling] = useState<{ windowId: string; rect: Box } | null>(null);
  useEffect(() => setSettling(null), [wall.version]);
  const [dropAt, setDropAt] = useState<string | null>(null);
  const [sketch, setSketch] = useState<{ from: { x: number; y: number }; to: { x: number; y: number } } | null>(null);
  const visible = usePageVisible();
  const cameraName = useCameraName();
  // Tour badges count down to the next step: redraw every second while a tour runs.
  const [now, setNow] = useState(Date.now());
  const anyTour = wall.tours.length > 0;
  useEffect(() => {
    if (!anyTour) return;
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, [anyTour]);

  useLayoutEffect(() => {
    const el = outer.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setSize({ w: el.clientWidth, h: el.clientHeight }));
    ro.observe(el);
    setSize({ w: el.clientWidth, h: el.clientHeight });
    return () => ro.disconnect();
  }, []);

  const scale = size.w && size.h ? Math.min((size.w - 16) / g.width, (size.h - 16) / g.height) : 0;
  const px = (b: Box) => ({ left: b.x * scale, top: b.y * scale, width: b.w * scale, height: b.h * scale });
  const stageRef = useRef<HTMLDivElement>(null);

  const wallPoint = (e: { clientX: number; clientY: number }) => {
    const b = stageRef.current!.getBoundingClientRect();
    return { x: (e.clientX - b.left) / scale, y: (e.clientY - b.top) / scale };
  };

  /** The top window under a wall point and the pane of it there. */
  const hit = (x: number, y: number): { w: WallWindow; pane: number } | null => {
    for (const w of [...wall.windows].reverse()) {
      if (!inside(w.rect, x, y)) continue;
      const pane = paneRects(w.rect, w.split).findIndex((p) => inside(p, x, y));
      return { w, pane: Math.max(0, pane) };
    }
    return null;
  };

  const onDragOver = (e: DragEvent) => {
    if (!e.dataTransfer.types.includes(CAMERA_DND_TYPE)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    const p = wallPoint(e);
    const h = hit(p.x, p.y);
    setDropAt(h ? `${h.w.id}.${h.pane}` : 'empty');
  };
  const onDrop = (e: DragEvent) => {
    setDropAt(null);
    const cameraId = e.dataTransfer.getData(CAMERA_DND_TYPE);
    if (!cameraId) return;
    e.preventDefault();
    const p = wallPoint(e);
    const h = hit(p.x, p.y);
    const source = { kind: 'camera' as const, cameraId };
    if (h) {
      select(h.w.id, h.pane);
      void wallEdit('wall:setPaneSource', { windowId: h.w.id, pane: h.pane, source });
      return;
    }
    // Empty wall: a window of one panel, on the panel under the drop.
    const panel = panelsOf(g, { x: p.x, y: p.y, w: 1, h: 1 } as WallRect)[0];
    if (!panel) return;
    void wallEdit('wall:openWindow', { rect: panelRect(g, panel.row, panel.column), split: 1, panes: [source], snap: true }).then((res) => {
      if (res?.windowId) select(res.windowId);
    });
  };

  const startDrag = (e: ReactPointerEvent, w: WallWindow, mode: Drag['mode']) => {
    if (e.button !== 0) return;
    e.stopPropagation();
    e.preventDefault();
    (e.target as HTMLElement).setPointerCapture(e.pointerId);
    select(w.id);
    setDrag({ windowId: w.id, mode, startX: e.clientX, startY: e.clientY, from: w.rect, rect: w.rect });
  };
  const onPointerMove = (e: ReactPointerEvent) => {
    if (!drag || !scale) return;
    const dx = (e.clientX - drag.startX) / scale;
    const dy = (e.clientY - drag.startY) / scale;
    const f = drag.from;
    const rect =
      drag.mode === 'move'
        ? { ...f, x: Math.max(0, Math.min(g.width - f.w, f.x + dx)), y: Math.max(0, Math.min(g.height - f.h, f.y + dy)) }
        : { ...f, w: Math.max(160, Math.min(g.width - f.x, f.w + dx)), h: Math.max(90, Math.min(g.height - f.y, f.h + dy)) };
    setDrag({ ...drag, rect });
  };
  const endDrag = () => {
    if (!drag) return;
    const d = drag;
    setDrag(null);
    const moved = Math.abs(d.rect.x - d.from.x) + Math.abs(d.rect.y - d.from.y) + Math.abs(d.rect.w - d.from.w) + Math.abs(d.rect.h - d.from.h);
    if (moved < 2) return;
    setSettling({ windowId: d.windowId, rect: d.rect });
    void wallEdit('wall:moveWindow', { windowId: d.windowId, rect: r(d.rect), mode: d.mode, snap: true }).then((res) => {
      if (!res) setSettling(null);
    });
  };


  /** The panes of a window as the decoders report them: thumbnail, camera name, state. */
  const paneViews = (w: WallWindow, rect: Box) =>
    paneRects(rect as WallRect, w.split).map((p, i) => {
      const st = paneStatus(wall, w, i);
      const degraded = wall.degraded.some((d) => d.windowId === w.id && d.pane === i);
      const src = w.panes[i];
      const tour = src?.kind === 'tour' ? wall.tours.find((x) => x.windowId === w.id && x.pane === i) : undefined;
      return (
        <div
          key={i}
          className={`wall-pane show-${st.show}${dropAt === `${w.id}.${i}` ? ' drop' : ''}${selected === w.id && selectedPane === i && w.split > 1 ? ' picked' : ''}`}
          style={{ left: (p.x - rect.x) * scale, top: (p.y - rect.y) * scale, width: p.w * scale, height: p.h * scale }}
          data-testid={`wall-pane-${w.id}-${i}`}
          data-camera={st.reported ?? ''}
          data-asked={st.asked ?? ''}
          data-state={st.show}
        >
          {visible && st.reported && st.show !== 'hidden' && <PaneThumb cameraId={st.reported} />}
          {src?.kind === 'tour' && (
            <span className={`wall-tour-badge${src.sync ? ' sync' : ''}`} data-testid={`wall-tour-${w.id}-${i}`} data-step={tour?.step ?? ''}>
              ⟳ {t('tour.badge', { step: ((tour?.step ?? 0) % src.cameras.length) + 1, n: src.cameras.length })}
              {tour && <em> {t('tour.next', { s: Math.max(0, Math.ceil((tour.nextAt - now) / 1000)) })}</em>}
            </span>
          )}
          <span className="wall-pane-label">
            {cameraName(st.asked)}
            {degraded && <em> {t('wall.sub')}</em>}
            {st.show === 'pending' && <em> · {t('wall.pending')}</em>}
            {st.show === 'hidden' && <em> · {t('wall.hidden')}</em>}
            {st.show === 'error' && <em> · {st.error ?? t('wall.error')}</em>}
            {st.show === 'unavailable' && <em> {t('wall.unavailable')}</em>}
          </span>
        </div>
      );
    });

  /** Drawing the alarm region: the rectangle dragged out, grown to the whole panels it touches. */
  const regionOf = (a: { x: number; y: number }, b: { x: number; y: number }): WallRect | null => {
    const box = { x: Math.min(a.x, b.x), y: Math.min(a.y, b.y), w: Math.max(1, Math.abs(a.x - b.x)), h: Math.max(1, Math.abs(a.y - b.y)) };
    const ps = panelsOf(g, box as WallRect).map((p) => panelRect(g, p.row, p.column));
    if (ps.length === 0) return null;
    const x0 = Math.min(...ps.map((p) => p.x));
    const y0 = Math.min(...ps.map((p) => p.y));
    const x1 = Math.max(...ps.map((p) => p.x + p.w));
    const y1 = Math.max(...ps.map((p) => p.y + p.h));
    return r({ x: x0, y: y0, w: x1 - x0, h: y1 - y0 });
  };
  const sketchRect = sketch ? regionOf(sketch.from, sketch.to) : null;
  const alarm = wall.alarm;
  const alarmWin = alarm.region && alarm.active.length > 0 ? alarmWindow(alarm.region, alarm.active.map((a) => a.cameraId)) : null;
  const newest = alarm.active[alarm.active.length - 1];

  const panels: { row: number; column: number }[] = [];
  for (let row = 0; row < g.rows; row++) for (let column = 0; column < g.columns; column++) panels.push({ row, column });
  const decoderAt = (row: number, column: number) => wall.decoders.find((d) => d.row === row && d.column === column);

  return (
    <div className="wall-mirror" ref={outer} data-testid="wall-mirror">
      {scale > 0 && (
        <div
          className={`wall-stage${dropAt === 'empty' ? ' drop-empty' : ''}`}
          ref={stageRef}
          style={{ width: g.width * scale, height: g.height * scale }}
          onDragOver={onDragOver}
          onDragLeave={() => setDropAt(null)}
          onDrop={onDrop}
          onPointerMove={onPointerMove}
          onPointerUp={endDrag}
          onPointerCancel={endDrag}
          onPointerDown={() => select(null)}
        >
          {panels.map(({ row, column }) => {
            const d = decoderAt(row, column);
            const offline = d?.online === false;
            return (
              <div
                key={`${row},${column}`}
                className={`wall-panel${offline ? ' offline' : ''}${d?.error && !offline ? ' refused' : ''}`}
                style={px(panelRect(g, row, column))}
                data-testid={`wall-panel-${row}-${column}`}
                data-decoder={d?.id ?? ''}
                data-online={d?.online === null || !d ? 'unknown' : String(d.online)}
              >
                <span className="wall-panel-id">{d?.id ?? `${row + 1}-${column + 1}`}</span>
                {d?.error && <span className="wall-panel-error">{offline ? t('wall.offline') : t('wall.refused')}: {d.error}</span>}
              </div>
            );
          })}
          {wall.windows.map((w, z) => {
            const rect = drag?.windowId === w.id ? drag.rect : settling?.windowId === w.id ? settling.rect : w.rect;
            return (
              <div
                key={w.id}
                className={`wall-window${selected === w.id ? ' selected' : ''}`}
                style={{ ...px(rect), zIndex: 10 + z }}
                data-testid={`wall-window-${w.id}`}
                data-rect={`${w.rect.x},${w.rect.y},${w.rect.w},${w.rect.h}`}
                onPointerDown={(e) => {
                  e.stopPropagation();
                  const p = wallPoint(e);
                  select(w.id, Math.max(0, paneRects(w.rect, w.split).findIndex((b) => inside(b, p.x, p.y))));
                }}
              >
                {paneViews(w, rect)}
                <div className="wall-window-bar" onPointerDown={(e) => startDrag(e, w, 'move')} title={t('wall.moveHint')} data-testid={`wall-window-bar-${w.id}`}>
                  {w.title ?? w.id}
                </div>
                <div className="wall-window-resize" onPointerDown={(e) => startDrag(e, w, 'resize')} title={t('wall.resizeHint')} />
              </div>
            );
          })}
          {alarm.region && (
            <div
              className={`wall-alarm-region${alarmWin ? ' taken' : ''}`}
              style={px(alarm.region)}
              data-testid="wall-alarm-region"
              data-rect={`${alarm.region.x},${alarm.region.y},${alarm.region.w},${alarm.region.h}`}
            >
              <span className="wall-alarm-tag">{t('wall.alarmRegion')}</span>
            </div>
          )}
          {alarmWin && (
            <div className="wall-window wall-alarm-window" style={{ ...px(alarmWin.rect), zIndex: 160 }} data-testid="wall-alarm-window" data-cameras={alarm.active.map((a) => a.cameraId).join(',')}>
              {paneViews(alarmWin, alarmWin.rect)}
              <div className="wall-alarm-bar">
                <span>
                  {t('wall.alarmTaken', { camera: cameraName(newest?.cameraId ?? null), reason: newest?.reason ?? '' })}
                  {alarm.active.length > 1 && ` ${t('wall.alarmMore', { n: alarm.active.length - 1 })}`}
                </span>
                <button onPointerDown={(e) => e.stopPropagation()} onClick={() => void wallCall('wall:alarmRelease', {})} data-testid="wall-alarm-release-mirror">
                  {t('wall.alarmRelease')}
                </button>
              </div>
            </div>
          )}
          {drawAlarm && (
            <div
              className="wall-draw"
              data-testid="wall-alarm-draw"
              onPointerDown={(e) => {
                if (e.button !== 0) return;
                e.stopPropagation();
                (e.target as HTMLElement).setPointerCapture(e.pointerId);
                const p = wallPoint(e);
                setSketch({ from: p, to: p });
              }}
              onPointerMove={(e) => sketch && setSketch({ ...sketch, to: wallPoint(e) })}
              onPointerUp={(e) => {
                e.stopPropagation();
                const rect = sketch ? regionOf(sketch.from, wallPoint(e)) : null;
                setSketch(null);
                if (rect) onAlarmRegion?.(rect);
              }}
            >
              {sketchRect && <div className="wall-alarm-sketch" style={px(sketchRect)} data-testid="wall-alarm-sketch" />}
              <span className="wall-draw-hint">{t('wall.alarmDrawHint')}</span>
            </div>
          )}
          {wall.led.text && <LedStrip led={wall.led} className="wall-led" testId="wall-led" />}
        </div>
      )}
    </div>
  );
}

/** Ctrl+Z / Ctrl+Y (or Ctrl+Shift+Z) undo and redo, Delete closes the selected window, Esc leaves drawing the alarm region. */
export function useWallKeys(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const tag = (e.target as HTMLElement | null)?.tagName;
      if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT') return;
      const k = e.key.toLowerCase();
      if ((e.ctrlKey || e.metaKey) && k === 'z' && !e.shiftKey) {
        e.preventDefault();
        void wallEdit('wall:undo', {});
      } else if ((e.ctrlKey || e.metaKey) && (k === 'y' || (k === 'z' && e.shiftKey))) {
        e.preventDefault();
        void wallEdit('wall:redo', {});
      } else if (e.key === 'Escape' && useAppStore.getState().wallDrawAlarm) {
        useAppStore.getState().setWallDrawAlarm(false);
      } else if (e.key === 'Delete') {
        const id = useAppStore.getState().wallSelected;
        if (!id) return;
        e.preventDefault();
        useAppStore.getState().selectWallWindow(null);
        void wallEdit('wall:closeWindow', { windowId: id });
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

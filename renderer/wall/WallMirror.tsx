import { useEffect, useLayoutEffect, useRef, useState, type DragEvent, type PointerEvent as ReactPointerEvent } from 'react';
import type { WallState, WallWindow } from '../../common/contract';
import { paneRects, panelRect, panelsOf, type WallGeometry, type WallRect } from '../../common/wall';
import { useAppStore } from '../app/store';
import { useT } from '../i18n';
import { CAMERA_DND_TYPE } from '../video/VideoTile';
import { paneStatus } from './pane-status';
import { usePageVisible } from './use-page-visible';
import { PaneThumb } from './PaneThumb';
import { wallEdit } from './wall-commands';

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
export function WallMirror({ wall }: { wall: WallState }) {
  const t = useT();
  const g = geometryOf(wall);
  const selected = useAppStore((s) => s.wallSelected);
  const select = useAppStore((s) => s.selectWallWindow);
  const outer = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ w: 0, h: 0 });
  const [drag, setDrag] = useState<Drag | null>(null);
  // After a drop, the mouse's rectangle stays until the host's snapped one arrives (no jump back).
  const [settling, setSettling] = useState<{ windowId: string; rect: Box } | null>(null);
  useEffect(() => setSettling(null), [wall.version]);
  const [dropAt, setDropAt] = useState<string | null>(null);
  const visible = usePageVisible();
  const site = useAppStore((s) => s.site);
  /** An operator reads "仙人山 可见光", not "t01-visible". */
  const cameraName = (id: string | null) => {
    if (!id) return '';
    for (const tower of site?.towers ?? []) {
      const c = tower.cameras.find((x) => x.id === id);
      if (c) return `${tower.name} ${t(c.kind === 'visible' ? 'camera.visible' : 'camera.thermal')}`;
    }
    return id;
  };

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
      select(h.w.id);
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
            const panes = paneRects(rect as WallRect, w.split);
            return (
              <div
                key={w.id}
                className={`wall-window${selected === w.id ? ' selected' : ''}`}
                style={{ ...px(rect), zIndex: 10 + z }}
                data-testid={`wall-window-${w.id}`}
                data-rect={`${w.rect.x},${w.rect.y},${w.rect.w},${w.rect.h}`}
                onPointerDown={(e) => {
                  e.stopPropagation();
                  select(w.id);
                }}
              >
                {panes.map((p, i) => {
                  const st = paneStatus(wall, w, i);
                  const degraded = wall.degraded.some((d) => d.windowId === w.id && d.pane === i);
                  return (
                    <div
                      key={i}
                      className={`wall-pane show-${st.show}${dropAt === `${w.id}.${i}` ? ' drop' : ''}`}
                      style={{ left: (p.x - rect.x) * scale, top: (p.y - rect.y) * scale, width: p.w * scale, height: p.h * scale }}
                      data-testid={`wall-pane-${w.id}-${i}`}
                      data-camera={st.reported ?? ''}
                      data-asked={st.asked ?? ''}
                      data-state={st.show}
                    >
                      {visible && st.reported && st.show !== 'hidden' && <PaneThumb cameraId={st.reported} />}
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
                })}
                <div className="wall-window-bar" onPointerDown={(e) => startDrag(e, w, 'move')} title={t('wall.moveHint')} data-testid={`wall-window-bar-${w.id}`}>
                  {w.title ?? w.id}
                </div>
                <div className="wall-window-resize" onPointerDown={(e) => startDrag(e, w, 'resize')} title={t('wall.resizeHint')} />
              </div>
            );
          })}
          {wall.alarm.region && <div className="wall-alarm-region" style={px(wall.alarm.region)} title={t('wall.alarmRegion')} />}
          {wall.led.text && (
            <div className="wall-led" style={{ color: wall.led.colour }} data-testid="wall-led">
              {wall.led.text}
            </div>
          )}
        </div>
      )}
    </div>
  );
}

/** Ctrl+Z / Ctrl+Y (or Ctrl+Shift+Z) undo and redo, Delete closes the selected window. */
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

import { useAppStore } from '../app/store';
import { useT } from '../i18n';
import { VideoTile } from './VideoTile';
import { LAYOUTS } from './video-slice';

/** The console's video grid: 1/4/9/16 tiles; a double-clicked tile fills the grid. */
export function VideoGrid() {
  const layout = useAppStore((s) => s.layout);
  const tiles = useAppStore((s) => s.tiles);
  const maximized = useAppStore((s) => s.maximizedTile);
  const side = Math.sqrt(layout);
  // Tiles of a split grid take the sub stream; a single or maximised tile takes the main stream.
  const smallProfile = layout >= 4 ? 'sub' : 'main';
  const shown = maximized !== null ? [maximized] : Array.from({ length: layout }, (_, i) => i);
  const cols = maximized !== null ? 1 : side;
  return (
    <div className="grid" data-testid="video-grid" data-layout={layout} style={{ gridTemplateColumns: `repeat(${cols}, 1fr)`, gridTemplateRows: `repeat(${cols}, 1fr)` }}>
      {shown.map((i) => (
        <VideoTile key={i} index={i} cameraId={tiles[i] ?? null} profile={maximized === i ? 'main' : smallProfile} />
      ))}
    </div>
  );
}

export function GridToolbar() {
  const t = useT();
  const layout = useAppStore((s) => s.layout);
  const { setLayout, clearAll } = useAppStore.getState();
  return (
    <div className="grid-toolbar" role="toolbar" aria-label={t('grid.layout')}>
      <span className="label">{t('grid.layout')}</span>
      {LAYOUTS.map((l) => (
        <button key={l} className={l === layout ? 'active' : ''} data-testid={`layout-${l}`} onClick={() => setLayout(l)} aria-pressed={l === layout}>
          <LayoutIcon n={l} />
          {l}
        </button>
      ))}
      <button onClick={clearAll}>{t('grid.clear')}</button>
    </div>
  );
}

function LayoutIcon({ n }: { n: number }) {
  const side = Math.sqrt(n);
  const cells = [];
  for (let r = 0; r < side; r++) for (let c = 0; c < side; c++) cells.push(<rect key={`${r}-${c}`} x={1 + (c * 14) / side} y={1 + (r * 14) / side} width={14 / side - 1} height={14 / side - 1} rx={0.5} />);
  return (
    <svg className="layout-icon" viewBox="0 0 16 16" aria-hidden="true">
      {cells}
    </svg>
  );
}

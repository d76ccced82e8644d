import { useMemo, useState } from 'react';
import type { CameraView } from '../../common/contract';
import { useAppStore } from '../app/store';
import { towerHealth } from '../health/health-slice';
import { useT } from '../i18n';
import { CAMERA_DND_TYPE } from '../video/VideoTile';

/** Towers and their cameras with online state; drag a camera onto a tile, or double-click it. */
export function CameraTree() {
  const t = useT();
  const site = useAppStore((s) => s.site);
  const status = useAppStore((s) => s.cameraStatus);
  // The health board's tower state (a slow link or a dead PTZ head shows as degraded).
  const health = useAppStore((s) => s.healthDevices);
  const [query, setQuery] = useState('');
  const [collapsed, setCollapsed] = useState<Record<string, boolean>>({});
  const towers = useMemo(() => {
    const q = query.trim().toLowerCase();
    if (!site) return [];
    if (!q) return site.towers;
    return site.towers.filter((tw) => tw.name.toLowerCase().includes(q) || tw.id.toLowerCase().includes(q) || tw.cameras.some((c) => c.name.toLowerCase().includes(q)));
  }, [site, query]);
  const all = site?.towers.flatMap((tw) => tw.cameras) ?? [];
  const onlineCount = all.filter((c) => status[c.id]?.online).length;

  return (
    <nav className="tree" aria-label={t('tree.title')}>
      <div className="tree-head">
        <h2>{t('tree.title')}</h2>
        <span className="tree-count" data-testid="tree-count">
          {t('tree.count', { online: onlineCount, total: all.length })}
        </span>
      </div>
      <input className="tree-search" type="search" placeholder={t('tree.search')} value={query} onChange={(e) => setQuery(e.target.value)} />
      <ul className="tree-list" data-testid="camera-tree">
        {towers.map((tw) => {
          const towerOnline = tw.cameras.some((c) => status[c.id]?.online);
          const open = !collapsed[tw.id];
          return (
            <li key={tw.id} className="tower" data-testid={`tower-${tw.id}`}>
              <button className="tower-row" onClick={() => setCollapsed((c) => ({ ...c, [tw.id]: open }))} aria-expanded={open}>
                <span className="caret">{open ? '▾' : '▸'}</span>
                <span className={`dot ${towerHealth(health, tw.id) === 'degraded' ? 'degraded' : towerOnline ? 'on' : status[tw.cameras[0]?.id ?? '']?.online === false ? 'off' : 'unknown'}`} data-health={towerHealth(health, tw.id)} />
                <span className="tower-name">{tw.name}</span>
              </button>
              {open && (
                <ul>
                  {tw.cameras.map((c) => (
                    <CameraRow key={c.id} camera={c} online={status[c.id]?.online} />
                  ))}
                </ul>
              )}
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

function CameraRow({ camera, online }: { camera: CameraView; online: boolean | undefined }) {
  const t = useT();
  const openCamera = useAppStore.getState().openCamera;
  const stateText = online === undefined ? t('tree.unknown') : online ? t('tree.online') : t('tree.offline');
  return (
    <li
      className="camera-row"
      data-testid={`camera-${camera.id}`}
      draggable
      tabIndex={0}
      onDragStart={(e) => {
        e.dataTransfer.setData(CAMERA_DND_TYPE, camera.id);
        e.dataTransfer.effectAllowed = 'copy';
      }}
      onDoubleClick={() => openCamera(camera.id)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') openCamera(camera.id);
      }}
      title={`${camera.name} — ${stateText}`}
    >
      <span className={`dot ${online === undefined ? 'unknown' : online ? 'on' : 'off'}`} aria-label={stateText} />
      <span className={`kind-badge ${camera.kind}`}>{t(camera.kind === 'visible' ? 'camera.visible' : 'camera.thermal')}</span>
    </li>
  );
}

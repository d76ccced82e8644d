import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { findCamera } from '../cameras/camera-slice';
import { mediaWsUrl } from '../app/connection';
import { useAppStore } from '../app/store';
import { useT, type MessageKey } from '../i18n';
import type { PlayerState } from './live-player';
import { TileStage } from './tile-stage';
import { TileStats } from './TileStats';

export const CAMERA_DND_TYPE = 'application/x-skywatch-camera';

const STATE_LABEL: Record<PlayerState, MessageKey> = {
  connecting: 'tile.connecting',
  playing: 'tile.playing',
  stalled: 'tile.stalled',
  unsupported: 'tile.unsupported',
};

interface Props {
  index: number;
  cameraId: string | null;
  profile: 'main' | 'sub';
}

/** One video tile: plays a camera live, says what state it is in, accepts dropped cameras. */
export const VideoTile = memo(function VideoTile({ index, cameraId, profile }: Props) {
  const t = useT();
  const stageRef = useRef<HTMLDivElement>(null);
  const stageHolder = useRef<TileStage | undefined>(undefined);
  const [state, setState] = useState<PlayerState>('connecting');
  const [dragOver, setDragOver] = useState(false);
  const [hovered, setHovered] = useState(false);
  const selected = useAppStore((s) => s.selectedTile === index);
  const site = useAppStore((s) => s.site);
  const found = useMemo(() => (cameraId ? findCamera(site, cameraId) : undefined), [site, cameraId]);
  const stream = useAppStore((s) => (cameraId ? s.streams[`${cameraId}/${profile}`] : undefined));
  const { assignCamera, clearTile, selectTile, toggleMaximize } = useAppStore.getState();

  // One stage per camera: a profile change plays into the same stage, which swaps without a black frame.
  useEffect(() => {
    const el = stageRef.current;
    if (!cameraId || !el) return;
    const stage = new TileStage(el, setState);
    stageHolder.current = stage;
    return () => {
      stage.destroy();
      stageHolder.current = undefined;
      setState('connecting');
    };
  }, [cameraId]);

  useEffect(() => {
    if (cameraId) stageHolder.current?.play(mediaWsUrl(cameraId, profile));
  }, [cameraId, profile]);

  const title = found
    ? `${found.towerName} · ${t(found.camera.kind === 'visible' ? 'camera.visible' : 'camera.thermal')}`
    : (cameraId ?? '');
  const playerStats = useCallback(() => stageHolder.current?.stats(), []);

  return (
    <div
      className={`tile${selected ? ' selected' : ''}${dragOver ? ' drag-over' : ''}`}
      data-testid={`tile-${index}`}
      data-camera={cameraId ?? ''}
      data-state={cameraId ? state : 'empty'}
      onClick={() => selectTile(index)}
      onDoubleClick={() => cameraId && toggleMaximize(index)}
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes(CAMERA_DND_TYPE)) {
          e.preventDefault();
          e.dataTransfer.dropEffect = 'copy';
          setDragOver(true);
        }
      }}
      onDragLeave={() => setDragOver(false)}
      onDrop={(e) => {
        setDragOver(false);
        const id = e.dataTransfer.getData(CAMERA_DND_TYPE);
        if (id) {
          e.preventDefault();
          assignCamera(index, id);
        }
      }}
      title={cameraId ? t('tile.maximize') : undefined}
      onMouseEnter={() => setHovered(true)}
      onMouseLeave={() => setHovered(false)}
    >
      {cameraId ? (
        <>
          <div className="tile-caption">
            <span className={`kind-dot ${found?.camera.kind ?? ''}`} />
            <span className="tile-title">{title}</span>
            <span className="tile-profile">{t(profile === 'main' ? 'tile.main' : 'tile.sub')}</span>
            <button
              className="tile-close"
              aria-label={t('tile.close')}
              onClick={(e) => {
                e.stopPropagation();
                clearTile(index);
              }}
            >
              ×
            </button>
          </div>
          <div className="tile-body">
            <div className="tile-stage" ref={stageRef} data-testid={`stage-${index}`} />
            {hovered && <TileStats stream={stream} player={playerStats} />}
            {state !== 'playing' && (
              <div className={`tile-state ${state}`} role="status">
                {t(STATE_LABEL[state])}
              </div>
            )}
          </div>
        </>
      ) : (
        <div className="tile-empty">
          <span className="tile-number">{index + 1}</span>
          <span>{t('tile.empty')}</span>
        </div>
      )}
    </div>
  );
});

import { memo, useCallback, useEffect, useMemo, useRef, useState, type MouseEvent } from 'react';
import { findCamera } from '../cameras/camera-slice';
import { flvStreamKey, mediaUrl } from '../app/connection';
import { useAppStore } from '../app/store';
import { useT, type MessageKey } from '../i18n';
import { centreOnClick } from '../ptz/click-centre';
import { PtzHud } from '../ptz/PtzHud';
import { usePtzTarget } from '../ptz/ptz-target';
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
  const { assignCamera, clearTile, selectTile, toggleMaximize, toggleHud } = useAppStore.getState();
  const ptzTarget = usePtzTarget(cameraId);
  const hudOn = useAppStore((s) => !s.ptzHudOff[index]);
  const clickCentreMode = useAppStore((s) => s.ptzClickCentre);
  const bodyRef = useRef<HTMLDivElement>(null);
  const centreTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const [marker, setMarker] = useState<{ x: number; y: number; key: number } | null>(null);
  useEffect(() => () => clearTimeout(centreTimer.current), []);
  useEffect(() => {
    if (!marker) return;
    const id = setTimeout(() => setMarker(null), 700);
    return () => clearTimeout(id);
  }, [marker]);

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

  // A profile or transport change plays into the same stage, which swaps without a black frame.
  const transport = useAppStore((s) => s.transport);
  const stream = useAppStore((s) => (cameraId ? s.streams[transport === 'ws-flv' ? flvStreamKey(cameraId, profile) : `${cameraId}/${profile}`] : undefined));
  useEffect(() => {
    if (cameraId) stageHolder.current?.play(mediaUrl(cameraId, profile, transport));
  }, [cameraId, profile, transport]);

  const title = found
    ? `${found.towerName} · ${t(found.camera.kind === 'visible' ? 'camera.visible' : 'camera.thermal')}`
    : (cameraId ?? '');
  const playerStats = useCallback(() => stageHolder.current?.stats(), []);
  const frontVideo = useCallback(() => stageHolder.current?.frontVideo(), []);

  // Click-to-centre: Ctrl+click at once; in click-to-centre mode a plain click on the already
  // selected tile, held back by the double-click interval so a double-click (maximise) never
  // turns the head first.
  const centre = (clientX: number, clientY: number) => {
    const el = stageRef.current;
    if (!ptzTarget || !el) return;
    const box = el.getBoundingClientRect();
    if (centreOnClick(ptzTarget.cameraId, ptzTarget.lens, frontVideo(), box, clientX, clientY)) {
      setMarker({ x: clientX - box.left, y: clientY - box.top, key: Date.now() });
    }
  };
  const onTileClick = (e: MouseEvent) => {
    const wasSelected = selected;
    selectTile(index);
    if (!ptzTarget || !bodyRef.current?.contains(e.target as Node)) return;
    if (e.ctrlKey || e.metaKey) {
      centre(e.clientX, e.clientY);
    } else if (clickCentreMode && wasSelected && e.detail === 1) {
      const { clientX, clientY } = e;
      clearTimeout(centreTimer.current);
      centreTimer.current = setTimeout(() => centre(clientX, clientY), 250);
    }
  };

  return (
    <div
      className={`tile${selected ? ' selected' : ''}${dragOver ? ' drag-over' : ''}${ptzTarget && clickCentreMode && selected ? ' click-centre' : ''}`}
      data-testid={`tile-${index}`}
      data-camera={cameraId ?? ''}
      data-state={cameraId ? state : 'empty'}
      onClick={onTileClick}
      onDoubleClick={() => {
        clearTimeout(centreTimer.current);
        if (cameraId) toggleMaximize(index);
      }}
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
            {ptzTarget && (
              <button
                className={`tile-hud${hudOn ? ' on' : ''}`}
                aria-pressed={hudOn}
                title={t('hud.toggle')}
                data-testid={`hud-toggle-${index}`}
                onClick={(e) => {
                  e.stopPropagation();
                  toggleHud(index);
                }}
                onDoubleClick={(e) => e.stopPropagation()}
              >
                {t('hud.short')}
              </button>
            )}
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
          <div className="tile-body" ref={bodyRef}>
            <div className="tile-stage" ref={stageRef} data-testid={`stage-${index}`} />
            {ptzTarget && hudOn && <PtzHud cameraId={ptzTarget.cameraId} noPicture={state !== 'playing'} lens={ptzTarget.lens} getVideo={frontVideo} testId={`hud-${index}`} />}
            {marker && <span key={marker.key} className="centre-marker" style={{ left: marker.x, top: marker.y }} />}
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

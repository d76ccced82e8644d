import { useEffect, useRef } from 'react';
import { mediaWsUrl } from '../app/connection';
import { TileStage } from '../video/tile-stage';

/** A live thumbnail of a camera's sub stream: one player per pane, alive only while mounted. */
export function PaneThumb({ cameraId }: { cameraId: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const stage = useRef<TileStage | undefined>(undefined);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const s = new TileStage(el, () => undefined);
    stage.current = s;
    return () => {
      s.destroy();
      stage.current = undefined;
    };
  }, []);
  useEffect(() => {
    stage.current?.play(mediaWsUrl(cameraId, 'sub'));
  }, [cameraId]);
  return <div className="wall-thumb" ref={ref} />;
}

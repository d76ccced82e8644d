import { useMemo } from 'react';
import type { CameraView, SiteView, TowerView } from '../../common/contract';
import type { Lens } from '../../common/ptz';
import { useAppStore } from '../app/store';
import type { MessageKey } from '../i18n';
import { lensOf } from './lens';

/** A camera with the tower that carries it. */
export interface PtzTarget {
  cameraId: string;
  camera: CameraView;
  tower: TowerView;
  lens: Lens;
  headId: string | undefined;
}

export function findTower(site: SiteView | null, cameraId: string): { camera: CameraView; tower: TowerView } | undefined {
  for (const tower of site?.towers ?? []) {
    const camera = tower.cameras.find((c) => c.id === cameraId);
    if (camera) return { camera, tower };
  }
  return undefined;
}

/** Camera, tower, lens and head of a camera id, kept stable while the site does not change. */
export function usePtzTarget(cameraId: string | null): PtzTarget | undefined {
  const site = useAppStore((s) => s.site);
  const headId = useAppStore((s) => (cameraId ? s.ptzCameraHead[cameraId] : undefined));
  return useMemo(() => {
    if (!cameraId) return undefined;
    const f = findTower(site, cameraId);
    if (!f || !(f.camera.hasPtz || headId)) return undefined;
    return { cameraId, camera: f.camera, tower: f.tower, lens: lensOf(f.camera), headId };
  }, [site, cameraId, headId]);
}

export const KIND_LABEL: Record<CameraView['kind'], MessageKey> = { visible: 'camera.visible', thermal: 'camera.thermal' };

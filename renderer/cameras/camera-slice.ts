import type { StateCreator } from 'zustand';
import type { CameraStatus, CameraView, SiteView, StreamInfo } from '../../common/contract';
import type { AppState } from '../app/store';

export interface CameraSlice {
  site: SiteView | null;
  cameraStatus: Record<string, CameraStatus>;
  streams: Record<string, StreamInfo>;
}

export const createCameraSlice: StateCreator<AppState, [], [], CameraSlice> = () => ({
  site: null,
  cameraStatus: {},
  streams: {},
});

/** Looks a camera up by id in the loaded site. */
export function findCamera(site: SiteView | null, id: string): { camera: CameraView; towerName: string } | undefined {
  if (!site) return undefined;
  for (const t of site.towers) {
    const camera = t.cameras.find((c) => c.id === id);
    if (camera) return { camera, towerName: t.name };
  }
  return undefined;
}

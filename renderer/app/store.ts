import { create } from 'zustand';
import { createAlertsSlice, type AlertsSlice } from '../alerts/alerts-slice';
import { createAuthSlice, type AuthSlice } from '../auth/auth-slice';
import { createCameraSlice, type CameraSlice } from '../cameras/camera-slice';
import { createDutySlice, type DutySlice } from '../duty/duty-slice';
import { createMapSlice, type MapSlice } from '../map/map-slice';
import { createPtzSlice, type PtzSlice } from '../ptz/ptz-slice';
import { createVideoSlice, type VideoSlice } from '../video/video-slice';
import { createWallSlice, type WallSlice } from '../wall/wall-slice';
import { createHealthSlice, type HealthSlice } from '../health/health-slice';
import { createAppSlice, type AppSlice } from './app-slice';
// demo
import { createDemoSlice, type DemoSlice } from '../demo/demo-slice';

/** The one renderer store, built from per-domain slices. */
export type AppState = AppSlice & AuthSlice & CameraSlice & VideoSlice & PtzSlice & WallSlice & MapSlice & AlertsSlice & DutySlice & HealthSlice & DemoSlice;

export const useAppStore = create<AppState>()((...a) => ({
  ...createAppSlice(...a),
  ...createAuthSlice(...a),
  ...createCameraSlice(...a),
  ...createVideoSlice(...a),
  ...createPtzSlice(...a),
  ...createWallSlice(...a),
  ...createMapSlice(...a),
  ...createAlertsSlice(...a),
  ...createDutySlice(...a),
  // health (运维)
  ...createHealthSlice(...a),
  // demo
  ...createDemoSlice(...a),
}));

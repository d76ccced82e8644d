import type { StateCreator } from 'zustand';
import type { WallLockInfo, WallState } from '../../common/contract';
import type { AppState } from '../app/store';

/** Which workspace the console shows in its main area. */
export type Workspace = 'video' | 'wall' | 'map' | 'duty' | 'alerts' | 'admin' | 'health' | 'demo' | 'conference';

export interface WallSlice {
  workspace: Workspace;
  /** The wall as the host last sent it (null until `wall:get` answers, or without a wall domain). */
  wall: WallState | null;
  /** This console's client id at the host, learnt from the `wall:lock` answer. */
  wallSelfId: string | null;
  /** The window the operator selected on the mirror. */
  wallSelected: string | null;
  /** The pane of the selected window the operator last clicked (0 when none). */
  wallSelectedPane: number;
  /** Last error from a wall command, shown as a banner until dismissed or replaced. */
  wallError: string | null;
  /** The mirror is in "mark the alarm region" mode: a drag draws the region instead of editing windows. */
  wallDrawAlarm: boolean;
  setWorkspace(w: Workspace): void;
  setWallDrawAlarm(on: boolean): void;
  selectWallWindow(id: string | null, pane?: number): void;
  setWallError(e: string | null): void;
  wallLocked(info: WallLockInfo): void;
}

export const createWallSlice: StateCreator<AppState, [], [], WallSlice> = (set) => ({
  workspace: 'video',
  wall: null,
  wallSelfId: null,
  wallSelected: null,
  wallSelectedPane: 0,
  wallError: null,
  wallDrawAlarm: false,
  setWallDrawAlarm: (wallDrawAlarm) => set({ wallDrawAlarm }),
  setWorkspace: (workspace) => set({ workspace }),
  selectWallWindow: (wallSelected, pane = 0) => set({ wallSelected, wallSelectedPane: pane }),
  setWallError: (wallError) => set({ wallError }),
  wallLocked: (info) => set(info ? { wallSelfId: info.clientId } : {}),
});

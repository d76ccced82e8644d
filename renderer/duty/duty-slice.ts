import type { StateCreator } from 'zustand';
import type { SyncStatus } from '../../common/contract';
import type { AppState } from '../app/store';

export type DutyTab = 'shift' | 'handover' | 'check' | 'maintenance' | 'roster' | 'search' | 'reports';

export interface DutySlice {
  /** The sync agent's state as the host last reported it (null until known). */
  dutySync: SyncStatus | null;
  /** Bumped whenever duty records change at the host: views reload. */
  dutyRevision: number;
  dutyTab: DutyTab;
  setDutyTab(t: DutyTab): void;
}

export const createDutySlice: StateCreator<AppState, [], [], DutySlice> = (set) => ({
  dutySync: null,
  dutyRevision: 0,
  dutyTab: 'shift',
  setDutyTab: (dutyTab) => set({ dutyTab }),
});

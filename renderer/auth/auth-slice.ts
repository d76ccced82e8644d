import type { StateCreator } from 'zustand';
import type { AuthStatus, SessionInfo } from '../../common/contract';
import type { AppState } from '../app/store';

export interface AuthSlice {
  /** What the host says about this connection; null until it has answered. */
  auth: AuthStatus | null;
  session: SessionInfo | null;
}

export const createAuthSlice: StateCreator<AppState, [], [], AuthSlice> = () => ({
  auth: null,
  session: null,
});

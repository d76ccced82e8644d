import type { StateCreator } from 'zustand';
import { isOpen, queueOrder, type Alert } from '../../common/alerts';
import type { AppState } from '../app/store';

export interface AlertsSlice {
  /** Every alert the console knows, by id (open ones and the recent closed ones). */
  alerts: Record<string, Alert>;
  /** Alert the operator has put aside for now (the pop shows the next one). */
  alertDeferred: string[];
  setAlerts(list: Alert[]): void;
  alertChanged(a: Alert): void;
  deferAlert(id: string): void;
}

export const createAlertsSlice: StateCreator<AppState, [], [], AlertsSlice> = (set) => ({
  alerts: {},
  alertDeferred: [],
  setAlerts: (list) => set({ alerts: Object.fromEntries(list.map((a) => [a.id, a])) }),
  alertChanged: (a) => set((s) => ({ alerts: { ...s.alerts, [a.id]: a } })),
  deferAlert: (id) => set((s) => ({ alertDeferred: [...s.alertDeferred.filter((x) => x !== id), id] })),
});

/** Alerts waiting for a decision, in the order they are shown: severity, then age; deferred ones last. */
export function pendingAlerts(alerts: Record<string, Alert>, deferred: readonly string[]): Alert[] {
  const rank = (a: Alert) => deferred.indexOf(a.id);
  return Object.values(alerts)
    .filter((a) => a.status === 'new')
    .sort((x, y) => rank(x) - rank(y) || queueOrder(x, y));
}

/** Confirmed fires under observation, oldest first. */
export function observedAlerts(alerts: Record<string, Alert>): Alert[] {
  return Object.values(alerts)
    .filter((a) => a.status === 'confirmed' && isOpen(a))
    .sort((x, y) => (x.observation?.startedAt ?? 0) - (y.observation?.startedAt ?? 0));
}

import type { StateCreator } from 'zustand';
import type { DeviceHealth, LinkSample, Ticket } from '../../common/contract';
import type { AppState } from '../app/store';

export type HealthTab = 'board' | 'tickets' | 'inspections' | 'assets';

export interface HealthSlice {
  /** Every device's state as the host last sent it (empty without the health domain). */
  healthDevices: Record<string, DeviceHealth>;
  /** Recent link latency per tower, for the sparklines. */
  healthLinks: Record<string, LinkSample[]>;
  healthTargetPct: number;
  /** Open tickets and the ones closed while this console watched. */
  healthTickets: Record<string, Ticket>;
  healthTab: HealthTab;
  setHealthTab(t: HealthTab): void;
  healthChanged(devices: DeviceHealth[], links?: Record<string, LinkSample[]>): void;
  ticketChanged(t: Ticket): void;
}

export const createHealthSlice: StateCreator<AppState, [], [], HealthSlice> = (set) => ({
  healthDevices: {},
  healthLinks: {},
  healthTargetPct: 99,
  healthTickets: {},
  healthTab: 'board',
  setHealthTab: (healthTab) => set({ healthTab }),
  healthChanged: (devices, links) =>
    set((s) => ({ healthDevices: { ...s.healthDevices, ...Object.fromEntries(devices.map((d) => [d.id, d])) }, ...(links ? { healthLinks: { ...s.healthLinks, ...links } } : {}) })),
  ticketChanged: (t) => set((s) => ({ healthTickets: { ...s.healthTickets, [t.id]: t } })),
});

/** A tower's overall state for the map and the tree: down when its link is, degraded when anything on it is not well. */
export function towerHealth(devices: Record<string, DeviceHealth>, towerId: string): 'up' | 'degraded' | 'down' | 'unknown' {
  const own = Object.values(devices).filter((d) => d.towerId === towerId);
  if (own.length === 0 || own.every((d) => d.state === 'unknown')) return 'unknown';
  if (devices[`link:${towerId}`]?.state === 'down' || own.filter((d) => d.kind === 'camera' || d.kind === 'thermal').every((d) => d.state === 'down')) return 'down';
  return own.some((d) => d.state === 'down' || d.state === 'degraded') ? 'degraded' : 'up';
}

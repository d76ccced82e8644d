import { useEffect, useState } from 'react';
import type { PtzControl, PtzPriority } from '../../common/contract';
import { useAppStore } from '../app/store';
import type { MessageKey } from '../i18n';
import { selfIdentity } from './self-identity';

/** Who holds a head, as this console sees it. */
export type ControlView =
  | { kind: 'free' }
  | { kind: 'mine'; priority: PtzPriority; until: number }
  | { kind: 'other'; clientId: string; /** The person holding it, or the client id when nobody is named. */ who: string; priority: PtzPriority; until: number; /** Held by this tab's connection before a reload or reconnect. */ former: boolean };

export const PRIORITY_LABEL: Record<PtzPriority, MessageKey> = {
  operator: 'ptz.priority.operator',
  leader: 'ptz.priority.leader',
  alarm: 'ptz.priority.alarm',
};

/** Reads a control record at host time `hostNow` (an expired hold is free even before the host says so). */
export function controlView(c: PtzControl | undefined, hostNow: number): ControlView {
  const h = c?.holder;
  if (!c || !h || h.until <= hostNow) return { kind: 'free' };
  if (selfIdentity.isMine(c.headId, h.clientId, h.until)) return { kind: 'mine', priority: h.priority, until: h.until };
  return { kind: 'other', clientId: h.clientId, who: h.who ?? h.clientId, priority: h.priority, until: h.until, former: selfIdentity.formerIds().includes(h.clientId) };
}

/** The control state of a camera's head, re-read every second so an expiring hold frees the controls. */
export function useControlView(headId: string | undefined): ControlView {
  const control = useAppStore((s) => (headId ? s.ptzControl[headId] : undefined));
  const offset = useAppStore((s) => s.clockOffsetMs);
  useAppStore((s) => s.ptzSelfId);
  const [now, setNow] = useState(() => Date.now());
  const held = control?.holder !== null && control?.holder !== undefined;
  useEffect(() => {
    if (!held) return;
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, [held]);
  return controlView(control, now + offset);
}

/** A host time as HH:MM:SS in the site's time zone. */
export function siteClock(ms: number, timeZone: string | undefined, lang: string): string {
  return new Intl.DateTimeFormat(lang, { timeZone: timeZone ?? 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(
    new Date(ms),
  );
}

import type { DemoAction, DemoState } from '../../common/contract';
import type { MessageKey } from '../i18n';

/**
 * Presenter commands as data: the keyboard, a presenter clicker (it sends PageUp/PageDown/B), the
 * touch controller and the joystick buttons all fire the same ids.
 */
export const DEMO_COMMANDS = [
  { id: 'demo.next', label: 'demo.next', keys: ['ArrowRight', 'PageDown', ' '] },
  { id: 'demo.prev', label: 'demo.prev', keys: ['ArrowLeft', 'PageUp'] },
  // Clickers send "b" or "." for their blank-screen button; again resumes.
  { id: 'demo.blank', label: 'demo.blank', keys: ['b', 'B', '.'] },
  { id: 'demo.exit', label: 'demo.exit', keys: ['Escape'] },
] as const satisfies readonly { id: string; label: MessageKey; keys: readonly string[] }[];

export type DemoCommandId = (typeof DEMO_COMMANDS)[number]['id'];

/** The command a key fires, if any. */
export function demoCommandOfKey(key: string): DemoCommandId | null {
  return DEMO_COMMANDS.find((c) => (c.keys as readonly string[]).includes(key))?.id ?? null;
}

/** What the host is asked to do for a command, given the player's state. */
export function demoActionOf(id: DemoCommandId, s: Pick<DemoState, 'status'>): DemoAction {
  switch (id) {
    case 'demo.next':
      return 'next';
    case 'demo.prev':
      return 'prev';
    case 'demo.blank':
      return s.status === 'paused' ? 'resume' : 'blank';
    case 'demo.exit':
      return 'stop';
  }
}

/**
 * Whether a key goes to the tour. While an alert holds the tour, only blank/resume does: the arrows
 * and Escape are the operator's again, for the alert.
 */
export function demoTakesKey(id: DemoCommandId, s: Pick<DemoState, 'status' | 'pausedBy'>): boolean {
  if (s.status === 'idle') return false;
  return s.pausedBy !== 'alert' || id === 'demo.blank';
}

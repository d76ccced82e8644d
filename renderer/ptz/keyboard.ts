import type { MessageKey } from '../i18n';
import type { PtzCommandId } from './commands';

/**
 * Keyboard bindings of the console grid, by `KeyboardEvent.code` (the physical key, so an IME
 * or a non-US layout does not change them).
 */
export const KEY_BINDINGS: Readonly<Record<string, PtzCommandId>> = {
  ArrowUp: 'ptz.up',
  ArrowDown: 'ptz.down',
  ArrowLeft: 'ptz.left',
  ArrowRight: 'ptz.right',
  KeyW: 'ptz.up',
  KeyS: 'ptz.down',
  KeyA: 'ptz.left',
  KeyD: 'ptz.right',
  Equal: 'ptz.zoomIn',
  NumpadAdd: 'ptz.zoomIn',
  Minus: 'ptz.zoomOut',
  NumpadSubtract: 'ptz.zoomOut',
  BracketLeft: 'ptz.focusNear',
  BracketRight: 'ptz.focusFar',
  KeyF: 'ptz.focusAuto',
  Space: 'ptz.stop',
  Digit1: 'ptz.preset1',
  Digit2: 'ptz.preset2',
  Digit3: 'ptz.preset3',
  Digit4: 'ptz.preset4',
  Digit5: 'ptz.preset5',
  Digit6: 'ptz.preset6',
  Digit7: 'ptz.preset7',
  Digit8: 'ptz.preset8',
  Numpad1: 'ptz.preset1',
  Numpad2: 'ptz.preset2',
  Numpad3: 'ptz.preset3',
  Numpad4: 'ptz.preset4',
  Numpad5: 'ptz.preset5',
  Numpad6: 'ptz.preset6',
  Numpad7: 'ptz.preset7',
  Numpad8: 'ptz.preset8',
  KeyN: 'ptz.nextCamera',
  KeyC: 'ptz.clickCentre',
  KeyH: 'ptz.hud',
};

/** Keys shown in the help text, grouped as an operator reads them. */
export const KEY_HELP: readonly { keys: string; label: MessageKey }[] = [
  { keys: '↑ ↓ ← →  W S A D', label: 'ptz.help.keyMove' },
  { keys: '+  −', label: 'ptz.help.keyZoom' },
  { keys: '[  ]  F', label: 'ptz.help.keyFocus' },
  { keys: '1 … 8', label: 'ptz.help.keyPreset' },
  { keys: 'Space', label: 'ptz.help.keyStop' },
  { keys: 'N', label: 'ptz.help.keyNext' },
  { keys: 'C', label: 'ptz.help.keyCentre' },
  { keys: 'H', label: 'ptz.help.keyHud' },
];

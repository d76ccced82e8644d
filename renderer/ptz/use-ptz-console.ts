import { useCallback, useEffect, useMemo, type FocusEvent, type KeyboardEvent } from 'react';
import { PTZ_LIMITS } from '../../common/ptz';
import { useAppStore } from '../app/store';
import type { AppState } from '../app/store';
import { HeldCommands, type InputSource, type PtzCommandContext } from './commands';
import { KEY_BINDINGS } from './keyboard';
import { focusCamera, hasPtz, loadPresets } from './ptz-client';
import { useGamepad } from './use-gamepad';

/** Camera of the console's selected tile when it has PTZ. */
export function selectedPtzCamera(s: AppState): string | null {
  const id = s.tiles[s.maximizedTile ?? s.selectedTile] ?? null;
  return hasPtz(id) ? id : null;
}

/** What a console command acts on: the selected tile's camera at the pad's speed. */
export function consoleContext(source: InputSource): PtzCommandContext {
  const s = useAppStore.getState();
  return {
    cameraId: selectedPtzCamera(s),
    source,
    speed: s.ptzSpeedLevel / PTZ_LIMITS.speedLevels,
    nextCamera: (step) => {
      const st = useAppStore.getState();
      if (st.maximizedTile !== null) return;
      const n = st.layout;
      for (let k = 1; k <= n; k++) {
        const i = (((st.selectedTile + step * k) % n) + n) % n;
        if (hasPtz(st.tiles[i])) {
          st.selectTile(i);
          return;
        }
      }
    },
    toggleHud: () => {
      const st = useAppStore.getState();
      st.toggleHud(st.maximizedTile ?? st.selectedTile);
    },
  };
}

/**
 * Console-wide PTZ wiring: the joystick, and the rule that switching the selected tile to
 * another camera stops the previous camera's motion. Presets of the newly selected camera are
 * fetched once.
 */
export function usePtzConsole(): void {
  const joystickContext = useCallback(() => consoleContext('joystick'), []);
  useGamepad(joystickContext);
  useEffect(() => {
    let current = selectedPtzCamera(useAppStore.getState());
    const fetchPresets = (cam: string | null) => {
      const s = useAppStore.getState();
      const head = cam ? s.ptzCameraHead[cam] : undefined;
      if (cam && s.ptzService === 'ready' && (!head || !s.ptzPresets[head])) void loadPresets(cam);
    };
    fetchPresets(current);
    return useAppStore.subscribe((s, prev) => {
      const cam = selectedPtzCamera(s);
      if (cam !== current) {
        current = cam;
        focusCamera(cam);
        fetchPresets(cam);
      } else if (s.ptzService !== prev.ptzService) fetchPresets(cam);
    });
  }, []);
}

/**
 * Keyboard PTZ for the grid: hold a key to move, release to stop; key repeat is ignored, and
 * leaving the grid releases whatever was held (its key-up would never arrive).
 */
export function usePtzKeys(): { onKeyDown: (e: KeyboardEvent) => void; onKeyUp: (e: KeyboardEvent) => void; onBlur: (e: FocusEvent) => void } {
  const held = useMemo(() => new HeldCommands(), []);
  useEffect(() => {
    const onHidden = () => held.releaseAll();
    window.addEventListener('blur', onHidden);
    return () => {
      window.removeEventListener('blur', onHidden);
      held.releaseAll();
    };
  }, [held]);
  return {
    onKeyDown: (e) => {
      if (e.ctrlKey || e.altKey || e.metaKey || isTyping(e.target)) return;
      const id = KEY_BINDINGS[e.code];
      if (!id) return;
      e.preventDefault();
      if (e.repeat) return;
      held.press(e.code, id, consoleContext('keys'));
    },
    onKeyUp: (e) => {
      if (KEY_BINDINGS[e.code]) e.preventDefault();
      held.release(e.code);
    },
    onBlur: (e) => {
      if (!e.currentTarget.contains(e.relatedTarget as Node | null)) held.releaseAll();
    },
  };
}

function isTyping(t: EventTarget | null): boolean {
  return t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement || (t instanceof HTMLElement && t.isContentEditable);
}

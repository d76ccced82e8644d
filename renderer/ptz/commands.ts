import type { PtzVelocity } from '../../common/ptz';
import { useAppStore } from '../app/store';
import type { MessageKey } from '../i18n';
import { DIRECTIONS, PRESET_SLOTS, type DirectionId, type PtzCommandId } from './command-ids';
import * as ptz from './ptz-client';

export { PRESET_SLOTS, PTZ_COMMAND_IDS, isPtzCommandId, commandLabel, type DirectionId, type PtzCommandId } from './command-ids';

/**
 * Operator PTZ commands as data: keys, joystick buttons, the arrow pad and touch buttons all
 * bind to these ids, so a command behaves the same whichever input fires it.
 */

/** Which input fired a command; held wishes of different inputs add up instead of cancelling. */
export type InputSource = 'keys' | 'pad' | 'joystick' | 'touch';

export interface PtzCommandContext {
  /** Camera the command acts on; commands do nothing without one. */
  cameraId: string | null;
  source: InputSource;
  /** Magnitude of a direction command's pan/tilt velocity, 0…1 (the speed level / 64). */
  speed: number;
  /** Steps to the next (1) or previous (-1) PTZ camera of the surface the command came from. */
  nextCamera(step: 1 | -1): void;
  /** Switches the HUD of the surface's current view on or off. */
  toggleHud?(): void;
}

export interface PtzCommand {
  id: PtzCommandId;
  label: MessageKey;
  /** A held command acts from press to release (hold to move, release to stop); others act once on press. */
  hold: boolean;
  perform(ctx: PtzCommandContext): void;
  release?(ctx: PtzCommandContext): void;
}

/** Zoom velocity of the zoom rockers and keys: 1x → 32x in about 8 s. */
export const ZOOM_RATE = 0.5;

const inputKey = (ctx: PtzCommandContext, id: PtzCommandId) => `${ctx.source}:${id}`;

/** An action on the context's camera; without a camera the command does nothing. */
const onCamera =
  (fn: (cameraId: string, ctx: PtzCommandContext) => void) =>
  (ctx: PtzCommandContext): void => {
    if (ctx.cameraId) fn(ctx.cameraId, ctx);
  };

function heldMotion(id: PtzCommandId, label: MessageKey, velocity: (ctx: PtzCommandContext) => PtzVelocity): PtzCommand {
  return {
    id,
    label,
    hold: true,
    perform: onCamera((cam, ctx) => ptz.setMotion(cam, inputKey(ctx, id), velocity(ctx))),
    release: onCamera((cam, ctx) => ptz.setMotion(cam, inputKey(ctx, id), null)),
  };
}

function focusHold(id: PtzCommandId, label: MessageKey, dir: 'near' | 'far'): PtzCommand {
  return {
    id,
    label,
    hold: true,
    perform: onCamera((cam) => ptz.focusDrive(cam, dir)),
    release: onCamera((cam) => ptz.focusDrive(cam, null)),
  };
}

const list: PtzCommand[] = [
  ...Object.entries(DIRECTIONS).map(([id, d]) =>
    heldMotion(id as DirectionId, d.label, (ctx) => ({ pan: d.pan * ctx.speed, tilt: d.tilt * ctx.speed, zoom: 0 })),
  ),
  heldMotion('ptz.zoomIn', 'ptz.cmd.zoomIn', () => ({ pan: 0, tilt: 0, zoom: ZOOM_RATE })),
  heldMotion('ptz.zoomOut', 'ptz.cmd.zoomOut', () => ({ pan: 0, tilt: 0, zoom: -ZOOM_RATE })),
  focusHold('ptz.focusNear', 'ptz.cmd.focusNear', 'near'),
  focusHold('ptz.focusFar', 'ptz.cmd.focusFar', 'far'),
  { id: 'ptz.focusAuto', label: 'ptz.cmd.focusAuto', hold: false, perform: onCamera((cam) => void ptz.focusAuto(cam)) },
  { id: 'ptz.stop', label: 'ptz.cmd.stop', hold: false, perform: onCamera((cam) => ptz.stop(cam)) },
  ...PRESET_SLOTS.map(
    (n): PtzCommand => ({
      id: `ptz.preset${n}`,
      label: `ptz.cmd.preset${n}`,
      hold: false,
      perform: onCamera((cam) => void ptz.gotoPreset(cam, n)),
    }),
  ),
  { id: 'ptz.nextCamera', label: 'ptz.cmd.nextCamera', hold: false, perform: (ctx) => ctx.nextCamera(1) },
  { id: 'ptz.prevCamera', label: 'ptz.cmd.prevCamera', hold: false, perform: (ctx) => ctx.nextCamera(-1) },
  {
    id: 'ptz.clickCentre',
    label: 'ptz.cmd.clickCentre',
    hold: false,
    perform: () => useAppStore.getState().setClickCentre(!useAppStore.getState().ptzClickCentre),
  },
  { id: 'ptz.hud', label: 'ptz.cmd.hud', hold: false, perform: (ctx) => ctx.toggleHud?.() },
];

/** Every operator PTZ command by id. */
export const PTZ_COMMANDS: Readonly<Record<PtzCommandId, PtzCommand>> = Object.fromEntries(list.map((c) => [c.id, c])) as Record<
  PtzCommandId,
  PtzCommand
>;

/** The pan/tilt direction of a direction command (for drawing arrows). */
export const directionOf = (id: DirectionId): { pan: number; tilt: number } => DIRECTIONS[id];

/**
 * Tracks which commands an input surface holds, so each is released exactly once and a lost
 * release (focus moved away, gamepad unplugged) can be made good by `releaseAll`.
 */
export class HeldCommands {
  private readonly held = new Map<string, { cmd: PtzCommand; ctx: PtzCommandContext }>();

  /** Fires a command for a press of `trigger` (a key code, button index…); a second press of a held trigger is ignored. */
  press(trigger: string, id: PtzCommandId, ctx: PtzCommandContext): void {
    if (this.held.has(trigger)) return;
    const cmd = PTZ_COMMANDS[id];
    cmd.perform(ctx);
    if (cmd.hold) this.held.set(trigger, { cmd, ctx });
  }

  /** Releases whatever `trigger` holds, with the context it was pressed in (the camera may have changed since). */
  release(trigger: string): void {
    const h = this.held.get(trigger);
    if (!h) return;
    this.held.delete(trigger);
    h.cmd.release?.(h.ctx);
  }

  releaseAll(): void {
    for (const t of [...this.held.keys()]) this.release(t);
  }

  get size(): number {
    return this.held.size;
  }
}

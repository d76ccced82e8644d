import type { MessageKey } from '../i18n';

/** Ids of the operator PTZ commands (the records are in commands.ts); free of runtime dependencies so bindings can be checked anywhere. */

export const DIRECTIONS = {
  'ptz.up': { pan: 0, tilt: 1, label: 'ptz.cmd.up' },
  'ptz.down': { pan: 0, tilt: -1, label: 'ptz.cmd.down' },
  'ptz.left': { pan: -1, tilt: 0, label: 'ptz.cmd.left' },
  'ptz.right': { pan: 1, tilt: 0, label: 'ptz.cmd.right' },
  'ptz.upLeft': { pan: -1, tilt: 1, label: 'ptz.cmd.upLeft' },
  'ptz.upRight': { pan: 1, tilt: 1, label: 'ptz.cmd.upRight' },
  'ptz.downLeft': { pan: -1, tilt: -1, label: 'ptz.cmd.downLeft' },
  'ptz.downRight': { pan: 1, tilt: -1, label: 'ptz.cmd.downRight' },
} as const satisfies Record<string, { pan: number; tilt: number; label: MessageKey }>;

export type DirectionId = keyof typeof DIRECTIONS;
export const PRESET_SLOTS = [1, 2, 3, 4, 5, 6, 7, 8] as const;
type PresetCommandId = `ptz.preset${(typeof PRESET_SLOTS)[number]}`;

export const PTZ_COMMAND_IDS = [
  ...(Object.keys(DIRECTIONS) as DirectionId[]),
  'ptz.zoomIn',
  'ptz.zoomOut',
  'ptz.focusNear',
  'ptz.focusFar',
  'ptz.focusAuto',
  'ptz.stop',
  ...PRESET_SLOTS.map((n): PresetCommandId => `ptz.preset${n}`),
  'ptz.nextCamera',
  'ptz.prevCamera',
  'ptz.clickCentre',
  'ptz.hud',
] as const;

export type PtzCommandId = DirectionId | PresetCommandId | (typeof PTZ_COMMAND_IDS)[number];

const ID_SET: ReadonlySet<string> = new Set(PTZ_COMMAND_IDS);
export const isPtzCommandId = (s: string): s is PtzCommandId => ID_SET.has(s);

/** Label of each command (for help, settings and tooltips). */
export const commandLabel = (id: PtzCommandId): MessageKey => `ptz.cmd.${id.slice(4) as CommandSuffix}`;
type CommandSuffix = PtzCommandId extends `ptz.${infer S}` ? S : never;

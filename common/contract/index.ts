import type { z } from 'zod';
import { alertCommands, alertEvents } from './alerts';
import { appCommands, appEvents } from './app';
import { authCommands, authEvents } from './auth';
import { dutyCommands, dutyEvents } from './duty';
import { mapCommands, mapEvents } from './map';
import { ptzCommands, ptzEvents } from './ptz';
import { siteCommands, siteEvents } from './site';
import { streamCommands, streamEvents } from './stream';
import { wallCommands, wallEvents } from './wall';
// health (运维)
import { healthCommands, healthEvents } from './health';
// demo
import { demoCommands, demoEvents } from './demo';
// conference
import { conferenceCommands, conferenceEvents } from './conference';

export * from './alerts';
export * from './errors';
export * from './app';
export * from './auth';
export * from './duty';
export * from './map';
export * from './ptz';
export * from './site';
export * from './stream';
export * from './wall';
export * from './wire';
// health (运维)
export * from './health';
// demo
export * from './demo';
// conference
export * from './conference';

/** Every command the host answers, keyed `domain:verb`. */
export const commands = {
  ...appCommands,
  ...authCommands,
  ...siteCommands,
  ...streamCommands,
  ...ptzCommands,
  ...wallCommands,
  ...alertCommands,
  ...dutyCommands,
  ...mapCommands,
  // health (运维)
  ...healthCommands,
  // demo
  ...demoCommands,
  // conference
  ...conferenceCommands,
} as const;

/** Every event the host pushes. */
export const events = {
  ...appEvents,
  ...authEvents,
  ...siteEvents,
  ...streamEvents,
  ...ptzEvents,
  ...wallEvents,
  ...alertEvents,
  ...dutyEvents,
  ...mapEvents,
  // health (运维)
  ...healthEvents,
  // demo
  ...demoEvents,
  // conference
  ...conferenceEvents,
} as const;

export type CommandName = keyof typeof commands;
export type EventName = keyof typeof events;

/** The whole host API: arguments and result of each command. */
export type HostApi = {
  [K in CommandName]: { args: z.input<(typeof commands)[K]['args']>; result: z.output<(typeof commands)[K]['result']> };
};

/** Payload of each host event. */
export type HostEvents = { [K in EventName]: z.output<(typeof events)[K]> };

export { COMMAND_ACCESS, type CommandAccess } from './access';

export const isCommandName = (s: string): s is CommandName => Object.hasOwn(commands, s);

import { z } from 'zod';
import { command } from './define';

/** Facts about the running host, shown in the status bar and the about box. */
export const AppInfo = z.object({
  version: z.string(),
  siteId: z.string(),
  siteName: z.string(),
  simulated: z.boolean(),
  hostTime: z.number(),
  startedAt: z.number(),
});
export type AppInfo = z.infer<typeof AppInfo>;

export const appCommands = {
  'app:info': command(z.object({}).strict(), AppInfo),
  'app:ping': command(z.object({ sentAt: z.number() }).strict(), z.object({ sentAt: z.number(), hostTime: z.number() })),
} as const;

export const appEvents = {
  /** Periodic host clock tick; lets the status bar show host time and detect a silent link. */
  'app:tick': z.object({ hostTime: z.number() }),
} as const;

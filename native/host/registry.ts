import type { z } from 'zod';
import type { commands, CommandName, HostApi } from '../../common/contract';

/** Who sent a command; grows into an authenticated operator (roles, permissions). */
export interface CallContext {
  clientId: string;
}

export type Handler<K extends CommandName> = (
  args: z.output<(typeof commands)[K]['args']>,
  ctx: CallContext,
) => Promise<HostApi[K]['result']> | HostApi[K]['result'];

export type HandlerMap = { [K in CommandName]?: Handler<K> };

/** Holds the command handlers each domain registers for its own `domain:*` commands. */
export class HandlerRegistry {
  private readonly handlers: HandlerMap = {};

  register(map: HandlerMap): void {
    for (const name of Object.keys(map) as CommandName[]) {
      if (this.handlers[name]) throw new Error(`handler for ${name} registered twice`);
      (this.handlers as Record<string, unknown>)[name] = map[name];
    }
  }

  get<K extends CommandName>(name: K): Handler<K> | undefined {
    return this.handlers[name] as Handler<K> | undefined;
  }
}

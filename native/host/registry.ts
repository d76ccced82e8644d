import type { z } from 'zod';
import type { CommandSpec } from '../../common/contract/define';
import type { commands, CommandName, EventName, HostApi, HostEvents, SessionUser } from '../../common/contract';

/** The device name of the console on this machine (the one holding the host token). */
export const LOCAL_CONSOLE = '本机控制台';

/** The device a connection came through: the local console (host token) or one with its own token. */
export interface DeviceIdentity {
  id: string;
  name: string;
  kind: string;
}

/** A person's signed-in session; shared by the connections of one console (reconnects, reloads). */
export interface Session {
  readonly token: string;
  user: SessionUser;
  /** Last time the person did something (a command that changes something, or reported input). */
  lastActivity: number;
  /** Timed out while idle: only the same person's password opens it again. */
  locked: boolean;
  mustChangePassword: boolean;
}

/** Who sent a command: the connection, the device it came through and the person signed in on it. */
export interface CallContext {
  clientId: string;
  device: DeviceIdentity;
  remoteAddress: string;
  /** The person signed in on this connection, if any; set by the auth commands. */
  session?: Session;
  /** Sends an event to this connection only. */
  push<E extends EventName>(name: E, payload: HostEvents[E]): void;
}

/** A context for calls that come from inside the host (schedulers, tests), not from a connection. */
export function systemContext(clientId = 'system'): CallContext {
  return { clientId, device: { id: 'host', name: 'host', kind: 'host' }, remoteAddress: '-', push: () => undefined };
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

/** The handlers of one domain's command table, every command present. */
export type DomainHandlers<C extends Record<string, CommandSpec>> = {
  [K in keyof C]: (args: z.output<C[K]['args']>, ctx: CallContext) => Promise<z.output<C[K]['result']>>;
};

import type { CommandName, HostApi } from '../../common/contract';
import { host } from '../app/connection';
import { CallError } from '../app/host-client';
import { useAppStore } from '../app/store';

/** The host's error in one line an operator can read: the message, then each issue. */
export function errorText(e: unknown): string {
  if (e instanceof CallError) {
    const issues = e.error.issues?.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)) ?? [];
    return [e.error.message, ...issues].join(' — ');
  }
  return e instanceof Error ? e.message : String(e);
}

/**
 * Runs a wall edit. The first edit of this console takes the lock explicitly, so the console learns
 * its own client id (the lock's holder) and can tell "held by me" from "held by someone else".
 * Errors go to the banner; the answer (or undefined) is returned.
 */
export async function wallEdit<K extends CommandName>(name: K, args: HostApi[K]['args']): Promise<HostApi[K]['result'] | undefined> {
  const st = useAppStore.getState();
  try {
    if (!st.wallSelfId || st.wall?.lock?.clientId !== st.wallSelfId) st.wallLocked(await host().call('wall:lock', {}));
    const r = await host().call(name, args);
    useAppStore.getState().setWallError(null);
    return r;
  } catch (e) {
    useAppStore.getState().setWallError(errorText(e));
    return undefined;
  }
}

/** A wall command that needs no lock (scenes list, export, …); errors go to the banner. */
export async function wallCall<K extends CommandName>(name: K, args: HostApi[K]['args']): Promise<HostApi[K]['result'] | undefined> {
  try {
    return await host().call(name, args);
  } catch (e) {
    useAppStore.getState().setWallError(errorText(e));
    return undefined;
  }
}

import { z } from 'zod';
import { type HostError } from './errors';

/** Messages from a client to the host over the WebSocket. Spec: docs/host-protocol.md. */
export const ClientMessage = z.discriminatedUnion('t', [
  z.object({ t: z.literal('call'), id: z.number().int().nonnegative(), name: z.string().max(64), args: z.unknown() }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

/** Messages from the host to a client. */
export type ServerMessage =
  | { t: 'hello'; protocol: 1; hostTime: number; /** This connection's id, as PTZ holders and audit rows name it. */ clientId: string }
  | { t: 'result'; id: number; ok: true; value: unknown }
  | { t: 'result'; id: number; ok: false; error: HostError }
  | { t: 'error'; error: HostError }
  | { t: 'event'; name: string; payload: unknown };

export const PROTOCOL_VERSION = 1;
/** Largest inbound WebSocket message the host accepts, bytes. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

import { z } from 'zod';

/** Machine-readable error codes a host reply can carry. */
export const ErrorCode = z.enum([
  'bad_message',
  'unknown_command',
  'invalid_args',
  'not_found',
  'unauthorized',
  'forbidden',
  'conflict',
  'unavailable',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** A typed error reply: a code, a human-readable message and optional detail (e.g. validation issues). */
export const HostError = z.object({
  code: ErrorCode,
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type HostError = z.infer<typeof HostError>;

/** Thrown by handlers to produce a typed error reply. */
export class HostFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues?: { path: string; message: string }[],
  ) {
    super(message);
    this.name = 'HostFailure';
  }
  toJSON(): HostError {
    return { code: this.code, message: this.message, ...(this.issues ? { issues: this.issues } : {}) };
  }
}

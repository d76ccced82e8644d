import type { z } from 'zod';

/** A command: a zod schema for its arguments and one for its result. */
export interface CommandSpec<A extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  readonly args: A;
  readonly result: R;
}

export const command = <A extends z.ZodType, R extends z.ZodType>(args: A, result: R): CommandSpec<A, R> => ({ args, result });

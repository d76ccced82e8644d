import { type z } from 'zod';
import {
  ClientMessage,
  commands,
  HostFailure,
  isCommandName,
  MAX_MESSAGE_BYTES,
  type HostError,
  type ServerMessage,
} from '../../common/contract';
import { formatPath } from '../../common/site';
import type { CommandName } from '../../common/contract';
import type { CallContext, HandlerRegistry } from './registry';

export type Logger = (level: 'debug' | 'info' | 'warn' | 'error', msg: string) => void;

/**
 * Access control around every handler: `admit` refuses (returns the failure) or lets a call through;
 * `done` hears how an admitted or refused call ended, for the audit trail.
 */
export interface CallGate {
  admit(name: CommandName, ctx: CallContext): HostFailure | undefined;
  done(name: CommandName, args: unknown, ctx: CallContext, outcome: 'ok' | 'denied' | 'failed', error?: HostError): void;
}

const issuesOf = (err: z.ZodError) => err.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));

/**
 * Turns one raw inbound message into exactly one reply. Never throws: malformed JSON, unknown
 * commands, bad arguments and handler failures all become typed error replies.
 */
export async function dispatch(raw: string | Buffer, registry: HandlerRegistry, ctx: CallContext, log: Logger, gate?: CallGate): Promise<ServerMessage> {
  const size = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.length;
  if (size > MAX_MESSAGE_BYTES) {
    log('warn', `client ${ctx.clientId}: message of ${size} bytes refused (limit ${MAX_MESSAGE_BYTES})`);
    return { t: 'error', error: { code: 'bad_message', message: `message too large: ${size} bytes, limit ${MAX_MESSAGE_BYTES}` } };
  }
  let json: unknown;
  try {
    json = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch (e) {
    log('warn', `client ${ctx.clientId}: malformed JSON: ${(e as Error).message}`);
    return { t: 'error', error: { code: 'bad_message', message: `malformed JSON: ${(e as Error).message}` } };
  }
  const msg = ClientMessage.safeParse(json);
  if (!msg.success) {
    // Only an id that survives a round trip through JSON can be echoed (1e400 parses to Infinity, sent back as null).
    const raw = typeof json === 'object' && json !== null ? (json as { id?: unknown }).id : undefined;
    const id = typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0 ? raw : undefined;
    const error: HostError = { code: 'bad_message', message: 'message does not match the protocol', issues: issuesOf(msg.error) };
    log('warn', `client ${ctx.clientId}: bad message: ${error.issues?.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    return id === undefined ? { t: 'error', error } : { t: 'result', id, ok: false, error };
  }
  const { id, name, args } = msg.data;
  if (!isCommandName(name)) {
    log('warn', `client ${ctx.clientId}: unknown command ${JSON.stringify(name)}`);
    return { t: 'result', id, ok: false, error: { code: 'unknown_command', message: `unknown command: ${name}` } };
  }
  // Who may call comes before what they sent: a caller without the right learns nothing from the parser.
  const refused = gate?.admit(name, ctx);
  if (refused) {
    gate?.done(name, args, ctx, 'denied', refused.toJSON());
    return { t: 'result', id, ok: false, error: refused.toJSON() };
  }
  const spec = commands[name];
  const parsedArgs = spec.args.safeParse(args ?? {});
  if (!parsedArgs.success) {
    const issues = issuesOf(parsedArgs.error);
    log('warn', `client ${ctx.clientId}: ${name}: invalid arguments: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    return { t: 'result', id, ok: false, error: { code: 'invalid_args', message: `invalid arguments for ${name}`, issues } };
  }
  const handler = registry.get(name);
  if (!handler) {
    return { t: 'result', id, ok: false, error: { code: 'unavailable', message: `${name} is not available on this host` } };
  }
  const reply = await run(name, handler as (a: unknown, c: CallContext) => unknown, parsedArgs.data, ctx, log);
  if (reply.ok) gate?.done(name, parsedArgs.data, ctx, 'ok');
  else gate?.done(name, parsedArgs.data, ctx, reply.error.code === 'forbidden' || reply.error.code === 'unauthorized' ? 'denied' : 'failed', reply.error);
  return { t: 'result', id, ...reply };
}

type Reply = { ok: true; value: unknown } | { ok: false; error: HostError };

async function run(name: CommandName, handler: (a: unknown, c: CallContext) => unknown, args: unknown, ctx: CallContext, log: Logger): Promise<Reply> {
  try {
    const value: unknown = await handler(args, ctx);
    // Results are checked too, so a handler bug shows up as a clear error rather than a confused renderer.
    const checked = commands[name].result.safeParse(value);
    if (!checked.success) {
      log('error', `${name}: handler returned a result that does not match the contract: ${issuesOf(checked.error).map((i) => `${i.path}: ${i.message}`).join('; ')}`);
      return { ok: false, error: { code: 'internal', message: `${name} produced an invalid result` } };
    }
    return { ok: true, value: checked.data };
  } catch (e) {
    if (e instanceof HostFailure) return { ok: false, error: e.toJSON() };
    log('error', `${name}: ${(e as Error).stack ?? String(e)}`);
    return { ok: false, error: { code: 'internal', message: `${name} failed: ${(e as Error).message}` } };
  }
}

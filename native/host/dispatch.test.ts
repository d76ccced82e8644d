import { describe, expect, it } from 'vitest';
import { HostFailure } from '../../common/contract';
import { dispatch, type Logger } from './dispatch';
import { HandlerRegistry, systemContext } from './registry';

const logged: string[] = [];
const log: Logger = (level, msg) => logged.push(`${level}: ${msg}`);
const ctx = systemContext('test');

function registry(): HandlerRegistry {
  const r = new HandlerRegistry();
  r.register({
    'app:ping': ({ sentAt }) => ({ sentAt, hostTime: 1 }),
    'app:info': () => {
      throw new HostFailure('unavailable', 'not now');
    },
    // A handler that breaks its contract: the result must not reach the client unchecked.
    'camera:statusList': () => [{ cameraId: 1 }] as never,
    'stream:list': () => {
      throw new Error('boom');
    },
  });
  return r;
}

describe('dispatch', () => {
  it('answers a valid call', async () => {
    const r = await dispatch(JSON.stringify({ t: 'call', id: 7, name: 'app:ping', args: { sentAt: 5 } }), registry(), ctx, log);
    expect(r).toEqual({ t: 'result', id: 7, ok: true, value: { sentAt: 5, hostTime: 1 } });
  });

  it.each([
    ['not json', '{{{', 'bad_message'],
    ['wrong shape', JSON.stringify({ hello: 1 }), 'bad_message'],
    ['too large', JSON.stringify({ t: 'call', id: 1, name: 'app:ping', args: { pad: 'x'.repeat(300_000) } }), 'bad_message'],
  ])('replies with a typed error to %s', async (_label, raw, code) => {
    const r = await dispatch(raw, registry(), ctx, log);
    expect(r.t === 'error' || (r.t === 'result' && !r.ok)).toBe(true);
    if (r.t === 'error') expect(r.error.code).toBe(code);
  });

  it('keeps the id of a malformed call so the client can match the error', async () => {
    const r = await dispatch(JSON.stringify({ t: 'call', id: 3, name: 42 }), registry(), ctx, log);
    expect(r).toMatchObject({ t: 'result', id: 3, ok: false, error: { code: 'bad_message' } });
  });

  it('rejects unknown commands and invalid arguments with details', async () => {
    const u = await dispatch(JSON.stringify({ t: 'call', id: 1, name: 'wall:explode', args: {} }), registry(), ctx, log);
    expect(u).toMatchObject({ ok: false, error: { code: 'unknown_command' } });
    const a = await dispatch(JSON.stringify({ t: 'call', id: 2, name: 'app:ping', args: { sentAt: 'now', extra: 1 } }), registry(), ctx, log);
    expect(a).toMatchObject({ ok: false, error: { code: 'invalid_args' } });
    if (a.t === 'result' && !a.ok) expect(a.error.issues?.map((i) => i.path)).toContain('sentAt');
  });

  it('turns handler failures into typed errors and never throws', async () => {
    const reg = registry();
    const f = await dispatch(JSON.stringify({ t: 'call', id: 1, name: 'app:info', args: {} }), reg, ctx, log);
    expect(f).toMatchObject({ ok: false, error: { code: 'unavailable', message: 'not now' } });
    const bad = await dispatch(JSON.stringify({ t: 'call', id: 2, name: 'camera:statusList', args: {} }), reg, ctx, log);
    expect(bad).toMatchObject({ ok: false, error: { code: 'internal' } });
    const boom = await dispatch(JSON.stringify({ t: 'call', id: 3, name: 'stream:list', args: {} }), reg, ctx, log);
    expect(boom).toMatchObject({ ok: false, error: { code: 'internal', message: 'stream:list failed: boom' } });
    const missing = await dispatch(JSON.stringify({ t: 'call', id: 4, name: 'site:get', args: {} }), reg, ctx, log);
    expect(missing).toMatchObject({ ok: false, error: { code: 'unavailable' } });
  });
});

import { describe, expect, it } from 'vitest';
import { SelfIdentity } from './self-identity';

describe('SelfIdentity', () => {
  it('learns the client id when an acknowledgement and a control event carry the same hold, in either order', () => {
    const learned: string[] = [];
    const a = new SelfIdentity((id) => learned.push(id));
    a.holder('t01', 'other', 1000);
    a.ack('t02', 2000);
    expect(a.clientId).toBeNull();
    a.holder('t02', 'me', 2000);
    expect(a.clientId).toBe('me');
    expect(learned).toEqual(['me']);

    const b = new SelfIdentity(() => undefined);
    b.holder('t01', 'me', 5000);
    b.ack('t01', 5000);
    expect(b.clientId).toBe('me');
    expect(b.isMine('t03', 'someone', 9000)).toBe(false);
  });

  it('presumes a hold ours while a command to that head awaits its answer', () => {
    const s = new SelfIdentity(() => undefined);
    expect(s.isMine('t01', 'x', 1000)).toBe(false);
    s.sent('t01');
    expect(s.isMine('t01', 'x', 1000)).toBe(true);
    s.answered('t01');
    expect(s.isMine('t01', 'x', 1000)).toBe(false);
    s.ack('t01', 1234);
    expect(s.isMine('t01', 'x', 1234)).toBe(true);
  });

  it('forgets everything on reset (a new connection is a new client)', () => {
    const s = new SelfIdentity(() => undefined);
    s.confirmed('me');
    s.reset();
    expect(s.clientId).toBeNull();
    expect(s.isMine('t01', 'me', 1)).toBe(false);
  });
});

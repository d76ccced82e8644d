import { describe, expect, it } from 'vitest';
import { HostFailure } from '../../common/contract/errors';
import { rollCallSummary } from '../../common/conference';
import { RoomBook } from './rooms';
import { JoinTokens } from './token';

const sites = [
  { id: 'a', name: '戴埠镇', kind: 'county' as const },
  { id: 'b', name: '龙潭林场', kind: 'farm' as const },
  { id: 'c', name: '市值班室', kind: 'duty-room' as const },
];

function book(max = 3) {
  let t = 1000;
  const b = new RoomBook({ maxParticipants: max, sites, now: () => (t += 1000), newId: () => 'r1' });
  return b;
}
const person = (peerId: string, more: Partial<{ siteId: string | null; receiveOnly: boolean }> = {}) => ({ peerId, name: peerId, kind: 'console' as const, siteId: null, receiveOnly: false, ...more });

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e instanceof HostFailure ? `${e.code}: ${e.message}` : String(e);
  }
  return 'no error';
};

describe('conference rooms', () => {
  it('joins up to the mesh limit; receive-only participants do not count; leaving frees a place', () => {
    const b = book(2);
    b.create('会商', '张三');
    b.join('r1', person('p1'));
    b.join('r1', person('p2'));
    expect(code(() => b.join('r1', person('p3')))).toMatch(/^conflict: .*full: 2 participants/);
    b.join('r1', person('wall', { receiveOnly: true }));
    expect(b.get('r1').participants.map((p) => p.id)).toEqual(['p1', 'p2', 'wall']);
    const d = b.leave('r1', 'p1')!;
    expect(d.leftAt - d.participant.joinedAt).toBeGreaterThan(0);
    b.join('r1', person('p3'));
    expect(b.get('r1').participants).toHaveLength(3);
  });

  it('names what is wrong: unknown room, not a member, unknown site, a receive-only peer sending video', () => {
    const b = book();
    expect(code(() => b.join('nope', person('p1')))).toMatch(/^not_found: no conference room "nope"/);
    b.create('会商', '张三');
    expect(code(() => b.setState('r1', 'p9', { audioMuted: true }))).toMatch(/^forbidden: you are not in conference room "r1"/);
    expect(code(() => b.join('r1', person('p1', { siteId: 'zz' })))).toMatch(/unknown conference site "zz"/);
    b.join('r1', person('w', { receiveOnly: true }));
    expect(code(() => b.setState('r1', 'w', { video: 'camera' }))).toMatch(/receive-only/);
  });

  it('a vanished connection leaves every room it was in, the others stay', () => {
    const b = book();
    b.create('甲', 'x');
    b.join('r1', person('p1'));
    b.join('r1', person('p2'));
    expect(b.leaveAll('p1').map((d) => d.participant.id)).toEqual(['p1']);
    expect(b.get('r1').participants.map((p) => p.id)).toEqual(['p2']);
    expect(b.leaveAll('p1')).toEqual([]);
  });

  it('roll call: calls one by one, answers (also before the turn), absentees, end', () => {
    const b = book();
    b.create('点名', '值班长');
    b.join('r1', person('centre'));
    b.join('r1', person('farm', { siteId: 'b' }));
    let rc = b.rollCallStart('r1', '值班长');
    expect(rc.entries.map((e) => e.status)).toEqual(['calling', 'waiting', 'waiting']);
    expect(code(() => b.rollCallStart('r1', 'x'))).toMatch(/already going on/);
    rc = b.rollCallAnswer('r1', 'farm'); // answers for its own site before its turn
    expect(rc.entries[1]).toMatchObject({ status: 'present', by: 'farm' });
    rc = b.rollCallNext('r1'); // a: no answer → absent; b already present → c is called
    expect(rc.entries.map((e) => e.status)).toEqual(['absent', 'present', 'calling']);
    rc = b.rollCallAnswer('r1', 'centre'); // answers for the site being called
    expect(rc.entries[2]!.status).toBe('present');
    expect(rc.entries[2]!.answeredAt! - rc.entries[2]!.calledAt!).toBeGreaterThan(0);
    rc = b.rollCallNext('r1');
    expect(rc.endedAt).not.toBeNull();
    expect(rollCallSummary(rc)).toBe('应到 3，实到 2，缺席 1（戴埠镇）');
    expect(code(() => b.rollCallNext('r1'))).toMatch(/no roll call is going on/);
  });

  it('a roll call with no sites, or an unknown one, is refused', () => {
    const b = new RoomBook({ maxParticipants: 4, sites: [], newId: () => 'r1' });
    b.create('x', 'y');
    expect(code(() => b.rollCallStart('r1', 'y'))).toMatch(/no sites to call/);
    const b2 = book();
    b2.create('x', 'y');
    expect(code(() => b2.rollCallStart('r1', 'y', ['a', 'zz']))).toMatch(/unknown conference site "zz"/);
  });
});

describe('join link tokens', () => {
  const key = Buffer.alloc(32, 7);
  it('round-trips; refuses expired, tampered, foreign and malformed tokens with a reason', () => {
    let t = 1_000_000;
    const tokens = new JoinTokens(key, () => t);
    const tok = tokens.issue({ roomId: 'r1', name: '龙潭林场', siteId: 'b', expiresAt: t + 60_000 });
    expect(tokens.verify(tok)).toEqual({ ok: true, claims: { roomId: 'r1', name: '龙潭林场', siteId: 'b', expiresAt: t + 60_000 } });
    const [p, body, sig] = tok.split('.');
    const forged = Buffer.from(Buffer.from(body!, 'base64url').toString().replace('r1', 'r2')).toString('base64url');
    expect(tokens.verify(`${p}.${forged}.${sig}`)).toMatchObject({ ok: false, reason: 'signature' });
    expect(new JoinTokens(Buffer.alloc(32, 8)).verify(tok)).toMatchObject({ ok: false, reason: 'signature' });
    expect(tokens.verify('cj1.abc')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(tokens.verify('hello')).toMatchObject({ ok: false, reason: 'malformed' });
    t += 60_001;
    expect(tokens.verify(tok)).toMatchObject({ ok: false, reason: 'expired', message: expect.stringMatching(/expired at/) });
  });
  it('refuses a well-signed body that is not JSON claims', () => {
    const tokens = new JoinTokens(key);
    const body = Buffer.from('{"r":1}').toString('base64url');
    const sig = tokens.issue({ roomId: 'x', name: '', siteId: null, expiresAt: Date.now() + 1000 }).split('.')[2];
    expect(tokens.verify(`cj1.${body}.${sig}`)).toMatchObject({ ok: false });
  });
});

import { describe, expect, it } from 'vitest';
import type { ConferenceInvite, JoinResult } from '../../common/contract';
import type { Room, RollCall } from '../../common/conference';
import { dataOf, type SyncRecord } from '../../common/duty';
import { openContractSocket } from './contract-socket';
import { hostWithSocket } from './host-env';

/*
 * Video conference through the host: a leader starts a room and invites a forest farm by link; the
 * guest connects with only the link token, joins, and signalling flows both ways through the host;
 * bad input gets clear errors; the roll call and who was there end up in the duty log; a guest whose
 * connection drops is removed and the room goes on.
 */

const env = hostWithSocket('conference-host');

describe('video conference through the host', () => {
  it('rooms, link guests, signalling, roll call, vanishing participants and the duty log', async () => {
    const leader = env.socket;
    const room = await leader.value<Room>('conference:create', { name: '防火会商' });
    const invite = await leader.value<ConferenceInvite>('conference:invite', { roomId: room.id, siteId: 'longtan-farm' });
    expect(invite.path).toMatch(new RegExp(`^/join\\?room=${room.id}&token=cj1\\.`));

    // The join page's check: a good link names the room; a forged one and an ended room are told apart.
    const check = async (token: string) => {
      const r = await fetch(`${env.host.url}/api/conference/link?token=${encodeURIComponent(token)}`);
      return { status: r.status, body: (await r.json()) as { ok: boolean; roomName?: string; message?: string } };
    };
    expect(await check(invite.token)).toMatchObject({ status: 200, body: { ok: true, roomName: '防火会商' } });
    expect(await check(`${invite.token.slice(0, -3)}xyz`)).toMatchObject({ status: 401, body: { ok: false, message: expect.stringMatching(/not valid/) } });
    expect(await check('garbage')).toMatchObject({ status: 401 });

    // The guest: no account, only the link.
    const guest = await openContractSocket(env.host, { token: invite.token });
    const refused = await guest.call('wall:get', {});
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden', message: expect.stringMatching(/conference link opens the conference only/) } });
    expect(await guest.call('conference:create', { name: 'x' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await guest.call('conference:join', { roomId: room.id })).toMatchObject({ ok: false, error: { code: 'unauthorized', message: expect.stringMatching(/link token/) } });
    expect(await guest.call('conference:join', { roomId: 'no-such-room', token: invite.token })).toMatchObject({ ok: false, error: { code: 'forbidden', message: expect.stringMatching(/another conference room/) } });
    const gj = await guest.value<JoinResult>('conference:join', { roomId: room.id, token: invite.token });
    expect(gj.room.participants).toEqual([expect.objectContaining({ name: '龙潭林场', kind: 'guest', siteId: 'longtan-farm' })]);
    expect(gj.iceServers).toEqual([]);

    const lj = await leader.value<JoinResult>('conference:join', { roomId: room.id });
    expect(lj.room.participants.map((p) => p.kind)).toEqual(['guest', 'console']);
    // A wall decoder page (host token, nobody signed in) joins receive-only; without that it is refused.
    const wall = await openContractSocket(env.host);
    expect(await wall.call('conference:join', { roomId: room.id })).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    const wj = await wall.value<JoinResult>('conference:join', { roomId: room.id, receiveOnly: true });
    expect(wj.room.participants.find((p) => p.id === wj.self)).toMatchObject({ kind: 'wall', receiveOnly: true, video: 'none' });

    // Signalling: the newcomer offers, the other answers, candidates follow; all relayed by the host.
    await leader.value('conference:signal', { roomId: room.id, to: gj.self, signal: { kind: 'offer', sdp: 'v=0 offer' } });
    await expect.poll(() => guest.events.find((e) => e.name === 'conference:signal')?.payload).toMatchObject({ from: lj.self, signal: { kind: 'offer', sdp: 'v=0 offer' } });
    await guest.value('conference:signal', { roomId: room.id, to: lj.self, signal: { kind: 'answer', sdp: 'v=0 answer' } });
    await expect.poll(() => leader.events.find((e) => e.name === 'conference:signal')?.payload).toMatchObject({ from: gj.self, signal: { kind: 'answer' } });
    // Malformed signalling and a peer that is not there: clear errors, nothing relayed.
    expect(await leader.call('conference:signal', { roomId: room.id, to: gj.self, signal: { kind: 'offer' } })).toMatchObject({ ok: false, error: { code: 'invalid_args' } });
    expect(await leader.call('conference:signal', { roomId: room.id, to: gj.self, signal: { kind: 'banana', sdp: 'x' } })).toMatchObject({ ok: false, error: { code: 'invalid_args' } });
    expect(await leader.call('conference:signal', { roomId: room.id, to: 'ghost', signal: { kind: 'answer', sdp: 'x' } })).toMatchObject({
      ok: false,
      error: { code: 'not_found', message: expect.stringMatching(/not in this room/) },
    });
    expect(await leader.call('conference:signal', { roomId: 'nope', to: gj.self, signal: { kind: 'answer', sdp: 'x' } })).toMatchObject({ ok: false, error: { code: 'not_found', message: expect.stringMatching(/no conference room "nope"/) } });

    // Mute and chat reach the others.
    await guest.value('conference:state', { roomId: room.id, audioMuted: true });
    await expect.poll(() => leader.events.filter((e) => e.name === 'conference:room').at(-1)?.payload).toMatchObject({ participants: expect.arrayContaining([expect.objectContaining({ id: gj.self, audioMuted: true })]) });
    await guest.value('conference:chat', { roomId: room.id, text: '林场收到' });
    await expect.poll(() => leader.events.find((e) => e.name === 'conference:chat')?.payload).toMatchObject({ name: '龙潭林场', text: '林场收到' });

    // Roll call (点名): the farm answers, the others do not.
    const rc0 = await leader.value<RollCall>('conference:rollCallStart', { roomId: room.id });
    expect(rc0.entries[0]!.status).toBe('calling');
    expect(await guest.call('conference:rollCallNext', { roomId: room.id })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    await guest.value('conference:rollCallAnswer', { roomId: room.id });
    const rc = await leader.value<RollCall>('conference:rollCallEnd', { roomId: room.id });
    expect(rc.entries.find((e) => e.siteId === 'longtan-farm')).toMatchObject({ status: 'present', by: '龙潭林场' });
    expect(rc.entries.filter((e) => e.status === 'absent')).toHaveLength(4);

    // The guest's connection drops: it is removed, the leader and the wall go on.
    guest.close();
    await expect.poll(() => leader.events.filter((e) => e.name === 'conference:room').at(-1)?.payload.participants as unknown[]).toHaveLength(2);
    await leader.value('conference:chat', { roomId: room.id, text: '继续' });
    await leader.value('conference:leave', { roomId: room.id });
    await leader.value('conference:end', { roomId: room.id });
    await expect.poll(() => wall.events.some((e) => e.name === 'conference:ended')).toBe(true);
    expect(await leader.call('conference:join', { roomId: room.id })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    // An ended room's link is told apart from a bad one.
    expect(await check(invite.token)).toMatchObject({ status: 404, body: { message: expect.stringMatching(/ended/) } });
    wall.close();

    const lines = async () => (await leader.value<SyncRecord[]>('duty:search', { category: 'call' })).map((r) => (dataOf(r) as { text: string }).text);
    await expect.poll(async () => (await lines()).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(6);
    const all = (await lines()).join('\n');
    expect(all).toMatch(/视频会商「防火会商」开始/);
    expect(all).toMatch(/龙潭林场（龙潭林场）［链接入会］ \d\d:\d\d:\d\d 入会，\d\d:\d\d:\d\d 断线离会，时长/);
    expect(all).toMatch(/点名.*应到 5，实到 1，缺席 4.*龙潭林场 \d\d:\d\d:\d\d 答到/);
    expect(all).toMatch(/视频会商「防火会商」结束/);
  }, 30_000);
});

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { can } from '../../common/auth';
import { durationText, rollCallSummary, type ConferenceConfig, type Participant, type RollCall, type Room } from '../../common/conference';
import { HostFailure, type CommandName, type conferenceCommands, type EventName, type HostEvents } from '../../common/contract';
import type { Logger } from '../host/dispatch';
import type { EventBus } from '../host/event-bus';
import type { CallContext, DomainHandlers } from '../host/registry';
import type { HostAccess, HostRoute } from '../host/server';
import { RoomBook, type Departure } from './rooms';
import { isJoinToken, JoinTokens } from './token';

/*
 * Video conference (视频会商): rooms, join links, signalling relayed between the participants of a
 * room (the media is a mesh between them; the host carries no media), roll call, and the record in
 * the duty log. Spec: docs/conference.md.
 */

/** Device kind of a connection opened with a conference link token: it may use only `conference:*`. */
export const GUEST_DEVICE_KIND = 'conference-guest';
/** What a guest connection may call: take part, never start, invite, end or run a roll call. */
const GUEST_MAY = new Set<CommandName>(['app:ping', 'app:info', 'conference:join', 'conference:leave', 'conference:signal', 'conference:state', 'conference:chat', 'conference:rollCallAnswer']);

export interface ConferenceOptions {
  config: ConferenceConfig;
  dataDir: string;
  bus: EventBus;
  timeZone: string;
  /** Writes one line to the duty log (category 通话). */
  record(text: string, at: number): void;
  log: Logger;
  now?: () => number;
}

export interface ConferenceDomain {
  handlers: DomainHandlers<typeof conferenceCommands>;
  /** Wraps the host's access so link tokens open a guest connection, and a closed connection leaves its rooms. */
  access(inner: HostAccess): HostAccess;
  routes: HostRoute[];
  tokens: JoinTokens;
  close(): void;
}

/** The host's key for join links, kept so links outlive a restart. */
function linkKey(dir: string): Buffer {
  const file = join(dir, 'link-key');
  if (existsSync(file)) {
    const k = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (k.length >= 32) return k;
  }
  mkdirSync(dir, { recursive: true });
  const k = randomBytes(32);
  writeFileSync(file, k.toString('base64'), { mode: 0o600 });
  return k;
}

export function createConferenceDomain(opts: ConferenceOptions): ConferenceDomain {
  const { config, bus, log } = opts;
  const now = opts.now ?? Date.now;
  const tokens = new JoinTokens(linkKey(join(opts.dataDir, 'conference')), now);
  const book = new RoomBook({ maxParticipants: config.maxParticipants, sites: config.sites, now });
  /** How to reach each participant's connection. */
  const peers = new Map<string, CallContext['push']>();
  const clock = new Intl.DateTimeFormat('zh-CN', { timeZone: opts.timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  const hhmm = (t: number) => clock.format(new Date(t));
  const siteName = (id: string | null) => (id ? (config.sites.find((s) => s.id === id)?.name ?? id) : '');

  const pushTo = <E extends EventName>(peerId: string, name: E, payload: HostEvents[E]) => peers.get(peerId)?.(name, payload);
  const changed = (room: Room | undefined) => {
    if (room) for (const p of room.participants) pushTo(p.id, 'conference:room', room);
    bus.emit('conference:rooms', { rooms: book.list() });
  };

  const recordDeparture = (d: Departure, how: string) => {
    const p = d.participant;
    const who = `${p.name}${p.siteId ? `（${siteName(p.siteId)}）` : ''}${p.kind === 'guest' ? '［链接入会］' : p.kind === 'wall' ? '［上墙］' : ''}`;
    opts.record(`视频会商「${d.room.name}」：${who} ${hhmm(p.joinedAt)} 入会，${hhmm(d.leftAt)} ${how}，时长 ${durationText(d.leftAt - p.joinedAt)}`, d.leftAt);
  };
  const recordRollCall = (room: Room, rc: RollCall) => {
    const each = rc.entries.map((e) => `${e.name} ${e.status === 'present' && e.answeredAt ? `${hhmm(e.answeredAt)} 答到${e.calledAt ? `（${Math.max(0, Math.round((e.answeredAt - e.calledAt) / 1000))} 秒）` : ''}` : '缺席'}`).join('；');
    opts.record(`视频会商「${room.name}」点名（${rc.by}，${hhmm(rc.startedAt)}）：${rollCallSummary(rc)}。${each}`, rc.endedAt ?? now());
  };

  const personName = (ctx: CallContext) => ctx.session?.user.displayName || ctx.session?.user.username || ctx.device.name;
  const leave = (roomId: string, peerId: string, how: string) => {
    const d = book.leave(roomId, peerId);
    if (!d) return;
    recordDeparture(d, how);
    changed(d.room);
  };

  const handlers: DomainHandlers<typeof conferenceCommands> = {
    'conference:list': async () => ({ rooms: book.list(), sites: config.sites }),
    'conference:create': async ({ name }, ctx) => {
      const room = book.create(name, personName(ctx));
      opts.record(`视频会商「${name}」开始，发起人 ${personName(ctx)}`, room.createdAt);
      changed(room);
      return room;
    },
    'conference:invite': async ({ roomId, name, siteId, minutes }) => {
      const room = book.get(roomId);
      if (siteId !== undefined && !config.sites.some((s) => s.id === siteId)) throw new HostFailure('invalid_args', `unknown conference site "${siteId}"`);
      const expiresAt = now() + (minutes ?? config.linkMinutes) * 60_000;
      const token = tokens.issue({ roomId: room.id, name: name || siteName(siteId ?? null), siteId: siteId ?? null, expiresAt });
      return { token, path: `/join?room=${encodeURIComponent(room.id)}&token=${encodeURIComponent(token)}`, expiresAt };
    },
    'conference:join': async ({ roomId, token, name, siteId, receiveOnly }, ctx) => {
      let kind: Participant['kind'];
      let who: string;
      let site: string | null = siteId ?? null;
      if (token !== undefined) {
        const check = tokens.verify(token);
        if (!check.ok) throw new HostFailure('unauthorized', check.message);
        if (check.claims.roomId !== roomId) throw new HostFailure('forbidden', `this link is for another conference room, not "${roomId}"`);
        kind = 'guest';
        who = check.claims.name || name || '访客';
        site = check.claims.siteId ?? site;
      } else if (ctx.device.kind === GUEST_DEVICE_KIND) {
        throw new HostFailure('unauthorized', 'send the link token with the join');
      } else if (ctx.session && can(ctx.session.user.role, 'view')) {
        kind = receiveOnly ? 'wall' : 'console';
        who = name || personName(ctx);
      } else if (receiveOnly) {
        // A wall decoder page (a device without a person) shows the room; it sends nothing.
        kind = 'wall';
        who = name || ctx.device.name;
      } else {
        throw new HostFailure('unauthorized', 'sign in, or open the conference link you were given');
      }
      const room = book.join(roomId, { peerId: ctx.clientId, name: who, kind, siteId: site, receiveOnly: receiveOnly || kind === 'wall' });
      peers.set(ctx.clientId, ctx.push);
      log('info', `conference ${roomId}: ${who} (${kind}, ${ctx.clientId}) joined; ${room.participants.length} in the room`);
      changed(room);
      return { self: ctx.clientId, room, iceServers: config.iceServers, maxVideoKbps: config.maxVideoKbps, answerSeconds: config.answerSeconds };
    },
    'conference:leave': async ({ roomId }, ctx) => {
      book.member(roomId, ctx.clientId);
      leave(roomId, ctx.clientId, '离会');
      return { ok: true as const };
    },
    'conference:signal': async ({ roomId, to, signal }, ctx) => {
      book.member(roomId, ctx.clientId);
      const room = book.get(roomId);
      if (!room.participants.some((p) => p.id === to)) throw new HostFailure('not_found', `participant "${to}" is not in this room (they may have left)`);
      if (to === ctx.clientId) throw new HostFailure('invalid_args', 'a signalling message to oneself');
      pushTo(to, 'conference:signal', { roomId, from: ctx.clientId, signal });
      return { ok: true as const };
    },
    'conference:state': async ({ roomId, ...s }, ctx) => {
      const p = book.setState(roomId, ctx.clientId, s);
      changed(book.get(roomId));
      return p;
    },
    'conference:chat': async ({ roomId, text }, ctx) => {
      const me = book.member(roomId, ctx.clientId);
      const at = now();
      for (const p of book.get(roomId).participants) pushTo(p.id, 'conference:chat', { roomId, from: me.id, name: me.name, text, at });
      return { ok: true as const };
    },
    'conference:end': async ({ roomId }, ctx) => {
      const room = book.get(roomId);
      if (room.rollCall && room.rollCall.endedAt === null) recordRollCall(room, book.rollCallEnd(roomId));
      for (const p of [...room.participants]) {
        const d = book.leave(roomId, p.id);
        if (d) recordDeparture(d, '会商结束');
        pushTo(p.id, 'conference:ended', { roomId, reason: `${personName(ctx)} 结束了会商` });
      }
      book.end(roomId);
      opts.record(`视频会商「${room.name}」结束，${personName(ctx)}，历时 ${durationText(now() - room.createdAt)}`, now());
      changed(undefined);
      return { ok: true as const };
    },
    'conference:rollCallStart': async ({ roomId, siteIds }, ctx) => {
      const rc = book.rollCallStart(roomId, personName(ctx), siteIds);
      changed(book.get(roomId));
      return rc;
    },
    'conference:rollCallNext': async ({ roomId }) => {
      const rc = book.rollCallNext(roomId);
      const room = book.get(roomId);
      if (rc.endedAt !== null) recordRollCall(room, rc);
      changed(room);
      return rc;
    },
    'conference:rollCallAnswer': async ({ roomId, siteId }, ctx) => {
      const rc = book.rollCallAnswer(roomId, ctx.clientId, siteId);
      changed(book.get(roomId));
      return rc;
    },
    'conference:rollCallEnd': async ({ roomId }) => {
      const rc = book.rollCallEnd(roomId);
      const room = book.get(roomId);
      recordRollCall(room, rc);
      changed(room);
      return rc;
    },
  };

  const access = (inner: HostAccess): HostAccess => ({
    gate: {
      admit(name: CommandName, ctx: CallContext) {
        if (ctx.device.kind === GUEST_DEVICE_KIND) {
          return GUEST_MAY.has(name) ? undefined : new HostFailure('forbidden', `a conference link opens the conference only; ${name} needs a signed-in console`);
        }
        return inner.gate.admit(name, ctx);
      },
      done: (...a) => inner.gate.done(...a),
    },
    deviceFor(token, hostTokenMatches) {
      if (!hostTokenMatches && isJoinToken(token)) {
        const check = tokens.verify(token);
        if (!check.ok) {
          log('warn', `conference link refused: ${check.message}`);
          return undefined;
        }
        return { id: `guest-${check.claims.roomId}`, name: check.claims.name || '会商访客', kind: GUEST_DEVICE_KIND };
      }
      return inner.deviceFor(token, hostTokenMatches);
    },
    connected: (ctx, close) => inner.connected(ctx, close),
    disconnected(ctx) {
      inner.disconnected(ctx);
      if (!peers.delete(ctx.clientId)) return;
      // A participant whose link dropped leaves; the others go on.
      for (const d of book.leaveAll(ctx.clientId)) {
        log('info', `conference ${d.room.id}: ${d.participant.name} vanished (connection closed)`);
        recordDeparture(d, '断线离会');
        changed(d.room);
      }
    },
    receives: (ctx, event) => (ctx.device.kind === GUEST_DEVICE_KIND ? false : inner.receives(ctx, event)),
  });

  /** A join page asks first whether its link is good, so an expired one gets a clear answer (not a refused socket). */
  const routes: HostRoute[] = [
    {
      pattern: /^\/api\/conference\/link$/,
      open: true,
      handle: (req, res) => {
        const url = new URL(req.url ?? '/', 'http://host');
        const token = url.searchParams.get('token') ?? '';
        const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(body));
        const check = tokens.verify(token);
        if (!check.ok) return void json(check.reason === 'expired' ? 410 : 401, { ok: false, reason: check.reason, message: check.message });
        const room = book.list().find((r) => r.id === check.claims.roomId);
        if (!room) return void json(404, { ok: false, reason: 'room', message: 'this conference has ended or does not exist' });
        json(200, { ok: true, roomId: room.id, roomName: room.name, name: check.claims.name, siteId: check.claims.siteId, expiresAt: check.claims.expiresAt });
      },
    },
  ];

  return { handlers, access, routes, tokens, close: () => peers.clear() };
}

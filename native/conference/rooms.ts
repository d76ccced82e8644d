import { HostFailure } from '../../common/contract/errors';
import type { ConferenceSite, Participant, PeerKind, RollCall, Room, VideoSource } from '../../common/conference';

/*
 * The rooms and their participants, and the roll call of each room: pure state with a clock, no
 * sockets (the domain relays signalling and pushes events). Errors are HostFailures with a message
 * that names what is wrong.
 */

export interface JoinRequest {
  peerId: string;
  name: string;
  kind: PeerKind;
  siteId: string | null;
  receiveOnly: boolean;
}

/** A participant who left, with how long they stayed (for the duty log). */
export interface Departure {
  room: Room;
  participant: Participant;
  leftAt: number;
}

export class RoomBook {
  private readonly rooms = new Map<string, Room>();
  private seq = 0;

  constructor(
    private readonly opts: { maxParticipants: number; sites: readonly ConferenceSite[]; now?: () => number; newId?: () => string },
  ) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  list(): Room[] {
    return [...this.rooms.values()];
  }

  create(name: string, by: string): Room {
    const id = this.opts.newId?.() ?? `r${Date.now().toString(36)}${(this.seq++).toString(36)}`;
    const room: Room = { id, name, createdAt: this.now(), createdBy: by, participants: [], rollCall: null };
    this.rooms.set(id, room);
    return room;
  }

  /** The room, or a not_found failure naming it. */
  get(roomId: string): Room {
    const r = this.rooms.get(roomId);
    if (!r) throw new HostFailure('not_found', `no conference room "${roomId}" (it has ended or never existed)`);
    return r;
  }

  member(roomId: string, peerId: string): Participant {
    const p = this.get(roomId).participants.find((x) => x.id === peerId);
    if (!p) throw new HostFailure('forbidden', `you are not in conference room "${roomId}"; join it first`);
    return p;
  }

  join(roomId: string, req: JoinRequest): Room {
    const room = this.get(roomId);
    const existing = room.participants.find((p) => p.id === req.peerId);
    if (existing) return room;
    const senders = room.participants.filter((p) => !p.receiveOnly).length;
    if (!req.receiveOnly && senders >= this.opts.maxParticipants) {
      throw new HostFailure('conflict', `conference room "${room.name}" is full: ${this.opts.maxParticipants} participants is the most a mesh carries (docs/conference.md#topology)`);
    }
    if (req.siteId !== null && !this.opts.sites.some((s) => s.id === req.siteId)) throw new HostFailure('invalid_args', `unknown conference site "${req.siteId}"`);
    room.participants.push({
      id: req.peerId,
      name: req.name,
      kind: req.kind,
      siteId: req.siteId,
      joinedAt: this.now(),
      audioMuted: false,
      videoOff: false,
      video: req.receiveOnly ? 'none' : 'camera',
      towerCameraId: null,
      receiveOnly: req.receiveOnly,
    });
    return room;
  }

  leave(roomId: string, peerId: string): Departure | undefined {
    const room = this.rooms.get(roomId);
    const i = room?.participants.findIndex((p) => p.id === peerId) ?? -1;
    if (!room || i < 0) return undefined;
    const [participant] = room.participants.splice(i, 1);
    return { room, participant: participant!, leftAt: this.now() };
  }

  /** A connection closed: it leaves every room it was in. */
  leaveAll(peerId: string): Departure[] {
    return [...this.rooms.keys()].flatMap((id) => this.leave(id, peerId) ?? []);
  }

  end(roomId: string): Room {
    const room = this.get(roomId);
    this.rooms.delete(roomId);
    return room;
  }

  setState(roomId: string, peerId: string, s: { audioMuted?: boolean; videoOff?: boolean; video?: VideoSource; towerCameraId?: string | null }): Participant {
    const p = this.member(roomId, peerId);
    if (p.receiveOnly && (s.video ?? 'none') !== 'none') throw new HostFailure('conflict', 'a receive-only participant sends no video');
    if (s.audioMuted !== undefined) p.audioMuted = s.audioMuted;
    if (s.videoOff !== undefined) p.videoOff = s.videoOff;
    if (s.video !== undefined) {
      p.video = s.video;
      if (s.video !== 'tower') p.towerCameraId = null;
    }
    if (s.towerCameraId !== undefined) p.towerCameraId = s.video === 'tower' || p.video === 'tower' ? s.towerCameraId : null;
    return p;
  }

  // Roll call (点名): the centre calls the sites one by one; each answers; the rest are absent.

  rollCallStart(roomId: string, by: string, siteIds?: readonly string[]): RollCall {
    const room = this.get(roomId);
    if (room.rollCall && room.rollCall.endedAt === null) throw new HostFailure('conflict', 'a roll call is already going on in this room; end it first');
    const sites = siteIds ? siteIds.map((id) => this.opts.sites.find((s) => s.id === id) ?? failUnknownSite(id)) : [...this.opts.sites];
    if (sites.length === 0) throw new HostFailure('conflict', 'no sites to call: list them in the site file under conference.sites');
    const t = this.now();
    room.rollCall = {
      startedAt: t,
      by,
      endedAt: null,
      entries: sites.map((s, i) => ({ siteId: s.id, name: s.name, status: i === 0 ? 'calling' : 'waiting', calledAt: i === 0 ? t : null, answeredAt: null, by: null })),
    };
    return room.rollCall;
  }

  private activeRollCall(roomId: string): RollCall {
    const rc = this.get(roomId).rollCall;
    if (!rc || rc.endedAt !== null) throw new HostFailure('conflict', 'no roll call is going on in this room');
    return rc;
  }

  /** The site being called is marked absent unless it answered; the next waiting one is called. Past the last, the roll call ends. */
  rollCallNext(roomId: string): RollCall {
    const rc = this.activeRollCall(roomId);
    for (const e of rc.entries) if (e.status === 'calling') e.status = 'absent';
    const next = rc.entries.find((e) => e.status === 'waiting');
    if (next) {
      next.status = 'calling';
      next.calledAt = this.now();
    } else rc.endedAt = this.now();
    return rc;
  }

  /** A participant answers 到 for its site (or the one named); it may answer before its turn. */
  rollCallAnswer(roomId: string, peerId: string, siteId?: string): RollCall {
    const p = this.member(roomId, peerId);
    const rc = this.activeRollCall(roomId);
    const id = siteId ?? p.siteId ?? rc.entries.find((e) => e.status === 'calling')?.siteId;
    const entry = rc.entries.find((e) => e.siteId === id);
    if (!entry) throw new HostFailure('invalid_args', id ? `site "${id}" is not in this roll call` : 'say which site you answer for');
    if (entry.status !== 'present') {
      entry.status = 'present';
      entry.answeredAt = this.now();
      entry.by = p.name;
    }
    return rc;
  }

  rollCallEnd(roomId: string): RollCall {
    const rc = this.activeRollCall(roomId);
    for (const e of rc.entries) if (e.status !== 'present') e.status = 'absent';
    rc.endedAt = this.now();
    return rc;
  }
}

function failUnknownSite(id: string): never {
  throw new HostFailure('invalid_args', `unknown conference site "${id}"`);
}

import { z } from 'zod';
import { ConferenceSiteSchema, IceServerSchema, ParticipantSchema, RoomSchema, RollCallSchema, VideoSource } from '../conference';
import { command } from './define';

/*
 * Video conference (视频会商): rooms, joining (console people or LAN guests with a link token),
 * WebRTC signalling relayed by the host, mute/camera/share state, chat, roll call (点名).
 * Media flows between the participants (a mesh); the host only relays. Spec: docs/conference.md.
 */

const RoomId = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'a room id: 1–40 letters, digits, "-" or "_"');
const PeerId = z.string().min(1).max(64);
const Ok = z.object({ ok: z.literal(true) });
/** An SDP blob; generous but bounded (a mesh offer with several transceivers is a few kB). */
const Sdp = z.string().min(1).max(60_000);

/** A WebRTC signalling message for one peer of the room. */
export const SignalSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('offer'), sdp: Sdp }).strict(),
  z.object({ kind: z.literal('answer'), sdp: Sdp }).strict(),
  z
    .object({
      kind: z.literal('candidate'),
      candidate: z
        .object({
          candidate: z.string().max(2000),
          sdpMid: z.string().max(64).nullable().optional(),
          sdpMLineIndex: z.number().int().min(0).max(64).nullable().optional(),
          usernameFragment: z.string().max(256).nullable().optional(),
        })
        .strict(),
    })
    .strict(),
]);
export type Signal = z.infer<typeof SignalSchema>;

/** What a participant joining gets back: its own peer id, the room and how to reach the others. */
export const JoinResult = z.object({ self: z.string(), room: RoomSchema, iceServers: z.array(IceServerSchema), maxVideoKbps: z.number(), answerSeconds: z.number() });
export type JoinResult = z.infer<typeof JoinResult>;

export const ConferenceInvite = z.object({ token: z.string(), path: z.string(), expiresAt: z.number() });
export type ConferenceInvite = z.infer<typeof ConferenceInvite>;

export const conferenceCommands = {
  /** Open rooms and the sites a roll call goes through. */
  'conference:list': command(z.object({}).strict(), z.object({ rooms: z.array(RoomSchema), sites: z.array(ConferenceSiteSchema) })),
  'conference:create': command(z.object({ name: z.string().trim().min(1, 'name the conference').max(64) }).strict(), RoomSchema),
  /** A join link for a LAN participant without an account: signed, for one room, until it expires. */
  'conference:invite': command(
    z.object({ roomId: RoomId, name: z.string().trim().max(64).default(''), siteId: z.string().max(64).optional(), minutes: z.number().int().min(1).max(10_080).optional() }).strict(),
    ConferenceInvite,
  ),
  /**
   * Joins a room: a signed-in person, a guest with the room's link token, or a wall decoder (receive
   * only). The participant then offers to every peer already in the room.
   */
  'conference:join': command(
    z
      .object({
        roomId: RoomId,
        token: z.string().max(2000).optional(),
        name: z.string().trim().max(64).optional(),
        siteId: z.string().max(64).optional(),
        receiveOnly: z.boolean().default(false),
      })
      .strict(),
    JoinResult,
  ),
  'conference:leave': command(z.object({ roomId: RoomId }).strict(), Ok),
  /** Relays one signalling message to one peer of the same room. */
  'conference:signal': command(z.object({ roomId: RoomId, to: PeerId, signal: SignalSchema }).strict(), Ok),
  /** The participant's own microphone, camera and what its video carries. */
  'conference:state': command(
    z
      .object({ roomId: RoomId, audioMuted: z.boolean().optional(), videoOff: z.boolean().optional(), video: VideoSource.optional(), towerCameraId: z.string().max(64).nullable().optional() })
      .strict(),
    ParticipantSchema,
  ),
  'conference:chat': command(z.object({ roomId: RoomId, text: z.string().trim().min(1, 'write something').max(1000) }).strict(), Ok),
  /** Closes a room for everyone. */
  'conference:end': command(z.object({ roomId: RoomId }).strict(), Ok),
  /** Starts a roll call of the site file's sites (or the ones named) and calls the first. */
  'conference:rollCallStart': command(z.object({ roomId: RoomId, siteIds: z.array(z.string().max(64)).max(200).optional() }).strict(), RollCallSchema),
  /** The site being called did not answer (absent), or the centre moves on: calls the next one. */
  'conference:rollCallNext': command(z.object({ roomId: RoomId }).strict(), RollCallSchema),
  /** A participant answers for its site (到). */
  'conference:rollCallAnswer': command(z.object({ roomId: RoomId, siteId: z.string().max(64).optional() }).strict(), RollCallSchema),
  /** Ends the roll call: the sites not reached are absent; the result goes to the duty log. */
  'conference:rollCallEnd': command(z.object({ roomId: RoomId }).strict(), RollCallSchema),
} as const;

export const conferenceEvents = {
  /** The rooms changed (console lists). */
  'conference:rooms': z.object({ rooms: z.array(RoomSchema) }),
  /** A room's participants or roll call changed (to its participants). */
  'conference:room': RoomSchema,
  /** A signalling message from another participant. */
  'conference:signal': z.object({ roomId: z.string(), from: z.string(), signal: SignalSchema }),
  'conference:chat': z.object({ roomId: z.string(), from: z.string(), name: z.string(), text: z.string(), at: z.number() }),
  /** The room was closed (ended, or this participant removed). */
  'conference:ended': z.object({ roomId: z.string(), reason: z.string() }),
} as const;

import { z } from 'zod';

/*
 * Video conference (视频会商): the site file's `conference` section, and the shapes of rooms,
 * participants and roll calls that the host and the renderer share. Spec: docs/conference.md.
 */

/** One ICE server as RTCPeerConnection takes it. No public STUN/TURN is assumed: monitoring rooms are often offline. */
export const IceServerSchema = z
  .object({
    urls: z.union([z.string().regex(/^(stun|stuns|turn|turns):/, 'must be a stun:, stuns:, turn: or turns: URL'), z.array(z.string().regex(/^(stun|stuns|turn|turns):/)).min(1)]),
    username: z.string().max(200).optional(),
    credential: z.string().max(200).optional(),
  })
  .strict();
export type IceServer = z.infer<typeof IceServerSchema>;

export const ConferenceSiteKind = z.enum(['county', 'city', 'farm', 'duty-room', 'field', 'other']);
export type ConferenceSiteKind = z.infer<typeof ConferenceSiteKind>;

/** A participating site the centre calls in a roll call (点名): a county centre, a forest farm, a duty room. */
export const ConferenceSiteSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 letters, digits, "-" or "_"'),
    name: z.string().min(1).max(64),
    kind: ConferenceSiteKind.default('other'),
  })
  .strict();
export type ConferenceSite = z.infer<typeof ConferenceSiteSchema>;

/** Most participants a room takes: a full mesh sends every picture to every peer (docs/conference.md#topology). */
export const MESH_LIMIT = 8;

export const ConferenceConfigSchema = z
  .object({
    /** ICE servers handed to every participant; empty = host candidates only (the LAN). */
    iceServers: z.array(IceServerSchema).max(8).default([]),
    /** The sites a roll call goes through, in order. */
    sites: z.array(ConferenceSiteSchema).max(200).default([]),
    /** How long an invitation link stays valid unless the inviter says otherwise, minutes. */
    linkMinutes: z.number().int().min(1).max(7 * 24 * 60).default(240),
    /** Most participants per room (mesh; at most MESH_LIMIT). */
    maxParticipants: z.number().int().min(2).max(MESH_LIMIT).default(MESH_LIMIT),
    /** Highest video bitrate a participant sends to each peer, kbit/s; lowered on a bad link. */
    maxVideoKbps: z.number().int().min(100).max(8000).default(1200),
    /** Seconds a called site has to answer before the caller may mark it absent (shown as a countdown). */
    answerSeconds: z.number().int().min(5).max(600).default(30),
  })
  .strict();
export type ConferenceConfig = z.infer<typeof ConferenceConfigSchema>;

export const PeerKind = z.enum(['console', 'guest', 'wall']);
export type PeerKind = z.infer<typeof PeerKind>;

/** What a participant's video track carries. */
export const VideoSource = z.enum(['camera', 'screen', 'tower', 'none']);
export type VideoSource = z.infer<typeof VideoSource>;

export const ParticipantSchema = z.object({
  /** Peer id: the participant's connection id; signalling addresses it. */
  id: z.string(),
  name: z.string(),
  kind: PeerKind,
  /** The roll-call site this participant speaks for, if any. */
  siteId: z.string().nullable(),
  joinedAt: z.number(),
  audioMuted: z.boolean(),
  videoOff: z.boolean(),
  video: VideoSource,
  /** The tower camera shared, when `video` is `tower`. */
  towerCameraId: z.string().nullable(),
  /** Receives only (the wall): sends no media, is not shown in the grid. */
  receiveOnly: z.boolean(),
});
export type Participant = z.infer<typeof ParticipantSchema>;

export const RollCallStatus = z.enum(['waiting', 'calling', 'present', 'absent']);
export type RollCallStatus = z.infer<typeof RollCallStatus>;

export const RollCallEntrySchema = z.object({
  siteId: z.string(),
  name: z.string(),
  status: RollCallStatus,
  calledAt: z.number().nullable(),
  answeredAt: z.number().nullable(),
  /** Who answered (participant name). */
  by: z.string().nullable(),
});
export type RollCallEntry = z.infer<typeof RollCallEntrySchema>;

export const RollCallSchema = z.object({
  startedAt: z.number(),
  by: z.string(),
  endedAt: z.number().nullable(),
  entries: z.array(RollCallEntrySchema),
});
export type RollCall = z.infer<typeof RollCallSchema>;

export const RoomSchema = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.number(),
  createdBy: z.string(),
  participants: z.array(ParticipantSchema),
  rollCall: RollCallSchema.nullable(),
});
export type Room = z.infer<typeof RoomSchema>;

/** Lowest video bitrate a participant backs off to on a bad link, kbit/s. */
export const MIN_VIDEO_KBPS = 150;

/**
 * The next video bitrate cap of one sending link from what the last interval showed: loss over 5 %
 * or a round trip over 400 ms cuts it by 30 % (not below MIN_VIDEO_KBPS); a clean interval (< 1 %
 * loss) raises it by 10 % up to `maxKbps`; in between it stays. Each link is judged alone, so a
 * participant on a bad link lowers only what goes over that link.
 */
export function nextVideoKbps(kbps: number, loss: number, rttS: number, maxKbps: number): number {
  if (loss > 0.05 || rttS > 0.4) return Math.max(MIN_VIDEO_KBPS, Math.round(kbps * 0.7));
  if (loss < 0.01) return Math.min(maxKbps, Math.round(kbps * 1.1));
  return kbps;
}

/** Seconds between two instants, rounded, for the record ("时长"). */
export function durationText(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0 ? `${h}小时${m}分` : m > 0 ? `${m}分${r}秒` : `${r}秒`;
}

/** A roll call's tally as one duty-log phrase: 应到/实到/缺席 with the absent sites. */
export function rollCallSummary(rc: RollCall): string {
  const present = rc.entries.filter((e) => e.status === 'present');
  const absent = rc.entries.filter((e) => e.status !== 'present');
  return `应到 ${rc.entries.length}，实到 ${present.length}，缺席 ${absent.length}${absent.length ? `（${absent.map((e) => e.name).join('、')}）` : ''}`;
}

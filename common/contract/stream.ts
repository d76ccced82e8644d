import { z } from 'zod';
import { command } from './define';

export const StreamProfile = z.enum(['main', 'sub']);
export type StreamProfile = z.infer<typeof StreamProfile>;

/** Upstream state of one camera stream in the gateway. */
export const StreamState = z.enum(['idle', 'starting', 'online', 'reconnecting', 'offline']);
export type StreamState = z.infer<typeof StreamState>;

export const StreamStats = z.object({
  bitrateKbps: z.number(),
  fps: z.number(),
  gopFrames: z.number(),
  viewers: z.number(),
  reconnects: z.number(),
  lastError: z.string().nullable(),
  since: z.number().nullable(),
  /** H.265 (or an incompatible codec) converted to H.264 for the browser. */
  transcoding: z.boolean().default(false),
  /** An HLS packager is running for remote or weak clients. */
  hls: z.boolean().default(false),
  /** Seconds of pre-alarm video held for clips. */
  clipBufferMs: z.number().default(0),
});

/** State and statistics of one stream (`cameraId/profile`). */
export const StreamInfo = z.object({
  key: z.string(),
  cameraId: z.string(),
  profile: StreamProfile,
  state: StreamState,
  stats: StreamStats,
});
export type StreamInfo = z.infer<typeof StreamInfo>;

/** Reachability of a camera as seen by the host's probe. */
export const CameraStatus = z.object({
  cameraId: z.string(),
  online: z.boolean(),
  checkedAt: z.number(),
  reason: z.string().nullable(),
});
export type CameraStatus = z.infer<typeof CameraStatus>;

/** A pre-alarm clip written to the host's clip folder. */
export const ClipInfo = z.object({
  /** File name inside the clip folder; download from `/api/clips/<name>`. */
  name: z.string(),
  cameraId: z.string(),
  startedAt: z.number(),
  durationS: z.number(),
  bytes: z.number(),
});
export type ClipInfo = z.infer<typeof ClipInfo>;

export const streamCommands = {
  'stream:list': command(z.object({}).strict(), z.array(StreamInfo)),
  /**
   * Exports "beforeS seconds before to afterS seconds after" the moment `at` of a camera as an MP4
   * (remux). Resolves once the after-part has been recorded.
   */
  'stream:exportClip': command(
    z
      .object({
        cameraId: z.string().min(1).max(64),
        profile: StreamProfile.default('main'),
        at: z.number().int().positive(),
        beforeS: z.number().min(0).max(300).default(30),
        afterS: z.number().min(0).max(300).default(30),
      })
      .strict(),
    ClipInfo,
  ),
  'camera:statusList': command(z.object({}).strict(), z.array(CameraStatus)),
} as const;

export const streamEvents = {
  'stream:state': StreamInfo,
  'camera:status': CameraStatus,
} as const;

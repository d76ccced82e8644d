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

export const streamCommands = {
  'stream:list': command(z.object({}).strict(), z.array(StreamInfo)),
  'camera:statusList': command(z.object({}).strict(), z.array(CameraStatus)),
} as const;

export const streamEvents = {
  'stream:state': StreamInfo,
  'camera:status': CameraStatus,
} as const;

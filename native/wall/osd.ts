import { hudLines, type HudPose } from '../../common/hud';
import type { DecoderOsd, DecoderOutput } from '../../common/wall';
import type { Logger } from '../host/dispatch';
import type { DecoderDriver } from './drivers/driver';

/** A decoder the feeder may draw on: what it should show and whether it takes OSD. */
export interface OsdTarget {
  decoderId: string;
  driver: DecoderDriver;
  /** The outputs it should show (the desired layout). */
  outputs: readonly DecoderOutput[];
  /** Online and reporting `capacity.osd`. */
  takesOsd: boolean;
}

/** A pose with the cameras of its head. */
export interface OsdPose extends HudPose {
  cameraIds: readonly string[];
}

export interface OsdFeederOptions {
  targets(): OsdTarget[];
  log: Logger;
  /** Smallest gap between two overlays sent to one decoder, ms (default 150: under 7 a second). */
  minIntervalMs?: number;
  /** An unchanged overlay is sent again this often, ms, so a rebooted decoder gets it back (default 10 000). */
  refreshMs?: number;
  now?: () => number;
}

interface Lane {
  sentKey: string | null;
  sentAt: number;
  inFlight: boolean;
  again: boolean;
  timer: NodeJS.Timeout | null;
  failing: string | null;
}

/**
 * Feeds the PTZ HUD to networked decoders as OSD: for every output showing a camera whose head
 * has a pose, its bearing/tilt/zoom lines and the aiming mark. One request at a time per decoder,
 * the newest overlay wins, at most one per `minIntervalMs`; unchanged overlays are not sent again
 * until `refreshMs` has passed. Software decoders draw the HUD themselves and are not fed.
 */
export class DecoderOsdFeeder {
  private readonly poses = new Map<string, HudPose>();
  private readonly lanes = new Map<string, Lane>();
  private readonly minIntervalMs: number;
  private readonly refreshMs: number;
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly opts: OsdFeederOptions) {
    this.minIntervalMs = opts.minIntervalMs ?? 150;
    this.refreshMs = opts.refreshMs ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /** A head reported a pose: decoders showing one of its cameras get a new overlay. */
  pose(p: OsdPose): void {
    for (const id of p.cameraIds) this.poses.set(id, { bearing: p.bearing, tilt: p.tilt, zoom: p.zoom });
    const cams = new Set(p.cameraIds);
    for (const t of this.opts.targets()) if (t.outputs.some((o) => o.stream && cams.has(o.stream.cameraId))) this.flush(t.decoderId);
  }

  /** Layouts changed or a decoder came back: every decoder is checked (unchanged overlays are not re-sent). */
  layoutsChanged(): void {
    for (const t of this.opts.targets()) this.flush(t.decoderId);
  }

  /** A decoder came back (or rebooted): its overlay goes again even if unchanged. */
  resend(decoderId: string): void {
    const lane = this.lanes.get(decoderId);
    if (lane) lane.sentKey = null;
    this.flush(decoderId);
  }

  /** Sends overlays that are due for their refresh (the wall's clock calls this). */
  tick(): void {
    const now = this.now();
    for (const [id, lane] of this.lanes) if ((lane.sentKey !== null || lane.failing) && now - lane.sentAt >= this.refreshMs) this.resend(id);
  }

  /** The overlay a decoder should draw now. */
  overlay(target: Pick<OsdTarget, 'outputs'>): DecoderOsd {
    return {
      outputs: target.outputs.flatMap((o) => {
        const pose = o.stream ? this.poses.get(o.stream.cameraId) : undefined;
        return pose ? [{ id: o.id, lines: hudLines(pose), mark: true }] : [];
      }),
    };
  }

  close(): void {
    this.closed = true;
    for (const lane of this.lanes.values()) if (lane.timer) clearTimeout(lane.timer);
  }

  private lane(decoderId: string): Lane {
    let lane = this.lanes.get(decoderId);
    if (!lane) this.lanes.set(decoderId, (lane = { sentKey: null, sentAt: -Infinity, inFlight: false, again: false, timer: null, failing: null }));
    return lane;
  }

  private flush(decoderId: string): void {
    if (this.closed) return;
    const lane = this.lane(decoderId);
    if (lane.inFlight) {
      lane.again = true;
      return;
    }
    if (lane.timer) return;
    const wait = lane.sentAt + this.minIntervalMs - this.now();
    if (wait > 0) {
      lane.timer = setTimeout(() => {
        lane.timer = null;
        this.flush(decoderId);
      }, wait);
      lane.timer.unref?.();
      return;
    }
    const target = this.opts.targets().find((t) => t.decoderId === decoderId);
    if (!target?.takesOsd || !target.driver.osd) return;
    const osd = this.overlay(target);
    const key = JSON.stringify(osd);
    if (key === lane.sentKey) return;
    lane.inFlight = true;
    lane.sentAt = this.now();
    target.driver
      .osd(osd)
      .then(
        () => {
          lane.sentKey = key;
          if (lane.failing) this.opts.log('info', `wall: decoder ${decoderId} takes the HUD overlay again`);
          lane.failing = null;
        },
        (e: Error) => {
          lane.sentKey = null;
          // Said once per kind of failure, not at every pose.
          if (lane.failing !== e.message) this.opts.log('warn', `wall: decoder ${decoderId}: HUD overlay not taken: ${e.message}`);
          lane.failing = e.message;
        },
      )
      .finally(() => {
        lane.inFlight = false;
        if (lane.again) {
          lane.again = false;
          this.flush(decoderId);
        }
      });
  }
}

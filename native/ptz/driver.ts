import type { PtzVelocity } from '../../common/ptz';

/** What a head reports: degrees, zoom factor, focus 0…1 (null when not offered). */
export interface DriverPose {
  pan: number;
  tilt: number;
  zoom: number;
  focus: number | null;
  /** From the head's MoveStatus; undefined when it does not say. */
  moving: boolean | undefined;
}

export interface DriverPreset {
  preset: number;
  name: string;
  pan: number | null;
  tilt: number | null;
  zoom: number | null;
}

export interface DriverInfo {
  manufacturer: string;
  model: string;
  firmware: string;
  /** Focus can be moved and read back. */
  focus: boolean;
}

export type FocusAction = 'near' | 'far' | 'stop' | 'auto';

/** Why a driver call failed, in the terms the link state and the operator need. */
export type DriverErrorKind = 'unreachable' | 'timeout' | 'unauthorized' | 'fault' | 'malformed' | 'unsupported';

export class PtzDriverError extends Error {
  constructor(
    readonly kind: DriverErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'PtzDriverError';
  }
}

/**
 * A PTZ head as the domain drives it. Angles in degrees (pan 0…360 from the head's zero, tilt
 * positive up), zoom as a factor, speeds in °/s. Implementations: ONVIF (node-onvif).
 */
export interface PtzDriver {
  connect(): Promise<DriverInfo>;
  /** Normalised velocities; the head stops by itself after `timeoutS` unless refreshed. */
  continuousMove(v: PtzVelocity, timeoutS: number): Promise<void>;
  /** Stops pan, tilt and zoom. */
  stop(): Promise<void>;
  absoluteMove(target: { pan: number; tilt: number; zoom: number }, speed?: number): Promise<void>;
  /** Pan/tilt in degrees, zoom as a change of the normalised 0…1 zoom position. */
  relativeMove(delta: { pan: number; tilt: number; zoom: number }, speed?: number): Promise<void>;
  gotoPreset(preset: number, speed?: number): Promise<void>;
  setPreset(preset: number, name: string): Promise<void>;
  removePreset(preset: number): Promise<void>;
  presets(): Promise<DriverPreset[]>;
  status(): Promise<DriverPose>;
  focus?(action: FocusAction, speed: number): Promise<void>;
  focusAbsolute?(position: number): Promise<void>;
  close(): Promise<void>;
}

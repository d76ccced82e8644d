import { compassWord, normalizeBearing } from './ptz';

/** The part of a PTZ pose a HUD shows. */
export interface HudPose {
  /** True bearing of the optical axis, degrees. */
  bearing: number;
  /** Degrees, positive up. */
  tilt: number;
  /** Zoom factor. */
  zoom: number;
}

/**
 * The HUD of a pose as lines, readable across the room: bearing as a compass word and degrees,
 * tilt with its sign, zoom. The wall's software decoders draw them; networked decoders get them
 * as OSD text (docs/decoder-protocol.md, `PUT /api/v1/osd`).
 */
export function hudLines(pose: HudPose): [string, string, string] {
  // Rounded before folding, so 359.97° reads 0.0°, never 360.0°.
  const b = normalizeBearing(Math.round(normalizeBearing(pose.bearing) * 10) / 10);
  const tilt = `${pose.tilt >= 0 ? '+' : '−'}${Math.abs(pose.tilt).toFixed(1)}°`;
  return [`${compassWord(b, 'zh')} ${b.toFixed(1)}°`, `俯仰 ${tilt}`, `${pose.zoom.toFixed(1)}×`];
}

/** The HUD on one line. */
export const hudText = (pose: HudPose): string => hudLines(pose).join('   ');

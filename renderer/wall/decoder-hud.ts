import type { PtzPose } from '../../common/contract';
import { compassWord, normalizeBearing } from '../../common/ptz';

/** The HUD text of a pose: bearing as a compass word and degrees, tilt and zoom, readable across the room. */
export function hudText(pose: Pick<PtzPose, 'bearing' | 'tilt' | 'zoom'>): string {
  // Rounded before folding, so 359.97° reads 0.0°, never 360.0°.
  const b = normalizeBearing(Math.round(normalizeBearing(pose.bearing) * 10) / 10);
  const tilt = `${pose.tilt >= 0 ? '+' : '−'}${Math.abs(pose.tilt).toFixed(1)}°`;
  return `${compassWord(b, 'zh')} ${b.toFixed(1)}°   俯仰 ${tilt}   ${pose.zoom.toFixed(1)}×`;
}

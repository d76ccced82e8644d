import type { CameraView } from '../../common/contract';
import { fovForZoom, type Lens } from '../../common/ptz';
import type { Degrees } from '../../common/units';

/**
 * Lenses of the tender's integrated head: a 10–350 mm visible lens on a 1/1.8" sensor (used up
 * to 32x) and a 35 mm lens on the 384×288, 17 µm thermal core. The site view does not carry the
 * site file's `lens` yet; when it does, `lensOf` takes it from there.
 */
export const DEFAULT_LENSES: Readonly<Record<CameraView['kind'], Lens>> = {
  visible: { sensorWidthMm: 7.18, sensorHeightMm: 5.32, focalMinMm: 10, focalMaxMm: 350 },
  thermal: { sensorWidthMm: 6.528, sensorHeightMm: 4.896, focalMinMm: 35, focalMaxMm: 35 },
};

export function lensOf(camera: Pick<CameraView, 'kind'> & { lens?: Lens }): Lens {
  return camera.lens ?? DEFAULT_LENSES[camera.kind];
}

/** True when the camera's picture does not change with the head's zoom (fixed lens). */
export const isFixedLens = (lens: Lens): boolean => lens.focalMaxMm <= lens.focalMinMm;

/** Field of view of a camera at the head's zoom factor (a fixed lens ignores it). */
export function fovOf(lens: Lens, zoom: number): { h: Degrees; v: Degrees } {
  return fovForZoom(lens, isFixedLens(lens) ? 1 : zoom);
}

import { clickToCentre, type Lens } from '../../common/ptz';
import { useAppStore } from '../app/store';
import { fovOf } from './lens';
import { toPicture, videoPicture } from './picture';
import * as ptz from './ptz-client';

/**
 * Turns the head so that the clicked point of the picture comes to the centre: the click is
 * taken relative to the picture (not its letterbox bars), the horizontal FOV comes from the lens
 * at the current zoom, the vertical from it and the picture's aspect (a 16:9 stream from a 4:3
 * sensor is cropped top and bottom), and `clickToCentre` accounts for the current tilt.
 * Returns false when the click is on a bar or the pose is not known yet.
 */
export function centreOnClick(cameraId: string, lens: Lens, video: HTMLVideoElement | undefined, box: DOMRect, clientX: number, clientY: number): boolean {
  const picture = videoPicture(video, box);
  const point = toPicture({ x: clientX - box.left, y: clientY - box.top }, picture);
  if (!point) return false;
  const s = useAppStore.getState();
  const headId = s.ptzCameraHead[cameraId];
  const pose = headId ? s.ptzPoses[headId] : undefined;
  if (!pose) return false;
  const h = fovOf(lens, pose.zoom).h;
  const v = (2 * Math.atan(Math.tan((h * Math.PI) / 360) * (picture.height / picture.width)) * 180) / Math.PI;
  const turn = clickToCentre(point, { h, v }, pose.tilt);
  const round = (x: number) => Math.round(x * 100) / 100 + 0;
  void ptz.relative(cameraId, { pan: round(turn.pan), tilt: round(turn.tilt) });
  return true;
}

/** Where a video's picture sits inside its element, and clicks on it in picture coordinates. */

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The rectangle a picture of `media` size occupies in a `box` under `object-fit: contain`:
 * scaled to fit, centred, with bars either side or above and below. Without a known picture
 * size (no frame decoded yet) the whole box.
 */
export function containRect(box: { width: number; height: number }, media: { width: number; height: number }): Rect {
  if (!(media.width > 0 && media.height > 0 && box.width > 0 && box.height > 0)) return { x: 0, y: 0, width: box.width, height: box.height };
  const scale = Math.min(box.width / media.width, box.height / media.height);
  const width = media.width * scale;
  const height = media.height * scale;
  return { x: (box.width - width) / 2, y: (box.height - height) / 2, width, height };
}

/**
 * A point in box pixels as normalised picture coordinates — (-1, -1) top-left, (1, 1)
 * bottom-right, y down — or null when it falls on a letterbox bar.
 */
export function toPicture(point: { x: number; y: number }, picture: Rect): { x: number; y: number } | null {
  const x = ((point.x - picture.x) / picture.width) * 2 - 1;
  const y = ((point.y - picture.y) / picture.height) * 2 - 1;
  if (!(Math.abs(x) <= 1 && Math.abs(y) <= 1)) return null;
  return { x, y };
}

/** The picture rectangle of a video element, relative to the element. */
export function videoPicture(video: HTMLVideoElement | undefined, box: { width: number; height: number }): Rect {
  return containRect(box, { width: video?.videoWidth ?? 0, height: video?.videoHeight ?? 0 });
}

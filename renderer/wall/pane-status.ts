import type { PaneSource, WallState, WallWindow } from '../../common/contract';

/**
 * What the mirror draws for one pane, from what the decoders REPORT:
 *   empty    nothing asked
 *   pending  asked, but the decoders do not yet report it playing (or report another camera)
 *   playing  every decoder showing a piece of the pane reports the asked camera playing
 *   hidden   asked, but entirely under higher windows (no decoder is asked to show it)
 *   error    a decoder reports an error for it
 */
export type PaneShow = 'empty' | 'pending' | 'playing' | 'hidden' | 'error' | 'unavailable';

export interface PaneStatus {
  asked: string | null;
  /** The camera the decoders report (the first piece that names one). */
  reported: string | null;
  show: PaneShow;
  error: string | null;
}

/** The camera a source asks for now (a tour: its current step). */
export function askedCamera(wall: WallState, windowId: string, pane: number, source: PaneSource | null | undefined): string | null {
  if (!source) return null;
  if (source.kind === 'camera') return source.cameraId;
  if (source.kind === 'tour') return wall.tours.find((t) => t.windowId === windowId && t.pane === pane)?.cameraId ?? source.cameras[0] ?? null;
  return null;
}

export function paneStatus(wall: WallState, w: WallWindow, pane: number): PaneStatus {
  const source = w.panes[pane] ?? null;
  const asked = askedCamera(wall, w.id, pane, source);
  const id = `${w.id}.${pane}`;
  const pieces = wall.decoders.flatMap((d) => d.reported.filter((o) => o.id === id));
  const wanted = wall.decoders.some((d) => d.desired.some((o) => o.id === id));
  const reported = pieces.find((p) => p.cameraId)?.cameraId ?? null;
  const error = pieces.find((p) => p.state === 'error')?.error ?? null;
  let show: PaneShow;
  if (source && source.kind !== 'camera' && source.kind !== 'tour') show = 'unavailable';
  else if (!asked) show = 'empty';
  else if (!wanted) show = 'hidden';
  else if (pieces.some((p) => p.state === 'error')) show = 'error';
  else if (pieces.length > 0 && pieces.every((p) => p.state === 'playing' && p.cameraId === asked)) show = 'playing';
  else show = 'pending';
  return { asked, reported, show, error };
}

import { useEffect, useRef, useState } from 'react';
import type { PtzPose } from '../../common/contract';
import type { DecoderLayout, DecoderOutput, ReportedOutput } from '../../common/wall';
import { host } from '../app/connection';
import { LivePlayer } from '../video/live-player';
import { WallConferenceView } from '../conference/wall-view';
import { hudText } from '../../common/hud';

const W = 1920;
const H = 1080;

interface Out {
  el: HTMLDivElement;
  video: HTMLVideoElement;
  /** The PTZ HUD, laid over the whole picture (not the panel's crop of it), so a window spanning panels has one HUD. */
  hud: HTMLDivElement;
  player: LivePlayer | null;
  url: string | null;
  out: DecoderOutput;
  last: number;
  still: number;
  /** IDLE (no stream) => CONNECTING (player made) => PLAYING (frames advance) | ERROR (unsupported) */
  state: ReportedOutput['state'];
  /** A conference's participant grid shown instead of a stream. */
  conference: WallConferenceView | null;
}

/** The host hands decoders its own media routes (HTTP-FLV with a token); a relative one is on this origin. */
function absolute(url: string): string {
  return new URL(url, window.location.origin).toString();
}

/**
 * A software decoder: one panel's output, full screen. Lays every output at its `dest` (panel
 * pixels, scaled to the window) with its `crop` and `z`, plays the main stream, and reports every
 * 2 s what it actually plays (frames advancing = playing). Same layout logic as the simulated
 * decoder's preview page (native/sim/decoder/page.ts).
 */
export function DecoderPage({ decoderId }: { decoderId: string }) {
  const stage = useRef<HTMLDivElement>(null);
  const [scale, setScale] = useState({ x: window.innerWidth / W, y: window.innerHeight / H });
  useEffect(() => {
    const fit = () => setScale({ x: window.innerWidth / W, y: window.innerHeight / H });
    window.addEventListener('resize', fit);
    return () => window.removeEventListener('resize', fit);
  }, []);

  useEffect(() => {
    const root = stage.current;
    if (!root) return;
    const outs = new Map<string, Out>();
    let revision = 0;
    let stopped = false;

    const place = (o: Out) => {
      const { dest, crop, z } = o.out;
      Object.assign(o.el.style, { left: `${dest.x}px`, top: `${dest.y}px`, width: `${dest.w}px`, height: `${dest.h}px`, zIndex: String(z) });
      const vw = dest.w / (crop.w || 1);
      const vh = dest.h / (crop.h || 1);
      const picture = { width: `${vw}px`, height: `${vh}px`, left: `${-crop.x * vw}px`, top: `${-crop.y * vh}px` };
      Object.assign(o.video.style, picture);
      if (o.conference) Object.assign(o.conference.grid.style, picture);
      Object.assign(o.hud.style, picture, { fontSize: `${Math.max(14, Math.round(vh / 28))}px` });
    };
    /** Poses come several times a second while a head moves: written straight into the HUD. */
    const showPose = (pose: PtzPose) => {
      for (const o of outs.values()) {
        const cam = o.out.stream?.cameraId;
        if (!cam || !pose.cameraIds.includes(cam)) continue;
        o.hud.hidden = false;
        o.hud.firstElementChild!.textContent = hudText(pose);
        o.hud.dataset.bearing = pose.bearing.toFixed(1);
      }
    };
    const stop = (o: Out) => {
      o.player?.destroy();
      o.player = null;
      o.conference?.stop();
      o.conference = null;
      o.last = 0;
      o.still = 0;
    };
    const apply = (layout: DecoderLayout) => {
      revision = layout.revision;
      // Idle heads publish no pose until they move: fetch the last ones of what this layout shows.
      host()
        .call('ptz:decoderPoses', { decoderId })
        .then((poses) => !stopped && poses.forEach(showPose))
        .catch(() => undefined);
      const seen = new Set<string>();
      for (const out of layout.outputs) {
        seen.add(out.id);
        let o = outs.get(out.id);
        if (!o) {
          const el = document.createElement('div');
          el.className = 'dec-out';
          const video = document.createElement('video');
          video.muted = true;
          video.autoplay = true;
          video.playsInline = true;
          const hud = document.createElement('div');
          hud.className = 'dec-hud';
          hud.hidden = true;
          hud.innerHTML = '<div class="dec-hud-text"></div><div class="dec-hud-mark"></div>';
          el.append(video, hud);
          root.append(el);
          o = { el, video, hud, player: null, url: null, out, last: 0, still: 0, state: 'idle', conference: null };
          outs.set(out.id, o);
        }
        o.out = out;
        place(o);
        o.el.dataset.output = out.id;
        o.el.dataset.camera = out.stream?.cameraId ?? '';
        const url = out.stream ? absolute(out.stream.url) : out.conference ? `conference:${out.conference.roomId}` : null;
        if (url !== o.url && out.conference) {
          stop(o);
          o.url = url;
          o.hud.hidden = true;
          o.conference = new WallConferenceView(out.conference.roomId, o.el);
          o.state = 'connecting';
          place(o);
        } else if (url !== o.url) {
          stop(o);
          o.url = url;
          // Another camera: no HUD until its head reports a pose.
          o.hud.hidden = true;
          const cur = o;
          if (url) {
            cur.state = 'connecting';
            cur.player = new LivePlayer({ url, video: cur.video, onState: (s) => s === 'unsupported' && (cur.state = 'error') });
          } else cur.state = 'idle';
        }
        o.el.dataset.state = o.state;
      }
      for (const [id, o] of outs)
        if (!seen.has(id)) {
          stop(o);
          o.el.remove();
          outs.delete(id);
        }
    };
    const report = () => {
      for (const o of outs.values()) {
        if (o.conference) o.state = o.conference.state === 'playing' ? 'playing' : 'connecting';
        if (!o.player || o.state === 'error') continue;
        const ct = o.video.currentTime;
        if (ct > o.last) {
          o.last = ct;
          o.still = 0;
          o.state = 'playing';
        } else if (++o.still >= 2 && o.state === 'playing') o.state = 'connecting';
        o.el.dataset.state = o.state;
      }
      const outputs: ReportedOutput[] = [...outs.values()].map((o) => ({
        id: o.out.id,
        cameraId: o.out.stream?.cameraId ?? null,
        profile: o.out.stream?.profile ?? null,
        state: o.state,
        error: o.state === 'error' ? 'this browser cannot play the stream' : null,
      }));
      host()
        .call('wall:decoderReport', { decoderId, revision, outputs })
        .catch(() => undefined);
    };

    const off = host().on('wall:decoderState', (e) => e.decoderId === decoderId && apply(e.layout));
    const offPose = host().on('ptz:pose', showPose);
    host()
      .call('wall:decoderLayout', { decoderId })
      .then((l) => !stopped && apply(l))
      .catch((e: unknown) => console.warn('decoder layout', e));
    const timer = setInterval(report, 2000);
    return () => {
      stopped = true;
      off();
      offPose();
      clearInterval(timer);
      for (const o of outs.values()) stop(o);
    };
  }, [decoderId]);

  return (
    <div className="dec-page" data-testid="decoder-page">
      <div className="dec-stage" ref={stage} data-decoder={decoderId} style={{ width: W, height: H, transform: `scale(${scale.x}, ${scale.y})` }} />
      <div className="dec-label">{decoderId}</div>
    </div>
  );
}

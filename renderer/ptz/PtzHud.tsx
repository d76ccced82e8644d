import { useEffect, useRef } from 'react';
import type { PtzPose } from '../../common/contract';
import { compassWord, normalizeBearing, type Lens } from '../../common/ptz';
import { useAppStore } from '../app/store';
import { translate, useT, type Lang } from '../i18n';
import { fovOf, isFixedLens } from './lens';
import { videoPicture, type Rect } from './picture';

interface Props {
  cameraId: string;
  /** No picture on show (connecting, no signal): the aiming mark is left out so the tile's state reads clearly. */
  noPicture?: boolean;
  lens: Lens;
  /** The video on show, to draw over its picture rather than its letterbox bars. */
  getVideo: () => HTMLVideoElement | undefined;
  testId?: string;
}

/** Degrees of bearing the tape shows across the picture's width. */
const TAPE_SPAN = 90;
const LABEL_POOL = 9;

/**
 * Heads-up display over a PTZ camera's picture: true bearing and compass word, a bearing tape
 * with the field of view marked, tilt, zoom, horizontal FOV and a centre aiming mark. Poses
 * arrive several times a second; they are drawn straight into the SVG through refs, so React
 * renders this component only when the camera or the language changes.
 */
export function PtzHud({ cameraId, noPicture, lens, getVideo, testId }: Props) {
  const t = useT();
  const svgRef = useRef<SVGSVGElement>(null);
  const lang = useAppStore((s) => s.lang);
  const headId = useAppStore((s) => s.ptzCameraHead[cameraId]);
  const link = useAppStore((s) => (headId ? s.ptzHeads[headId]?.link : undefined));
  const service = useAppStore((s) => s.ptzService);

  useEffect(() => {
    const svg = svgRef.current;
    if (!svg) return;
    const parts = collectParts(svg);
    const draw = () => {
      const pose = headId ? useAppStore.getState().ptzPoses[headId] : undefined;
      const box = svg.getBoundingClientRect();
      drawHud(svg, parts, pose, videoPicture(getVideo(), box), lang, lens);
    };
    draw();
    const unsubscribe = useAppStore.subscribe((s, prev) => {
      if (headId && s.ptzPoses[headId] !== prev.ptzPoses[headId]) draw();
    });
    const ro = new ResizeObserver(draw);
    ro.observe(svg);
    // The picture's size changes with the stream (main ↔ sub) without any pose arriving.
    const timer = setInterval(draw, 1000);
    return () => {
      unsubscribe();
      ro.disconnect();
      clearInterval(timer);
    };
  }, [headId, lang, lens, getVideo]);

  const offline = service === 'ready' && (!headId || (link !== undefined && link !== 'online'));
  return (
    <svg ref={svgRef} className={`ptz-hud${offline ? ' stale' : ''}${noPicture ? ' no-picture' : ''}`} data-testid={testId} data-camera={cameraId} aria-label={t('hud.label')} role="img">
      <g data-part="frame">
        <rect data-part="tapeBg" className="hud-tape-bg" />
        <rect data-part="fovBand" className="hud-fov-band" />
        <path data-part="ticksUnder" className="hud-under" />
        <path data-part="ticks" className="hud-line" />
        {Array.from({ length: LABEL_POOL }, (_, i) => (
          <text key={i} data-part="label" className="hud-text hud-tape-label" textAnchor="middle" />
        ))}
        <path data-part="caret" className="hud-caret" />
        <text data-part="bearing" className="hud-text hud-bearing" textAnchor="middle" />
        <path data-part="crossUnder" className="hud-under hud-cross" />
        <path data-part="cross" className="hud-line hud-cross" />
        <rect data-part="infoBg" className="hud-info-bg" />
        <text data-part="tilt" className="hud-text hud-small" textAnchor="middle" />
        <text data-part="zoom" className="hud-text hud-small" textAnchor="middle" />
        <text data-part="fov" className="hud-text hud-small" textAnchor="middle" />
        <text data-part="state" className={`hud-text hud-state${offline ? ' offline' : ''}`} textAnchor="middle">
          {offline ? t(service === 'ready' && !headId ? 'hud.noHead' : 'hud.offline') : ''}
        </text>
      </g>
    </svg>
  );
}

type PartName = 'frame' | 'tapeBg' | 'fovBand' | 'ticksUnder' | 'ticks' | 'caret' | 'bearing' | 'crossUnder' | 'cross' | 'infoBg' | 'tilt' | 'zoom' | 'fov' | 'state';
interface Parts extends Record<PartName, SVGElement> {
  labels: SVGTextElement[];
}

function collectParts(svg: SVGSVGElement): Parts {
  const one = (name: PartName) => {
    const el = svg.querySelector<SVGElement>(`[data-part="${name}"]`);
    if (!el) throw new Error(`HUD part ${name} missing`);
    return el;
  };
  const names: PartName[] = ['frame', 'tapeBg', 'fovBand', 'ticksUnder', 'ticks', 'caret', 'bearing', 'crossUnder', 'cross', 'infoBg', 'tilt', 'zoom', 'fov', 'state'];
  const parts = Object.fromEntries(names.map((n) => [n, one(n)])) as Record<PartName, SVGElement>;
  return { ...parts, labels: [...svg.querySelectorAll<SVGTextElement>('[data-part="label"]')] };
}

const fmt1 = (n: number) => n.toFixed(1);

function setAttrs(el: Element, attrs: Record<string, string | number>): void {
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
}

/** Draws the HUD for a pose over the picture rectangle `r` (pixels of the SVG). */
function drawHud(svg: SVGSVGElement, p: Parts, pose: PtzPose | undefined, r: Rect, lang: Lang, lens: Lens): void {
  // One unit is a pixel of a 640×360 picture; text grows with the tile so the wall reads it from afar.
  const u = Math.max(0.6, Math.min(2.4, Math.min(r.width / 640, r.height / 360)));
  svg.style.setProperty('--hud-u', String(u));
  p.frame.setAttribute('transform', `translate(${r.x} ${r.y})`);
  const cx = r.width / 2;
  const cy = r.height / 2;
  const tapeH = 34 * u;

  // Centre aiming mark: four arms with a gap, and a dot.
  const arm = 22 * u;
  const gap = 7 * u;
  const cross = `M${cx - gap - arm} ${cy}H${cx - gap}M${cx + gap} ${cy}H${cx + gap + arm}M${cx} ${cy - gap - arm}V${cy - gap}M${cx} ${cy + gap}V${cy + gap + arm}M${cx - 0.5} ${cy}h1`;
  p.cross.setAttribute('d', cross);
  p.crossUnder.setAttribute('d', cross);
  setAttrs(p.state, { x: cx, y: cy + gap + arm + 30 * u });

  const compassLang = lang === 'en' ? 'en' : 'zh';
  if (!pose) {
    svg.dataset.bearing = '';
    svg.dataset.moving = '';
    p.tapeBg.setAttribute('width', '0');
    p.fovBand.setAttribute('width', '0');
    p.infoBg.setAttribute('width', '0');
    p.ticks.setAttribute('d', '');
    p.ticksUnder.setAttribute('d', '');
    p.caret.setAttribute('d', '');
    for (const l of p.labels) l.textContent = '';
    p.bearing.textContent = '';
    p.tilt.textContent = '';
    p.zoom.textContent = '';
    p.fov.textContent = '';
    return;
  }

  // Rounded to the shown 0.1° before folding, so 359.97° reads 0.0°, never 360.0°.
  const bearing = normalizeBearing(Math.round(normalizeBearing(pose.bearing) * 10) / 10);
  const fov = fovOf(lens, pose.zoom);
  svg.dataset.bearing = bearing.toFixed(2);
  svg.dataset.tilt = pose.tilt.toFixed(2);
  svg.dataset.zoom = pose.zoom.toFixed(2);
  svg.dataset.hfov = fov.h.toFixed(2);
  svg.dataset.moving = String(pose.moving);

  // Bearing tape: TAPE_SPAN degrees across the picture, ticks every 5°, labels every 15°.
  const pxPerDeg = r.width / TAPE_SPAN;
  setAttrs(p.tapeBg, { x: 0, y: 0, width: r.width, height: tapeH });
  const band = Math.min(fov.h, TAPE_SPAN) * pxPerDeg;
  setAttrs(p.fovBand, { x: cx - band / 2, y: tapeH - 6 * u, width: band, height: 6 * u });
  let d = '';
  const first = Math.ceil((bearing - TAPE_SPAN / 2) / 5) * 5;
  for (let deg = first; deg <= bearing + TAPE_SPAN / 2; deg += 5) {
    const x = cx + (deg - bearing) * pxPerDeg;
    const len = deg % 15 === 0 ? 9 * u : 5 * u;
    d += `M${x.toFixed(1)} ${tapeH}v${-len}`;
  }
  p.ticks.setAttribute('d', d);
  p.ticksUnder.setAttribute('d', d);
  const firstLabel = Math.ceil((bearing - TAPE_SPAN / 2) / 15) * 15;
  p.labels.forEach((label, i) => {
    const deg = firstLabel + i * 15;
    if (deg > bearing + TAPE_SPAN / 2) {
      label.textContent = '';
      return;
    }
    const x = cx + (deg - bearing) * pxPerDeg;
    const b = normalizeBearing(deg);
    // Cardinal and intercardinal points by name, the rest by number; none under the centre readout.
    label.textContent = Math.abs(deg - bearing) < 7 ? '' : b % 45 === 0 ? compassWord(b, compassLang) : String(Math.round(b)).padStart(3, '0');
    label.classList.toggle('cardinal', b % 45 === 0);
    setAttrs(label, { x, y: tapeH - 12 * u });
  });
  const caretY = tapeH;
  p.caret.setAttribute('d', `M${cx - 8 * u} ${caretY + 9 * u}L${cx} ${caretY - 1 * u}L${cx + 8 * u} ${caretY + 9 * u}Z`);

  // Readout under the tape: degrees and compass word.
  p.bearing.textContent = `${fmt1(bearing)}° ${compassWord(bearing, compassLang, 16)}`;
  setAttrs(p.bearing, { x: cx, y: tapeH + 36 * u });

  // Tilt, zoom and FOV in a row under the bearing, on a dark band: one glance at the top centre
  // reads the whole pose, and the corners stay clear for the text cameras burn in.
  // A short picture (a 4×4 grid) has no room between the readout and the aiming mark: the row
  // goes to the bottom edge instead.
  const step = Math.min(118 * u, r.width / 3.4);
  const roomy = cy - gap - arm - (tapeH + 71 * u) > 0;
  const rowY = roomy ? tapeH + 64 * u : r.height - 8 * u;
  const bandH = 26 * u;
  setAttrs(p.infoBg, { x: cx - step * 1.6, y: rowY - bandH + 7 * u, width: step * 3.2, height: bandH, rx: 4 * u });
  p.tilt.textContent = `${translate(lang, 'hud.tilt')} ${pose.tilt >= 0 ? '+' : '−'}${fmt1(Math.abs(pose.tilt))}°`;
  p.zoom.textContent = isFixedLens(lens) ? translate(lang, 'hud.fixedLens') : `${translate(lang, 'hud.zoom')} ${fmt1(pose.zoom)}×`;
  p.fov.textContent = `${translate(lang, 'hud.fov')} ${fov.h < 10 ? fov.h.toFixed(2) : fmt1(fov.h)}°`;
  setAttrs(p.tilt, { x: cx - step, y: rowY });
  setAttrs(p.zoom, { x: cx, y: rowY });
  setAttrs(p.fov, { x: cx + step, y: rowY });
}

import { useEffect, useRef } from 'react';
import { joystickCurve } from '../../common/ptz';

interface Props {
  /** Deflection, x right and y up, each -1…1 after the radial deadzone; null when released. */
  onChange: (v: { x: number; y: number } | null) => void;
  disabled?: boolean;
  label: string;
  testId?: string;
}

const DEADZONE = 0.12;

/**
 * A large on-screen stick for touch screens. It follows one finger — the one that first touched
 * it — so other fingers can hold the zoom or focus rockers at the same time; lifting that finger
 * (or the system cancelling the touch) releases it at once. Touch events only, listened to
 * natively and not passively, so the page neither scrolls nor zooms under the thumb.
 */
export function VirtualJoystick({ onChange, disabled, label, testId }: Props) {
  const baseRef = useRef<HTMLDivElement>(null);
  const knobRef = useRef<HTMLDivElement>(null);
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;
  const disabledRef = useRef(disabled);
  disabledRef.current = disabled;

  useEffect(() => {
    const base = baseRef.current;
    const knob = knobRef.current;
    if (!base || !knob) return;
    let finger: number | null = null;

    const place = (t: Touch) => {
      const r = base.getBoundingClientRect();
      const radius = r.width / 2;
      let dx = (t.clientX - (r.left + radius)) / radius;
      let dy = (t.clientY - (r.top + r.height / 2)) / radius;
      const mag = Math.hypot(dx, dy);
      if (mag > 1) {
        dx /= mag;
        dy /= mag;
      }
      // The knob travels to 70 % of the radius so it stays inside the ring.
      knob.style.transform = `translate(${dx * radius * 0.7}px, ${dy * radius * 0.7}px)`;
      const m = Math.min(1, mag);
      const curved = joystickCurve(m, { deadzone: DEADZONE, exponent: 1 });
      const scale = m > 0 ? curved / m : 0;
      base.dataset.x = (dx * scale).toFixed(3);
      base.dataset.y = (-dy * scale).toFixed(3);
      onChangeRef.current({ x: round(dx * scale), y: round(-dy * scale) });
    };
    const release = () => {
      finger = null;
      knob.style.transform = '';
      base.classList.remove('active');
      base.dataset.x = '0';
      base.dataset.y = '0';
      onChangeRef.current(null);
    };
    const find = (list: TouchList, id: number | null): Touch | undefined => {
      for (const t of list) if (t.identifier === id) return t;
      return undefined;
    };

    const start = (e: TouchEvent) => {
      e.preventDefault();
      if (finger !== null || disabledRef.current) return;
      const t = e.changedTouches[0];
      if (!t) return;
      finger = t.identifier;
      base.classList.add('active');
      place(t);
    };
    const move = (e: TouchEvent) => {
      e.preventDefault();
      const t = find(e.changedTouches, finger);
      if (t) place(t);
    };
    const end = (e: TouchEvent) => {
      if (find(e.changedTouches, finger)) release();
    };
    base.addEventListener('touchstart', start, { passive: false });
    base.addEventListener('touchmove', move, { passive: false });
    base.addEventListener('touchend', end);
    base.addEventListener('touchcancel', end);
    return () => {
      base.removeEventListener('touchstart', start);
      base.removeEventListener('touchmove', move);
      base.removeEventListener('touchend', end);
      base.removeEventListener('touchcancel', end);
      if (finger !== null) release();
    };
  }, []);

  useEffect(() => {
    if (disabled && baseRef.current?.classList.contains('active')) {
      baseRef.current.classList.remove('active');
      if (knobRef.current) knobRef.current.style.transform = '';
      onChangeRef.current(null);
    }
  }, [disabled]);

  return (
    <div ref={baseRef} className={`vjoy${disabled ? ' disabled' : ''}`} role="application" aria-label={label} data-testid={testId} data-x="0" data-y="0">
      <svg className="vjoy-marks" viewBox="0 0 100 100" aria-hidden="true">
        <circle cx="50" cy="50" r="47" />
        <circle cx="50" cy="50" r="6" className="centre" />
        <path d="M50 6 l-5 8 h10z M50 94 l-5 -8 h10z M6 50 l8 -5 v10z M94 50 l-8 -5 v10z" className="arrows" />
      </svg>
      <div ref={knobRef} className="vjoy-knob" />
    </div>
  );
}

const round = (x: number) => Math.round(x * 1000) / 1000 + 0;

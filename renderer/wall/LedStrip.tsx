import { useLayoutEffect, useRef, useState, type CSSProperties } from 'react';
import type { LedState } from '../../common/contract';

/** Height of a line of text on the LED strip, in its own pixels (32-pixel-high modules). */
export const LED_LINE_PX = 32;

/**
 * The LED text strip: the text scrolls right to left at `speedPxS` LED pixels a second. Drawn at any
 * size (the mirror's miniature, a full-screen LED output), the speed scales with the text height
 * against the strip's 32-pixel line, so every drawing of it crosses its width in the same time per
 * character as the real strip. The motion is one CSS animation of a transform, measured once per
 * text or size change: no re-render per frame. Speed 0 shows the text still, from the left.
 */
export function LedStrip({ led, className = '', testId }: { led: LedState; className?: string; testId?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const text = useRef<HTMLSpanElement>(null);
  const [run, setRun] = useState<{ from: number; to: number; s: number } | null>(null);
  useLayoutEffect(() => {
    const b = box.current;
    if (!b) return;
    const measure = () => {
      // The span of the moment: it is remounted when the text changes.
      const tx = text.current;
      if (!tx) return;
      const from = b.clientWidth;
      const to = -tx.scrollWidth;
      const speed = (led.speedPxS * parseFloat(getComputedStyle(tx).fontSize)) / LED_LINE_PX;
      setRun(speed > 0 && led.text ? { from, to, s: (from - to) / speed } : null);
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(b);
    return () => ro.disconnect();
  }, [led.text, led.speedPxS]);
  const style = run
    ? ({ '--led-from': `${run.from}px`, '--led-to': `${run.to}px`, animationDuration: `${run.s}s` } as CSSProperties)
    : undefined;
  return (
    <div
      className={`led-strip ${className}`}
      ref={box}
      data-testid={testId}
      data-scrolling={run ? 'true' : 'false'}
      data-speed={led.speedPxS}
      data-colour={led.colour}
      aria-label={led.text}
    >
      {/* The key restarts the animation from the right edge when the text or its speed changes. */}
      <span key={`${led.text}|${led.speedPxS}`} ref={text} className={`led-text${run ? ' scrolling' : ''}`} style={{ ...style, color: led.colour }}>
        {led.text}
      </span>
    </div>
  );
}

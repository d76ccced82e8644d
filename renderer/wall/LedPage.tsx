import { useEffect, useState } from 'react';
import type { LedState } from '../../common/contract';
import { LED_OFF } from '../../common/wall';
import { host } from '../app/connection';
import { LedStrip } from './LedStrip';

/** How often the page asks again, so a strip that missed an event (reconnect) catches up. */
const RECHECK_MS = 5000;

/**
 * The LED strip as a page (`/led`): what a wall PC's LED output or a kiosk browser shows, full
 * width, text scrolling at the strip's speed in its colour. Like a software decoder page it needs
 * only the host or a device token; nobody signs in on it.
 */
export function LedPage() {
  const [led, setLed] = useState<LedState>(LED_OFF);
  useEffect(() => {
    let stopped = false;
    const keep = (next: LedState) =>
      !stopped && setLed((cur) => (cur.text === next.text && cur.colour === next.colour && cur.speedPxS === next.speedPxS ? cur : next));
    const ask = () =>
      host()
        .call('wall:ledState', {})
        .then(keep)
        .catch(() => undefined);
    const off = host().on('wall:ledState', keep);
    ask();
    const timer = setInterval(ask, RECHECK_MS);
    return () => {
      stopped = true;
      off();
      clearInterval(timer);
    };
  }, []);
  return (
    <div className="led-page" data-testid="led-page">
      <LedStrip led={led} className="led-full" testId="led-strip" />
    </div>
  );
}

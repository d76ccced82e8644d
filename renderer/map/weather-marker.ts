import type { WeatherReading } from '../../common/contract';

/**
 * Fills a tower marker's weather part: an arrow pointing the way the wind blows (downwind, as on
 * weather maps), speed, temperature and humidity, and the fire-danger colour. Plain DOM: the
 * markers are not React, and 19 of them change once a poll.
 */
export function fillWeather(el: HTMLElement, r: WeatherReading | undefined, levels: readonly { level: number; name: string; colour: string }[]): void {
  if (!r || r.temperatureC === null) {
    el.replaceChildren();
    el.hidden = true;
    return;
  }
  el.hidden = false;
  const arrow = document.createElement('span');
  arrow.className = 'map-wx-arrow';
  arrow.textContent = '↑';
  // Wind "from" 315° blows towards 135°.
  arrow.style.transform = `rotate(${((r.windFromDeg ?? 0) + 180) % 360}deg)`;
  const text = document.createElement('span');
  text.textContent = `${r.windSpeedMs?.toFixed(0) ?? '–'}m/s ${r.temperatureC.toFixed(0)}°C ${r.humidityPct?.toFixed(0) ?? '–'}%`;
  el.replaceChildren(arrow, text);
  const level = levels.find((l) => l.level === r.danger);
  el.dataset.danger = String(r.danger);
  el.dataset.stale = String(!r.ok);
  el.style.borderLeftColor = level?.colour ?? 'transparent';
  el.title = `${level ? `${level.name} · ` : ''}${r.ok ? '' : `${r.message ?? ''} · `}${r.at ? new Date(r.at).toLocaleTimeString() : ''}`;
}

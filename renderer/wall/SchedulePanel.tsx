import { useEffect, useState } from 'react';
import type { SceneList, ScheduleEntry } from '../../common/contract';
import { useT } from '../i18n';
import { wallEdit } from './wall-commands';

/** Monday first, as the room reads a week; values are the contract's 0 = Sunday. */
const WEEK = [1, 2, 3, 4, 5, 6, 0] as const;

/** A time of day as the host takes it (24 h). */
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

const sameEntries = (a: readonly ScheduleEntry[], b: readonly ScheduleEntry[]) => JSON.stringify(a) === JSON.stringify(b);
const byTime = (a: ScheduleEntry, b: ScheduleEntry) => a.time.localeCompare(b.time);

/**
 * The time-of-day schedule of scenes (定时预案): e.g. 07:00 日间预案, 19:00 夜间预案, in the site's
 * time zone, each on every day or on chosen weekdays. Edited as a draft and saved whole with
 * `wall:sceneSchedule`; the host's answer (sorted entries, next change) replaces the draft.
 */
export function SchedulePanel({ list, onSaved }: { list: SceneList; onSaved: () => void }) {
  const t = useT();
  const saved = list.schedule.entries;
  const [draft, setDraft] = useState<ScheduleEntry[]>(saved);
  // A schedule saved elsewhere (or first loaded) replaces an untouched draft.
  const [base, setBase] = useState(saved);
  useEffect(() => {
    if (!sameEntries(saved, base)) {
      setDraft((d) => (sameEntries(d, base) ? saved : d));
      setBase(saved);
    }
  }, [saved, base]);
  const dirty = !sameEntries(draft, saved);
  const valid = draft.every((e) => TIME.test(e.time) && e.scene !== '');
  const scenes = list.scenes.map((s) => s.name);

  const change = (i: number, patch: Partial<ScheduleEntry>) => setDraft((d) => d.map((e, k) => (k === i ? { ...e, ...patch } : e)));
  const toggleDay = (i: number, day: number) => {
    const e = draft[i]!;
    const cur = e.days ?? [...WEEK];
    const next = cur.includes(day) ? cur.filter((x) => x !== day) : [...cur, day];
    if (next.length === 0) return;
    // Every day is stored as no `days` at all.
    const entry: ScheduleEntry = next.length === 7 ? { time: e.time, scene: e.scene } : { time: e.time, scene: e.scene, days: [...next].sort((a, b) => a - b) };
    setDraft((d) => d.map((x, k) => (k === i ? entry : x)));
  };
  const add = () => {
    const last = draft[draft.length - 1];
    const time = last && TIME.test(last.time) ? `${String((Number(last.time.slice(0, 2)) + 12) % 24).padStart(2, '0')}:${last.time.slice(3)}` : '07:00';
    setDraft([...draft, { time, scene: scenes[0] ?? '' }]);
  };
  const save = async () => {
    const entries = [...draft].sort(byTime);
    const r = await wallEdit('wall:sceneSchedule', { entries });
    if (r) {
      setDraft(r.entries);
      onSaved();
    }
  };
  const next = list.schedule.next;

  return (
    <div className="wall-schedule" data-testid="wall-schedule">
      <h3>{t('wall.schedule', { tz: list.schedule.timeZone })}</h3>
      {draft.length === 0 && <p className="dim">{t('wall.noSchedule')}</p>}
      {draft.map((e, i) => (
        <div className="wall-schedule-entry" key={i} data-testid={`wall-schedule-${i}`}>
          <div className="wall-row">
            {/* Text, not type="time": the browser's time field follows its own locale (07:00 PM); the room reads 24 h. */}
            <input
              className={`wall-time${TIME.test(e.time) ? '' : ' bad'}`}
              value={e.time}
              maxLength={5}
              inputMode="numeric"
              placeholder="07:00"
              onChange={(ev) => change(i, { time: ev.target.value.trim() })}
              aria-label={t('wall.scheduleTime')}
              aria-invalid={!TIME.test(e.time)}
              data-testid={`wall-schedule-time-${i}`}
            />
            <select className="wall-input" value={e.scene} onChange={(ev) => change(i, { scene: ev.target.value })} aria-label={t('wall.scheduleScene')} data-testid={`wall-schedule-scene-${i}`}>
              {!scenes.includes(e.scene) && <option value={e.scene}>{e.scene ? t('wall.scheduleMissing', { name: e.scene }) : '—'}</option>}
              {scenes.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
            <button className="wall-icon" onClick={() => setDraft(draft.filter((_, k) => k !== i))} title={t('wall.scheduleDelete')} aria-label={t('wall.scheduleDelete')} data-testid={`wall-schedule-delete-${i}`}>
              ×
            </button>
          </div>
          <div className="wall-days" role="group" aria-label={t('wall.scheduleDays')}>
            {WEEK.map((d) => (
              <button key={d} className={`wall-day${!e.days || e.days.includes(d) ? ' on' : ''}`} onClick={() => toggleDay(i, d)} aria-pressed={!e.days || e.days.includes(d)}>
                {t(`wall.day${d}` as 'wall.day0')}
              </button>
            ))}
          </div>
        </div>
      ))}
      <div className="wall-row">
        <button onClick={add} disabled={scenes.length === 0} title={scenes.length === 0 ? t('wall.scheduleNeedsScene') : undefined} data-testid="wall-schedule-add">
          {t('wall.scheduleAdd')}
        </button>
        <button className={dirty ? 'primary' : ''} onClick={() => void save()} disabled={!dirty || !valid} title={valid ? undefined : t('wall.scheduleInvalid')} data-testid="wall-schedule-save">
          {t('wall.scheduleSave')}
        </button>
        {dirty && (
          <button onClick={() => setDraft(saved)} data-testid="wall-schedule-revert">
            {t('wall.scheduleRevert')}
          </button>
        )}
      </div>
      <p className={next ? 'wall-next' : 'dim'} data-testid="wall-schedule-next" data-scene={next?.scene ?? ''} data-at={next?.at ?? ''}>
        {next ? t('wall.next', { at: new Date(next.at).toLocaleString('zh-CN', { timeZone: list.schedule.timeZone, hour12: false, month: 'numeric', day: 'numeric', weekday: 'short', hour: '2-digit', minute: '2-digit' }), scene: next.scene }) : t('wall.noNext')}
      </p>
    </div>
  );
}

import type { WallRect } from '../../common/wall';
import { useAppStore } from '../app/store';
import { useT } from '../i18n';
import { useCameraName } from './use-camera-name';
import { wallCall, wallEdit } from './wall-commands';

const clock = (ms: number) => new Date(ms).toLocaleTimeString('zh-CN', { hour12: false });
const panelsText = (r: WallRect, pw: number, ph: number) => `${Math.round(r.w / pw)} × ${Math.round(r.h / ph)}`;

/** Marks the alarm region drawn on the mirror (snapped to whole panels) and leaves drawing mode. */
export async function markAlarmRegion(rect: WallRect): Promise<void> {
  useAppStore.getState().setWallDrawAlarm(false);
  await wallEdit('wall:alarmRegion', { rect, snap: true });
}

/**
 * The alarm region (报警区域): mark it by drawing on the mirror, clear it; while alarms hold it,
 * which cameras and why, since when, and release (one camera or all).
 */
export function AlarmPanel() {
  const t = useT();
  const alarm = useAppStore((s) => s.wall?.alarm);
  const g = useAppStore((s) => s.wall?.geometry);
  const drawing = useAppStore((s) => s.wallDrawAlarm);
  const setDrawing = useAppStore((s) => s.setWallDrawAlarm);
  const cameraName = useCameraName();
  if (!alarm || !g) return null;
  const taken = alarm.active.length > 0;
  return (
    <section className={`wall-alarm${taken ? ' taken' : ''}`} data-testid="wall-alarm">
      <h2>{t('wall.alarmRegion')}</h2>
      <p className={alarm.region ? '' : 'dim'} data-testid="wall-alarm-state">
        {alarm.region
          ? t('wall.alarmRegionAt', { panels: panelsText(alarm.region, g.panelWidth, g.panelHeight), x: alarm.region.x, y: alarm.region.y })
          : t('wall.alarmRegionNone')}
      </p>
      <div className="wall-row">
        <button className={drawing ? 'active' : ''} aria-pressed={drawing} onClick={() => setDrawing(!drawing)} data-testid="wall-alarm-mark">
          {drawing ? t('wall.alarmDrawCancel') : alarm.region ? t('wall.alarmRedraw') : t('wall.alarmDraw')}
        </button>
        {alarm.region && (
          <button onClick={() => void wallEdit('wall:alarmRegion', { rect: null, snap: true })} disabled={taken} title={taken ? t('wall.alarmClearBusy') : undefined} data-testid="wall-alarm-clear">
            {t('wall.alarmClear')}
          </button>
        )}
      </div>
      {taken && (
        <div className="wall-alarm-holds" role="alert">
          <h3>{t('wall.alarmHolds')}</h3>
          {[...alarm.active].reverse().map((a) => (
            <div key={a.cameraId} className="wall-alarm-hold" data-testid={`wall-alarm-hold-${a.cameraId}`}>
              <div>
                <strong>{cameraName(a.cameraId)}</strong> <span className="dim">{clock(a.since)}</span>
              </div>
              <div className="wall-alarm-reason">{a.reason}</div>
              <button onClick={() => void wallCall('wall:alarmRelease', { cameraId: a.cameraId })} data-testid={`wall-alarm-release-${a.cameraId}`}>
                {t('wall.alarmReleaseOne')}
              </button>
            </div>
          ))}
          <button className="danger" onClick={() => void wallCall('wall:alarmRelease', {})} data-testid="wall-alarm-release">
            {t('wall.alarmRelease')}
          </button>
        </div>
      )}
    </section>
  );
}

import type { Alert } from '../../common/alerts';

/** A duty-log line an alert change calls for. */
export interface AlertDutyLine {
  key: string;
  at: number;
  text: string;
  /** Snapshot file name to attach. */
  snapshot: string | null;
}

const KIND = { smoke: '烟雾', fire: '火点' } as const;
const VERDICT = { confirmed: '确认火情', false_alarm: '误报', duplicate: '重复报警' } as const;
const REASON: Record<string, string> = { cloud: '云', fog: '雾', dust: '扬尘', lights: '灯光', sun_glare: '阳光反射', chimney: '烟囱/炊烟', vehicle: '车辆', other: '其他' };

/**
 * What an `alert:changed` event adds to the duty log (值班记录): the alarm itself, the decision, each
 * follow-up report and the closing — each once (`key`), and only when it has just happened
 * (`recentMs`), so replays after a restart write nothing twice.
 */
export function alertDutyLines(a: Alert, towerName: string, now: number, recentMs = 10_000): AlertDutyLine[] {
  const lines: AlertDutyLine[] = [];
  const recent = (t: number) => now - t <= recentMs;
  const where = `${towerName} ${a.cameraId.endsWith('thermal') ? '热成像' : '可见光'}，方位 ${a.bearing.toFixed(1)}°`;
  if (a.count === 1 && recent(a.receivedAt)) {
    lines.push({ key: `${a.id}:raised`, at: a.firstAt, text: `${KIND[a.kind]}报警：${where}（置信度 ${Math.round(a.confidence * 100)}%）`, snapshot: a.snapshots[0] ?? null });
  }
  if (a.escalatedAt && recent(a.escalatedAt)) {
    lines.push({ key: `${a.id}:escalated`, at: a.escalatedAt, text: `${towerName}${KIND[a.kind]}报警超时无人确认，已上报值班长`, snapshot: null });
  }
  const p = a.position;
  if (p?.by && p.at !== undefined && recent(p.at)) {
    lines.push({
      key: `${a.id}:located:${p.at}`,
      at: p.at,
      text: `${towerName}报警位置经${p.by}在一张图标定：${p.lat.toFixed(5)}, ${p.lon.toFixed(5)}（±${p.uncertaintyM} m，${p.method === 'triangulated' ? '多塔交会' : '单塔地形'}）`,
      snapshot: null,
    });
  }
  if (a.decision && recent(a.decision.at) && a.status !== 'new') {
    const verdict = VERDICT[a.decision.duplicateOf ? 'duplicate' : a.decision.reason ? 'false_alarm' : 'confirmed'];
    const reason = a.decision.reason ? `（${REASON[a.decision.reason] ?? a.decision.reason}）` : '';
    lines.push({ key: `${a.id}:decided`, at: a.decision.at, text: `${towerName}报警研判：${verdict}${reason}，${a.decision.by}${a.decision.note ? `：${a.decision.note}` : ''}`, snapshot: null });
  }
  const f = a.observation?.followUps.at(-1);
  // A follow-up is stamped with its due time; one produced late (the host was down) still counts within 5 minutes.
  if (f && f.seq > 0 && now - f.at <= Math.max(recentMs, 300_000) && a.status === 'confirmed') {
    const pos = f.position ? `，位置 ${f.position.lat.toFixed(5)}, ${f.position.lon.toFixed(5)}` : '';
    lines.push({ key: `${a.id}:followUp:${f.seq}`, at: f.at, text: `${towerName}火情第${f.seq}次跟踪报告${f.pose ? `：方位 ${f.pose.bearing.toFixed(1)}°` : ''}${pos}`, snapshot: f.snapshot });
  }
  if (a.closed && recent(a.closed.at)) {
    lines.push({ key: `${a.id}:closed`, at: a.closed.at, text: `${towerName}警讯确认解除，${a.closed.by}${a.closed.note ? `：${a.closed.note}` : ''}`, snapshot: null });
  }
  // A drill is written as one, so nobody reading the log takes it for a fire.
  return a.drill ? lines.map((l) => ({ ...l, text: `【演练】${l.text}` })) : lines;
}

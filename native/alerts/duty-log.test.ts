import { describe, expect, it } from 'vitest';
import type { Alert } from '../../common/alerts';
import { alertDutyLines } from './duty-log';

const base: Alert = {
  id: 'a1', towerId: 't01', cameraId: 't01-thermal', detectorId: 't01-fd', kind: 'smoke', confidence: 0.9, firstAt: 1000, lastAt: 1000, receivedAt: 1000,
  count: 1, bearing: 123.44, tilt: -1, zoom: 8, preset: null, boxes: [], snapshots: ['s1.jpg'], status: 'new', acknowledged: null, escalatedAt: null,
  decision: null, linked: [], position: null, observation: null, closed: null, notifications: [], clip: null,
};

describe('alerts in the duty log', () => {
  it('writes the alarm with its picture, then the decision with its reason, when they happen', () => {
    expect(alertDutyLines(base, '仙人山', 2000)).toEqual([{ key: 'a1:raised', at: 1000, text: '烟雾报警：仙人山 热成像，方位 123.4°（置信度 90%）', snapshot: 's1.jpg' }]);
    const decided: Alert = { ...base, status: 'false_alarm', decision: { by: '王值班', at: 60_000, reason: 'fog', note: '', duplicateOf: null } };
    expect(alertDutyLines(decided, '仙人山', 60_500).map((l) => l.text)).toEqual(['仙人山报警研判：误报（雾），王值班']);
  });

  it('writes the position an operator located on the map', () => {
    const located: Alert = { ...base, position: { lat: 31.25, lon: 119.41, method: 'triangulated', uncertaintyM: 120, by: '王值班', at: 90_000 } };
    expect(alertDutyLines(located, '仙人山', 90_100)).toEqual([
      { key: 'a1:located:90000', at: 90_000, text: '仙人山报警位置经王值班在一张图标定：31.25000, 119.41000（±120 m，多塔交会）', snapshot: null },
    ]);
  });

  it('writes the escalation to the shift leader once it happens', () => {
    const escalated: Alert = { ...base, escalatedAt: 61_000 };
    expect(alertDutyLines(escalated, '仙人山', 61_200)).toEqual([{ key: 'a1:escalated', at: 61_000, text: '仙人山烟雾报警超时无人确认，已上报值班长', snapshot: null }]);
  });

  it('writes nothing for states replayed long after they happened (a host restart)', () => {
    const old: Alert = { ...base, status: 'confirmed', decision: { by: '王值班', at: 5000, reason: null, note: '', duplicateOf: null } };
    expect(alertDutyLines(old, '仙人山', 5000 + 3_600_000)).toEqual([]);
  });

  it('marks every line of a fire drill (演练) so nobody takes it for a fire', () => {
    const drill: Alert = { ...base, drill: true };
    expect(alertDutyLines(drill, '仙人山', 2000).map((l) => l.text)).toEqual(['【演练】烟雾报警：仙人山 热成像，方位 123.4°（置信度 90%）']);
  });
});

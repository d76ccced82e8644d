import type { CommandName } from '../../common/contract';
import { mutate, type Rng } from './gen';

/*
 * Valid arguments for each command, the seeds the mutators start from. They are chosen so that the
 * fuzz run cannot hurt itself: no real camera on the wall or in a clip (each would start an encoder),
 * no sign-in that could succeed, no change to the accounts the fuzz sockets are signed in with.
 * A command missing here is still fuzzed, from `{}` and random values.
 */

/** A camera id no site has: wall and clip commands fail fast with it. */
export const FAKE_CAMERA = 'fz-cam-1';
/** A real camera of the simulated site: PTZ commands only move the simulated head. */
export const PTZ_CAMERA = 't01-visible';
/** An account the fuzz run creates for user:update / user:resetPassword to act on. */
export const FUZZ_USER = 'fz1';

const rect = { x: 0, y: 0, w: 1920, h: 1080 };
const wallSize = { rows: 3, columns: 5, panelWidth: 1920, panelHeight: 1080 };

/** A scene for the simulated wall that names no real camera. */
export const SAMPLE_SCENE = {
  format: 'skywatch-wall-scene',
  version: 1,
  name: 'fz-scene',
  savedAt: 1_780_000_000_000,
  wall: wallSize,
  windows: [
    { id: 'w1', rect, split: 4, panes: [null, null, null, null], title: '模糊' },
    { id: 'w2', rect: { x: 1920, y: 0, w: 3840, h: 2160 }, split: 1, panes: [null] },
  ],
};

/** A demonstration tour that names no camera and no wall window. */
export const SAMPLE_TOUR = {
  format: 'skywatch-demo-tour',
  version: 1,
  name: 'fz-tour',
  description: '模糊测试',
  loop: true,
  steps: [
    { title: '模糊', narration: '讲解词', led: '', map: { center: { lat: 31.2, lon: 119.4 }, zoom: 10, pitch: 20, towers: ['t01'] } },
    { title: '第二步', durationS: 5, console: { workspace: 'duty', layout: 4 } },
  ],
};

/** The same with tours and cameras (of a site that does not exist), to reach the camera checks. */
export const SAMPLE_SCENE_WITH_TOURS = {
  ...SAMPLE_SCENE,
  name: 'fz-tours',
  windows: [
    {
      id: 'w1',
      rect,
      split: 4,
      panes: [{ kind: 'camera', cameraId: FAKE_CAMERA, profile: 'sub' }, { kind: 'tour', cameras: [FAKE_CAMERA, 'fz-cam-2'], dwellS: 10, sync: true }, { kind: 'map', ref: 'x' }, null],
    },
  ],
};

type Sample = unknown | ((r: Rng) => unknown);

const now = Date.now();

export const SAMPLES: Partial<Record<CommandName, readonly Sample[]>> = {
  'app:info': [{}],
  'app:ping': [{ sentAt: now }, { sentAt: 0 }],
  'auth:status': [{}],
  'auth:setupAdmin': [{ username: 'fz-admin', displayName: 'Fuzz', password: 'Fuzz-pass-2026' }],
  'auth:signIn': [{ username: 'fz-nobody', password: 'wrong-pass-1' }, { username: FUZZ_USER, password: 'wrong-pass-2' }],
  'auth:resume': [{ sessionToken: 'not-a-session-token' }],
  'auth:unlock': [{ password: 'wrong-pass-3' }],
  'auth:signOut': [{}],
  'auth:activity': [{}],
  'auth:changePassword': [{ oldPassword: 'wrong-pass-4', newPassword: 'Another-pass-2027' }],
  'user:list': [{}],
  'user:create': [
    { username: 'fz-user', displayName: '模糊', role: 'operator', password: 'Fuzz-pass-2026' },
    { username: 'fz.viewer_2', displayName: 'V', role: 'viewer', password: 'Fuzz-pass-2026!' },
  ],
  'user:update': [{ username: FUZZ_USER, displayName: 'F', role: 'viewer', disabled: false }, { username: FUZZ_USER, disabled: true }, { username: 'nobody' }],
  'user:resetPassword': [{ username: FUZZ_USER, password: 'Reset-pass-2026' }],
  'device:list': [{}],
  'device:issue': [{ name: 'fuzz panel', kind: 'touch' }],
  'device:revoke': [{ id: 'no-such-device' }],
  'audit:query': [{}, { limit: 5, offset: 3, text: 'fz' }, { from: 0, to: now + 1e6, actor: 'admin', action: 'wall', outcome: 'denied', limit: 1000 }],
  'audit:verify': [{}],
  'audit:export': [{ outcome: 'denied' }, { from: now - 1000, to: now + 1e9, text: 'x' }],
  'site:get': [{}],
  'map:basemapStatus': [{ id: 'sim-relief' }, { id: 'no-such-map' }],
  'map:terrainStatus': [{}],
  'map:elevation': [{ points: [{ lat: 31.2612, lon: 119.3555 }, { lat: 0, lon: 0 }] }],
  'map:groundFix': [{ towerId: 't01', bearing: 120, tilt: -3 }, { towerId: 'nope', bearing: 0, tilt: 0 }],
  'map:hotspots': [{}],
  'map:importHotspots': [
    { source: 'fuzz.csv', text: 'latitude,longitude,acq_date,acq_time\n31.2,119.4,2026-11-01,0312\n' },
    { source: 'bad.csv', text: 'not,a,firms\n1,2,3', firstLine: 7 },
  ],
  'map:clearHotspots': [{}],
  'map:weather': [{}],
  'stream:list': [{}],
  'camera:statusList': [{}],
  'stream:exportClip': [{ cameraId: FAKE_CAMERA, profile: 'sub', at: now, beforeS: 5, afterS: 0 }, { cameraId: FAKE_CAMERA, at: now }],
  'ptz:heads': [{}],
  'ptz:decoderPoses': [{ decoderId: 'd01' }, { decoderId: 'd99' }],
  'ptz:status': [{ cameraId: PTZ_CAMERA }, { cameraId: FAKE_CAMERA }],
  'ptz:controlList': [{}],
  'ptz:presets': [{ cameraId: PTZ_CAMERA }],
  'ptz:cruiseList': [{}],
  'ptz:move': [{ cameraId: PTZ_CAMERA, pan: 0.1, tilt: -0.1, zoom: 0 }],
  'ptz:stop': [{ cameraId: PTZ_CAMERA }],
  'ptz:absolute': [{ cameraId: PTZ_CAMERA, pan: 10, tilt: 0, zoom: 2, focus: 0.5, speed: 30 }],
  'ptz:relative': [{ cameraId: PTZ_CAMERA, pan: -5, tilt: 1, zoomBy: 1.5, speed: 10 }],
  'ptz:focus': [{ cameraId: PTZ_CAMERA, action: 'near', speed: 0.5 }],
  'ptz:gotoPreset': [{ cameraId: PTZ_CAMERA, preset: 1, speed: 20 }],
  'ptz:takeControl': [{ cameraId: PTZ_CAMERA, priority: 'operator' }, { cameraId: PTZ_CAMERA, priority: 'alarm' }],
  'ptz:releaseControl': [{ cameraId: PTZ_CAMERA }],
  'ptz:setPreset': [{ cameraId: PTZ_CAMERA, preset: 7, name: '模糊 preset' }],
  'ptz:removePreset': [{ cameraId: PTZ_CAMERA, preset: 7 }],
  'ptz:cruiseSet': [
    { cameraId: PTZ_CAMERA, plan: { mode: 'presets', steps: [{ preset: 1, dwellS: 5 }], resumeAfterS: 60, homePreset: 1, homeAfterS: 60 } },
    { cameraId: PTZ_CAMERA, plan: { mode: 'scan', periodS: 60, tilt: 0, zoom: 1, clockwise: false } },
    { cameraId: PTZ_CAMERA, plan: null },
  ],
  'ptz:cruiseStart': [{ cameraId: PTZ_CAMERA }],
  'ptz:cruiseStop': [{ cameraId: PTZ_CAMERA }],
  'wall:get': [{}],
  'wall:sceneList': [{}],
  'wall:decoderReport': [{ decoderId: 'd01', revision: 0, outputs: [{ id: 'w1.0', cameraId: null, profile: null, state: 'idle', error: null }] }],
  'wall:decoderLayout': [{ decoderId: 'd01' }, { decoderId: 'd99' }],
  'wall:ledState': [{}],
  'wall:openWindow': [
    { rect, split: 4, panes: [null, { kind: 'camera', cameraId: FAKE_CAMERA }], title: 'fz', snap: true },
    { rect: { x: 100, y: 100, w: 500, h: 300 }, split: 1, panes: [], snap: false },
    { rect, split: 9, panes: [{ kind: 'tour', cameras: [FAKE_CAMERA], dwellS: 10, sync: true }] },
  ],
  'wall:closeWindow': [{ windowId: 'w1' }, { windowId: 'w2' }],
  'wall:moveWindow': [{ windowId: 'w1', rect: { x: 1920, y: 1080, w: 1920, h: 1080 }, snap: true, mode: 'move' }, { windowId: 'w2', rect, snap: false, mode: 'resize' }],
  'wall:raiseWindow': [{ windowId: 'w1' }],
  'wall:setSplit': [{ windowId: 'w1', split: 9 }, { windowId: 'w2', split: 16 }],
  'wall:setPaneSource': [
    { windowId: 'w1', pane: 0, source: null },
    { windowId: 'w1', pane: 1, source: { kind: 'camera', cameraId: FAKE_CAMERA, profile: 'main' } },
    { windowId: 'w1', pane: 2, source: { kind: 'tour', cameras: [FAKE_CAMERA], dwellS: 3 } },
    { windowId: 'w1', pane: 3, source: { kind: 'alert', ref: 'a1' } },
  ],
  'wall:setPanes': [
    { windowId: 'w1', panes: [null, { kind: 'camera', cameraId: FAKE_CAMERA }] },
    { windowId: 'w1', panes: [{ kind: 'tour', cameras: [FAKE_CAMERA], dwellS: 5, sync: true, profile: 'sub' }] },
  ],
  'wall:clear': [{}],
  'wall:undo': [{}],
  'wall:redo': [{}],
  'wall:sceneSave': [{ name: 'fz-saved', overwrite: true }, { name: '模糊 预案' }],
  'wall:sceneRecall': [{ name: 'fz-saved' }, { name: 'fz-scene' }],
  'wall:sceneRename': [{ name: 'fz-saved', to: 'fz-renamed' }, { name: 'fz-renamed', to: 'fz-saved' }],
  'wall:sceneDelete': [{ name: 'fz-renamed' }],
  'wall:sceneExport': [{ name: 'fz-scene' }],
  'wall:sceneImport': [
    { json: JSON.stringify(SAMPLE_SCENE), overwrite: true },
    { json: JSON.stringify(SAMPLE_SCENE_WITH_TOURS), name: 'fz-import', overwrite: false },
    // The file itself mutated: what an operator's damaged export looks like.
    (r: Rng) => ({ json: JSON.stringify(mutate(r, SAMPLE_SCENE)) ?? '', overwrite: true }),
    (r: Rng) => ({ json: JSON.stringify(mutate(r, SAMPLE_SCENE_WITH_TOURS)) ?? '', name: 'fz-mutated' }),
  ],
  'wall:sceneSchedule': [{ entries: [{ time: '07:30', scene: 'fz-scene', days: [1, 2, 3] }, { time: '19:00', scene: 'fz-saved' }] }, { entries: [] }],
  'wall:alarmRegion': [{ rect: { x: 5760, y: 0, w: 3840, h: 2160 }, snap: true }, { rect: null }],
  'wall:alarmTakeover': [{ cameraId: FAKE_CAMERA, reason: 'fuzz' }],
  'wall:alarmRelease': [{ cameraId: FAKE_CAMERA }, {}],
  'wall:led': [{ text: 'FUZZ 模糊 🔥', colour: '#ff3b30', speedPxS: 60 }, { text: '' }],
  'wall:lock': [{}],
  'wall:unlock': [{}],

  'alert:list': [{}, { limit: 5 }],
  'alert:stats': [{}, { days: 7 }],
  'alert:acknowledge': [{ id: 'fz-alert' }],
  'alert:decide': [
    { id: 'fz-alert', verdict: 'confirmed' },
    { id: 'fz-alert', verdict: 'false_alarm', reason: 'cloud', note: '云' },
    { id: 'fz-alert', verdict: 'duplicate', duplicateOf: 'fz-other' },
  ],
  'alert:remark': [{ id: 'fz-alert', text: '火势减弱' }],
  'alert:locate': [{ id: 'fz-alert', lat: 31.25, lon: 119.41, method: 'triangulated', uncertaintyM: 120 }],
  'alert:close': [{ id: 'fz-alert', note: '' }],
  'duty:overview': [{}],
  'duty:signOn': [{}],
  'duty:signOff': [{}],
  'duty:entryAdd': [
    { category: 'patrol', text: '模糊测试记录', tower: '仙人山' },
    { category: 'other', text: 'fz', attachments: [{ name: 'fz.txt', mime: 'text/plain', dataBase64: 'Zno=' }] },
  ],
  'duty:attachment': [{ id: 'attachment-fz' }],
  'duty:timeline': [{ date: '2026-11-23', slot: 0 }],
  'duty:search': [{ text: '仙人山', from: '2026-11-01', to: '2026-11-30', category: 'patrol' }, {}],
  'duty:roster': [{ from: '2026-11-01', to: '2026-11-30' }],
  'duty:rosterSet': [{ date: '2099-01-01', slot: 2, operator: 'fz', leader: '', note: '' }],
  'duty:itemOpen': [{ text: '模糊测试事项', tower: '' }],
  'duty:itemClose': [{ id: 'item-fz', note: '' }],
  'duty:handoverCreate': [{ to: 'fz', summary: '模糊测试交班' }],
  'duty:handoverAck': [{ id: 'handover-fz' }],
  'duty:handovers': [{ from: '2026-11-01', to: '2026-11-30' }],
  'duty:check': [{}, { date: '2099-01-01', slot: 1 }],
  'duty:checkConfirm': [{ id: 'check-fz', lines: { 'line:server.host': { result: 'ok', note: '' } } }],
  'duty:maintenance': [{ period: 'weekly' }, { period: 'quarterly', date: '2099-01-01' }],
  'duty:maintenanceTick': [{ id: 'maintenance-fz', task: 'backup', done: true, note: '' }],
  'duty:report': [{ kind: 'daily', date: '2026-11-23' }, { kind: 'monthly', date: '2026-11-23' }],
  // Valid calls start a browser and are skipped (contract.fuzz.test.ts); the mutants reach the argument checks.
  'duty:reportPdf': [{ kind: 'daily', date: '2026-11-23' }],
  'duty:exportCsv': [{ from: '2026-11-01', to: '2026-11-30' }],
  'duty:noticeAdd': [{ title: '模糊测试通知', text: '', untilDays: 1 }],
  'duty:syncStatus': [{}],
  'duty:syncNow': [{}],
  'duty:backupNow': [{}],
  // --- health (运维) ---
  'health:state': [{}],
  'health:availability': [{ period: 'day' }, { period: 'month', date: '2026-11-23' }],
  'health:history': [{ deviceId: 'link:t01' }, { deviceId: 'cam:t01-visible', from: 0, to: 1_780_000_000_000 }],
  'health:tickets': [{}, { status: 'open' }],
  'health:ticketOpen': [{ title: '模糊测试故障', level: 3, towerId: 't01' }],
  'health:ticketRespond': [{ id: 'GZ-fz' }],
  'health:ticketAssign': [{ id: 'GZ-fz', assignee: '张工' }],
  'health:ticketNote': [{ id: 'GZ-fz', text: '已联系运营商' }],
  'health:ticketClose': [{ id: 'GZ-fz', kind: '链路', cause: '光缆被挖断', method: '熔接', loss: '无' }],
  'health:inspection': [{ period: 'weekly' }, { period: 'quarterly', date: '2099-01-01' }],
  'health:inspectionSet': [{ id: 'insp-weekly-2099-W01', key: 'links', result: 'ok', note: '' }],
  'health:report': [{ period: 'week', format: 'csv' }, { period: 'quarter', date: '2026-11-23', format: 'pdf' }],
  'health:assets': [{}],
  'health:assetImport': [{ csv: 'deviceId,model\nfz-device,x\n' }],
  'health:assetExport': [{}],
  // demo: tours with captions and map views only (no camera, no wall window): playing one moves nothing real.
  'demo:list': [{}],
  'demo:get': [{ name: 'fz-tour' }],
  'demo:save': [{ tour: SAMPLE_TOUR, overwrite: true }],
  'demo:delete': [{ name: 'fz-gone' }],
  'demo:import': [{ text: JSON.stringify(SAMPLE_TOUR), overwrite: true }, { text: 'format: skywatch-demo-tour\nversion: 1\nname: fz-yaml\nsteps:\n  - title: 模糊\n', overwrite: true }],
  'demo:export': [{ name: 'fz-tour' }],
  'demo:start': [{ name: 'fz-tour', at: 1, rehearsal: true }],
  'demo:control': [{ action: 'next' }, { action: 'goto', index: 1 }, { action: 'stop' }],
  'demo:state': [{}],
  'demo:capture': [{}],
  // conference: a room id that does not exist (create makes real ones, harmless: they hold no media).
  'conference:list': [{}],
  'conference:create': [{ name: '模糊测试会商' }],
  'conference:invite': [{ roomId: 'fz-room', name: '龙潭林场', minutes: 5 }, { roomId: 'fz-room', siteId: 'longtan-farm' }],
  'conference:join': [{ roomId: 'fz-room' }, { roomId: 'fz-room', token: 'cj1.bad.token', receiveOnly: true }, { roomId: 'fz-room', name: '访客', siteId: 'daibu' }],
  'conference:leave': [{ roomId: 'fz-room' }],
  'conference:signal': [
    { roomId: 'fz-room', to: 'fz-peer', signal: { kind: 'offer', sdp: 'v=0\r\n' } },
    { roomId: 'fz-room', to: 'fz-peer', signal: { kind: 'candidate', candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 } } },
  ],
  'conference:state': [{ roomId: 'fz-room', audioMuted: true, videoOff: false, video: 'tower', towerCameraId: 't01-visible' }],
  'conference:chat': [{ roomId: 'fz-room', text: '收到' }],
  'conference:end': [{ roomId: 'fz-room' }],
  'conference:rollCallStart': [{ roomId: 'fz-room' }, { roomId: 'fz-room', siteIds: ['daibu'] }],
  'conference:rollCallNext': [{ roomId: 'fz-room' }],
  'conference:rollCallAnswer': [{ roomId: 'fz-room', siteId: 'daibu' }],
  'conference:rollCallEnd': [{ roomId: 'fz-room' }],
};

/** The valid samples of a command, with generator samples drawn. */
export function samplesOf(name: CommandName, r: Rng): unknown[] {
  const list = SAMPLES[name] ?? [{}];
  return list.map((s) => (typeof s === 'function' ? (s as (r: Rng) => unknown)(r) : s));
}

/** Samples that stay valid whatever was drawn (the generator ones mutate on purpose). */
export function fixedSamplesOf(name: CommandName): unknown[] {
  return (SAMPLES[name] ?? [{}]).filter((s) => typeof s !== 'function');
}

import type { Permission } from '../auth';
import type { CommandName } from './index';

/**
 * What a connection needs for each command. `connection`: only the host or device token (no person
 * signed in yet: sign-in itself, the clock, decoders reporting). `session`: any person signed in,
 * whatever the role (their own password, their activity). Otherwise the named permission.
 * `audit`: the command is written to the audit trail (refusals are always written).
 * The `Record` type makes a new command without an entry a compile error.
 */
export interface CommandAccess {
  need: 'connection' | 'session' | Permission;
  audit?: boolean;
}

const connection: CommandAccess = { need: 'connection' };
const session: CommandAccess = { need: 'session' };
const view: CommandAccess = { need: 'view' };
const ptz: CommandAccess = { need: 'ptz.control' };
const ptzConfigure: CommandAccess = { need: 'ptz.configure', audit: true };
const wall: CommandAccess = { need: 'wall.operate', audit: true };
const wallConfigure: CommandAccess = { need: 'wall.configure', audit: true };
const duty: CommandAccess = { need: 'duty.edit', audit: true };
const users: CommandAccess = { need: 'users.manage', audit: true };
const verify: CommandAccess = { need: 'alerts.verify', audit: true };

export const COMMAND_ACCESS: Readonly<Record<CommandName, CommandAccess>> = {
  'app:info': connection,
  'app:ping': connection,

  'auth:status': connection,
  'auth:setupAdmin': connection,
  'auth:signIn': connection,
  'auth:resume': connection,
  'auth:unlock': connection,
  'auth:signOut': session,
  'auth:activity': session,
  'auth:changePassword': session,
  'user:list': { need: 'users.manage' },
  'user:create': users,
  'user:update': users,
  'user:resetPassword': users,
  'device:list': { need: 'users.manage' },
  'device:issue': users,
  'device:revoke': users,
  'audit:query': { need: 'audit.read' },
  'audit:verify': { need: 'audit.export', audit: true },
  'audit:export': { need: 'audit.export', audit: true },

  'site:get': view,
  'map:basemapStatus': view,
  'map:terrainStatus': view,
  'map:elevation': view,
  'map:groundFix': view,
  'map:hotspots': view,
  'map:importHotspots': { need: 'alerts.verify', audit: true },
  'map:clearHotspots': { need: 'alerts.verify', audit: true },
  'map:weather': view,
  'stream:list': view,
  'camera:statusList': view,
  'stream:exportClip': { need: 'export', audit: true },

  'ptz:heads': view,
  // A decoder page without a person draws the HUD of what it shows.
  'ptz:decoderPoses': connection,
  'ptz:status': view,
  'ptz:controlList': view,
  'ptz:presets': view,
  'ptz:cruiseList': view,
  'ptz:move': ptz,
  'ptz:stop': ptz,
  'ptz:absolute': ptz,
  'ptz:relative': ptz,
  'ptz:focus': ptz,
  'ptz:gotoPreset': ptz,
  'ptz:takeControl': { need: 'ptz.control', audit: true },
  'ptz:releaseControl': { need: 'ptz.control', audit: true },
  'ptz:setPreset': ptzConfigure,
  'ptz:removePreset': ptzConfigure,
  'ptz:cruiseSet': ptzConfigure,
  'ptz:cruiseStart': { need: 'ptz.control', audit: true },
  'ptz:cruiseStop': { need: 'ptz.control', audit: true },

  'wall:get': view,
  'wall:sceneList': view,
  // Decoders (hardware drivers and the software decoder page) report and fetch their own layout.
  'wall:decoderReport': connection,
  'wall:decoderLayout': connection,
  'wall:ledState': connection,
  'wall:openWindow': wall,
  'wall:closeWindow': wall,
  'wall:moveWindow': wall,
  'wall:raiseWindow': wall,
  'wall:setSplit': wall,
  'wall:setPaneSource': wall,
  'wall:setPanes': wall,
  'wall:clear': wall,
  'wall:undo': wall,
  'wall:redo': wall,
  'wall:led': wall,
  'wall:lock': wall,
  'wall:unlock': wall,
  'wall:sceneRecall': wall,
  'wall:alarmTakeover': wall,
  'wall:alarmRelease': wall,
  'wall:sceneSave': wallConfigure,
  'wall:sceneRename': wallConfigure,
  'wall:sceneDelete': wallConfigure,
  'wall:sceneImport': wallConfigure,
  'wall:sceneExport': { need: 'export', audit: true },
  'wall:sceneSchedule': wallConfigure,
  'wall:alarmRegion': wallConfigure,

  'alert:list': view,
  'alert:stats': view,
  'alert:acknowledge': { need: 'alerts.verify' },
  'alert:decide': verify,
  'alert:remark': verify,
  'alert:locate': verify,
  'alert:close': verify,
  'duty:overview': view,
  'duty:timeline': view,
  'duty:search': view,
  'duty:roster': view,
  'duty:handovers': view,
  'duty:attachment': view,
  'duty:syncStatus': view,
  'duty:report': view,
  'duty:signOn': duty,
  'duty:signOff': duty,
  'duty:entryAdd': duty,
  'duty:itemOpen': duty,
  'duty:itemClose': duty,
  'duty:handoverCreate': duty,
  'duty:handoverAck': duty,
  // Opening the daily check fills it from the live system: a write, but not one worth an audit line each time.
  'duty:check': { need: 'duty.edit' },
  'duty:checkConfirm': duty,
  'duty:maintenance': { need: 'duty.edit' },
  'duty:maintenanceTick': duty,
  'duty:syncNow': duty,
  // The roster is the shift leader's.
  'duty:rosterSet': { need: 'duty.approve', audit: true },
  'duty:backupNow': { need: 'duty.approve', audit: true },
  'duty:noticeAdd': { need: 'duty.approve', audit: true },
  'duty:reportPdf': { need: 'export', audit: true },
  'duty:exportCsv': { need: 'export', audit: true },

  // --- health (运维): operators open, answer and note tickets and do inspections; leaders assign and close ---
  'health:state': view,
  'health:availability': view,
  'health:history': view,
  'health:tickets': view,
  'health:inspection': view,
  'health:assets': view,
  'health:ticketOpen': duty,
  'health:ticketRespond': duty,
  'health:ticketNote': duty,
  'health:inspectionSet': duty,
  'health:ticketAssign': { need: 'health.manage', audit: true },
  'health:ticketClose': { need: 'health.manage', audit: true },
  'health:assetImport': { need: 'health.manage', audit: true },
  'health:assetExport': { need: 'export', audit: true },
  'health:report': { need: 'export', audit: true },
  // demo: leadership demonstration mode (领导参观演示)
  'demo:list': { need: 'demo.run' },
  'demo:get': { need: 'demo.run' },
  // A demonstration viewer's console (演示观看) follows the tour; steering it needs demo.run.
  'demo:state': view,
  'demo:capture': { need: 'demo.run' },
  'demo:save': { need: 'demo.run', audit: true },
  'demo:delete': { need: 'demo.run', audit: true },
  'demo:import': { need: 'demo.run', audit: true },
  'demo:export': { need: 'demo.run', audit: true },
  'demo:start': { need: 'demo.run', audit: true },
  'demo:control': { need: 'demo.run', audit: true },
  // conference: joining and taking part need only a connection — the handler admits a signed-in
  // person, a guest with the room's link token or a wall decoder, and members act only in their room.
  'conference:list': view,
  'conference:create': { need: 'duty.edit', audit: true },
  'conference:invite': { need: 'duty.edit', audit: true },
  'conference:end': { need: 'duty.edit', audit: true },
  'conference:rollCallStart': { need: 'duty.edit', audit: true },
  'conference:rollCallNext': { need: 'duty.edit' },
  'conference:rollCallEnd': { need: 'duty.edit', audit: true },
  'conference:join': connection,
  'conference:leave': connection,
  'conference:signal': connection,
  'conference:state': connection,
  'conference:chat': connection,
  'conference:rollCallAnswer': connection,
};

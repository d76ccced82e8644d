import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { compassWord, trueBearing } from '../../../common/ptz';
import { deg } from '../../../common/units';
import { writeFileAtomic } from '../camera-source';
import { HeadCommandError, PtzHead, type HeadModelOptions, type HeadPreset } from './head';
import { envelope, faults, num, parseDuration, SoapFault, verifyUsernameToken, type AuthConfig } from './soap';
import { attr, child, escapeXml, parseXml, path, XmlError, type XmlElement } from './xml';

/**
 * A simulated ONVIF device for one tower's integrated PTZ head: SOAP 1.2 over HTTP with the
 * Device, Media, PTZ and Imaging operations that node-onvif and the `onvif` package use, WS-
 * UsernameToken digest authentication against a (skewable) device clock, and fault injection
 * for tests. Spec of what it answers: docs/ptz.md, "Simulated device".
 */

export interface OnvifStreams {
  main: string;
  sub?: string;
}

export interface OnvifModel {
  manufacturer?: string;
  model?: string;
  firmware?: string;
  /** Ignores ContinuousMove's Timeout (some models keep moving until Stop). */
  ignoreTimeout?: boolean;
  /** Answers Stop with a fault (some models only stop on a zero-velocity ContinuousMove). */
  stopFaults?: boolean;
  /** Offers focus through the Imaging service (default true). */
  focus?: boolean;
}

export interface OnvifDeviceOptions {
  towerId: string;
  towerName?: string;
  /** Added to pan for the bearing shown on the picture. */
  northOffset?: number;
  host?: string;
  port?: number;
  /** RTSP URLs that GetStreamUri hands out. */
  streams: { visible: OnvifStreams; thermal?: OnvifStreams };
  /** Without credentials every operation is allowed without authentication. */
  credentials?: AuthConfig;
  /** Device clock minus host clock, ms (a skewed device clock). */
  clockOffsetMs?: number;
  /** HTTP status for authentication faults: 400 (ONVIF, WS-Security) or 401 (some models). */
  authFailureStatus?: 400 | 401;
  /** Folder for presets (JSON) and pose files; without it nothing is written. */
  stateDir?: string;
  /** Pose files drawn into the simulated pictures; default `<stateDir>/<towerId>-<kind>.pose.txt`. */
  poseFiles?: string[];
  model?: OnvifModel;
  head?: Omit<HeadModelOptions, 'presets' | 'onPresetsChanged' | 'ignoreTimeout'>;
  log?: (level: 'debug' | 'info' | 'warn' | 'error', msg: string) => void;
}

/** A fault a test can inject; `count` limits it to the next n matching requests. */
export type InjectedFault =
  | { kind: 'malformed'; action?: string; count?: number }
  | { kind: 'fault'; action?: string; count?: number; code?: 'Sender' | 'Receiver'; subcode?: string; reason?: string }
  | { kind: 'delay'; ms: number; action?: string; count?: number };

export interface OnvifRequestRecord {
  action: string;
  /** High-resolution epoch ms when the request was fully received. */
  at: number;
  status: number;
}

export interface OnvifDevice {
  /** Device service URL (what the site file's `onvif.url` holds). */
  readonly url: string;
  readonly port: number;
  /** The dynamics model, for tests. */
  readonly head: PtzHead;
  /** Recent requests, newest last (at most 500). */
  readonly requests: OnvifRequestRecord[];
  onRequest(fn: (r: OnvifRequestRecord) => void): () => void;
  setClockOffset(ms: number): void;
  inject(fault: InjectedFault): void;
  clearFaults(): void;
  /** Stops listening and drops connections (link cut), or listens again on the same port. */
  setReachable(up: boolean): Promise<void>;
  readonly reachable: boolean;
  close(): Promise<void>;
}

const PRE_AUTH = new Set(['GetSystemDateAndTime', 'GetCapabilities', 'GetServices', 'GetServiceCapabilities', 'GetWsdlUrl']);
const PTZ_CONFIG = 'ptz_config';
const PTZ_NODE = 'ptz_node';
const SPACE = {
  absPT: 'http://www.onvif.org/ver10/tptz/PanTiltSpaces/PositionGenericSpace',
  absZ: 'http://www.onvif.org/ver10/tptz/ZoomSpaces/PositionGenericSpace',
  relPT: 'http://www.onvif.org/ver10/tptz/PanTiltSpaces/TranslationGenericSpace',
  relZ: 'http://www.onvif.org/ver10/tptz/ZoomSpaces/TranslationGenericSpace',
  velPT: 'http://www.onvif.org/ver10/tptz/PanTiltSpaces/VelocityGenericSpace',
  velZ: 'http://www.onvif.org/ver10/tptz/ZoomSpaces/VelocityGenericSpace',
  speedPT: 'http://www.onvif.org/ver10/tptz/PanTiltSpaces/GenericSpeedSpace',
  speedZ: 'http://www.onvif.org/ver10/tptz/ZoomSpaces/ZoomGenericSpeedSpace',
};
const MAX_BODY = 256 * 1024;
/** Pose files are refreshed this often while the head moves (the camera source reads at 5 Hz). */
const POSE_WRITE_MS = 100;

interface Profile {
  token: string;
  name: string;
  source: 'visible' | 'thermal';
  uri: string;
  width: number;
  height: number;
  bitrate: number;
}

export async function startOnvifDevice(opts: OnvifDeviceOptions): Promise<OnvifDevice> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? (() => undefined);
  const model: Required<OnvifModel> = {
    manufacturer: 'SkyWatch Sim',
    model: 'SW-PTZ-DS32',
    firmware: '1.0.0',
    ignoreTimeout: false,
    stopFaults: false,
    focus: true,
    ...opts.model,
  };
  let clockOffset = opts.clockOffsetMs ?? 0;
  const deviceNow = () => Date.now() + clockOffset;
  const presetFile = opts.stateDir ? join(opts.stateDir, `${opts.towerId}-ptz-presets.json`) : undefined;
  if (opts.stateDir) mkdirSync(opts.stateDir, { recursive: true });
  const head = new PtzHead({
    ...opts.head,
    ignoreTimeout: model.ignoreTimeout,
    presets: loadPresets(presetFile, log),
    onPresetsChanged: (p) => savePresets(presetFile, p, log),
  });

  const profiles: Profile[] = [];
  const addProfiles = (source: 'visible' | 'thermal', s: OnvifStreams | undefined) => {
    if (!s) return;
    profiles.push({ token: `${source}_main`, name: `${source} main`, source, uri: s.main, width: 1280, height: 720, bitrate: 2500 });
    if (s.sub) profiles.push({ token: `${source}_sub`, name: `${source} sub`, source, uri: s.sub, width: 640, height: 360, bitrate: 600 });
  };
  addProfiles('visible', opts.streams.visible);
  addProfiles('thermal', opts.streams.thermal);
  const sources = [...new Set(profiles.map((p) => p.source))];

  const seenNonces = new Map<string, number>();
  const injected: InjectedFault[] = [];
  const requests: OnvifRequestRecord[] = [];
  const listeners = new Set<(r: OnvifRequestRecord) => void>();
  let port = opts.port ?? 0;
  let base = '';
  let reachable = false;

  const takeInjected = (action: string, kinds: InjectedFault['kind'][]): InjectedFault | undefined => {
    const i = injected.findIndex((f) => kinds.includes(f.kind) && (f.action === undefined || f.action === action));
    if (i < 0) return undefined;
    const f = injected[i] as InjectedFault;
    if (f.count !== undefined) {
      f.count--;
      if (f.count <= 0) injected.splice(i, 1);
    }
    return f;
  };

  const profileOf = (op: XmlElement): Profile => {
    const token = path(op, 'ProfileToken')?.text ?? '';
    const p = profiles.find((x) => x.token === token);
    if (!p) throw faults.invalidArg('ter:NoProfile', `no profile "${token}"`);
    return p;
  };
  const vector = (el: XmlElement | undefined) => {
    const pt = child(el, 'PanTilt');
    const z = child(el, 'Zoom');
    const n = (v: string | undefined) => {
      if (v === undefined) return undefined;
      const x = Number(v);
      if (!Number.isFinite(x)) throw faults.invalidArg('ter:InvalidPosition', `"${v}" is not a number`);
      return x;
    };
    return { x: n(attr(pt, 'x')), y: n(attr(pt, 'y')), zoom: n(attr(z, 'x')) };
  };
  const definedOnly = <T extends object>(o: T): Partial<T> =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

  const ptzConfiguration = (tag: string) =>
    `<${tag} token="${PTZ_CONFIG}"><tt:Name>PTZ</tt:Name><tt:UseCount>${profiles.length}</tt:UseCount><tt:NodeToken>${PTZ_NODE}</tt:NodeToken>` +
    `<tt:DefaultAbsolutePantTiltPositionSpace>${SPACE.absPT}</tt:DefaultAbsolutePantTiltPositionSpace>` +
    `<tt:DefaultAbsoluteZoomPositionSpace>${SPACE.absZ}</tt:DefaultAbsoluteZoomPositionSpace>` +
    `<tt:DefaultRelativePanTiltTranslationSpace>${SPACE.relPT}</tt:DefaultRelativePanTiltTranslationSpace>` +
    `<tt:DefaultRelativeZoomTranslationSpace>${SPACE.relZ}</tt:DefaultRelativeZoomTranslationSpace>` +
    `<tt:DefaultContinuousPanTiltVelocitySpace>${SPACE.velPT}</tt:DefaultContinuousPanTiltVelocitySpace>` +
    `<tt:DefaultContinuousZoomVelocitySpace>${SPACE.velZ}</tt:DefaultContinuousZoomVelocitySpace>` +
    `<tt:DefaultPTZSpeed><tt:PanTilt x="1" y="1" space="${SPACE.speedPT}"/><tt:Zoom x="1" space="${SPACE.speedZ}"/></tt:DefaultPTZSpeed>` +
    `<tt:DefaultPTZTimeout>PT10S</tt:DefaultPTZTimeout>` +
    `<tt:PanTiltLimits><tt:Range><tt:URI>${SPACE.absPT}</tt:URI>${range('XRange', -1, 1)}${range('YRange', -1, 1)}</tt:Range></tt:PanTiltLimits>` +
    `<tt:ZoomLimits><tt:Range><tt:URI>${SPACE.absZ}</tt:URI>${range('XRange', 0, 1)}</tt:Range></tt:ZoomLimits>` +
    `</${tag}>`;

  const ptzNode = () =>
    `<tptz:PTZNode token="${PTZ_NODE}" FixedHomePosition="false"><tt:Name>${escapeXml(opts.towerName ?? opts.towerId)} PTZ</tt:Name><tt:SupportedPTZSpaces>` +
    `<tt:AbsolutePanTiltPositionSpace><tt:URI>${SPACE.absPT}</tt:URI>${range('XRange', -1, 1)}${range('YRange', -1, 1)}</tt:AbsolutePanTiltPositionSpace>` +
    `<tt:AbsoluteZoomPositionSpace><tt:URI>${SPACE.absZ}</tt:URI>${range('XRange', 0, 1)}</tt:AbsoluteZoomPositionSpace>` +
    `<tt:RelativePanTiltTranslationSpace><tt:URI>${SPACE.relPT}</tt:URI>${range('XRange', -1, 1)}${range('YRange', -1, 1)}</tt:RelativePanTiltTranslationSpace>` +
    `<tt:RelativeZoomTranslationSpace><tt:URI>${SPACE.relZ}</tt:URI>${range('XRange', -1, 1)}</tt:RelativeZoomTranslationSpace>` +
    `<tt:ContinuousPanTiltVelocitySpace><tt:URI>${SPACE.velPT}</tt:URI>${range('XRange', -1, 1)}${range('YRange', -1, 1)}</tt:ContinuousPanTiltVelocitySpace>` +
    `<tt:ContinuousZoomVelocitySpace><tt:URI>${SPACE.velZ}</tt:URI>${range('XRange', -1, 1)}</tt:ContinuousZoomVelocitySpace>` +
    `<tt:PanTiltSpeedSpace><tt:URI>${SPACE.speedPT}</tt:URI>${range('XRange', 0, 1)}</tt:PanTiltSpeedSpace>` +
    `<tt:ZoomSpeedSpace><tt:URI>${SPACE.speedZ}</tt:URI>${range('XRange', 0, 1)}</tt:ZoomSpeedSpace>` +
    `</tt:SupportedPTZSpaces><tt:MaximumNumberOfPresets>256</tt:MaximumNumberOfPresets><tt:HomeSupported>false</tt:HomeSupported></tptz:PTZNode>`;

  const profileXml = (p: Profile) =>
    `<trt:Profiles token="${p.token}" fixed="true"><tt:Name>${escapeXml(p.name)}</tt:Name>` +
    `<tt:VideoSourceConfiguration token="vsc_${p.source}"><tt:Name>${p.source}</tt:Name><tt:UseCount>${profiles.filter((x) => x.source === p.source).length}</tt:UseCount>` +
    `<tt:SourceToken>vs_${p.source}</tt:SourceToken><tt:Bounds x="0" y="0" width="1280" height="720"/></tt:VideoSourceConfiguration>` +
    `<tt:VideoEncoderConfiguration token="vec_${p.token}"><tt:Name>${p.token}</tt:Name><tt:UseCount>1</tt:UseCount><tt:Encoding>H264</tt:Encoding>` +
    `<tt:Resolution><tt:Width>${p.width}</tt:Width><tt:Height>${p.height}</tt:Height></tt:Resolution><tt:Quality>5</tt:Quality>` +
    `<tt:RateControl><tt:FrameRateLimit>25</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval><tt:BitrateLimit>${p.bitrate}</tt:BitrateLimit></tt:RateControl>` +
    `<tt:H264><tt:GovLength>25</tt:GovLength><tt:H264Profile>Baseline</tt:H264Profile></tt:H264>` +
    `<tt:Multicast><tt:Address><tt:Type>IPv4</tt:Type><tt:IPv4Address>0.0.0.0</tt:IPv4Address></tt:Address><tt:Port>0</tt:Port><tt:TTL>0</tt:TTL><tt:AutoStart>false</tt:AutoStart></tt:Multicast>` +
    `<tt:SessionTimeout>PT60S</tt:SessionTimeout></tt:VideoEncoderConfiguration>` +
    ptzConfiguration('tt:PTZConfiguration') +
    `</trt:Profiles>`;

  const utcDateTime = (t: Date) =>
    `<tt:Time><tt:Hour>${t.getUTCHours()}</tt:Hour><tt:Minute>${t.getUTCMinutes()}</tt:Minute><tt:Second>${t.getUTCSeconds()}</tt:Second></tt:Time>` +
    `<tt:Date><tt:Year>${t.getUTCFullYear()}</tt:Year><tt:Month>${t.getUTCMonth() + 1}</tt:Month><tt:Day>${t.getUTCDate()}</tt:Day></tt:Date>`;

  const videoSourceOf = (op: XmlElement) => {
    const token = path(op, 'VideoSourceToken')?.text ?? '';
    if (!sources.some((s) => `vs_${s}` === token)) throw faults.invalidArg('ter:NoSource', `no video source "${token}"`);
    if (token !== 'vs_visible') throw faults.actionNotSupported(`focus of ${token} (fixed-focus thermal lens)`);
  };

  const handlers: Record<string, (op: XmlElement) => string> = {
    // ---- Device service
    GetSystemDateAndTime: () => {
      const t = new Date(deviceNow());
      const local = new Date(t.getTime() + 8 * 3_600_000);
      return (
        `<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>Manual</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>` +
        `<tt:TimeZone><tt:TZ>CST-8</tt:TZ></tt:TimeZone><tt:UTCDateTime>${utcDateTime(t)}</tt:UTCDateTime><tt:LocalDateTime>${utcDateTime(local)}</tt:LocalDateTime>` +
        `</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>`
      );
    },
    GetCapabilities: () =>
      `<tds:GetCapabilitiesResponse><tds:Capabilities>` +
      `<tt:Device><tt:XAddr>${base}/onvif/device_service</tt:XAddr><tt:System><tt:DiscoveryResolve>false</tt:DiscoveryResolve><tt:DiscoveryBye>false</tt:DiscoveryBye>` +
      `<tt:RemoteDiscovery>false</tt:RemoteDiscovery><tt:SystemBackup>false</tt:SystemBackup><tt:SystemLogging>false</tt:SystemLogging><tt:FirmwareUpgrade>false</tt:FirmwareUpgrade>` +
      `<tt:SupportedVersions><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tt:SupportedVersions></tt:System></tt:Device>` +
      (model.focus ? `<tt:Imaging><tt:XAddr>${base}/onvif/imaging_service</tt:XAddr></tt:Imaging>` : '') +
      `<tt:Media><tt:XAddr>${base}/onvif/media_service</tt:XAddr><tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast>` +
      `<tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media>` +
      `<tt:PTZ><tt:XAddr>${base}/onvif/ptz_service</tt:XAddr></tt:PTZ>` +
      `</tds:Capabilities></tds:GetCapabilitiesResponse>`,
    GetServices: () => {
      const svc = (ns: string, p: string, major: number, minor: number) =>
        `<tds:Service><tds:Namespace>${ns}</tds:Namespace><tds:XAddr>${base}${p}</tds:XAddr><tds:Version><tt:Major>${major}</tt:Major><tt:Minor>${minor}</tt:Minor></tds:Version></tds:Service>`;
      return (
        `<tds:GetServicesResponse>` +
        svc('http://www.onvif.org/ver10/device/wsdl', '/onvif/device_service', 2, 60) +
        svc('http://www.onvif.org/ver10/media/wsdl', '/onvif/media_service', 2, 60) +
        svc('http://www.onvif.org/ver20/ptz/wsdl', '/onvif/ptz_service', 2, 60) +
        (model.focus ? svc('http://www.onvif.org/ver20/imaging/wsdl', '/onvif/imaging_service', 2, 60) : '') +
        `</tds:GetServicesResponse>`
      );
    },
    GetDeviceInformation: () =>
      `<tds:GetDeviceInformationResponse><tds:Manufacturer>${escapeXml(model.manufacturer)}</tds:Manufacturer><tds:Model>${escapeXml(model.model)}</tds:Model>` +
      `<tds:FirmwareVersion>${escapeXml(model.firmware)}</tds:FirmwareVersion><tds:SerialNumber>SIM-${escapeXml(opts.towerId)}</tds:SerialNumber>` +
      `<tds:HardwareId>${escapeXml(opts.towerId)}</tds:HardwareId></tds:GetDeviceInformationResponse>`,

    // ---- Media service
    GetProfiles: () => `<trt:GetProfilesResponse>${profiles.map(profileXml).join('')}</trt:GetProfilesResponse>`,
    GetProfile: (op) => `<trt:GetProfileResponse>${profileXml(profileOf(op)).replaceAll('trt:Profiles', 'trt:Profile')}</trt:GetProfileResponse>`,
    GetVideoSources: () =>
      `<trt:GetVideoSourcesResponse>${sources
        .map(
          (s) =>
            `<trt:VideoSources token="vs_${s}"><tt:Framerate>25</tt:Framerate><tt:Resolution><tt:Width>${s === 'visible' ? 1280 : 384}</tt:Width>` +
            `<tt:Height>${s === 'visible' ? 720 : 288}</tt:Height></tt:Resolution></trt:VideoSources>`,
        )
        .join('')}</trt:GetVideoSourcesResponse>`,
    GetStreamUri: (op) => {
      const p = profileOf(op);
      const protocol = path(op, 'StreamSetup', 'Transport', 'Protocol')?.text ?? 'RTSP';
      if (protocol === 'HTTP') throw faults.invalidArg('ter:InvalidStreamSetup', 'RTSP over HTTP is not offered; use RTSP');
      return (
        `<trt:GetStreamUriResponse><trt:MediaUri><tt:Uri>${escapeXml(p.uri)}</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>` +
        `<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></trt:GetStreamUriResponse>`
      );
    },
    GetSnapshotUri: (op) => {
      const p = profileOf(op);
      return (
        `<trt:GetSnapshotUriResponse><trt:MediaUri><tt:Uri>${base}/onvif/snapshot/${p.token}.jpg</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>` +
        `<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></trt:GetSnapshotUriResponse>`
      );
    },

    // ---- PTZ service
    GetNodes: () => `<tptz:GetNodesResponse>${ptzNode()}</tptz:GetNodesResponse>`,
    GetNode: () => `<tptz:GetNodeResponse>${ptzNode()}</tptz:GetNodeResponse>`,
    GetConfigurations: () => `<tptz:GetConfigurationsResponse>${ptzConfiguration('tptz:PTZConfiguration')}</tptz:GetConfigurationsResponse>`,
    GetConfiguration: () => `<tptz:GetConfigurationResponse>${ptzConfiguration('tptz:PTZConfiguration')}</tptz:GetConfigurationResponse>`,
    GetStatus: (op) => {
      profileOf(op);
      const pose = head.pose();
      const pos = head.onvifPosition();
      return (
        `<tptz:GetStatusResponse><tptz:PTZStatus><tt:Position>` +
        `<tt:PanTilt x="${num(pos.x)}" y="${num(pos.y)}" space="${SPACE.absPT}"/><tt:Zoom x="${num(pos.zoom)}" space="${SPACE.absZ}"/></tt:Position>` +
        `<tt:MoveStatus><tt:PanTilt>${pose.panTiltMoving ? 'MOVING' : 'IDLE'}</tt:PanTilt><tt:Zoom>${pose.zoomMoving ? 'MOVING' : 'IDLE'}</tt:Zoom></tt:MoveStatus>` +
        `<tt:UtcTime>${new Date(deviceNow()).toISOString()}</tt:UtcTime></tptz:PTZStatus></tptz:GetStatusResponse>`
      );
    },
    ContinuousMove: (op) => {
      profileOf(op);
      const v = vector(child(op, 'Velocity'));
      for (const x of [v.x, v.y, v.zoom]) {
        if (x !== undefined && Math.abs(x) > 1) throw faults.invalidArg('ter:InvalidVelocity', `velocity ${x} is outside -1…1`);
      }
      const timeoutText = path(op, 'Timeout')?.text;
      let timeoutMs: number | undefined;
      if (timeoutText !== undefined) {
        timeoutMs = parseDuration(timeoutText);
        if (timeoutMs === undefined || timeoutMs < 0) throw faults.invalidArg('ter:InvalidArgVal', `bad Timeout "${timeoutText}"`);
      }
      head.continuousMove(v, timeoutMs);
      return `<tptz:ContinuousMoveResponse/>`;
    },
    Stop: (op) => {
      profileOf(op);
      if (model.stopFaults) throw faults.actionNotSupported('Stop on this model');
      const flag = (name: string) => {
        const t = path(op, name)?.text;
        return t === undefined ? true : t === 'true' || t === '1';
      };
      head.stop(flag('PanTilt'), flag('Zoom'));
      return `<tptz:StopResponse/>`;
    },
    AbsoluteMove: (op) => {
      profileOf(op);
      head.absoluteMove(definedOnly(vector(child(op, 'Position'))), definedOnly(vector(child(op, 'Speed'))));
      return `<tptz:AbsoluteMoveResponse/>`;
    },
    RelativeMove: (op) => {
      profileOf(op);
      head.relativeMove(definedOnly(vector(child(op, 'Translation'))), definedOnly(vector(child(op, 'Speed'))));
      return `<tptz:RelativeMoveResponse/>`;
    },
    GetPresets: (op) => {
      profileOf(op);
      return `<tptz:GetPresetsResponse>${head
        .presets()
        .map((p) => {
          const x = (p.pan > 180 ? p.pan - 360 : p.pan) / 180;
          return (
            `<tptz:Preset token="${escapeXml(p.token)}"><tt:Name>${escapeXml(p.name)}</tt:Name><tt:PTZPosition>` +
            `<tt:PanTilt x="${num(x, 8)}" y="${num(p.tilt / 45, 8)}" space="${SPACE.absPT}"/><tt:Zoom x="${num((p.zoom - 1) / 31, 8)}" space="${SPACE.absZ}"/>` +
            `</tt:PTZPosition></tptz:Preset>`
          );
        })
        .join('')}</tptz:GetPresetsResponse>`;
    },
    SetPreset: (op) => {
      profileOf(op);
      const name = path(op, 'PresetName')?.text;
      const token = path(op, 'PresetToken')?.text;
      const tok = head.setPreset(name || undefined, token || undefined);
      return `<tptz:SetPresetResponse><tptz:PresetToken>${escapeXml(tok)}</tptz:PresetToken></tptz:SetPresetResponse>`;
    },
    RemovePreset: (op) => {
      profileOf(op);
      head.removePreset(path(op, 'PresetToken')?.text ?? '');
      return `<tptz:RemovePresetResponse/>`;
    },
    GotoPreset: (op) => {
      profileOf(op);
      head.gotoPreset(path(op, 'PresetToken')?.text ?? '', definedOnly(vector(child(op, 'Speed'))));
      return `<tptz:GotoPresetResponse/>`;
    },

    // ---- Imaging service (focus of the visible camera)
    GetImagingSettings: (op) => {
      videoSourceOf(op);
      return (
        `<timg:GetImagingSettingsResponse><timg:ImagingSettings><tt:Focus><tt:AutoFocusMode>${head.pose().autoFocus ? 'AUTO' : 'MANUAL'}</tt:AutoFocusMode>` +
        `<tt:DefaultSpeed>0.5</tt:DefaultSpeed><tt:NearLimit>0</tt:NearLimit><tt:FarLimit>0</tt:FarLimit></tt:Focus></timg:ImagingSettings></timg:GetImagingSettingsResponse>`
      );
    },
    SetImagingSettings: (op) => {
      videoSourceOf(op);
      const mode = path(op, 'ImagingSettings', 'Focus', 'AutoFocusMode')?.text;
      if (mode === 'AUTO') head.setAutoFocus(true);
      else if (mode === 'MANUAL') head.setAutoFocus(false);
      return `<timg:SetImagingSettingsResponse/>`;
    },
    GetMoveOptions: (op) => {
      videoSourceOf(op);
      return (
        `<timg:GetMoveOptionsResponse><timg:MoveOptions><tt:Absolute><tt:Position><tt:Min>0</tt:Min><tt:Max>1</tt:Max></tt:Position>` +
        `<tt:Speed><tt:Min>0</tt:Min><tt:Max>1</tt:Max></tt:Speed></tt:Absolute><tt:Continuous><tt:Speed><tt:Min>-1</tt:Min><tt:Max>1</tt:Max></tt:Speed></tt:Continuous>` +
        `</timg:MoveOptions></timg:GetMoveOptionsResponse>`
      );
    },
    Move: (op) => {
      videoSourceOf(op);
      const focus = child(op, 'Focus');
      const cont = child(focus, 'Continuous');
      const abs = child(focus, 'Absolute');
      if (cont) head.focusContinuous(Number(path(cont, 'Speed')?.text ?? 0) || 0);
      else if (abs) {
        const pos = Number(path(abs, 'Position')?.text);
        if (!Number.isFinite(pos)) throw faults.invalidArg('ter:InvalidPosition', 'focus Position is missing');
        head.focusAbsolute(pos, Number(path(abs, 'Speed')?.text ?? 1) || 1);
      } else throw faults.invalidArg('ter:NoImagingForSource', 'Move needs Focus/Continuous or Focus/Absolute');
      return `<timg:MoveResponse/>`;
    },
  };

  function imagingStatus(): string {
    const p = head.pose();
    return (
      `<timg:GetStatusResponse><timg:Status><tt:FocusStatus20><tt:Position>${num(p.focus)}</tt:Position>` +
      `<tt:MoveStatus>${p.focusMoving ? 'MOVING' : 'IDLE'}</tt:MoveStatus></tt:FocusStatus20></timg:Status></timg:GetStatusResponse>`
    );
  }

  /** Operations answered by each service path; the same name (GetStatus, Stop) means different things. */
  const servicePaths: Record<string, Set<string>> = {
    '/onvif/device_service': new Set(['GetSystemDateAndTime', 'GetCapabilities', 'GetServices', 'GetDeviceInformation']),
    '/onvif/media_service': new Set(['GetProfiles', 'GetProfile', 'GetVideoSources', 'GetStreamUri', 'GetSnapshotUri']),
    '/onvif/ptz_service': new Set([
      'GetNodes',
      'GetNode',
      'GetConfigurations',
      'GetConfiguration',
      'GetStatus',
      'ContinuousMove',
      'Stop',
      'AbsoluteMove',
      'RelativeMove',
      'GetPresets',
      'SetPreset',
      'RemovePreset',
      'GotoPreset',
    ]),
    '/onvif/imaging_service': new Set(['GetImagingSettings', 'SetImagingSettings', 'GetMoveOptions', 'Move', 'Stop', 'GetStatus']),
  };

  function dispatchSoap(urlPath: string, xml: string): { status: number; body: string; action: string } {
    let doc: XmlElement;
    try {
      doc = parseXml(xml);
    } catch (e) {
      const f = faults.wellFormed(e instanceof XmlError ? e.message : 'malformed request');
      return { status: f.httpStatus, body: f.toXml(), action: '(malformed)' };
    }
    const op = path(doc, 'Body')?.children[0];
    if (doc.local !== 'Envelope' || !op) {
      const f = faults.wellFormed('not a SOAP envelope');
      return { status: f.httpStatus, body: f.toXml(), action: '(malformed)' };
    }
    const action = op.local;
    try {
      const allowed = servicePaths[urlPath];
      if (!allowed) throw new SoapFault('Receiver', ['ter:ActionNotSupported', 'ter:NoSuchService'], `no service at ${urlPath}`);
      if (opts.credentials && !PRE_AUTH.has(action)) verifyUsernameToken(child(doc, 'Header'), opts.credentials, deviceNow(), seenNonces);
      if (!allowed.has(action)) throw faults.actionNotSupported(action);
      const injectedFault = takeInjected(action, ['malformed', 'fault']);
      if (injectedFault?.kind === 'malformed') return { status: 200, body: '<?xml version="1.0"?><s:Envelope><s:Body><broken', action };
      if (injectedFault?.kind === 'fault') {
        throw new SoapFault(injectedFault.code ?? 'Receiver', [injectedFault.subcode ?? 'ter:Action'], injectedFault.reason ?? `injected fault on ${action}`);
      }
      let handler = handlers[action];
      if (urlPath === '/onvif/imaging_service' && action === 'Stop') handler = (o) => (videoSourceOf(o), head.focusStop(), '<timg:StopResponse/>');
      if (urlPath === '/onvif/imaging_service' && action === 'GetStatus') handler = (o) => (videoSourceOf(o), imagingStatus());
      if (!handler) throw faults.actionNotSupported(action);
      return { status: 200, body: envelope(handler(op)), action };
    } catch (e) {
      const f =
        e instanceof SoapFault
          ? e
          : e instanceof HeadCommandError
            ? faults.invalidArg(e.subcode, e.message)
            : new SoapFault('Receiver', ['ter:Action'], `internal error: ${(e as Error).message}`);
      const status = f.subcodes.includes('ter:NotAuthorized') ? (opts.authFailureStatus ?? 400) : f.httpStatus;
      if (f.subcodes.includes('ter:NotAuthorized')) log('debug', `${opts.towerId} onvif: ${action} refused: ${f.reason}`);
      return { status, body: f.toXml(), action };
    }
  }

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const urlPath = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'GET' && urlPath.startsWith('/onvif/snapshot/')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('snapshots are not simulated; use the RTSP stream');
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        res.writeHead(413).end();
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (res.writableEnded) return;
      const receivedAt = performance.timeOrigin + performance.now();
      const out = dispatchSoap(urlPath, Buffer.concat(chunks).toString('utf8'));
      const record: OnvifRequestRecord = { action: out.action, at: receivedAt, status: out.status };
      requests.push(record);
      if (requests.length > 500) requests.splice(0, requests.length - 500);
      for (const fn of listeners) fn(record);
      const delay = takeInjected(out.action, ['delay']);
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(out.status, { 'content-type': 'application/soap+xml; charset=utf-8', 'content-length': Buffer.byteLength(out.body) });
        res.end(out.body);
      };
      if (delay?.kind === 'delay') {
        setTimeout(send, delay.ms).unref();
      } else send();
    });
  });
  server.keepAliveTimeout = 5000;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        port = (server.address() as AddressInfo).port;
        base = `http://${host}:${port}`;
        reachable = true;
        resolve();
      });
    });
  const unlisten = () =>
    new Promise<void>((resolve) => {
      reachable = false;
      server.close(() => resolve());
      // A cut link also kills established (keep-alive) connections.
      server.closeAllConnections();
    });
  await listen();

  // ---- Pose files: what the simulated pictures show.
  const poseFiles =
    opts.poseFiles ?? (opts.stateDir ? (['visible', 'thermal'] as const).map((k) => join(opts.stateDir as string, `${opts.towerId}-${k}.pose.txt`)) : []);
  let lastPose = '';
  const writePose = () => {
    if (!poseFiles.length) return;
    const p = head.pose();
    const bearing = trueBearing(deg(p.pan), opts.northOffset ?? 0);
    const zoom = p.zoom >= 10 ? p.zoom.toFixed(0) : p.zoom.toFixed(1);
    const line = `PTZ P ${p.pan.toFixed(2)}° T ${p.tilt.toFixed(2)}° Z ${zoom}x  方位 ${compassWord(bearing)} ${bearing.toFixed(1)}°`;
    if (line === lastPose) return;
    lastPose = line;
    for (const f of poseFiles) {
      try {
        writeFileAtomic(f, line);
      } catch (e) {
        log('warn', `${opts.towerId} onvif: cannot write ${f}: ${(e as Error).message}`);
      }
    }
  };
  writePose();
  const poseTimer = setInterval(writePose, POSE_WRITE_MS);
  poseTimer.unref();

  log('info', `${opts.towerId} onvif: listening at ${base}/onvif/device_service`);
  let closed = false;
  return {
    get url() {
      return `${base}/onvif/device_service`;
    },
    get port() {
      return port;
    },
    head,
    requests,
    get reachable() {
      return reachable;
    },
    onRequest(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    setClockOffset(ms) {
      clockOffset = ms;
    },
    inject(f) {
      injected.push({ ...f });
    },
    clearFaults() {
      injected.length = 0;
    },
    async setReachable(up) {
      if (closed || up === reachable) return;
      if (up) await listen();
      else await unlisten();
      log('info', `${opts.towerId} onvif: ${up ? 'reachable again' : 'unreachable'}`);
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(poseTimer);
      if (reachable) await unlisten();
    },
  };
}

function range(tag: string, min: number, max: number): string {
  return `<tt:${tag}><tt:Min>${min}</tt:Min><tt:Max>${max}</tt:Max></tt:${tag}>`;
}

function loadPresets(file: string | undefined, log: NonNullable<OnvifDeviceOptions['log']>): HeadPreset[] {
  if (!file) return [];
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as { presets?: unknown };
    if (!Array.isArray(raw.presets)) return [];
    return raw.presets.filter(
      (p): p is HeadPreset =>
        typeof p === 'object' &&
        p !== null &&
        typeof (p as HeadPreset).token === 'string' &&
        typeof (p as HeadPreset).name === 'string' &&
        [(p as HeadPreset).pan, (p as HeadPreset).tilt, (p as HeadPreset).zoom].every((n) => typeof n === 'number' && Number.isFinite(n)),
    );
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') log('warn', `cannot read presets ${file}: ${(e as Error).message}`);
    return [];
  }
}

function savePresets(file: string | undefined, presets: HeadPreset[], log: NonNullable<OnvifDeviceOptions['log']>): void {
  if (!file) return;
  try {
    writeFileAtomic(file, `${JSON.stringify({ presets }, null, 2)}\n`);
  } catch (e) {
    log('warn', `cannot save presets ${file}: ${(e as Error).message}`);
  }
}

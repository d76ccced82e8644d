import { parse as parseUrl, type UrlWithStringQuery } from 'node:url';
import onvif, { type OnvifDevice, type OnvifResult, type OnvifServicePtz } from 'node-onvif';
import {
  levelForSpeed,
  normalizeSigned,
  panFromOnvif,
  panToOnvif,
  PTZ_LIMITS,
  tiltFromOnvif,
  tiltToOnvif,
  zoomFromOnvif,
  zoomToOnvif,
  type PtzVelocity,
} from '../../common/ptz';
import { PtzDriverError, type DriverErrorKind, type DriverInfo, type DriverPose, type DriverPreset, type FocusAction, type PtzDriver } from './driver';

/**
 * The ONVIF adapter, on node-onvif: its init (GetSystemDateAndTime → clock difference,
 * capabilities, profiles), its UsernameToken (whose Created it already shifts by that clock
 * difference) and its SOAP transport. A few bodies are built here and sent through that same
 * layer: ContinuousMove (node-onvif omits a zero zoom velocity and allows only whole-second
 * timeouts), SetPreset (it refuses non-ASCII names and does not escape XML) and the Imaging
 * service (it has none).
 */

/** Per-model behaviour learnt at run time, shared by all heads of the same model. */
export class ModelQuirks {
  private readonly zeroVelocityStop = new Set<string>();

  usesZeroVelocityStop(model: string): boolean {
    return this.zeroVelocityStop.has(model);
  }

  markStopFaults(model: string): void {
    this.zeroVelocityStop.add(model);
  }
}

export const sharedQuirks = new ModelQuirks();

export interface NodeOnvifDriverOptions {
  /** Device service URL. */
  url: string;
  user?: string;
  password?: string;
  /** How the head is named in messages, e.g. `仙人山 (t01)`. */
  label?: string;
  /** Media profile whose PTZ configuration to use; default the device's first profile. */
  profileToken?: string;
  /** Every request fails with `timeout` after this, ms. */
  callTimeoutMs?: number;
  /** Budget for connecting: node-onvif's init sends about 20 requests (stream URIs of every profile), ms. */
  connectTimeoutMs?: number;
  quirks?: ModelQuirks;
  log?: (level: 'debug' | 'info' | 'warn' | 'error', msg: string) => void;
}

const NS_IMAGING = 'http://www.onvif.org/ver20/imaging/wsdl';
const NS_MEDIA = 'http://www.onvif.org/ver10/media/wsdl';
/** Focus read-back costs a request, so it is refreshed this seldom unless focus was just moved. */
const FOCUS_REFRESH_MS = 5000;

export class NodeOnvifDriver implements PtzDriver {
  private dev: OnvifDevice | undefined;
  private profileToken = '';
  private model = '';
  private imaging: UrlWithStringQuery | undefined;
  private sourceToken: string | undefined;
  private focusCache: { value: number | null; at: number } = { value: null, at: 0 };
  private focusActiveUntil = 0;
  private readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly quirks: ModelQuirks;
  private readonly label: string;
  private readonly log: NonNullable<NodeOnvifDriverOptions['log']>;

  constructor(private readonly opts: NodeOnvifDriverOptions) {
    this.timeoutMs = opts.callTimeoutMs ?? 3000;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 15_000;
    this.quirks = opts.quirks ?? sharedQuirks;
    this.label = opts.label ?? opts.url;
    this.log = opts.log ?? (() => undefined);
  }

  async connect(): Promise<DriverInfo> {
    // A fresh device object each time: init re-reads the device clock and the profiles.
    const dev = new onvif.OnvifDevice({ xaddr: this.opts.url, user: this.opts.user ?? '', pass: this.opts.password ?? '' });
    await this.guard('connect', () => dev.init(), false, this.connectTimeoutMs);
    const profile = this.opts.profileToken ? dev.changeProfile(this.opts.profileToken) : dev.getCurrentProfile();
    if (!profile) throw new PtzDriverError('unsupported', `${this.label}: no media profile ${this.opts.profileToken ?? ''}`.trim());
    if (!dev.services.ptz) throw new PtzDriverError('unsupported', `${this.label}: the device offers no PTZ service`);
    const r = profile.ptz.range;
    if (r.x.min !== -1 || r.x.max !== 1 || r.y.min !== -1 || r.y.max !== 1) {
      this.log('warn', `${this.label}: pan/tilt limits ${JSON.stringify(r)} are not the generic -1…1 space; positions may be mapped wrongly`);
    }
    this.dev = dev;
    this.profileToken = profile.token;
    const info = dev.getInformation() ?? {};
    this.model = `${info.Manufacturer ?? '?'}/${info.Model ?? '?'}`;
    if (Math.abs(dev.services.device.getTimeDiff()) > 60_000) {
      this.log('info', `${this.label}: device clock is ${Math.round(dev.services.device.getTimeDiff() / 1000)} s off; compensated in the tokens`);
    }
    const focus = await this.discoverImaging(dev).catch((e: unknown) => {
      this.log('info', `${this.label}: focus not offered (${(e as Error).message})`);
      return false;
    });
    return { manufacturer: info.Manufacturer ?? '', model: info.Model ?? '', firmware: info.FirmwareVersion ?? '', focus };
  }

  async continuousMove(v: PtzVelocity, timeoutS: number): Promise<void> {
    const body =
      `<tptz:ContinuousMove><tptz:ProfileToken>${xmlText(this.profileToken)}</tptz:ProfileToken><tptz:Velocity>` +
      `<tt:PanTilt x="${dec(v.pan)}" y="${dec(v.tilt)}"/><tt:Zoom x="${dec(v.zoom)}"/></tptz:Velocity>` +
      `<tptz:Timeout>PT${dec(Math.max(0.1, timeoutS), 1)}S</tptz:Timeout></tptz:ContinuousMove>`;
    await this.raw('ptz', 'ContinuousMove', body);
  }

  /**
   * Stop, always explicit. Models that fault on Stop get a zero-velocity ContinuousMove
   * instead, and are remembered so their next stop does not wait for the fault.
   */
  async stop(): Promise<void> {
    if (!this.quirks.usesZeroVelocityStop(this.model)) {
      try {
        await this.guard('Stop', () => this.ptz().stop({ ProfileToken: this.profileToken, PanTilt: true, Zoom: true }));
        return;
      } catch (e) {
        if (!(e instanceof PtzDriverError) || e.kind !== 'fault') throw e;
        this.quirks.markStopFaults(this.model);
        this.log('warn', `${this.label}: Stop refused (${e.message}); model ${this.model} now stops with a zero-velocity ContinuousMove`);
      }
    }
    await this.continuousMove({ pan: 0, tilt: 0, zoom: 0 }, 1);
  }

  async absoluteMove(target: { pan: number; tilt: number; zoom: number }, speed?: number): Promise<void> {
    await this.guard('AbsoluteMove', () =>
      this.ptz().absoluteMove({
        ProfileToken: this.profileToken,
        Position: { x: round(panToOnvif(target.pan)), y: round(tiltToOnvif(target.tilt)), z: round(zoomToOnvif(target.zoom)) },
        ...(speed ? { Speed: speedVector(speed) } : {}),
      }),
    );
  }

  async relativeMove(delta: { pan: number; tilt: number; zoom: number }, speed?: number): Promise<void> {
    await this.guard('RelativeMove', () =>
      this.ptz().relativeMove({
        ProfileToken: this.profileToken,
        Translation: { x: round(normalizeSigned(delta.pan) / 180), y: round(delta.tilt / PTZ_LIMITS.tiltMax), z: round(delta.zoom) },
        ...(speed ? { Speed: speedVector(speed) } : {}),
      }),
    );
  }

  async gotoPreset(preset: number, speed?: number): Promise<void> {
    await this.guard('GotoPreset', () =>
      this.ptz().gotoPreset({ ProfileToken: this.profileToken, PresetToken: String(preset), ...(speed ? { Speed: speedVector(speed) } : {}) }),
    );
  }

  async setPreset(preset: number, name: string): Promise<void> {
    const body =
      `<tptz:SetPreset><tptz:ProfileToken>${xmlText(this.profileToken)}</tptz:ProfileToken>` +
      `<tptz:PresetName>${xmlText(name)}</tptz:PresetName><tptz:PresetToken>${preset}</tptz:PresetToken></tptz:SetPreset>`;
    await this.raw('ptz', 'SetPreset', body);
  }

  async removePreset(preset: number): Promise<void> {
    await this.guard('RemovePreset', () => this.ptz().removePreset({ ProfileToken: this.profileToken, PresetToken: String(preset) }));
  }

  async presets(): Promise<DriverPreset[]> {
    const r = await this.guard('GetPresets', () => this.ptz().getPresets({ ProfileToken: this.profileToken }));
    const out: DriverPreset[] = [];
    for (const p of list(get(r.data, 'GetPresetsResponse', 'Preset'))) {
      const token = attrOf(p, 'token');
      const n = token !== undefined && /^\d{1,3}$/.test(token) ? Number(token) : NaN;
      if (!(n >= PTZ_LIMITS.presetMin && n <= PTZ_LIMITS.presetMax)) {
        this.log('debug', `${this.label}: preset token ${token ?? '?'} is not a preset number 0…255; ignored`);
        continue;
      }
      const pt = get(p, 'PTZPosition', 'PanTilt');
      const z = get(p, 'PTZPosition', 'Zoom');
      const x = numAttr(pt, 'x');
      const y = numAttr(pt, 'y');
      const zx = numAttr(z, 'x');
      out.push({
        preset: n,
        name: text(get(p, 'Name')) ?? '',
        pan: x === undefined ? null : panFromOnvif(x),
        tilt: y === undefined ? null : tiltFromOnvif(y),
        zoom: zx === undefined ? null : zoomFromOnvif(zx),
      });
    }
    return out.sort((a, b) => a.preset - b.preset);
  }

  async status(): Promise<DriverPose> {
    const r = await this.guard('GetStatus', () => this.ptz().getStatus({ ProfileToken: this.profileToken }));
    const st = get(r.data, 'GetStatusResponse', 'PTZStatus');
    const x = numAttr(get(st, 'Position', 'PanTilt'), 'x');
    const y = numAttr(get(st, 'Position', 'PanTilt'), 'y');
    const z = numAttr(get(st, 'Position', 'Zoom'), 'x');
    if (x === undefined || y === undefined) throw new PtzDriverError('malformed', `${this.label}: GetStatus carries no pan/tilt position`);
    const moveStatus = [text(get(st, 'MoveStatus', 'PanTilt')), text(get(st, 'MoveStatus', 'Zoom'))].filter((s): s is string => s !== undefined);
    return {
      pan: panFromOnvif(x),
      tilt: tiltFromOnvif(y),
      zoom: z === undefined ? PTZ_LIMITS.zoomMin : zoomFromOnvif(z),
      focus: await this.readFocus(),
      moving: moveStatus.length ? moveStatus.some((s) => s.toUpperCase() === 'MOVING') : undefined,
    };
  }

  async focus(action: FocusAction, speed: number): Promise<void> {
    const src = this.requireImaging();
    this.focusActiveUntil = Date.now() + 5000;
    if (action === 'stop') {
      await this.raw('imaging', 'Stop', `<timg:Stop xmlns:timg="${NS_IMAGING}"><timg:VideoSourceToken>${xmlText(src)}</timg:VideoSourceToken></timg:Stop>`);
    } else if (action === 'auto') {
      await this.raw(
        'imaging',
        'SetImagingSettings',
        `<timg:SetImagingSettings xmlns:timg="${NS_IMAGING}"><timg:VideoSourceToken>${xmlText(src)}</timg:VideoSourceToken>` +
          `<timg:ImagingSettings><tt:Focus><tt:AutoFocusMode>AUTO</tt:AutoFocusMode></tt:Focus></timg:ImagingSettings>` +
          `<timg:ForcePersistence>false</timg:ForcePersistence></timg:SetImagingSettings>`,
      );
    } else {
      const s = (action === 'near' ? -1 : 1) * Math.min(1, Math.max(0.01, speed));
      await this.raw(
        'imaging',
        'Move',
        `<timg:Move xmlns:timg="${NS_IMAGING}"><timg:VideoSourceToken>${xmlText(src)}</timg:VideoSourceToken>` +
          `<timg:Focus><tt:Continuous><tt:Speed>${dec(s)}</tt:Speed></tt:Continuous></timg:Focus></timg:Move>`,
      );
    }
  }

  async focusAbsolute(position: number): Promise<void> {
    const src = this.requireImaging();
    this.focusActiveUntil = Date.now() + 5000;
    await this.raw(
      'imaging',
      'Move',
      `<timg:Move xmlns:timg="${NS_IMAGING}"><timg:VideoSourceToken>${xmlText(src)}</timg:VideoSourceToken>` +
        `<timg:Focus><tt:Absolute><tt:Position>${dec(position)}</tt:Position></tt:Absolute></timg:Focus></timg:Move>`,
    );
  }

  async close(): Promise<void> {
    this.dev = undefined;
  }

  // -------------------------------------------------------------------------------------------

  private ptz(): OnvifServicePtz {
    const ptz = this.dev?.services.ptz;
    if (!ptz) throw new PtzDriverError('unreachable', `${this.label}: not connected`);
    return ptz;
  }

  private requireImaging(): string {
    if (!this.imaging || !this.sourceToken) throw new PtzDriverError('unsupported', `${this.label}: focus is not offered by this head`);
    return this.sourceToken;
  }

  private async discoverImaging(dev: OnvifDevice): Promise<boolean> {
    const caps = await this.guard('GetCapabilities', () => dev.services.device.getCapabilities(), false);
    const xaddr = text(get(caps.data, 'GetCapabilitiesResponse', 'Capabilities', 'Imaging', 'XAddr'));
    if (!xaddr) return false;
    // node-onvif keeps the profile's VideoSourceConfiguration token, not the video source token Imaging needs.
    const media = dev.services.media;
    if (!media) return false;
    const profiles = await this.raw('media', 'GetProfiles', `<trt:GetProfiles xmlns:trt="${NS_MEDIA}"/>`);
    const mine = list(get(profiles.data, 'GetProfilesResponse', 'Profiles')).find((p) => attrOf(p, 'token') === this.profileToken);
    const source = text(get(mine, 'VideoSourceConfiguration', 'SourceToken'));
    if (!source) return false;
    this.imaging = parseUrl(xaddr);
    this.sourceToken = source;
    this.focusCache = { value: await this.fetchFocus(), at: Date.now() };
    return true;
  }

  private async readFocus(): Promise<number | null> {
    if (!this.imaging) return null;
    const now = Date.now();
    if (now < this.focusActiveUntil || now - this.focusCache.at >= FOCUS_REFRESH_MS) {
      this.focusCache = { value: await this.fetchFocus(), at: now };
    }
    return this.focusCache.value;
  }

  private async fetchFocus(): Promise<number | null> {
    const src = this.sourceToken;
    if (!src) return null;
    const r = await this.raw('imaging', 'GetStatus', `<timg:GetStatus xmlns:timg="${NS_IMAGING}"><timg:VideoSourceToken>${xmlText(src)}</timg:VideoSourceToken></timg:GetStatus>`);
    const v = Number(text(get(r.data, 'GetStatusResponse', 'Status', 'FocusStatus20', 'Position')));
    return Number.isFinite(v) ? v : null;
  }

  /** Sends a body built here through node-onvif's SOAP layer, with its token and clock difference. */
  private raw(service: 'ptz' | 'media' | 'imaging', method: string, body: string): Promise<OnvifResult> {
    return this.guard(method, () => {
      const ptz = this.ptz();
      const target = service === 'ptz' ? ptz.oxaddr : service === 'media' ? this.dev?.services.media?.oxaddr : this.imaging;
      if (!target) throw new PtzDriverError('unsupported', `${this.label}: no ${service} service`);
      // The PTZ service's envelope declares tt and tptz; other services' prefixes are declared in the body.
      return onvif._OnvifSoap.requestCommand(target, method, ptz._createRequestSoap(body));
    });
  }

  /**
   * Runs one request with a deadline and turns whatever node-onvif throws into a typed error.
   * An authentication fault once connected usually means the device clock jumped: the clock
   * difference is read again and the request retried once.
   */
  private async guard<T>(method: string, fn: () => Promise<T>, resync = true, timeoutMs = this.timeoutMs): Promise<T> {
    try {
      return await this.deadline(method, fn, timeoutMs);
    } catch (e) {
      const err = this.classify(method, e);
      if (err.kind !== 'unauthorized' || !resync || !this.dev) throw err;
      const dev = this.dev;
      await this.deadline('GetSystemDateAndTime', () => dev.services.device.getSystemDateAndTime()).catch(() => undefined);
      const diff = dev.services.device.getTimeDiff();
      for (const s of [dev.services.ptz, dev.services.media]) if (s) s.time_diff = diff;
      try {
        return await this.deadline(method, fn);
      } catch (e2) {
        throw this.classify(method, e2);
      }
    }
  }

  private deadline<T>(method: string, fn: () => Promise<T>, timeoutMs = this.timeoutMs): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new PtzDriverError('timeout', `${this.label}: no reply to ${method} within ${timeoutMs / 1000} s`)), timeoutMs);
      let p: Promise<T>;
      try {
        p = fn();
      } catch (e) {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      p.then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (e: unknown) => {
          clearTimeout(timer);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  private classify(method: string, e: unknown): PtzDriverError {
    if (e instanceof PtzDriverError) return e;
    const msg = e instanceof Error ? e.message : String(e);
    const kind = classifyMessage(msg);
    const text =
      kind === 'unreachable'
        ? `${this.label}: unreachable (${networkReason(msg)})`
        : kind === 'unauthorized'
          ? `${this.label}: credentials refused by the head (${msg.replace(/^.*?(\d{3} )/, '$1')})`
          : kind === 'malformed'
            ? `${this.label}: unreadable reply to ${method} (${msg})`
            : `${this.label}: ${method} failed: ${msg.replace(/^Failed to initialize the device: (Error: )?/, '')}`;
    return new PtzDriverError(kind, text);
  }
}

/** Maps node-onvif's error messages to a kind. */
export function classifyMessage(msg: string): DriverErrorKind {
  if (/not ?authori[sz]ed|\b401\b/i.test(msg)) return 'unauthorized';
  if (/Network Error|ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|socket hang up|ETIMEDOUT/.test(msg)) return 'unreachable';
  if (/seems to not support|Unexpected|Unclosed|Non-whitespace|Invalid character|Text data outside|Unmatched|Attribute without value|Unencoded/i.test(msg)) {
    return 'malformed';
  }
  if (/property was invalid|must be specified|No media profile|does not support PTZ/.test(msg)) return 'unsupported';
  return 'fault';
}

function networkReason(msg: string): string {
  const refused = /ECONNREFUSED (\S+)/.exec(msg);
  if (refused) return `connection refused at ${refused[1]}`;
  if (/socket hang up|ECONNRESET/.test(msg)) return 'connection dropped';
  if (/EHOSTUNREACH|ENETUNREACH/.test(msg)) return 'no route to the head';
  if (/ETIMEDOUT/.test(msg)) return 'connection timed out';
  return msg.replace(/^.*Network Error: /, '');
}

function speedVector(degPerSec: number): { x: number; y: number; z: number } {
  const s = levelForSpeed(degPerSec) / PTZ_LIMITS.speedLevels;
  return { x: s, y: s, z: 1 };
}

/** node-onvif prints numbers with String(), so avoid exponents and float noise. */
function round(n: number): number {
  const r = Math.round(n * 1e7) / 1e7;
  return r === 0 ? 0 : r;
}

function dec(n: number, digits = 4): string {
  const s = n.toFixed(digits);
  return Number(s) === 0 ? (0).toFixed(digits) : s;
}

function xmlText(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

// ---- reading xml2js output (explicitArray: false, attributes under `$`)

function get(o: unknown, ...keys: string[]): unknown {
  let cur = o;
  for (const k of keys) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

function list(o: unknown): unknown[] {
  return o === undefined || o === null ? [] : Array.isArray(o) ? o : [o];
}

function text(o: unknown): string | undefined {
  if (typeof o === 'string') return o;
  if (typeof o === 'number') return String(o);
  const t = get(o, '_');
  return typeof t === 'string' ? t : undefined;
}

function attrOf(o: unknown, name: string): string | undefined {
  const v = get(o, '$', name);
  return typeof v === 'string' ? v : undefined;
}

function numAttr(o: unknown, name: string): number | undefined {
  const v = attrOf(o, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

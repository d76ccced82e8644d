/**
 * The part of node-onvif 0.1.7 (CommonJS, untyped) that the PTZ adapter uses, including the
 * internals it reaches for: node-onvif has no Imaging service and refuses non-ASCII preset
 * names, so those requests are built here and sent through its own SOAP layer and token.
 */
declare module 'node-onvif' {
  import type { UrlWithStringQuery } from 'node:url';

  /** What every node-onvif request resolves to: the parsed SOAP Body under `data`. */
  export interface OnvifResult {
    soap: string;
    /** xml2js output of the Body: namespace prefixes dropped, attributes under `$`, single children not in arrays. */
    data: Record<string, unknown>;
  }

  export interface OnvifProfile {
    token: string;
    name: string;
    snapshot: string;
    stream: { udp: string; http: string; rtsp: string };
    video: { source: { token: string; name: string } | null; encoder: unknown };
    ptz: { range: Record<'x' | 'y' | 'z', { min: number; max: number }> };
  }

  export interface Vector3 {
    x: number;
    y: number;
    z: number;
  }

  export interface OnvifServiceBase {
    xaddr: string;
    oxaddr: UrlWithStringQuery;
    user: string;
    pass: string;
    /** Device clock minus host clock, ms; added to the UsernameToken's Created. */
    time_diff: number;
    _createRequestSoap(body: string): string;
  }

  export interface OnvifServiceDevice extends OnvifServiceBase {
    getTimeDiff(): number;
    getSystemDateAndTime(): Promise<OnvifResult>;
    getCapabilities(): Promise<OnvifResult>;
    getDeviceInformation(): Promise<OnvifResult>;
  }

  export interface OnvifServicePtz extends OnvifServiceBase {
    getStatus(p: { ProfileToken: string }): Promise<OnvifResult>;
    continuousMove(p: { ProfileToken: string; Velocity: Vector3; Timeout?: number }): Promise<OnvifResult>;
    absoluteMove(p: { ProfileToken: string; Position: Vector3; Speed?: Vector3 }): Promise<OnvifResult>;
    relativeMove(p: { ProfileToken: string; Translation: Vector3; Speed?: Vector3 }): Promise<OnvifResult>;
    stop(p: { ProfileToken: string; PanTilt?: boolean; Zoom?: boolean }): Promise<OnvifResult>;
    gotoPreset(p: { ProfileToken: string; PresetToken: string; Speed?: Vector3 }): Promise<OnvifResult>;
    setPreset(p: { ProfileToken: string; PresetToken?: string; PresetName?: string }): Promise<OnvifResult>;
    removePreset(p: { ProfileToken: string; PresetToken: string }): Promise<OnvifResult>;
    getPresets(p: { ProfileToken: string }): Promise<OnvifResult>;
  }

  export interface OnvifDeviceInfo {
    Manufacturer?: string;
    Model?: string;
    FirmwareVersion?: string;
    SerialNumber?: string;
    HardwareId?: string;
  }

  /** Only reachable as `onvif.OnvifDevice` at run time (the package exports an instance). */
  export interface OnvifDevice {
    xaddr: string;
    time_diff: number;
    services: {
      device: OnvifServiceDevice;
      media: OnvifServiceBase | null;
      ptz: OnvifServicePtz | null;
      events: unknown;
      imaging: unknown;
    };
    init(): Promise<OnvifDeviceInfo>;
    getInformation(): OnvifDeviceInfo | null;
    getCurrentProfile(): OnvifProfile | null;
    getProfileList(): OnvifProfile[];
    changeProfile(tokenOrIndex: string | number): OnvifProfile | null;
  }

  export interface OnvifSoap {
    /** Default 3000 ms; on expiry the request is aborted ("Network Error: socket hang up"). */
    HTTP_TIMEOUT: number;
    requestCommand(oxaddr: UrlWithStringQuery, methodName: string, soap: string): Promise<OnvifResult>;
  }

  interface NodeOnvif {
    OnvifDevice: new (params: { xaddr: string; user?: string; pass?: string }) => OnvifDevice;
    _OnvifSoap: OnvifSoap;
  }

  const onvif: NodeOnvif;
  export default onvif;
}

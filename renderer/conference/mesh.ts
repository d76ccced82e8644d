import { nextVideoKbps, type IceServer, type Participant, type Room, type VideoSource } from '../../common/conference';
import type { HostApi, HostEvents, JoinResult, Signal } from '../../common/contract';

/*
 * One participant's side of a conference: a full mesh of RTCPeerConnections, one per other
 * participant, negotiated once through the host's `conference:signal` relay. Every connection has
 * exactly one audio and one video transceiver; switching the picture (camera, screen, tower
 * camera) replaces the video track on every sender, so the call is never renegotiated.
 * Spec: docs/conference.md.
 */

type ConferenceCommand = 'conference:join' | 'conference:leave' | 'conference:signal' | 'conference:state';
type ConferenceEvent = 'conference:room' | 'conference:signal' | 'conference:chat' | 'conference:ended';

/** The part of the host client a call needs (the console's, the guest page's, the decoder page's). */
export interface SignalChannel {
  call<K extends ConferenceCommand>(name: K, args: HostApi[K]['args']): Promise<HostApi[K]['result']>;
  on<E extends ConferenceEvent>(name: E, fn: (p: HostEvents[E]) => void): () => void;
  /** A (new) connection to the host, with its id: after a reconnect the call joins again. */
  onHello?(fn: (clientId: string) => void): () => void;
}

export interface ChatLine {
  from: string;
  name: string;
  text: string;
  at: number;
}

/** What the UI shows of the call; a new object on every change. */
export interface CallView {
  roomId: string;
  self: string;
  room: Room;
  local: MediaStream | null;
  /** What this participant sends as video (the camera, a screen or a tower picture), for its own tile. */
  preview: MediaStream | null;
  remote: Record<string, MediaStream>;
  /** Per peer: new → connecting → connected (→ failed/disconnected). */
  links: Record<string, RTCPeerConnectionState>;
  speaker: string | null;
  chat: ChatLine[];
  ended: string | null;
  /** Current cap of the video bitrate sent to each peer, kbit/s (lowered on a bad link). */
  sendKbps: Record<string, number>;
}

export interface JoinOptions {
  roomId: string;
  token?: string;
  name?: string;
  siteId?: string;
  receiveOnly?: boolean;
  /** getUserMedia constraints; ignored when receive-only. */
  media?: MediaStreamConstraints;
  /** Play the others' sound (default); the wall's decoder pages stay silent (the room has one sound system). */
  playAudio?: boolean;
}

const ADAPT_MS = 2000;
/** Audio level (0…1) above which a participant counts as speaking. */
const SPEAKING = 0.02;

interface Peer {
  pc: RTCPeerConnection;
  stream: MediaStream;
  pendingIce: RTCIceCandidateInit[];
  kbps: number;
  lastLost: number;
  lastSent: number;
}

export class ConferenceCall {
  private readonly peers = new Map<string, Peer>();
  private view: CallView | null = null;
  private local: MediaStream | null = null;
  /** The track senders carry as video: the camera's, the screen's or the tower's. */
  private videoTrack: MediaStreamTrack | null = null;
  private cameraTrack: MediaStreamTrack | null = null;
  private iceServers: IceServer[] = [];
  private maxKbps = 1200;
  private offs: (() => void)[] = [];
  private joined: JoinOptions | null = null;
  /** The state this participant has reported (mute, camera, shared picture). */
  private reported: { audioMuted?: boolean; videoOff?: boolean; video?: VideoSource; towerCameraId?: string | null } = {};
  private timer: ReturnType<typeof setInterval> | undefined;
  private analyser: { ctx: AudioContext; node: AnalyserNode; buf: Float32Array<ArrayBuffer> } | null = null;
  private readonly listeners = new Set<(v: CallView | null) => void>();
  /** The others' sound, played by the call itself so it goes on while the console shows another workspace. */
  private readonly speakers = new Map<string, HTMLAudioElement>();
  private sinkId = '';
  answerSeconds = 30;

  constructor(private readonly channel: SignalChannel) {}

  subscribe(fn: (v: CallView | null) => void): () => void {
    this.listeners.add(fn);
    fn(this.view);
    return () => this.listeners.delete(fn);
  }

  get current(): CallView | null {
    return this.view;
  }

  private update(patch: Partial<CallView>): void {
    if (!this.view) return;
    this.view = { ...this.view, ...patch };
    for (const fn of this.listeners) fn(this.view);
  }

  async join(o: JoinOptions): Promise<JoinResult> {
    if (!o.receiveOnly) {
      this.local = await navigator.mediaDevices.getUserMedia(o.media ?? { audio: true, video: true });
      this.cameraTrack = this.local.getVideoTracks()[0] ?? null;
      this.videoTrack = this.cameraTrack;
      this.watchMic();
    }
    this.listen();
    this.joined = o;
    let r: JoinResult;
    try {
      r = await this.enter(o);
    } catch (e) {
      this.teardown();
      throw e;
    }
    this.iceServers = r.iceServers;
    this.maxKbps = r.maxVideoKbps;
    this.answerSeconds = r.answerSeconds;
    this.view = { roomId: o.roomId, self: r.self, room: r.room, local: this.local, preview: this.local, remote: {}, links: {}, speaker: null, chat: [], ended: null, sendKbps: {} };
    this.update({});
    // The newcomer offers to everyone already there; they answer.
    for (const p of r.room.participants) if (p.id !== r.self) void this.offer(p.id);
    this.timer = setInterval(() => void this.adapt(), ADAPT_MS);
    return r;
  }

  private enter(o: JoinOptions): Promise<JoinResult> {
    return this.channel.call('conference:join', {
        roomId: o.roomId,
        ...(o.token ? { token: o.token } : {}),
        ...(o.name ? { name: o.name } : {}),
        ...(o.siteId ? { siteId: o.siteId } : {}),
        receiveOnly: o.receiveOnly ?? false,
      });
  }

  /**
   * The link to the host dropped and came back as a new connection: the host removed the old
   * participant (the others closed their links to it), so the call joins again as a newcomer and
   * offers to everyone. Local media stay as they are.
   */
  private async rejoin(clientId: string): Promise<void> {
    const v = this.view;
    if (!v || v.ended || !this.joined || v.self === clientId) return;
    for (const id of [...this.peers.keys()]) this.drop(id);
    try {
      const r = await this.enter(this.joined);
      this.update({ self: r.self, room: r.room, remote: {}, links: {} });
      // Mute, camera and what is shared were the old participant's: tell them again.
      if (Object.keys(this.reported).length) await this.report(this.reported);
      for (const p of r.room.participants) if (p.id !== r.self) void this.offer(p.id);
    } catch (e) {
      this.update({ ended: (e as Error).message });
      this.teardown();
    }
  }

  async leave(): Promise<void> {
    const v = this.view;
    if (v && !v.ended) await this.channel.call('conference:leave', { roomId: v.roomId }).catch(() => undefined);
    this.teardown();
    this.view = null;
    for (const fn of this.listeners) fn(null);
  }

  /** Microphone on/off: the track is silenced locally and the others see the state. */
  async setMuted(muted: boolean): Promise<void> {
    for (const t of this.local?.getAudioTracks() ?? []) t.enabled = !muted;
    await this.report({ audioMuted: muted });
  }

  async setVideoOff(off: boolean): Promise<void> {
    if (this.videoTrack) this.videoTrack.enabled = !off;
    await this.report({ videoOff: off });
  }

  /** Sends another picture: a screen, a tower camera (a track from captureStream) or the camera again. */
  async setVideoSource(kind: VideoSource, track: MediaStreamTrack | null, towerCameraId: string | null = null): Promise<void> {
    const next = kind === 'camera' ? this.cameraTrack : track;
    if (this.videoTrack && this.videoTrack !== this.cameraTrack && this.videoTrack !== next) this.videoTrack.stop();
    this.videoTrack = next;
    await Promise.all([...this.peers.values()].map((p) => this.videoSender(p.pc)?.replaceTrack(next)));
    this.update({ preview: kind === 'camera' || !next ? this.local : new MediaStream([next]) });
    await this.report({ video: kind, towerCameraId: kind === 'tower' ? towerCameraId : null });
  }

  /** Another camera or microphone chosen in the device list. */
  async switchDevice(kind: 'audioinput' | 'videoinput', deviceId: string): Promise<void> {
    const s = await navigator.mediaDevices.getUserMedia(kind === 'audioinput' ? { audio: { deviceId: { exact: deviceId } } } : { video: { deviceId: { exact: deviceId }, width: 640, height: 360 } });
    const track = s.getTracks()[0]!;
    const old = kind === 'audioinput' ? this.local?.getAudioTracks()[0] : this.cameraTrack;
    if (old) {
      this.local?.removeTrack(old);
      old.stop();
    }
    this.local?.addTrack(track);
    if (kind === 'videoinput') {
      const sending = this.videoTrack === this.cameraTrack;
      this.cameraTrack = track;
      if (sending) {
        this.videoTrack = track;
        for (const p of this.peers.values()) void this.videoSender(p.pc)?.replaceTrack(track);
      }
    } else {
      for (const p of this.peers.values()) void this.sender(p.pc, 'audio')?.replaceTrack(track);
      this.watchMic();
    }
    this.update({ local: this.local, ...(this.videoTrack === this.cameraTrack ? { preview: this.local } : {}) });
  }

  /** Bytes sent and received over every link so far (benchmarks, diagnostics). */
  async traffic(): Promise<{ sentBytes: number; receivedBytes: number; framesDecoded: number }> {
    let sentBytes = 0;
    let receivedBytes = 0;
    let framesDecoded = 0;
    for (const p of this.peers.values()) {
      (await p.pc.getStats()).forEach((s: { type: string; bytesSent?: number; bytesReceived?: number; framesDecoded?: number; kind?: string }) => {
        if (s.type === 'transport') {
          sentBytes += s.bytesSent ?? 0;
          receivedBytes += s.bytesReceived ?? 0;
        }
        if (s.type === 'inbound-rtp' && s.kind === 'video') framesDecoded += s.framesDecoded ?? 0;
      });
    }
    return { sentBytes, receivedBytes, framesDecoded };
  }

  private async report(s: { audioMuted?: boolean; videoOff?: boolean; video?: VideoSource; towerCameraId?: string | null }): Promise<void> {
    if (!this.view || this.view.ended) return;
    this.reported = { ...this.reported, ...s };
    await this.channel.call('conference:state', { roomId: this.view.roomId, ...s });
  }

  private listen(): void {
    const hello = this.channel.onHello?.((id) => void this.rejoin(id));
    if (hello) this.offs.push(hello);
    this.offs.push(
      this.channel.on('conference:room', (room) => {
        if (!this.view || room.id !== this.view.roomId) return;
        const present = new Set(room.participants.map((p) => p.id));
        for (const id of [...this.peers.keys()]) if (!present.has(id)) this.drop(id);
        this.update({ room });
      }),
      this.channel.on('conference:signal', (m) => {
        if (this.view && m.roomId === this.view.roomId) void this.onSignal(m.from, m.signal).catch((e: Error) => console.warn(`conference: signal from ${m.from}: ${e.message}`));
      }),
      this.channel.on('conference:chat', (c) => {
        if (this.view && c.roomId === this.view.roomId) this.update({ chat: [...this.view.chat.slice(-199), { from: c.from, name: c.name, text: c.text, at: c.at }] });
      }),
      this.channel.on('conference:ended', (e) => {
        if (!this.view || e.roomId !== this.view.roomId) return;
        this.update({ ended: e.reason });
        this.teardown();
      }),
    );
  }

  private peer(id: string): Peer {
    const have = this.peers.get(id);
    if (have) return have;
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    const p: Peer = { pc, stream: new MediaStream(), pendingIce: [], kbps: this.maxKbps, lastLost: 0, lastSent: 0 };
    this.peers.set(id, p);
    pc.onicecandidate = (e) => {
      if (e.candidate && this.view) void this.signal(id, { kind: 'candidate', candidate: e.candidate.toJSON() as { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null; usernameFragment?: string | null } });
    };
    pc.ontrack = (e) => {
      p.stream.addTrack(e.track);
      if (e.track.kind === 'audio' && this.joined?.playAudio !== false) this.play(id, e.track);
      if (this.view) this.update({ remote: { ...this.view.remote, [id]: p.stream } });
    };
    pc.onconnectionstatechange = () => {
      if (this.view) this.update({ links: { ...this.view.links, [id]: pc.connectionState } });
    };
    return p;
  }

  private async offer(id: string): Promise<void> {
    const { pc } = this.peer(id);
    const dir: RTCRtpTransceiverDirection = this.local ? 'sendrecv' : 'recvonly';
    const audio = this.local?.getAudioTracks()[0];
    pc.addTransceiver(audio ?? 'audio', { direction: dir, ...(this.local ? { streams: [this.local] } : {}) });
    pc.addTransceiver(this.videoTrack ?? 'video', { direction: dir, ...(this.local ? { streams: [this.local] } : {}) });
    await this.capBitrate(id);
    await pc.setLocalDescription(await pc.createOffer());
    await this.signal(id, { kind: 'offer', sdp: pc.localDescription!.sdp });
  }

  private async onSignal(from: string, s: Signal): Promise<void> {
    if (s.kind === 'offer') {
      const p = this.peer(from);
      await p.pc.setRemoteDescription({ type: 'offer', sdp: s.sdp });
      // Our tracks go on the transceivers the offer made: one audio, one video.
      if (this.local) {
        for (const t of p.pc.getTransceivers()) {
          const kind = t.receiver.track.kind;
          t.direction = 'sendrecv';
          await t.sender.replaceTrack(kind === 'audio' ? (this.local.getAudioTracks()[0] ?? null) : this.videoTrack);
          t.sender.setStreams(this.local);
        }
      }
      await this.capBitrate(from);
      await p.pc.setLocalDescription(await p.pc.createAnswer());
      await this.flushIce(p);
      await this.signal(from, { kind: 'answer', sdp: p.pc.localDescription!.sdp });
    } else if (s.kind === 'answer') {
      const p = this.peers.get(from);
      if (!p) return;
      await p.pc.setRemoteDescription({ type: 'answer', sdp: s.sdp });
      await this.flushIce(p);
    } else {
      const p = this.peer(from);
      if (p.pc.remoteDescription) await p.pc.addIceCandidate(s.candidate);
      else p.pendingIce.push(s.candidate);
    }
  }

  private async flushIce(p: Peer): Promise<void> {
    for (const c of p.pendingIce.splice(0)) await p.pc.addIceCandidate(c).catch(() => undefined);
  }

  private async signal(to: string, signal: Signal): Promise<void> {
    if (!this.view) return;
    await this.channel.call('conference:signal', { roomId: this.view.roomId, to, signal }).catch((e: Error) => console.warn(`conference: signal to ${to}: ${e.message}`));
  }

  private sender(pc: RTCPeerConnection, kind: 'audio' | 'video'): RTCRtpSender | undefined {
    return pc.getTransceivers().find((t) => t.receiver.track.kind === kind)?.sender;
  }

  private videoSender(pc: RTCPeerConnection): RTCRtpSender | undefined {
    return this.sender(pc, 'video');
  }

  private async capBitrate(id: string): Promise<void> {
    const p = this.peers.get(id);
    const s = p && this.videoSender(p.pc);
    if (!p || !s) return;
    const params = s.getParameters();
    if (!params.encodings?.length) return; // before negotiation; set again by adapt()
    params.encodings[0]!.maxBitrate = p.kbps * 1000;
    await s.setParameters(params).catch(() => undefined);
  }

  /**
   * Each participant watches its own sending links: loss or a long round trip to one peer lowers the
   * video bitrate sent to that peer only; a clean link earns it back. So a participant on a bad link
   * degrades its own picture, not everyone's. Also picks the active speaker from the audio levels.
   */
  private async adapt(): Promise<void> {
    if (!this.view) return;
    const kbps: Record<string, number> = {};
    const levels: [string, number][] = [];
    for (const [id, p] of this.peers) {
      let lost = 0;
      let sent = 0;
      let rtt = 0;
      (await p.pc.getStats()).forEach((s: { type: string; kind?: string; packetsLost?: number; packetsSent?: number; roundTripTime?: number; audioLevel?: number }) => {
        if (s.type === 'remote-inbound-rtp' && s.kind === 'video') {
          lost = s.packetsLost ?? 0;
          rtt = s.roundTripTime ?? 0;
        }
        if (s.type === 'outbound-rtp' && s.kind === 'video') sent = s.packetsSent ?? 0;
        if (s.type === 'inbound-rtp' && s.kind === 'audio' && s.audioLevel !== undefined) levels.push([id, s.audioLevel]);
      });
      const dSent = sent - p.lastSent;
      const loss = dSent > 0 ? Math.max(0, lost - p.lastLost) / dSent : 0;
      p.lastLost = lost;
      p.lastSent = sent;
      const before = p.kbps;
      p.kbps = nextVideoKbps(p.kbps, loss, rtt, this.maxKbps);
      if (p.kbps !== before || dSent === 0) await this.capBitrate(id);
      kbps[id] = p.kbps;
    }
    if (this.analyser && this.view.room.participants.find((x) => x.id === this.view!.self)?.audioMuted !== true) {
      const { node, buf } = this.analyser;
      node.getFloatTimeDomainData(buf);
      let sum = 0;
      for (const v of buf) sum += v * v;
      levels.push([this.view.self, Math.sqrt(sum / buf.length)]);
    }
    const loudest = levels.filter(([, l]) => l > SPEAKING).sort((a, b) => b[1] - a[1])[0];
    this.update({ sendKbps: kbps, speaker: loudest?.[0] ?? null });
  }

  private watchMic(): void {
    const track = this.local?.getAudioTracks()[0];
    if (!track) return;
    void this.analyser?.ctx.close();
    try {
      const ctx = new AudioContext();
      const node = ctx.createAnalyser();
      node.fftSize = 512;
      ctx.createMediaStreamSource(new MediaStream([track])).connect(node);
      this.analyser = { ctx, node, buf: new Float32Array(node.fftSize) };
    } catch {
      this.analyser = null;
    }
  }

  /** The loudspeaker the others are heard on (setSinkId); '' is the system default. */
  setSpeaker(sinkId: string): void {
    this.sinkId = sinkId;
    for (const a of this.speakers.values()) void (a as HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> }).setSinkId?.(sinkId).catch(() => undefined);
  }

  private play(id: string, track: MediaStreamTrack): void {
    this.speakers.get(id)?.remove();
    const a = document.createElement('audio');
    a.autoplay = true;
    a.srcObject = new MediaStream([track]);
    a.dataset.peer = id;
    document.body.append(a);
    this.speakers.set(id, a);
    if (this.sinkId) this.setSpeaker(this.sinkId);
    void a.play().catch(() => undefined);
  }

  private drop(id: string): void {
    this.speakers.get(id)?.remove();
    this.speakers.delete(id);
    const p = this.peers.get(id);
    if (!p) return;
    p.pc.close();
    this.peers.delete(id);
    if (!this.view) return;
    const { [id]: _gone, ...remote } = this.view.remote;
    const { [id]: _link, ...links } = this.view.links;
    this.update({ remote, links });
  }

  private teardown(): void {
    clearInterval(this.timer);
    for (const off of this.offs.splice(0)) off();
    for (const id of [...this.peers.keys()]) this.drop(id);
    for (const t of this.local?.getTracks() ?? []) t.stop();
    if (this.videoTrack && this.videoTrack !== this.cameraTrack) this.videoTrack.stop();
    void this.analyser?.ctx.close();
    this.analyser = null;
  }
}

/** The participants the grid shows: everyone who sends, self first. */
export function gridOf(v: CallView): Participant[] {
  const all = v.room.participants.filter((p) => !p.receiveOnly);
  return [...all.filter((p) => p.id === v.self), ...all.filter((p) => p.id !== v.self)];
}

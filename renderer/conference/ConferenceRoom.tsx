import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { Participant, RollCall } from '../../common/conference';
import { useAppStore } from '../app/store';
import { useT } from '../i18n';
import { gridOf, type CallView, type ConferenceCall } from './mesh';
import './conference.css';

/** The call's current view, re-rendered on every change. */
export function useCall(call: ConferenceCall): CallView | null {
  return useSyncExternalStore(
    (fn) => call.subscribe(fn),
    () => call.current,
  );
}

/** One participant's picture with its name, muted mark and the active-speaker ring (sound is played by the call). */
function Tile({ p, stream, self, speaking, link }: { p: Participant; stream: MediaStream | null; self: boolean; speaking: boolean; link?: string }) {
  const t = useT();
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const v = ref.current;
    if (!v || v.srcObject === stream) return;
    v.srcObject = stream;
    void v.play().catch(() => undefined);
  }, [stream]);
  const source = p.video === 'tower' ? t('conf.sharingTower') : p.video === 'screen' ? t('conf.sharingScreen') : '';
  return (
    <figure className={`conf-tile${speaking ? ' speaking' : ''}`} data-testid="conf-tile" data-peer={p.id} data-self={self ? '1' : undefined} data-video={p.video}>
      <video ref={ref} autoPlay playsInline muted data-testid={self ? 'conf-local-video' : 'conf-remote-video'} />
      {(p.videoOff || !stream) && <div className="conf-novideo">{p.videoOff ? t('conf.cameraOff') : t('conf.connecting')}</div>}
      <figcaption>
        <span className="conf-name">{self ? t('conf.me', { name: p.name }) : p.name}</span>
        {p.audioMuted && <span className="conf-badge muted">{t('conf.muted')}</span>}
        {source && <span className="conf-badge">{source}</span>}
        {!self && link && link !== 'connected' && <span className="conf-badge warn">{t(`conf.link.${link === 'new' ? 'connecting' : link === 'connecting' ? 'connecting' : 'failed'}`)}</span>}
      </figcaption>
    </figure>
  );
}

interface RoomProps {
  call: ConferenceCall;
  /** The console's own tools (invite, tower camera, roll call, end) — absent on a guest page. */
  tools?: React.ReactNode;
  /** May run the roll call (the centre). */
  canRunRollCall: boolean;
  onRollCall?: (action: 'start' | 'next' | 'end') => void;
  onAnswer: () => void;
  onChat: (text: string) => void;
  onEnd?: () => void;
  onLeave: () => void;
}

export function ConferenceRoom({ call, tools, canRunRollCall, onRollCall, onAnswer, onChat, onEnd, onLeave }: RoomProps) {
  const t = useT();
  const v = useCall(call);
  if (!v) return null;
  const me = v.room.participants.find((p) => p.id === v.self);
  const grid = gridOf(v);
  const cols = Math.ceil(Math.sqrt(Math.max(1, grid.length)));
  return (
    <div className="conf-room" data-testid="conf-room" data-room={v.roomId}>
      <header className="conf-head">
        <h2>{v.room.name}</h2>
        <span className="conf-count" data-testid="conf-count">
          {t('conf.count', { n: v.room.participants.filter((p) => !p.receiveOnly).length })}
        </span>
        {v.room.participants.some((p) => p.kind === 'wall') && <span className="conf-badge">{t('conf.onWall')}</span>}
        <span className="conf-spacer" />
        {onEnd && (
          <button className="danger" onClick={onEnd} data-testid="conf-end">
            {t('conf.end')}
          </button>
        )}
        <button className="danger" onClick={onLeave} data-testid="conf-leave">
          {t('conf.leave')}
        </button>
      </header>
      {v.ended && (
        <div className="conf-banner" role="alert" data-testid="conf-ended">
          {t('conf.ended', { reason: v.ended })}
        </div>
      )}
      <div className="conf-main">
        <div className="conf-grid" style={{ gridTemplateColumns: `repeat(${cols}, 1fr)` }}>
          {grid.map((p) => (
            <Tile key={p.id} p={p} self={p.id === v.self} stream={p.id === v.self ? v.preview : (v.remote[p.id] ?? null)} speaking={v.speaker === p.id} {...(v.links[p.id] ? { link: v.links[p.id] } : {})} />
          ))}
        </div>
        <aside className="conf-side">
          <RollCallPanel rc={v.room.rollCall} mySite={me?.siteId ?? null} canRun={canRunRollCall} answerSeconds={call.answerSeconds} {...(onRollCall ? { onRun: onRollCall } : {})} onAnswer={onAnswer} />
          <Chat lines={v.chat} self={v.self} onSend={onChat} />
        </aside>
      </div>
      {me && !me.receiveOnly && <Controls call={call} me={me} tools={tools} />}
    </div>
  );
}

function Controls({ call, me, tools }: { call: ConferenceCall; me: Participant; tools: React.ReactNode }) {
  const t = useT();
  const [sinkId, setSinkId] = useState('');
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const load = () => void navigator.mediaDevices.enumerateDevices().then(setDevices, () => undefined);
    load();
    navigator.mediaDevices.addEventListener('devicechange', load);
    return () => navigator.mediaDevices.removeEventListener('devicechange', load);
  }, []);
  const run = (p: Promise<unknown>) => void p.then(() => setError(null), (e: Error) => setError(e.message));
  const shareScreen = async () => {
    if (me.video === 'screen') return call.setVideoSource('camera', null);
    const s = await navigator.mediaDevices.getDisplayMedia({ video: true });
    const track = s.getVideoTracks()[0]!;
    track.addEventListener('ended', () => void call.setVideoSource('camera', null));
    await call.setVideoSource('screen', track);
  };
  const select = (kind: MediaDeviceKind, label: string, value: string, onChange: (id: string) => void) => (
    <label className="conf-device">
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value)} data-testid={`conf-device-${kind}`}>
        {kind === 'audiooutput' && <option value="">{t('conf.defaultDevice')}</option>}
        {devices
          .filter((d) => d.kind === kind)
          .map((d, i) => (
            <option key={d.deviceId || i} value={d.deviceId}>
              {d.label || `${label} ${i + 1}`}
            </option>
          ))}
      </select>
    </label>
  );
  return (
    <footer className="conf-controls">
      <button className={me.audioMuted ? 'active' : ''} onClick={() => run(call.setMuted(!me.audioMuted))} data-testid="conf-mute">
        {me.audioMuted ? t('conf.unmute') : t('conf.mute')}
      </button>
      <button className={me.videoOff ? 'active' : ''} onClick={() => run(call.setVideoOff(!me.videoOff))} data-testid="conf-camera">
        {me.videoOff ? t('conf.cameraOn') : t('conf.cameraOffBtn')}
      </button>
      <button className={me.video === 'screen' ? 'active' : ''} onClick={() => run(shareScreen())} data-testid="conf-screen">
        {me.video === 'screen' ? t('conf.stopScreen') : t('conf.shareScreen')}
      </button>
      {tools}
      <span className="conf-spacer" />
      {select('videoinput', t('conf.camera'), '', (id) => run(call.switchDevice('videoinput', id)))}
      {select('audioinput', t('conf.mic'), '', (id) => run(call.switchDevice('audioinput', id)))}
      {select('audiooutput', t('conf.speaker'), sinkId, (id) => {
        setSinkId(id);
        call.setSpeaker(id);
      })}
      {error && (
        <span className="conf-error" role="alert">
          {error}
        </span>
      )}
    </footer>
  );
}

function RollCallPanel({ rc, mySite, canRun, answerSeconds, onRun, onAnswer }: { rc: RollCall | null; mySite: string | null; canRun: boolean; answerSeconds: number; onRun?: (a: 'start' | 'next' | 'end') => void; onAnswer: () => void }) {
  const t = useT();
  // The site's clock on the console (as the status bar); the guest's own on a join page (no site there).
  const timeZone = useAppStore((s) => s.site?.timeZone);
  const [now, setNow] = useState(Date.now());
  const active = rc !== null && rc.endedAt === null;
  useEffect(() => {
    if (!active) return;
    const i = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(i);
  }, [active]);
  const calling = rc?.entries.find((e) => e.status === 'calling');
  const mine = rc?.entries.find((e) => e.siteId === mySite);
  const canAnswer = active && ((mine && mine.status !== 'present') || (!mySite && calling));
  return (
    <section className="conf-rollcall" data-testid="conf-rollcall">
      <h3>{t('conf.rollCall')}</h3>
      {canRun && onRun && (
        <div className="conf-row">
          {!active ? (
            <button onClick={() => onRun('start')} data-testid="rollcall-start">
              {t('conf.rollCallStart')}
            </button>
          ) : (
            <>
              <button onClick={() => onRun('next')} data-testid="rollcall-next">
                {t('conf.rollCallNext')}
              </button>
              <button onClick={() => onRun('end')} data-testid="rollcall-end">
                {t('conf.rollCallEnd')}
              </button>
            </>
          )}
        </div>
      )}
      {canAnswer && (
        <button className="conf-answer" onClick={onAnswer} data-testid="rollcall-answer">
          {t('conf.answer', { site: mine?.name ?? calling?.name ?? '' })}
        </button>
      )}
      {rc && (
        <ol className="conf-rc-list">
          {rc.entries.map((e) => (
            <li key={e.siteId} className={`rc-${e.status}`} data-testid="rollcall-entry" data-status={e.status}>
              <span>{e.name}</span>
              <span>
                {e.status === 'calling' && e.calledAt
                  ? t('conf.rc.callingFor', { s: Math.max(0, answerSeconds - Math.floor((now - e.calledAt) / 1000)) })
                  : e.status === 'present' && e.answeredAt
                    ? t('conf.rc.presentAt', { time: new Date(e.answeredAt).toLocaleTimeString('zh-CN', { hour12: false, ...(timeZone ? { timeZone } : {}) }) })
                    : t(`conf.rc.${e.status}`)}
              </span>
            </li>
          ))}
        </ol>
      )}
      {rc?.endedAt && (
        <p className="conf-rc-summary" data-testid="rollcall-summary">
          {t('conf.rc.summary', { n: rc.entries.length, present: rc.entries.filter((e) => e.status === 'present').length })}
        </p>
      )}
    </section>
  );
}

function Chat({ lines, self, onSend }: { lines: CallView['chat']; self: string; onSend: (text: string) => void }) {
  const t = useT();
  const [text, setText] = useState('');
  const end = useRef<HTMLDivElement>(null);
  // Braces: newer Chromium returns a promise from scrollIntoView, which must not become the effect's clean-up.
  useEffect(() => {
    void end.current?.scrollIntoView({ block: 'end' });
  }, [lines.length]);
  return (
    <section className="conf-chat">
      <h3>{t('conf.chat')}</h3>
      <div className="conf-chat-lines" data-testid="conf-chat">
        {lines.map((l, i) => (
          <p key={i} className={l.from === self ? 'mine' : ''}>
            <b>{l.name}</b> {l.text}
          </p>
        ))}
        <div ref={end} />
      </div>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!text.trim()) return;
          onSend(text.trim());
          setText('');
        }}
      >
        <input value={text} onChange={(e) => setText(e.target.value)} placeholder={t('conf.chatPlaceholder')} maxLength={1000} data-testid="conf-chat-input" />
        <button type="submit">{t('conf.send')}</button>
      </form>
    </section>
  );
}

import { useEffect, useMemo, useState } from 'react';
import type { ConferenceSite, Room } from '../../common/conference';
import { host } from '../app/connection';
import { useAppStore } from '../app/store';
import { useCan } from '../auth/session';
import { useT } from '../i18n';
import { ConferenceRoom, useCall } from './ConferenceRoom';
import { ConferenceCall } from './mesh';
import { TowerShare } from './tower-share';
import { panelsRect, type WallGeometry } from '../../common/wall';
import { wallEdit } from '../wall/wall-commands';

/** The console's call; it outlives switching workspaces (the call goes on under the other tabs). */
let consoleCall: ConferenceCall | null = null;
const theCall = () => (consoleCall ??= new ConferenceCall(host()));
let share: TowerShare | null = null;

/** 会商: start or join a room, then the call with the console's tools. */
export function ConferenceWorkspace() {
  const t = useT();
  const call = theCall();
  const view = useCall(call);
  const [rooms, setRooms] = useState<Room[]>([]);
  const [sites, setSites] = useState<ConferenceSite[]>([]);
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const canRun = useCan('duty.edit');
  useEffect(() => {
    void host()
      .call('conference:list', {})
      .then((r) => {
        setRooms(r.rooms);
        setSites(r.sites);
      }, (e: Error) => setError(e.message));
    return host().on('conference:rooms', (r) => setRooms(r.rooms));
  }, []);
  const run = (p: Promise<unknown>) => void p.then(() => setError(null), (e: Error) => setError(e.message));
  const join = (roomId: string) => run(call.join({ roomId }));
  const start = async () => {
    const room = await host().call('conference:create', { name: name.trim() || t('conf.defaultName') });
    await call.join({ roomId: room.id });
  };

  if (view) {
    const roomId = view.roomId;
    return (
      <>
        {error && (
          <div className="conf-banner" role="alert">
            {error}
          </div>
        )}
        <ConferenceRoom
          call={call}
          canRunRollCall={canRun}
          tools={<ConsoleTools call={call} roomId={roomId} sites={sites} onError={setError} />}
          onRollCall={(a) => run(host().call(a === 'start' ? 'conference:rollCallStart' : a === 'next' ? 'conference:rollCallNext' : 'conference:rollCallEnd', { roomId }))}
          onAnswer={() => run(host().call('conference:rollCallAnswer', { roomId }))}
          onChat={(text) => run(host().call('conference:chat', { roomId, text }))}
          {...(canRun ? { onEnd: () => run(host().call('conference:end', { roomId })) } : {})}
          onLeave={() => {
            share?.stop();
            share = null;
            run(call.leave());
          }}
        />
      </>
    );
  }
  return (
    <div className="conf-lobby" data-testid="conf-lobby">
      <h2>{t('conf.title')}</h2>
      {error && (
        <div className="conf-banner" role="alert" data-testid="conf-error">
          {error}
        </div>
      )}
      {canRun && (
        <form
          className="conf-row"
          onSubmit={(e) => {
            e.preventDefault();
            run(start());
          }}
        >
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder={t('conf.defaultName')} maxLength={64} data-testid="conf-name" />
          <button type="submit" className="primary" data-testid="conf-start">
            {t('conf.start')}
          </button>
        </form>
      )}
      <h3>{t('conf.rooms')}</h3>
      {rooms.length === 0 && <p className="conf-empty">{t('conf.noRooms')}</p>}
      <ul className="conf-rooms">
        {rooms.map((r) => (
          <li key={r.id} data-testid="conf-room-item">
            <span className="conf-name">{r.name}</span>
            <span>{t('conf.count', { n: r.participants.filter((p) => !p.receiveOnly).length })}</span>
            <span>{r.participants.map((p) => p.name).join('、')}</span>
            <button onClick={() => join(r.id)} data-testid="conf-join">
              {t('conf.join')}
            </button>
          </li>
        ))}
      </ul>
      <p className="conf-note">{t('conf.meshNote')}</p>
    </div>
  );
}

/** Invite by link, share a tower camera (with its HUD if chosen). */
function ConsoleTools({ call, roomId, sites, onError }: { call: ConferenceCall; roomId: string; sites: ConferenceSite[]; onError: (e: string | null) => void }) {
  const t = useT();
  const v = useCall(call);
  const towers = useAppStore((s) => s.site?.towers);
  const thermal = t('conf.thermal');
  const visible = t('conf.visible');
  const cameras = useMemo(() => towers?.flatMap((tw) => tw.cameras.map((c) => ({ id: c.id, label: `${tw.name} ${c.kind === 'thermal' ? thermal : visible}` }))) ?? [], [towers, thermal, visible]);
  const [site, setSite] = useState('');
  const [camera, setCamera] = useState('');
  const [hud, setHud] = useState(true);
  const [link, setLink] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const me = v?.room.participants.find((p) => p.id === v.self);
  const geometry = useAppStore((s) => s.wall?.geometry);
  const canWall = useCan('wall.operate');
  const onWall = v?.room.participants.some((p) => p.kind === 'wall') ?? false;
  /** 会商上墙: a window over the top-left 2 × 2 panels shows the participant grid (the wall workspace moves it). */
  const toWall = async () => {
    if (!geometry) return;
    // The contract carries plain numbers; the geometry's units are the host's (as the wall mirror reads them).
    const g = geometry as unknown as WallGeometry;
    const r = await wallEdit('wall:openWindow', { rect: panelsRect(g, 0, 0, Math.min(2, geometry.rows), Math.min(2, geometry.columns)), split: 1, panes: [{ kind: 'conference', ref: roomId }], snap: true });
    if (!r) throw new Error(useAppStore.getState().wallError ?? t('conf.wallFailed'));
  };
  const invite = async () => {
    const r = await host().call('conference:invite', { roomId, ...(site ? { siteId: site } : {}) });
    const url = `${window.location.origin}${r.path}`;
    setLink(url);
    await navigator.clipboard?.writeText(url).catch(() => undefined);
  };
  const towerOn = async () => {
    const id = camera || cameras[0]?.id;
    if (!id) return;
    setBusy(true);
    try {
      share?.stop();
      share = new TowerShare(id, hud);
      await call.setVideoSource('tower', await share.start(), id);
    } finally {
      setBusy(false);
    }
  };
  const towerOff = async () => {
    await call.setVideoSource('camera', null);
    share?.stop();
    share = null;
  };
  const go = (p: Promise<unknown>) => void p.then(() => onError(null), (e: Error) => onError(e.message));
  return (
    <>
      <span className="conf-group">
        <select value={camera} onChange={(e) => setCamera(e.target.value)} data-testid="conf-tower-camera" aria-label={t('conf.towerCamera')}>
          {cameras.map((c) => (
            <option key={c.id} value={c.id}>
              {c.label}
            </option>
          ))}
        </select>
        <label className="conf-check">
          <input type="checkbox" checked={hud} onChange={(e) => setHud(e.target.checked)} data-testid="conf-tower-hud" />
          {t('conf.hud')}
        </label>
        {me?.video === 'tower' ? (
          <>
            <button onClick={() => go(towerOn())} disabled={busy} data-testid="conf-tower-switch">
              {t('conf.towerSwitch')}
            </button>
            <button className="active" onClick={() => go(towerOff())} data-testid="conf-tower-stop">
              {t('conf.towerStop')}
            </button>
          </>
        ) : (
          <button onClick={() => go(towerOn())} disabled={busy} data-testid="conf-tower-share">
            {busy ? t('conf.connecting') : t('conf.towerShare')}
          </button>
        )}
      </span>
      {canWall && geometry && (
        <span className="conf-group">
          <button onClick={() => go(toWall())} disabled={onWall} data-testid="conf-to-wall">
            {onWall ? t('conf.onWall') : t('conf.toWall')}
          </button>
        </span>
      )}
      <span className="conf-group">
        <select value={site} onChange={(e) => setSite(e.target.value)} data-testid="conf-invite-site" aria-label={t('conf.inviteFor')}>
          <option value="">{t('conf.inviteAnyone')}</option>
          {sites.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
        <button onClick={() => go(invite())} data-testid="conf-invite">
          {t('conf.invite')}
        </button>
        {link && (
          <input className="conf-link" readOnly value={link} onFocus={(e) => e.target.select()} data-testid="conf-invite-link" aria-label={t('conf.inviteCopied')} title={t('conf.inviteCopied')} />
        )}
      </span>
    </>
  );
}

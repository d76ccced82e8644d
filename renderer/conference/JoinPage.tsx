import { useEffect, useMemo, useState } from 'react';
import { HostClient } from '../app/host-client';
import { useT } from '../i18n';
import { ConferenceRoom, useCall } from './ConferenceRoom';
import { ConferenceCall } from './mesh';

interface LinkInfo {
  roomId: string;
  roomName: string;
  name: string;
  siteId: string | null;
  expiresAt: number;
}

/**
 * `/join?room=…&token=…`: a participant on the LAN with only a browser and the link the centre
 * sent. The host checks the link first (so an expired or wrong one says so), then the page opens
 * its own connection with the link token — no account, no console sign-in.
 */
export function JoinPage() {
  const t = useT();
  const params = new URLSearchParams(window.location.search);
  const token = params.get('token') ?? '';
  const [info, setInfo] = useState<LinkInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [joining, setJoining] = useState(false);
  const client = useMemo(() => new HostClient(`${window.location.origin.replace(/^http/, 'ws')}/api/ws?token=${encodeURIComponent(token)}`), [token]);
  const call = useMemo(() => new ConferenceCall(client), [client]);
  const view = useCall(call);
  useEffect(() => {
    if (!token) {
      setError(t('conf.noToken'));
      return;
    }
    void fetch(`/api/conference/link?token=${encodeURIComponent(token)}`)
      .then(async (r) => {
        const body = (await r.json()) as ({ ok: true } & LinkInfo) | { ok: false; reason: string; message: string };
        if (!body.ok) setError(body.reason === 'expired' ? t('conf.linkExpired') : body.reason === 'room' ? t('conf.linkRoomGone') : t('conf.linkInvalid'));
        else {
          setInfo(body);
          setName(body.name);
        }
      })
      .catch((e: Error) => setError(e.message));
    // `t` changes with every render; the link is checked once.
  }, [token]);
  useEffect(() => () => client.close(), [client]);
  const join = async () => {
    if (!info) return;
    setJoining(true);
    try {
      client.connect();
      await call.join({ roomId: info.roomId, token, ...(name.trim() ? { name: name.trim() } : {}) });
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setJoining(false);
    }
  };
  if (view && info) {
    return (
      <div className="conf-guest">
        <ConferenceRoom
          call={call}
          canRunRollCall={false}
          onAnswer={() => void client.call('conference:rollCallAnswer', { roomId: info.roomId }).catch((e: Error) => setError(e.message))}
          onChat={(text) => void client.call('conference:chat', { roomId: info.roomId, text }).catch((e: Error) => setError(e.message))}
          onLeave={() => void call.leave().then(() => client.close())}
        />
      </div>
    );
  }
  return (
    <div className="conf-guest conf-join" data-testid="conf-join-page">
      <h1>{t('conf.joinTitle')}</h1>
      {error && (
        <div className="conf-banner" role="alert" data-testid="conf-error">
          {error}
        </div>
      )}
      {info && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void join();
          }}
        >
          <p className="conf-name">{info.roomName}</p>
          <label>
            {t('conf.yourName')}
            <input value={name} onChange={(e) => setName(e.target.value)} maxLength={64} data-testid="conf-guest-name" />
          </label>
          <button type="submit" className="primary" disabled={joining} data-testid="conf-guest-join">
            {joining ? t('conf.connecting') : t('conf.join')}
          </button>
          <p className="conf-note">{t('conf.linkUntil', { time: new Date(info.expiresAt).toLocaleString('zh-CN', { hour12: false }) })}</p>
        </form>
      )}
    </div>
  );
}

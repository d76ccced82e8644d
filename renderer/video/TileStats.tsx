import { useEffect, useState } from 'react';
import type { StreamInfo } from '../../common/contract';
import { useT } from '../i18n';
import type { PlayerStats } from './live-player';

interface Props {
  stream: StreamInfo | undefined;
  player: () => PlayerStats | undefined;
}

/** Figures of a tile's stream, shown while the pointer is over it: what the host sees and what the player sees. */
export function TileStats({ stream, player }: Props) {
  const t = useT();
  const [p, setP] = useState<PlayerStats | undefined>(player);
  useEffect(() => {
    const id = setInterval(() => setP(player()), 1000);
    return () => clearInterval(id);
  }, [player]);
  const rows: [string, string][] = [];
  if (stream) {
    rows.push([t('stats.state'), t(`stream.${stream.state}`)]);
    rows.push([t('stats.bitrate'), `${stream.stats.bitrateKbps.toFixed(0)} kbit/s`]);
    rows.push([t('stats.fps'), stream.stats.fps.toFixed(1)]);
    rows.push([t('stats.gop'), String(stream.stats.gopFrames)]);
    rows.push([t('stats.viewers'), String(stream.stats.viewers)]);
    rows.push([t('stats.reconnects'), String(stream.stats.reconnects)]);
    if (stream.stats.transcoding) rows.push([t('stats.transcoding'), 'H.265 → H.264']);
    else if (stream.key.endsWith('.hevc')) rows.push([t('stats.codec'), t('stats.hevcDirect')]);
  }
  if (p) {
    rows.push([t('stats.buffer'), `${Math.round(p.bufferSeconds * 1000)} ms`]);
    rows.push([t('stats.dropped'), `${p.droppedFrames} / ${p.decodedFrames}`]);
  }
  if (stream?.stats.lastError && stream.state !== 'online') rows.push([t('stats.error'), stream.stats.lastError]);
  return (
    <dl className="tile-stats" data-testid="stream-stats">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

import { SCENE_FILE_MAX_CHARS } from '../../common/contract/wall';
import { useCallback, useEffect, useState } from 'react';
import type { SceneList } from '../../common/contract';
import { useAppStore } from '../app/store';
import { useT } from '../i18n';
import { AlarmPanel } from './AlarmPanel';
import { SchedulePanel } from './SchedulePanel';
import { wallCall, wallEdit } from './wall-commands';

/** The side panel: the alarm region; scenes (预案): save the wall as…, recall, rename, delete, export, import; the schedule; the LED strip. */
export function ScenesPanel() {
  const t = useT();
  const current = useAppStore((s) => s.wall?.scene ?? null);
  const led = useAppStore((s) => s.wall?.led);
  const [list, setList] = useState<SceneList | null>(null);
  const [name, setName] = useState('');
  const [importNote, setImportNote] = useState<string | null>(null);
  const [ledText, setLedText] = useState('');
  const [ledColour, setLedColour] = useState('#ff3b30');
  const [ledSpeed, setLedSpeed] = useState(60);

  const refresh = useCallback(async () => {
    const l = await wallCall('wall:sceneList', {});
    if (l) setList(l);
  }, []);
  useEffect(() => {
    void refresh();
  }, [refresh, current]);

  const save = async () => {
    const n = name.trim();
    if (!n) return;
    if (await wallCall('wall:sceneSave', { name: n, overwrite: list?.scenes.some((s) => s.name === n) ?? false })) setName('');
    void refresh();
  };
  const rename = async (from: string) => {
    const to = name.trim();
    if (!to || to === from) return;
    if (await wallCall('wall:sceneRename', { name: from, to })) setName('');
    void refresh();
  };
  const exportScene = async (n: string) => {
    const r = await wallCall('wall:sceneExport', { name: n });
    if (!r) return;
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([r.json], { type: 'application/json' }));
    a.download = r.fileName;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };
  const importFile = async (file: File) => {
    const json = await file.text();
    if (json.length > SCENE_FILE_MAX_CHARS) {
      setImportNote(t('wall.sceneTooBig', { name: file.name, max: SCENE_FILE_MAX_CHARS / 1024 }));
      return;
    }
    const r = await wallCall('wall:sceneImport', { json });
    setImportNote(r ? t('wall.imported', { name: r.name }) : (useAppStore.getState().wallError ?? t('wall.error')));
    void refresh();
  };

  return (
    <aside className="wall-side" data-testid="wall-scenes">
      <AlarmPanel />
      <h2>{t('wall.scenes')}</h2>
      {current && <p className="wall-note">{t('wall.sceneNow', { name: current })}</p>}
      <div className="wall-row">
        <input
          className="wall-input"
          value={name}
          maxLength={64}
          placeholder={t('wall.sceneName')}
          onChange={(e) => setName(e.target.value)}
          onKeyDown={(e) => e.key === 'Enter' && void save()}
          data-testid="wall-scene-name"
        />
        <button onClick={() => void save()} disabled={!name.trim()} data-testid="wall-scene-save">
          {t('wall.sceneSave')}
        </button>
      </div>
      <ul className="wall-scenes">
        {list?.scenes.map((s) => (
          <li key={s.name} className={s.name === current ? 'current' : ''} data-testid={`wall-scene-${s.name}`}>
            <div className="wall-scene-name">
              {s.name}
              <span className="dim"> {t('wall.sceneInfo', { windows: s.windows, cameras: s.cameras })}</span>
            </div>
            <div className="wall-scene-actions">
              <button onClick={() => void wallEdit('wall:sceneRecall', { name: s.name })} data-testid={`wall-scene-recall-${s.name}`}>
                {t('wall.sceneRecall')}
              </button>
              <button onClick={() => void rename(s.name)} disabled={!name.trim()} title={t('wall.renameHint')}>
                {t('wall.sceneRename')}
              </button>
              <button onClick={() => void exportScene(s.name)}>{t('wall.sceneExport')}</button>
              <button onClick={() => void wallCall('wall:sceneDelete', { name: s.name }).then(refresh)} data-testid={`wall-scene-delete-${s.name}`}>{t('wall.sceneDelete')}</button>
            </div>
          </li>
        ))}
        {list && list.scenes.length === 0 && <li className="dim">{t('wall.noScenes')}</li>}
      </ul>
      <label className="wall-import">
        {t('wall.sceneImport')}
        <input
          type="file"
          accept="application/json,.json"
          onChange={(e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (f) void importFile(f);
          }}
          data-testid="wall-scene-import"
        />
      </label>
      {importNote && <p className="wall-note">{importNote}</p>}
      {list && list.rejected.length > 0 && (
        <div className="wall-rejected">
          <h3>{t('wall.rejected')}</h3>
          {list.rejected.map((r) => (
            <p key={r.file}>
              {r.file}: {r.reasons.join('; ')}
            </p>
          ))}
        </div>
      )}
      {list && <SchedulePanel list={list} onSaved={() => void refresh()} />}
      <h2>{t('wall.led')}</h2>
      <div className="wall-led-form">
        <input className="wall-input" value={ledText} maxLength={200} placeholder={led?.text || t('wall.ledText')} onChange={(e) => setLedText(e.target.value)} data-testid="wall-led-text" />
        <div className="wall-row">
          <input type="color" value={ledColour} onChange={(e) => setLedColour(e.target.value)} aria-label={t('wall.ledColour')} data-testid="wall-led-colour" />
          <label className="dim">
            {t('wall.ledSpeed')}
            <input className="wall-num" type="number" min={0} max={400} value={ledSpeed} onChange={(e) => setLedSpeed(Number(e.target.value))} data-testid="wall-led-speed" />
          </label>
          <button onClick={() => void wallEdit('wall:led', { text: ledText, colour: ledColour, speedPxS: ledSpeed })} data-testid="wall-led-send">{t('wall.ledSend')}</button>
        </div>
      </div>
    </aside>
  );
}

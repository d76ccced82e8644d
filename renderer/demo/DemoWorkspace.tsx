import { useCallback, useEffect, useRef, useState } from 'react';
import type { TourInfo } from '../../common/contract';
import { STEP_DURATION_S, TOUR_FORMAT, type DemoStepInput, type DemoWorkspace as DemoWorkspaceName, type TourInput } from '../../common/demo';
import { host } from '../app/connection';
import { useAppStore } from '../app/store';
import { useT, type MessageKey } from '../i18n';
import type { Workspace } from '../wall/wall-slice';
import { onDemoState } from './use-demo';
import './demo.css';

/** The workspace the operator came from, so "capture step" records that layout rather than this page. */
let returnTo: Workspace = 'video';

/** The 演示 tab: remembers where the operator was. */
export function DemoTabButton() {
  const t = useT();
  const workspace = useAppStore((s) => s.workspace);
  const setWorkspace = useAppStore((s) => s.setWorkspace);
  const on = workspace === 'demo';
  return (
    <button
      role="tab"
      aria-selected={on}
      className={on ? 'active' : ''}
      data-testid="tab-demo"
      onClick={() => {
        if (!on) returnTo = workspace;
        setWorkspace('demo');
      }}
    >
      {t('demo.tab')}
    </button>
  );
}

/** The tab label of each workspace a step may show. */
const WORKSPACE_LABEL = { video: 'wall.tabVideo', wall: 'wall.tabWall', map: 'map.tab', duty: 'duty.tab', alerts: 'alert.tab', health: 'health.tab', conference: 'conf.tab' } as const satisfies Record<DemoWorkspaceName, MessageKey>;

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** What a step does, as short chips. */
function stepChips(s: DemoStepInput, t: ReturnType<typeof useT>): string[] {
  const out: string[] = [];
  if (s.wall) out.push(s.wall.scene ? t('demo.chipScene', { name: s.wall.scene }) : t('demo.chipWall', { n: s.wall.windows?.length ?? 0 }));
  if (s.map) out.push(t('demo.chipMap'));
  if (s.cameras?.length) out.push(t('demo.chipCameras', { n: s.cameras.length }));
  if (s.console?.workspace) out.push(t('demo.chipWorkspace', { name: t(WORKSPACE_LABEL[s.console.workspace]) }));
  if (s.led !== undefined) out.push(t('demo.chipLed', { text: s.led || '—' }));
  if (s.drill) out.push(t('demo.chipDrill'));
  return out;
}

/**
 * Authoring (演示编排): the tours, one open for editing — captions, timing, order — "capture step"
 * from what the wall, the map, the cameras and this console show now, preview, rehearse, present.
 */
export function DemoWorkspace() {
  const t = useT();
  const [tours, setTours] = useState<TourInfo[]>([]);
  const [rejected, setRejected] = useState<{ file: string; reasons: string[] }[]>([]);
  const [draft, setDraft] = useState<TourInput | null>(null);
  const [source, setSource] = useState<TourInfo | null>(null);
  const [dirty, setDirty] = useState(false);
  /** Loop is how to play, not an edit: toggling it does not make the built-in tour a copy. */
  const [loop, setLoop] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const editing = useAppStore((s) => s.demoEditing);
  const setEditing = useAppStore((s) => s.setDemoEditing);
  const demo = useAppStore((s) => s.demo);

  const refresh = useCallback(async () => {
    try {
      const r = await host().call('demo:list', {});
      setTours(r.tours);
      setRejected(r.rejected);
    } catch (e) {
      setError(message(e));
    }
  }, []);
  useEffect(() => void refresh(), [refresh]);

  /** The tour last asked for: an earlier answer arriving late does not replace it. */
  const wanted = useRef<string | null>(null);
  const open = useCallback(
    async (name: string) => {
      setError(null);
      setNote(null);
      wanted.current = name;
      try {
        const tour = await host().call('demo:get', { name });
        if (wanted.current !== name) return;
        setDraft(tour);
        setLoop(tour.loop);
        setDirty(false);
        setEditing(name);
      } catch (e) {
        setError(message(e));
      }
    },
    [setEditing],
  );
  useEffect(() => {
    if (!draft && tours.length) void open(editing && tours.some((x) => x.name === editing) ? editing : tours[0]!.name);
  }, [tours, draft, editing, open]);
  useEffect(() => setSource(tours.find((x) => x.name === editing) ?? null), [tours, editing]);

  const change = (f: (d: TourInput) => TourInput) => {
    setDraft((d) => (d ? f(d) : d));
    setDirty(true);
  };
  const setStep = (i: number, patch: Partial<DemoStepInput>) => change((d) => ({ ...d, steps: d.steps.map((s, j) => (j === i ? { ...s, ...patch } : s)) }));
  const moveStep = (i: number, by: number) =>
    change((d) => {
      const steps = [...d.steps];
      const j = i + by;
      if (j < 0 || j >= steps.length) return d;
      [steps[i], steps[j]] = [steps[j]!, steps[i]!];
      return { ...d, steps };
    });

  const save = async (): Promise<string | null> => {
    if (!draft) return null;
    setError(null);
    const name = source?.builtIn && draft.name === source.name ? `${draft.name}${t('demo.copySuffix')}` : draft.name;
    try {
      const info = await host().call('demo:save', { tour: { ...draft, name, loop }, overwrite: !source?.builtIn && name === editing });
      setDirty(false);
      setEditing(info.name);
      setDraft({ ...draft, name: info.name });
      setNote(t('demo.saved', { name: info.name }));
      await refresh();
      return info.name;
    } catch (e) {
      setError(message(e));
      return null;
    }
  };

  const capture = async () => {
    if (!draft) return;
    setError(null);
    try {
      const cap = await host().call('demo:capture', {});
      const st = useAppStore.getState();
      // Only the heads of what is on show (grid and wall), one camera per head.
      const onShow = new Set<string>(st.tiles.slice(0, st.layout).flatMap((c) => (c ? [c] : [])));
      for (const w of cap.wall?.windows ?? []) for (const p of w.panes) if (p?.kind === 'camera') onShow.add(p.cameraId);
      const heads = new Set<string>();
      const cameras = cap.cameras.filter((c) => {
        const head = st.ptzCameraHead[c.cameraId] ?? c.cameraId;
        if (!onShow.has(c.cameraId) || heads.has(head)) return false;
        heads.add(head);
        return true;
      });
      const look = st.mapLook;
      const step: DemoStepInput = {
        title: t('demo.newStep', { n: draft.steps.length + 1 }),
        narration: '',
        ...(cap.wall ? { wall: cap.wall.scene ? { scene: cap.wall.scene } : { windows: cap.wall.windows } } : {}),
        ...(cap.led ? { led: cap.led } : {}),
        ...(look ? { map: { center: { lat: look.lat, lon: look.lon }, zoom: look.zoom, pitch: look.pitch, bearing: look.bearing, towers: [] } } : {}),
        cameras,
        console: { workspace: returnTo === 'admin' || returnTo === 'demo' ? 'video' : returnTo, layout: st.layout, tiles: st.tiles.slice(0, st.layout) },
      };
      change((d) => ({ ...d, steps: [...d.steps, step] }));
    } catch (e) {
      setError(message(e));
    }
  };

  /** Plays the saved tour (saving first when edited): on the wall, or as a rehearsal on this console only. */
  const play = async (o: { rehearsal: boolean; at?: number; paused?: boolean }) => {
    const name = dirty || !source ? await save() : editing;
    if (!name) return;
    try {
      onDemoState(await host().call('demo:start', { name, rehearsal: o.rehearsal, at: o.at ?? 0, paused: o.paused ?? false, loop }));
    } catch (e) {
      setError(message(e));
    }
  };

  const exportTour = async () => {
    if (!editing) return;
    try {
      const r = await host().call('demo:export', { name: editing });
      const a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([r.json], { type: 'application/json' }));
      a.download = r.fileName;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    } catch (e) {
      setError(message(e));
    }
  };

  const importFile = async (file: File) => {
    setError(null);
    try {
      const text = await file.text();
      const info = await host().call('demo:import', { text, overwrite: false });
      setNote(t('demo.imported', { name: info.name }));
      await refresh();
      setDraft(null);
      setEditing(info.name);
    } catch (e) {
      setError(`${file.name}: ${message(e)}`);
    }
  };

  const remove = async () => {
    if (!editing || source?.builtIn || !window.confirm(t('demo.confirmDelete', { name: editing }))) return;
    try {
      await host().call('demo:delete', { name: editing });
      setDraft(null);
      setEditing(null);
      await refresh();
    } catch (e) {
      setError(message(e));
    }
  };

  const newTour = () => {
    wanted.current = null;
    setDraft({ format: TOUR_FORMAT, version: 1, name: t('demo.newTourName'), description: '', loop: false, steps: [] });
    setEditing(null);
    setSource(null);
    setDirty(true);
  };

  const playingHere = demo && demo.status !== 'idle' && demo.tour === editing ? demo.index : -1;
  return (
    <div className="demo-work" data-testid="demo-work">
      <aside className="demo-tours">
        <h3>{t('demo.tours')}</h3>
        {tours.map((x) => (
          <button key={x.name} type="button" className={`demo-tour${x.name === editing ? ' active' : ''}`} onClick={() => void open(x.name)} data-testid="demo-tour" data-name={x.name}>
            {x.name}
            <small>
              {t('demo.stepsN', { n: x.steps })}
              {x.builtIn ? ` · ${t('demo.builtIn')}` : ''}
              {x.loop ? ` · ${t('demo.loop')}` : ''}
            </small>
          </button>
        ))}
        <div className="demo-tours-tools">
          <button type="button" onClick={newTour} data-testid="demo-new">
            {t('demo.new')}
          </button>
          <label className="demo-tools-file">
            {t('demo.import')}
            <input type="file" accept=".json,.yaml,.yml,application/json" data-testid="demo-import" onChange={(e) => e.target.files?.[0] && void importFile(e.target.files[0])} />
          </label>
        </div>
        {rejected.map((r) => (
          <div key={r.file} className="demo-rejected" data-testid="demo-rejected" data-file={r.file}>
            {t('demo.rejected', { file: r.file })}
            <ul>
              {r.reasons.map((m, i) => (
                <li key={i}>{m}</li>
              ))}
            </ul>
          </div>
        ))}
      </aside>
      <section className="demo-editor">
        {error && (
          <div className="demo-error" role="alert" data-testid="demo-error">
            {error}
          </div>
        )}
        {note && <div className="demo-problems">{note}</div>}
        {draft && (
          <>
            <div className="demo-bar">
              <input type="text" value={draft.name} onChange={(e) => change((d) => ({ ...d, name: e.target.value }))} aria-label={t('demo.name')} style={{ maxWidth: 320 }} data-testid="demo-name" />
              <label>
                <input type="checkbox" checked={loop} onChange={(e) => setLoop(e.target.checked)} data-testid="demo-loop" /> {t('demo.loop')}
              </label>
              <button type="button" className="primary" onClick={() => void play({ rehearsal: false })} disabled={!draft.steps.length} data-testid="demo-start">
                {t('demo.start')}
              </button>
              <button type="button" onClick={() => void play({ rehearsal: true })} disabled={!draft.steps.length} data-testid="demo-rehearse">
                {t('demo.rehearse')}
              </button>
              <button type="button" onClick={() => void capture()} data-testid="demo-capture">
                {t('demo.capture')}
              </button>
              <button type="button" onClick={() => void save()} disabled={!dirty && !source?.builtIn} data-testid="demo-save">
                {t(source?.builtIn ? 'demo.saveCopy' : 'demo.save')}
              </button>
              <button type="button" onClick={() => void exportTour()} disabled={!source} data-testid="demo-export">
                {t('demo.export')}
              </button>
              {source && !source.builtIn && (
                <button type="button" onClick={() => void remove()}>
                  {t('demo.delete')}
                </button>
              )}
            </div>
            {demo?.problems.length ? <div className="demo-problems">{demo.problems.join('；')}</div> : null}
            {draft.steps.map((s, i) => (
              <div key={i} className={`demo-step${i === playingHere ? ' current' : ''}`} data-testid="demo-step">
                <div className="demo-step-no">{i + 1}</div>
                <div>
                  <input className="title" value={s.title} onChange={(e) => setStep(i, { title: e.target.value })} aria-label={t('demo.stepTitle')} />
                  <textarea value={s.narration ?? ''} onChange={(e) => setStep(i, { narration: e.target.value })} aria-label={t('demo.narration')} placeholder={t('demo.narration')} />
                  <div className="demo-step-meta">
                    {stepChips(s, t).map((c) => (
                      <span key={c}>{c}</span>
                    ))}
                  </div>
                </div>
                <div className="demo-step-tools">
                  <label title={t('demo.durationHint')}>
                    <input
                      className="demo-duration"
                      type="number"
                      min={STEP_DURATION_S.min}
                      max={STEP_DURATION_S.max}
                      value={s.durationS ?? ''}
                      placeholder={t('demo.manual')}
                      onChange={(e) => {
                        const v = e.target.value === '' ? undefined : Number(e.target.value);
                        change((d) => ({ ...d, steps: d.steps.map((x, j) => (j === i ? (v === undefined ? (({ durationS: _drop, ...rest }) => rest)(x) : { ...x, durationS: v }) : x)) }));
                      }}
                    />{' '}
                    s
                  </label>
                  <div className="row">
                    <button type="button" onClick={() => moveStep(i, -1)} disabled={i === 0} title={t('demo.up')}>
                      ↑
                    </button>
                    <button type="button" onClick={() => moveStep(i, 1)} disabled={i === draft.steps.length - 1} title={t('demo.down')}>
                      ↓
                    </button>
                  </div>
                  <button type="button" onClick={() => void play({ rehearsal: true, at: i, paused: true })} data-testid="demo-preview">
                    {t('demo.preview')}
                  </button>
                  <button type="button" onClick={() => change((d) => ({ ...d, steps: d.steps.filter((_, j) => j !== i) }))}>
                    {t('demo.removeStep')}
                  </button>
                </div>
              </div>
            ))}
            {!draft.steps.length && <p className="demo-problems">{t('demo.empty')}</p>}
          </>
        )}
      </section>
    </div>
  );
}

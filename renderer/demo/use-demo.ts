import { useEffect } from 'react';
import type { DemoAction, DemoState } from '../../common/contract';
import type { DemoStep } from '../../common/demo';
import { host } from '../app/connection';
import { useAppStore } from '../app/store';
import { LAYOUTS, type Layout } from '../video/video-slice';
import type { Workspace } from '../wall/wall-slice';
import { demoShownHere, type MapLook } from './demo-slice';

/** The console as it was before the tour: put back exactly when the tour ends. */
interface ConsoleSnapshot {
  workspace: Workspace;
  layout: Layout;
  tiles: (string | null)[];
  mapLook: MapLook | null;
}
let before: ConsoleSnapshot | null = null;
const BEFORE_KEY = 'skywatch.demo.before';

/** The snapshot survives a reload of this console during the tour (same demonstration: same `since`). */
function remember(since: number | null, snap: ConsoleSnapshot | null): void {
  try {
    if (snap && since !== null) sessionStorage.setItem(BEFORE_KEY, JSON.stringify({ since, snap }));
    else sessionStorage.removeItem(BEFORE_KEY);
  } catch {
    /* storage off: the snapshot lasts as long as the page */
  }
}

function recalled(since: number | null): ConsoleSnapshot | null {
  try {
    const v = JSON.parse(sessionStorage.getItem(BEFORE_KEY) ?? 'null') as { since: number; snap: ConsoleSnapshot } | null;
    return v && v.since === since ? v.snap : null;
  } catch {
    return null;
  }
}

/** Asks the host to steer the tour; failures go to the console log (the audience does not see them). */
export function demoControl(action: DemoAction, index?: number): void {
  host()
    .call('demo:control', { action, ...(index !== undefined ? { index } : {}) })
    .then((s) => useAppStore.getState().setDemo(s))
    .catch((e: unknown) => console.warn(`demo ${action} refused`, e));
}

function applyStep(step: DemoStep): void {
  const st = useAppStore.getState();
  const c = step.console;
  if (c?.layout) st.setLayout(LAYOUTS.find((l) => l === c.layout) ?? st.layout);
  if (c?.tiles) {
    const tiles = [...c.tiles, ...Array<string | null>(16).fill(null)].slice(0, 16);
    useAppStore.setState({ tiles, maximizedTile: null });
  }
  if (c?.workspace) st.setWorkspace(c.workspace);
  if (step.map) st.requestDemoMap(step.map);
}

function restore(): void {
  const b = before;
  before = null;
  remember(null, null);
  const st = useAppStore.getState();
  st.requestDemoMap(null);
  if (!b) return;
  st.setLayout(b.layout);
  useAppStore.setState({ tiles: b.tiles });
  st.setWorkspace(b.workspace);
  if (b.mapLook) st.requestDemoMap({ center: { lat: b.mapLook.lat, lon: b.mapLook.lon }, zoom: b.mapLook.zoom, pitch: b.mapLook.pitch, bearing: b.mapLook.bearing, towers: [] });
  // The restored view is not a tour's: no towers stay picked out.
  useAppStore.setState({ demoHighlight: [] });
}

/** A new player state: snapshot when a tour starts showing here, apply each new step, restore when it ends. */
export function onDemoState(next: DemoState, applyHere = true): void {
  const st = useAppStore.getState();
  const wasShown = demoShownHere(st);
  const prev = st.demo;
  st.setDemo(next);
  if (!applyHere) return;
  const shown = demoShownHere(useAppStore.getState());
  if (shown && !wasShown) {
    before = recalled(next.since) ?? { workspace: st.workspace, layout: st.layout, tiles: [...st.tiles], mapLook: st.mapLook };
    remember(next.since, before);
  }
  if (shown && next.step && (!wasShown || prev?.tour !== next.tour || prev.index !== next.index)) applyStep(next.step);
  if (!shown && wasShown) restore();
}

/** Follows the host's player on this surface; `applyHere` false for surfaces with no map or grid (the touch controller). */
export function useDemoSync(applyHere = true): void {
  const signedIn = useAppStore((s) => s.auth?.state === 'active');
  useEffect(() => host().on('demo:state', (s) => onDemoState(s, applyHere)), [applyHere]);
  // Every console follows a tour (a viewer's too); only those with demo.run steer it.
  useEffect(() => {
    if (!signedIn) return;
    host()
      .call('demo:state', {})
      .then((s) => onDemoState(s, applyHere))
      .catch(() => undefined);
  }, [signedIn, applyHere]);
}

import type { StateCreator } from 'zustand';
import type { AppInfo } from '../../common/contract';
import type { Lang } from '../i18n';
import type { LinkState } from './host-client';
import type { AppState } from './store';

export interface AppSlice {
  link: LinkState;
  info: AppInfo | null;
  /** host clock minus local clock, ms */
  clockOffsetMs: number;
  lang: Lang;
  setLang(lang: Lang): void;
  /** How tiles receive video: live FLV over WebSocket (default, lowest latency) or HLS for slow or remote links. */
  transport: VideoTransport;
  setTransport(t: VideoTransport): void;
}

export type VideoTransport = 'ws-flv' | 'hls';

const LANG_KEY = 'skywatch.lang';
const TRANSPORT_KEY = 'skywatch.transport';

function remember(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    /* private mode: the choice lasts for this session only */
  }
}

function recall(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function initialLang(): Lang {
  return recall(LANG_KEY) === 'en' ? 'en' : 'zh-CN';
}

export const createAppSlice: StateCreator<AppState, [], [], AppSlice> = (set) => ({
  link: 'connecting',
  info: null,
  clockOffsetMs: 0,
  lang: initialLang(),
  setLang: (lang) => {
    remember(LANG_KEY, lang);
    document.documentElement.lang = lang;
    set({ lang });
  },
  transport: recall(TRANSPORT_KEY) === 'hls' ? 'hls' : 'ws-flv',
  setTransport: (transport) => {
    remember(TRANSPORT_KEY, transport);
    set({ transport });
  },
});

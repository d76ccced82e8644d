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
}

const LANG_KEY = 'skywatch.lang';

function initialLang(): Lang {
  try {
    const v = localStorage.getItem(LANG_KEY);
    return v === 'en' ? 'en' : 'zh-CN';
  } catch {
    return 'zh-CN';
  }
}

export const createAppSlice: StateCreator<AppState, [], [], AppSlice> = (set) => ({
  link: 'connecting',
  info: null,
  clockOffsetMs: 0,
  lang: initialLang(),
  setLang: (lang) => {
    try {
      localStorage.setItem(LANG_KEY, lang);
    } catch {
      /* private mode: the choice lasts for this session only */
    }
    document.documentElement.lang = lang;
    set({ lang });
  },
});

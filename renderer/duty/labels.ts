import { SHIFTS, type EntryCategory } from '../../common/duty';
import type { Lang } from '../i18n';

/** Names of the log categories, in the order of their Alt+1…8 keys. */
export const CATEGORY_LABEL: Readonly<Record<EntryCategory, Record<Lang, string>>> = {
  patrol: { 'zh-CN': '巡查', en: 'Patrol' },
  alarm: { 'zh-CN': '火情告警', en: 'Fire alarm' },
  fault: { 'zh-CN': '设备故障', en: 'Fault' },
  call: { 'zh-CN': '电话通知', en: 'Call' },
  visit: { 'zh-CN': '来访参观', en: 'Visit' },
  maintenance: { 'zh-CN': '维护保养', en: 'Maintenance' },
  handover: { 'zh-CN': '交接班', en: 'Handover' },
  other: { 'zh-CN': '其他', en: 'Other' },
};

export function shiftLabel(slot: number, lang: Lang): string {
  const s = SHIFTS.find((x) => x.slot === slot);
  if (!s) return '';
  const hours = `${String(s.startHour).padStart(2, '0')}:00–${String(s.endHour).padStart(2, '0')}:00`;
  return `${lang === 'zh-CN' ? s.zh : s.en} ${hours}`;
}

export const KIND_LABEL: Record<string, Record<Lang, string>> = {
  entry: { 'zh-CN': '记录', en: 'Entry' },
  attendance: { 'zh-CN': '签到', en: 'Sign-on' },
  item: { 'zh-CN': '事项', en: 'Item' },
  handover: { 'zh-CN': '交接班', en: 'Handover' },
  notice: { 'zh-CN': '通知', en: 'Notice' },
};

/** Formats a host time in the site's zone. */
export function formatTime(ms: number, lang: Lang, timeZone = 'Asia/Shanghai', withDate = false): string {
  return new Intl.DateTimeFormat(lang, {
    timeZone,
    ...(withDate ? { month: '2-digit', day: '2-digit' } : {}),
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(new Date(ms));
}

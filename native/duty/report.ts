import { dataOf, SHIFTS, shiftAt, type CheckLine, type MaintenanceTask, type SyncRecord } from '../../common/duty';
import { CSV_BOM, csvField, isoInZone } from '../audit/csv';

/*
 * Printable duty reports: the daily duty report (值班日报) and the weekly/monthly inspection report
 * (巡检报告), as one self-contained HTML page each (A4, print styles), which the console shows and
 * prints and the host prints to PDF; and the CSV export of the duty log.
 */

export interface ReportInput {
  kind: 'daily' | 'weekly' | 'monthly';
  siteName: string;
  timeZone: string;
  from: string;
  to: string;
  entries: SyncRecord[];
  attendance: SyncRecord[];
  handovers: SyncRecord[];
  checks: SyncRecord[];
  roster: SyncRecord[];
  items: SyncRecord[];
  maintenance: SyncRecord[];
  generatedAt: number;
}

export const CATEGORY_ZH: Record<string, string> = {
  patrol: '巡查',
  alarm: '火情告警',
  fault: '设备故障',
  call: '电话通知',
  visit: '来访参观',
  maintenance: '维护保养',
  handover: '交接班',
  other: '其他',
};

const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const slotName = (slot: unknown) => SHIFTS.find((s) => s.slot === slot)?.zh ?? '';

function timeFmt(timeZone: string, withDate: boolean): (ms: number) => string {
  const f = new Intl.DateTimeFormat('zh-CN', {
    timeZone,
    ...(withDate ? { month: '2-digit', day: '2-digit' } : {}),
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  });
  return (ms) => f.format(new Date(ms));
}

const table = (head: string[], rows: string[][], empty: string) =>
  rows.length
    ? `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`
    : `<p class="none">${esc(empty)}</p>`;

const checkLines = (c: SyncRecord) => Object.entries(dataOf(c)).flatMap(([k, v]) => (k.startsWith('line:') ? [v as CheckLine] : []));

const STYLE = `
  @page { size: A4; margin: 16mm 14mm; }
  * { box-sizing: border-box; }
  body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", sans-serif; color: #000; background: #fff; font-size: 10.5pt; margin: 0; }
  h1 { font-size: 18pt; text-align: center; margin: 0 0 4mm; }
  h2 { font-size: 12.5pt; border-bottom: 1.5pt solid #000; margin: 6mm 0 2mm; padding-bottom: 1mm; }
  .meta { display: flex; justify-content: space-between; font-size: 9.5pt; margin-bottom: 3mm; }
  table { width: 100%; border-collapse: collapse; page-break-inside: auto; }
  tr { page-break-inside: avoid; }
  th, td { border: 0.75pt solid #444; padding: 1.2mm 1.6mm; text-align: left; vertical-align: top; }
  th { background: #e8e8e8; font-weight: 600; }
  td.num { text-align: right; }
  .fault { font-weight: 700; }
  .none { color: #444; font-style: italic; }
  .sign { display: flex; gap: 20mm; margin-top: 10mm; }
  .sign span { border-top: 0.75pt solid #000; padding-top: 1mm; min-width: 45mm; }
  @media screen { body { max-width: 210mm; margin: 0 auto; padding: 12mm; } }
`;

function page(title: string, meta: string, body: string): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${STYLE}</style></head><body><h1>${esc(title)}</h1><div class="meta">${meta}</div>${body}</body></html>`;
}

/** The report as a titled HTML page. */
export function renderReport(r: ReportInput): { title: string; html: string } {
  const hm = timeFmt(r.timeZone, r.kind !== 'daily');
  const full = timeFmt(r.timeZone, true);
  const period = r.from === r.to ? r.from : `${r.from} 至 ${r.to}`;
  const meta = `<span>单位：${esc(r.siteName)}</span><span>时段：${esc(period)}</span><span>生成：${esc(full(r.generatedAt))}</span>`;
  const byAt = (a: SyncRecord, b: SyncRecord) => (dataOf(a).at as number) - (dataOf(b).at as number);
  const entries = [...r.entries].sort(byAt);

  const entryRows = entries.map((e) => {
    const d = dataOf(e);
    const s = shiftAt(d.at as number, r.timeZone);
    return [esc(hm(d.at as number)), esc(slotName(s.slot)), esc(CATEGORY_ZH[d.category as string] ?? d.category), esc(d.tower || '—'), esc(d.text), esc(d.author)];
  });
  const faultRows = r.checks.flatMap((c) => {
    const d = dataOf(c);
    return checkLines(c)
      .filter((l) => (l.result ?? l.auto) !== 'ok')
      .map((l) => [esc(d.date), esc(slotName(d.slot)), esc(l.label), `<span class="fault">${l.result === 'fault' || l.auto === 'fault' ? '故障' : '未确认'}</span>`, esc(l.note || l.detail)]);
  });
  const openItems = r.items.filter((i) => dataOf(i).status === 'open');

  if (r.kind === 'daily') {
    const rosterRows = [2, 0, 1].map((slot) => {
      const ro = r.roster.find((x) => dataOf(x).slot === slot);
      const att = r.attendance.filter((a) => dataOf(a).slot === slot).sort(byAt);
      const signs = att.map((a) => `${esc(dataOf(a).person)} ${dataOf(a).action === 'on' ? '上岗' : '离岗'} ${esc(hm(dataOf(a).at as number))}`).join('<br>');
      return [esc(slotName(slot)), esc(ro ? dataOf(ro).operator : '—'), esc(ro ? dataOf(ro).leader : '—'), signs || '—'];
    });
    const handRows = r.handovers.map((h) => {
      const d = dataOf(h);
      return [esc(slotName(d.slot)), esc(d.from), esc(d.to), esc(d.summary), String((d.items as string[]).length), d.acknowledgedAt ? `${esc(d.acknowledgedBy)} ${esc(hm(d.acknowledgedAt as number))}` : '<span class="fault">未确认</span>'];
    });
    const checkRows = r.checks.map((c) => {
      const d = dataOf(c);
      const lines = checkLines(c);
      const bad = lines.filter((l) => (l.result ?? l.auto) === 'fault').length;
      return [esc(slotName(d.slot)), String(lines.length), bad ? `<span class="fault">${bad}</span>` : '0', d.confirmedAt ? `${esc(d.by)} ${esc(hm(d.confirmedAt as number))}` : '<span class="fault">未确认</span>'];
    });
    const title = `值班日报 ${r.from}`;
    const body = [
      `<h2>一、值班人员</h2>${table(['班次', '值班员', '值班长', '上岗 / 离岗'], rosterRows, '')}`,
      `<h2>二、值班记录（${entries.length} 条）</h2>${table(['时间', '班次', '类别', '点位', '内容', '记录人'], entryRows, '本日无值班记录')}`,
      `<h2>三、每日检查</h2>${table(['班次', '检查项', '故障', '确认'], checkRows, '本日未做每日检查')}${faultRows.length ? table(['日期', '班次', '检查项', '结果', '说明'], faultRows, '') : ''}`,
      `<h2>四、交接班</h2>${table(['班次', '交班人', '接班人', '交班内容', '遗留事项', '接班确认'], handRows, '本日无交接班记录')}`,
      `<h2>五、未结事项（${openItems.length} 项）</h2>${table(['登记时间', '点位', '事项', '登记人'], openItems.map((i) => { const d = dataOf(i); return [esc(full(d.openedAt as number)), esc(d.tower || '—'), esc(d.text), esc(d.openedBy)]; }), '无未结事项')}`,
      `<div class="sign"><span>值班员签字：</span><span>值班长签字：</span></div>`,
    ].join('');
    return { title, html: page(title, meta, body) };
  }

  // Inspection report: checks per day, faults found, maintenance done, log by category.
  const days = [...new Set(r.checks.map((c) => dataOf(c).date as string))].sort();
  const dayRows = days.map((day) => {
    const cs = r.checks.filter((c) => dataOf(c).date === day);
    const lines = cs.flatMap(checkLines);
    const bad = lines.filter((l) => (l.result ?? l.auto) === 'fault').length;
    const confirmed = cs.filter((c) => dataOf(c).confirmedAt !== null).length;
    return [esc(day), String(cs.length), String(confirmed), String(lines.length), bad ? `<span class="fault">${bad}</span>` : '0'];
  });
  const maintRows = r.maintenance.flatMap((m) => {
    const d = dataOf(m);
    return Object.entries(d)
      .filter(([k]) => k.startsWith('task:'))
      .map(([, v]) => {
        const t = v as MaintenanceTask;
        return [esc(d.title), esc(d.periodKey), esc(t.label), t.done ? '已完成' : '<span class="fault">未完成</span>', esc(t.by || '—'), t.at ? esc(full(t.at)) : '—', esc(t.note)];
      });
  });
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(dataOf(e).category as string, (counts.get(dataOf(e).category as string) ?? 0) + 1);
  const title = `${r.kind === 'weekly' ? '周' : '月'}巡检报告 ${period}`;
  const body = [
    `<h2>一、每日检查情况</h2>${table(['日期', '检查次数', '已确认', '检查项', '故障项'], dayRows, '本期无每日检查记录')}`,
    `<h2>二、发现的故障</h2>${table(['日期', '班次', '检查项', '结果', '说明'], faultRows, '本期未发现故障')}`,
    `<h2>三、维护保养</h2>${table(['清单', '周期', '项目', '状态', '执行人', '时间', '备注'], maintRows, '本期无维护清单')}`,
    `<h2>四、值班记录统计</h2>${table(['类别', '条数'], [...counts].map(([k, n]) => [esc(CATEGORY_ZH[k] ?? k), `<span>${n}</span>`]), '本期无值班记录')}`,
    `<h2>五、故障与告警记录</h2>${table(['时间', '班次', '类别', '点位', '内容', '记录人'], entryRows.filter((_, i) => ['fault', 'alarm'].includes(dataOf(entries[i]!).category as string)), '无')}`,
    `<h2>六、未结事项（${openItems.length} 项）</h2>${table(['登记时间', '点位', '事项', '登记人'], openItems.map((i) => { const d = dataOf(i); return [esc(full(d.openedAt as number)), esc(d.tower || '—'), esc(d.text), esc(d.openedBy)]; }), '无未结事项')}`,
    `<div class="sign"><span>巡检人签字：</span><span>负责人签字：</span></div>`,
  ].join('');
  return { title, html: page(title, meta, body) };
}

/** The duty log as CSV (UTF-8 with BOM for Excel, CRLF, formula-safe). */
export function dailyReportCsv(records: SyncRecord[], timeZone: string): string {
  const iso = isoInZone(timeZone);
  const lines = ['时间,班次,类型,类别,点位,内容,记录人,记录编号'];
  const at = (r: SyncRecord) => {
    const d = dataOf(r);
    return (d.at ?? d.openedAt ?? d.handedAt ?? 0) as number;
  };
  for (const r of [...records].sort((a, b) => at(a) - at(b))) {
    const d = dataOf(r);
    const kind = { entry: '值班记录', attendance: '上岗/离岗', item: '事项', handover: '交接班' }[r.kind as string] ?? r.kind;
    const text =
      r.kind === 'attendance' ? `${d.person} ${d.action === 'on' ? '上岗' : '离岗'}`
      : r.kind === 'handover' ? `${d.from} → ${d.to}：${d.summary}${d.acknowledgedAt ? `（${d.acknowledgedBy} 已确认）` : '（未确认）'}`
      : r.kind === 'item' ? `${d.text}${d.status === 'closed' ? `（已结：${d.closedBy}）` : ''}`
      : String(d.text ?? '');
    const who = String(d.author ?? d.person ?? d.openedBy ?? d.from ?? '');
    lines.push([iso(at(r)), slotName(shiftAt(at(r), timeZone).slot), kind, CATEGORY_ZH[d.category as string] ?? '', String(d.tower ?? ''), text, who, r.id].map(csvField).join(','));
  }
  return CSV_BOM + lines.join('\r\n') + '\r\n';
}

import { parseDocument } from 'yaml';
import { z } from 'zod';
import { Asset, type InspectionPeriod } from '../../common/contract/health';

/*
 * The operator-edited files of the health domain: the asset register (CSV) and the maintenance
 * checklist template (YAML). Bad input never throws past here: it comes back as named problems.
 * Formats: docs/health.md.
 */

/** RFC 4180 CSV: quoted fields with "" and line breaks, CRLF or LF, a leading BOM ignored. Each row keeps its first line number. */
export function parseCsv(text: string): { line: number; cells: string[] }[] {
  const src = text.replace(/^\ufeff/, '');
  const rows: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let touched = false;
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!;
    if (quoted) {
      if (ch === '"') {
        if (src[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n') line++;
        cell += ch;
      }
      continue;
    }
    if (ch === '"' && cell === '') {
      quoted = true;
      touched = true;
    } else if (ch === ',') {
      cells.push(cell);
      cell = '';
      touched = true;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && src[i + 1] === '\n') i++;
      if (touched || cell !== '') rows.push({ line: rowLine, cells: [...cells, cell] });
      cells = [];
      cell = '';
      touched = false;
      line++;
      rowLine = line;
    } else {
      cell += ch;
      touched = true;
    }
  }
  if (touched || cell !== '') rows.push({ line: rowLine, cells: [...cells, cell] });
  return rows;
}

/** A CSV field, quoted when it must be; a leading = + - @ is defused so a spreadsheet does not run it. */
export function csvCell(v: string): string {
  const safe = /^[=+\-@]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export const ASSET_COLUMNS = ['deviceId', 'towerId', 'kind', 'model', 'serial', 'installDate', 'location', 'spares'] as const;
/** Header names accepted besides the field names (the Chinese column titles of the export). */
const ASSET_HEADER_ZH: Record<string, (typeof ASSET_COLUMNS)[number]> = { 设备编号: 'deviceId', 点位: 'towerId', 类型: 'kind', 型号: 'model', 序列号: 'serial', 安装日期: 'installDate', 位置: 'location', 备件: 'spares' };

/** Reads an asset CSV: good rows, and each bad row with its line number and reason. */
export function parseAssetCsv(text: string, knownDevices?: ReadonlySet<string>): { rows: Asset[]; errors: { line: number; reason: string }[] } {
  const table = parseCsv(text);
  const errors: { line: number; reason: string }[] = [];
  const head = table.shift();
  if (!head) return { rows: [], errors: [{ line: 1, reason: 'the file is empty: expected a header row' }] };
  const cols = head.cells.map((h) => {
    const k = h.trim();
    return (ASSET_COLUMNS as readonly string[]).includes(k) ? (k as (typeof ASSET_COLUMNS)[number]) : ASSET_HEADER_ZH[k];
  });
  if (!cols.includes('deviceId')) return { rows: [], errors: [{ line: head.line, reason: `no deviceId (设备编号) column in the header; columns are ${ASSET_COLUMNS.join(', ')}` }] };
  const rows: Asset[] = [];
  const seen = new Map<string, number>();
  for (const r of table) {
    if (r.cells.every((c) => c.trim() === '')) continue;
    if (r.cells.length !== head.cells.length) {
      errors.push({ line: r.line, reason: `has ${r.cells.length} fields, the header has ${head.cells.length}` });
      continue;
    }
    const raw: Record<string, string> = Object.fromEntries(ASSET_COLUMNS.map((c) => [c, '']));
    cols.forEach((c, i) => {
      if (c) raw[c] = r.cells[i]!.trim();
    });
    const parsed = Asset.safeParse(raw);
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      errors.push({ line: r.line, reason: `${i.path.join('.') || 'row'}: ${i.message}` });
      continue;
    }
    const a = parsed.data;
    if (a.installDate && !(/^\d{4}-\d{2}-\d{2}$/.test(a.installDate) && !Number.isNaN(Date.parse(a.installDate)))) {
      errors.push({ line: r.line, reason: `installDate "${a.installDate}" is not a date YYYY-MM-DD` });
      continue;
    }
    if (knownDevices && !knownDevices.has(a.deviceId) && !knownDevices.has(`cam:${a.deviceId}`)) {
      errors.push({ line: r.line, reason: `deviceId "${a.deviceId}" is no device of this site (e.g. cam:t01-visible, ptz:t01, link:t01, decoder:d01)` });
      continue;
    }
    const prev = seen.get(a.deviceId);
    if (prev !== undefined) {
      errors.push({ line: r.line, reason: `deviceId "${a.deviceId}" repeats line ${prev}` });
      continue;
    }
    seen.set(a.deviceId, r.line);
    rows.push(knownDevices && !knownDevices.has(a.deviceId) ? { ...a, deviceId: `cam:${a.deviceId}` } : a);
  }
  return { rows, errors };
}

export function assetCsv(list: readonly Asset[]): string {
  const head = ASSET_COLUMNS.join(',');
  return `\ufeff${[head, ...list.map((a) => ASSET_COLUMNS.map((c) => csvCell(a[c])).join(','))].join('\r\n')}\r\n`;
}

// ---- checklist template ----------------------------------------------------------------------

const Key = z.string().regex(/^[A-Za-z0-9_.-]{1,80}$/, 'a key of letters, digits, "_", "." or "-"');
const Checklist = z
  .object({
    title: z.string().min(1).max(200),
    items: z.array(z.object({ key: Key, label: z.string().min(1).max(200), hint: z.string().max(500).default('') }).strict()).min(1, 'a checklist needs at least one item').max(200),
  })
  .strict();
export const ChecklistTemplateSchema = z.object({ weekly: Checklist, monthly: Checklist, quarterly: Checklist }).partial().strict();
export type ChecklistTemplate = Required<z.infer<typeof ChecklistTemplateSchema>>;

/** The built-in template: the service contract's weekly, monthly and quarterly lists. */
export const DEFAULT_CHECKLISTS: ChecklistTemplate = {
  weekly: {
    title: '每周巡检',
    items: [
      { key: 'links', label: '重点点位链路状态', hint: '专线 20000 字节 ping < 200 ms，丢包低' },
      { key: 'rate', label: '前端传输速率', hint: '' },
      { key: 'sharpness', label: '图像清晰度', hint: '' },
      { key: 'ptz', label: '云台转动', hint: '全程水平/垂直转动无卡滞' },
      { key: 'servers', label: '服务器性能', hint: '' },
      { key: 'wall', label: '大屏系统', hint: '' },
      { key: 'backup', label: '重要数据备份核查', hint: '' },
    ],
  },
  monthly: {
    title: '每月维护',
    items: [
      { key: 'ptz-clean', label: '云台及镜头清洁', hint: '' },
      { key: 'wiper', label: '雨刷检查', hint: '' },
      { key: 'seals', label: '防护罩密封', hint: '' },
      { key: 'bridge', label: '无线网桥信号强度', hint: '记录 RSSI' },
      { key: 'power', label: '供电及智能 PDU', hint: '' },
    ],
  },
  quarterly: {
    title: '每季度维护',
    items: [
      { key: 'lightning', label: '防雷接地检测', hint: '接地电阻 ≤ 4 Ω' },
      { key: 'ptz-lube', label: '云台润滑保养', hint: '' },
      { key: 'towers', label: '铁塔及支架紧固', hint: '' },
      { key: 'ups', label: 'UPS 电池检测', hint: '' },
    ],
  },
};

/** Reads a checklist template; a malformed one is refused with every problem named (the built-in lists stay in use). */
export function parseChecklistTemplate(text: string, file = 'checklist template'): { ok: true; template: ChecklistTemplate } | { ok: false; problems: string[] } {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) return { ok: false, problems: doc.errors.map((e) => `${file}: ${e.message.split('\n')[0]}`) };
  const parsed = ChecklistTemplateSchema.safeParse(doc.toJS());
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map((i) => `${file}: ${i.path.join('.') || '(root)'}: ${i.message}`) };
  const problems: string[] = [];
  for (const [period, list] of Object.entries(parsed.data)) {
    const keys = new Set<string>();
    for (const it of list.items) {
      if (keys.has(it.key)) problems.push(`${file}: ${period}.items: key "${it.key}" repeats`);
      keys.add(it.key);
    }
  }
  if (problems.length) return { ok: false, problems };
  return { ok: true, template: { ...DEFAULT_CHECKLISTS, ...parsed.data } };
}

export const PERIOD_ZH: Record<InspectionPeriod, string> = { weekly: '每周', monthly: '每月', quarterly: '每季度' };

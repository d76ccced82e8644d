import type { MaintenancePeriod } from '../../common/duty';

/**
 * The maintenance checklists (每周/每月/每季度) the service contracts ask for. A new period's
 * checklist starts from this list; the tasks done are recorded with who did them and when.
 */
export const MAINTENANCE_TEMPLATES: Readonly<Record<MaintenancePeriod, { title: string; tasks: readonly { key: string; label: string }[] }>> = {
  weekly: {
    title: '每周维护检查',
    tasks: [
      { key: 'clean', label: '机房及设备清洁检查' },
      { key: 'patch', label: '系统软件补丁更新' },
      { key: 'backup', label: '重要数据备份及备份核查' },
      { key: 'links', label: '重点点位链路状态检查' },
      { key: 'rate', label: '前端传输速率检查' },
      { key: 'sharpness', label: '图像清晰度检查' },
      { key: 'ptz', label: '云台转动检查' },
      { key: 'servers', label: '服务器性能检查' },
      { key: 'wall', label: '大屏系统检查' },
    ],
  },
  monthly: {
    title: '每月维护保养',
    tasks: [
      { key: 'ptz-lube', label: '云台润滑保养' },
      { key: 'wiper', label: '雨刷检查' },
      { key: 'seals', label: '防护罩密封检查' },
      { key: 'bridge', label: '无线网桥信号强度检测' },
      { key: 'power', label: '供电及智能 PDU 检查' },
      { key: 'detector', label: '前置林火报警器检查' },
      { key: 'weather', label: '多功能监测站检查' },
    ],
  },
  quarterly: {
    title: '每季度维护保养',
    tasks: [
      { key: 'lightning', label: '防雷接地检测' },
      { key: 'towers', label: '铁塔及支架紧固检查' },
      { key: 'solar', label: '太阳能供电系统检查（金山）' },
      { key: 'restore', label: '备份恢复演练' },
      { key: 'ups', label: 'UPS 电池检测' },
    ],
  },
};

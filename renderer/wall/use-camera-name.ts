import { useAppStore } from '../app/store';
import { useT } from '../i18n';

/** An operator reads "仙人山 可见光", not "t01-visible": the camera's tower and kind, or its id if unknown. */
export function useCameraName(): (id: string | null) => string {
  const t = useT();
  const site = useAppStore((s) => s.site);
  return (id) => {
    if (!id) return '';
    for (const tower of site?.towers ?? []) {
      const c = tower.cameras.find((x) => x.id === id);
      if (c) return `${tower.name} ${t(c.kind === 'visible' ? 'camera.visible' : 'camera.thermal')}`;
    }
    return id;
  };
}

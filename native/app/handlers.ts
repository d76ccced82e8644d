import type { SiteConfig } from '../../common/site';
import type { HandlerMap } from '../host/registry';

export function appHandlers(site: SiteConfig, version: string, startedAt: number): HandlerMap {
  return {
    'app:info': () => ({
      version,
      siteId: site.site.id,
      siteName: site.site.name,
      simulated: site.site.simulated,
      hostTime: Date.now(),
      startedAt,
    }),
    'app:ping': ({ sentAt }) => ({ sentAt, hostTime: Date.now() }),
  };
}

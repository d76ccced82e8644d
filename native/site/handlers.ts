import type { SiteConfig } from '../../common/site';
import type { HandlerMap } from '../host/registry';
import { toSiteView } from './view';

export function siteHandlers(site: SiteConfig): HandlerMap {
  const view = toSiteView(site);
  return { 'site:get': () => view };
}

import type { PtzLinkState } from '../../common/contract';
import type { MessageKey } from '../i18n';

export const LINK_LABEL: Record<PtzLinkState, MessageKey> = {
  connecting: 'ptz.link.connecting',
  online: 'ptz.link.online',
  unreachable: 'ptz.link.unreachable',
  unauthorized: 'ptz.link.unauthorized',
  timeout: 'ptz.link.timeout',
  error: 'ptz.link.error',
};

/** A speed in °/s with as many decimals as make sense for its size. */
export const formatSpeed = (v: number): string => (v < 1 ? v.toFixed(2) : v < 10 ? v.toFixed(1) : v.toFixed(0));

import type { CameraStatus } from '../../common/contract/stream';
import type { HandlerMap } from '../host/registry';
import type { StreamGateway } from './gateway';

/** The `stream:*` and `camera:*` commands: read-only views of the gateway and the camera prober. */
export function streamHandlers(gateway: Pick<StreamGateway, 'list'>, prober: { list(): CameraStatus[] }): HandlerMap {
  return {
    'stream:list': () => gateway.list(),
    'camera:statusList': () => prober.list(),
  };
}

import { basename } from 'node:path';
import { HostFailure, type CameraStatus } from '../../common/contract';
import type { HandlerMap } from '../host/registry';
import { StreamGatewayError } from './errors';
import type { StreamGateway } from './gateway';

const CODE: Record<string, 'not_found' | 'invalid_args' | 'conflict' | 'unavailable' | 'internal'> = {
  unknown_stream: 'not_found',
  bad_request: 'invalid_args',
  not_active: 'conflict',
  out_of_range: 'conflict',
  timeout: 'unavailable',
  closed: 'unavailable',
  decode_failed: 'internal',
  export_failed: 'internal',
};

/** The `stream:*` and `camera:*` commands. Clips go to the host's configured folder, never one a client names. */
export function streamHandlers(
  gateway: Pick<StreamGateway, 'list' | 'exportClip'>,
  prober: { list(): CameraStatus[] },
  clipDir: string,
): HandlerMap {
  return {
    'stream:list': () => gateway.list(),
    'camera:statusList': () => prober.list(),
    'stream:exportClip': async ({ cameraId, profile, at, beforeS, afterS }) => {
      try {
        const r = await gateway.exportClip({ key: `${cameraId}/${profile}`, at, beforeS, afterS, dir: clipDir });
        return { name: basename(r.file), cameraId, startedAt: r.startedAt, durationS: r.durationS, bytes: r.bytes };
      } catch (e) {
        if (e instanceof StreamGatewayError) throw new HostFailure(CODE[e.code] ?? 'internal', e.message);
        throw e;
      }
    },
  };
}

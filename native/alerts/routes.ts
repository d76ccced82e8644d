import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { HostRoute } from '../host/server';
import type { AlertsDomain } from './domain';

/** The alerts' HTTP routes: detector ingest (its own token) and the stored snapshots (host token). */
export function alertRoutes(alerts: Pick<AlertsDomain, 'ingest' | 'snapshotPath'>): HostRoute[] {
  return [
    { pattern: /^\/api\/alerts\/ingest$/, open: true, handle: (req, res) => alerts.ingest(req, res) },
    {
      pattern: /^\/api\/alerts\/snapshots\/([^/]{1,80})$/,
      handle: async (_req, res, m) => {
        const file = alerts.snapshotPath(m[1]!);
        const info = file ? await stat(file).catch(() => undefined) : undefined;
        if (!file || !info?.isFile()) {
          res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('no such snapshot');
          return;
        }
        // Snapshots never change: a name is a new picture.
        res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': info.size, 'cache-control': 'private, max-age=31536000, immutable' });
        createReadStream(file).pipe(res);
      },
    },
  ];
}

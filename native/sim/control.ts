import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Simulator } from './simulator';

/**
 * The simulator's control port: what a test or a trainer uses to provoke events
 * (`npm run sim -- link-down t01`). Plain HTTP/JSON on loopback.
 */
export async function startControlServer(sim: Simulator, host: string, port: number): Promise<{ port: number; server: Server }> {
  const server = createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', 'http://sim');
    const link = /^\/towers\/([A-Za-z0-9_-]+)\/link\/(up|down)$/.exec(url.pathname);
    if (req.method === 'GET' && url.pathname === '/status') {
      reply(200, { site: sim.site.site, towers: sim.towers() });
      return;
    }
    if (req.method === 'POST' && link) {
      const [, id, dir] = link;
      const tower = sim.site.towers.find((t) => t.id === id || t.name === decodeURIComponent(id ?? ''));
      if (!tower) {
        reply(404, { error: `no tower ${id}` });
        return;
      }
      sim.setTowerLink(tower.id, dir === 'up').then(
        () => reply(200, { tower: tower.id, link: dir }),
        (e: Error) => reply(500, { error: e.message }),
      );
      return;
    }
    const fire = /^\/towers\/([^/]+)\/fire$/.exec(url.pathname);
    if (req.method === 'POST' && fire) {
      const kind = url.searchParams.get('kind') === 'fire' ? 'fire' : 'smoke';
      const camera = url.searchParams.get('camera') === 'thermal' ? 'thermal' : 'visible';
      sim.detectors.fire(decodeURIComponent(fire[1] ?? ''), { kind, camera }).then(
        (r) => reply(r.status === 200 ? 200 : 502, { host: r }),
        (e: Error) => reply(400, { error: e.message }),
      );
      return;
    }
    if (req.method === 'GET' && url.pathname === '/reports') return void reply(200, sim.receiver.received);
    // --- health (运维): degrade a link, kill a camera or a decoder ---
    const degrade = /^\/towers\/([^/]+)\/link\/quality$/.exec(url.pathname);
    if (req.method === 'POST' && degrade) {
      const id = decodeURIComponent(degrade[1] ?? '');
      const tower = sim.site.towers.find((t) => t.id === id || t.name === id);
      const num = (k: string) => (url.searchParams.has(k) ? Number(url.searchParams.get(k)) : undefined);
      const q = { latencyMs: num('latency'), lossPct: num('loss') };
      if (!tower) return void reply(404, { error: `no tower ${id}` });
      if (Object.values(q).some((v) => v !== undefined && !Number.isFinite(v))) return void reply(400, { error: 'latency and loss must be numbers (ms, percent)' });
      return void reply(200, { tower: tower.id, ...sim.setLinkQuality(tower.id, { ...(q.latencyMs !== undefined ? { latencyMs: q.latencyMs } : {}), ...(q.lossPct !== undefined ? { lossPct: q.lossPct } : {}) }) });
    }
    const cam = /^\/cameras\/([^/]+)\/(up|down)$/.exec(url.pathname);
    if (req.method === 'POST' && cam) {
      try {
        sim.setCamera(decodeURIComponent(cam[1] ?? ''), cam[2] === 'up');
        return void reply(200, { camera: cam[1], state: cam[2] });
      } catch (e) {
        return void reply(404, { error: (e as Error).message });
      }
    }
    const dec = /^\/decoders\/([^/]+)\/(up|down)$/.exec(url.pathname);
    if (req.method === 'POST' && dec) {
      sim.setDecoder(decodeURIComponent(dec[1] ?? ''), dec[2] === 'up').then(
        () => reply(200, { decoder: dec[1], state: dec[2] }),
        (e: Error) => reply(404, { error: e.message }),
      );
      return;
    }
    reply(404, { error: `unknown control endpoint ${req.method} ${url.pathname}` });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { port: (server.address() as AddressInfo).port, server };
}

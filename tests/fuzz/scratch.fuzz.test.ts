import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'vitest';
import { startHost } from '../../native/host/start';

function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let out = '';
    s.on('data', (d) => (out += String(d)));
    s.on('close', () => resolve(out));
    s.on('error', (e) => resolve(`ERR ${e.message}`));
    s.write(text);
    setTimeout(() => { s.destroy(); resolve(out + ' [timeout]'); }, 3000);
  });
}

it('scratch', async () => {
  const t0 = Date.now();
  const host = await startHost({ port: 0, staticDir: null, dataDir: mkdtempSync(join(tmpdir(), 'fz-')), log: () => undefined });
  console.log('start ms', Date.now() - t0);
  console.log(JSON.stringify(await raw(host.port, 'GET //[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')));
  console.log(JSON.stringify(await raw(host.port, `GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)));
  process.on('uncaughtException', (e) => console.log('UNCAUGHT', e.message));
  console.log(JSON.stringify(await raw(host.port, 'GET //[ HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n')));
  console.log(JSON.stringify(await raw(host.port, `GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)));
  const t1 = Date.now();
  await host.close();
  console.log('close ms', Date.now() - t1);
}, 60_000);

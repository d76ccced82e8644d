import { describe, expect, it } from 'vitest';
import type { WallDecoderView } from '../../common/contract';
import { hostWithSocket } from './host-env';

const env = hostWithSocket('wall-host');

const call = <T = unknown>(name: string, args: unknown): Promise<T> => env.socket.value<T>(name, args);

async function decoders(): Promise<WallDecoderView[]> {
  return (await call<{ decoders: WallDecoderView[] }>('wall:get', {})).decoders;
}

describe('the wall through the host and the 15 simulated networked decoders', () => {
  it('brings all decoders online and shows a window spanning four panels on the four decoders behind it', async () => {
    await expect.poll(async () => (await decoders()).filter((d) => d.online).length, { timeout: 15_000 }).toBe(15);
    await call('wall:lock', {});
    await call('wall:openWindow', { rect: { x: 960, y: 540, w: 1920, h: 1080 }, split: 1, panes: [{ kind: 'camera', cameraId: 't01-visible' }], snap: false });
    const showing = async () =>
      (await decoders()).filter((d) => d.reported.some((o) => o.cameraId === 't01-visible')).map((d) => d.id).sort();
    // The window's corners lie on panels (0,0), (0,1), (1,0), (1,1): decoders d01, d02, d06, d07.
    await expect.poll(showing, { timeout: 15_000 }).toEqual(['d01', 'd02', 'd06', 'd07']);
  }, 40_000);

  it('gives a rebooted decoder its panes back', async () => {
    const sim = env.host.simulator!;
    const d01 = async () => (await decoders()).find((d) => d.id === 'd01');
    void sim.decoders.get('d01')!.reboot();
    // First the controller must see the loss (offline, or a decoder that forgot its layout)…
    await expect.poll(async () => {
      const d = await d01();
      return d?.online === false || !d?.reported.some((o) => o.cameraId === 't01-visible');
    }, { timeout: 10_000 }).toBe(true);
    // …then re-apply the layout by itself once the decoder is back.
    await expect.poll(async () => (await decoders()).find((d) => d.id === 'd01')?.reported.some((o) => o.cameraId === 't01-visible'), { timeout: 20_000 }).toBe(true);
  }, 30_000);
});

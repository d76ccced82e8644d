import { afterEach, describe, expect, it, vi } from 'vitest';
import { panelPx, type DecoderOsd, type DecoderOutput } from '../../common/wall';
import { DecoderError, type DecoderDriver } from './drivers/driver';
import { DecoderOsdFeeder, type OsdTarget } from './osd';

const out = (id: string, cameraId: string | null): DecoderOutput => ({
  id,
  z: 0,
  dest: { x: panelPx(0), y: panelPx(0), w: panelPx(960), h: panelPx(540) },
  crop: { x: 0, y: 0, w: 1, h: 1 },
  stream: cameraId ? { cameraId, profile: 'main', url: `ws://h/media/${cameraId}/main.flv` } : null,
});

function fakeDecoder(opts: { osd?: boolean } = {}) {
  const sent: DecoderOsd[] = [];
  let fail: string | null = null;
  let release: (() => void) | null = null;
  let hold = false;
  const driver: DecoderDriver = {
    apply: async (l) => ({ revision: l.revision, changed: true }),
    status: async () => {
      throw new Error('not used');
    },
    close: async () => undefined,
    ...(opts.osd === false
      ? {}
      : {
          osd: async (o: DecoderOsd) => {
            if (hold) await new Promise<void>((r) => (release = r));
            if (fail) throw new DecoderError('unreachable', fail);
            sent.push(o);
          },
        }),
  };
  return {
    driver,
    sent,
    failWith: (m: string | null) => (fail = m),
    holdNext: () => (hold = true),
    release: () => {
      hold = false;
      release?.();
    },
  };
}

const flushPromises = () => new Promise((r) => setImmediate(r));

describe('HUD overlay feeder for networked decoders', () => {
  afterEach(() => vi.useRealTimers());

  it('sends each decoder the HUD of the cameras it shows, and only those decoders', async () => {
    const a = fakeDecoder();
    const b = fakeDecoder();
    const targets: OsdTarget[] = [
      { decoderId: 'd01', driver: a.driver, outputs: [out('w1.0', 't01-visible'), out('w1.1', null)], takesOsd: true },
      { decoderId: 'd02', driver: b.driver, outputs: [out('w2.0', 't02-visible')], takesOsd: true },
    ];
    const log = vi.fn();
    const f = new DecoderOsdFeeder({ targets: () => targets, log });
    f.pose({ cameraIds: ['t01-visible', 't01-thermal'], bearing: 134.96, tilt: -3.14, zoom: 12 });
    await flushPromises();
    expect(a.sent).toEqual([{ outputs: [{ id: 'w1.0', lines: ['东南 135.0°', '俯仰 −3.1°', '12.0×'], mark: true }] }]);
    expect(b.sent).toEqual([]);
    f.close();
  });

  it('sends at most one overlay per interval while a head moves, the newest last, and nothing when unchanged', async () => {
    vi.useFakeTimers();
    const a = fakeDecoder();
    const targets: OsdTarget[] = [{ decoderId: 'd01', driver: a.driver, outputs: [out('w1.0', 'cam')], takesOsd: true }];
    const f = new DecoderOsdFeeder({ targets: () => targets, log: vi.fn(), minIntervalMs: 150 });
    for (let i = 0; i < 20; i++) {
      f.pose({ cameraIds: ['cam'], bearing: i, tilt: 0, zoom: 1 });
      await vi.advanceTimersByTimeAsync(10);
    }
    await vi.advanceTimersByTimeAsync(300);
    // 200 ms of poses at 100 Hz: the first at once, then one per 150 ms; the last pose always arrives.
    expect(a.sent.length).toBeLessThanOrEqual(3);
    expect(a.sent.at(-1)?.outputs[0]?.lines[0]).toBe('北 19.0°');
    const n = a.sent.length;
    f.pose({ cameraIds: ['cam'], bearing: 19, tilt: 0, zoom: 1 });
    f.layoutsChanged();
    await vi.advanceTimersByTimeAsync(500);
    expect(a.sent.length).toBe(n);
    f.close();
  });

  it('keeps one request in flight per decoder and sends the newest pose after it', async () => {
    const a = fakeDecoder();
    const targets: OsdTarget[] = [{ decoderId: 'd01', driver: a.driver, outputs: [out('w1.0', 'cam')], takesOsd: true }];
    const f = new DecoderOsdFeeder({ targets: () => targets, log: vi.fn(), minIntervalMs: 0 });
    a.holdNext();
    f.pose({ cameraIds: ['cam'], bearing: 10, tilt: 0, zoom: 1 });
    f.pose({ cameraIds: ['cam'], bearing: 20, tilt: 0, zoom: 1 });
    f.pose({ cameraIds: ['cam'], bearing: 30, tilt: 0, zoom: 1 });
    await flushPromises();
    expect(a.sent).toHaveLength(0);
    a.release();
    await flushPromises();
    await flushPromises();
    expect(a.sent.map((o) => o.outputs[0]?.lines[0])).toEqual(['北 10.0°', '东北 30.0°']);
    f.close();
  });

  it('skips decoders that are offline or draw no OSD, and software decoders', async () => {
    const off = fakeDecoder();
    const soft = fakeDecoder({ osd: false });
    const targets: OsdTarget[] = [
      { decoderId: 'd01', driver: off.driver, outputs: [out('w1.0', 'cam')], takesOsd: false },
      { decoderId: 'd02', driver: soft.driver, outputs: [out('w2.0', 'cam')], takesOsd: true },
    ];
    const f = new DecoderOsdFeeder({ targets: () => targets, log: vi.fn() });
    f.pose({ cameraIds: ['cam'], bearing: 10, tilt: 0, zoom: 1 });
    await flushPromises();
    expect(off.sent).toHaveLength(0);
    targets[0]!.takesOsd = true;
    f.resend('d01');
    await flushPromises();
    expect(off.sent).toHaveLength(1);
    f.close();
  });

  it('says once when a decoder refuses the overlay, retries on the refresh and says when it takes it again', async () => {
    vi.useFakeTimers();
    const a = fakeDecoder();
    const targets: OsdTarget[] = [{ decoderId: 'd01', driver: a.driver, outputs: [out('w1.0', 'cam')], takesOsd: true }];
    const log = vi.fn();
    const f = new DecoderOsdFeeder({ targets: () => targets, log, minIntervalMs: 0, refreshMs: 10_000 });
    a.failWith('connection refused');
    for (let i = 0; i < 5; i++) {
      f.pose({ cameraIds: ['cam'], bearing: i, tilt: 0, zoom: 1 });
      await vi.advanceTimersByTimeAsync(1);
    }
    expect(log.mock.calls.filter(([lvl]) => lvl === 'warn')).toHaveLength(1);
    expect(String(log.mock.calls[0]?.[1])).toContain('connection refused');
    a.failWith(null);
    await vi.advanceTimersByTimeAsync(10_000);
    f.tick();
    await vi.advanceTimersByTimeAsync(1);
    expect(a.sent.at(-1)?.outputs[0]?.lines[0]).toBe('北 4.0°');
    expect(log.mock.calls.at(-1)?.[0]).toBe('info');
    // A rebooted decoder forgets its overlay: the unchanged overlay goes again on the refresh.
    const n = a.sent.length;
    await vi.advanceTimersByTimeAsync(10_000);
    f.tick();
    await vi.advanceTimersByTimeAsync(1);
    expect(a.sent.length).toBe(n + 1);
    f.close();
  });
});

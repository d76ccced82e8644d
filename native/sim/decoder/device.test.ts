import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecoderLayout } from '../../../common/wall';
import { DecoderError } from '../../wall/drivers/driver';
import { HttpJsonDecoderDriver, HttpJsonLedDriver } from '../../wall/drivers/http-json';
import { startSimDecoder, type SimDecoder } from './device';
import { startDecoderFleet } from './fleet';

const out = (id: string, cameraId: string | null, x = 0, profile: 'main' | 'sub' = 'main') => ({
  id,
  z: 0,
  dest: { x, y: 0, w: 960, h: 540 },
  crop: { x: 0, y: 0, w: 1, h: 1 },
  stream: cameraId ? { cameraId, profile, url: `/media/${cameraId}/${profile}.flv` } : null,
});
const layout = (revision: number, outputs: ReturnType<typeof out>[]) => ({ revision, outputs }) as unknown as DecoderLayout;

async function error(p: Promise<unknown>): Promise<DecoderError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DecoderError) return e;
    throw e;
  }
  throw new Error('expected a DecoderError');
}

const until = async (cond: () => boolean, ms = 5000) => {
  for (const end = Date.now() + ms; !cond(); await new Promise((r) => setTimeout(r, 10))) if (Date.now() > end) throw new Error('timed out');
};

let dec: SimDecoder;
let driver: HttpJsonDecoderDriver;
const basic = `Basic ${Buffer.from('admin:skywatch-sim').toString('base64')}`;

beforeAll(async () => {
  dec = await startSimDecoder({ id: 'd01', rebootMs: 300, hostMediaBase: 'ws://127.0.0.1:8650/?token=abc' });
  driver = new HttpJsonDecoderDriver({ address: dec.address });
});
afterAll(async () => {
  await dec.close();
});

describe('simulated decoder ↔ http-json driver', () => {
  it('needs credentials', async () => {
    const anon = new HttpJsonDecoderDriver({ address: dec.url });
    expect((await error(anon.status())).kind).toBe('unauthorized');
    const r = await fetch(`${dec.url}/api/v1/status`);
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe('Basic realm="decoder"');
  });

  it('boots empty and reports its capacity', async () => {
    const st = await driver.status();
    expect(st).toMatchObject({ protocol: 1, revision: 0, outputs: [], capacity: { maxStreams: 4, subStreamWeight: 0.25, osd: true }, output: { width: 1920, height: 1080 } });
  });

  it('draws the HUD overlay it is sent on the outputs it shows, forgets it with the output and at a reboot', async () => {
    await driver.apply(layout(50, [out('w9.0', 't05-visible'), out('w9.1', 't06-visible', 960)]));
    const lines = ['东 90.0°', '俯仰 +1.0°', '4.0×'];
    await driver.osd({ outputs: [{ id: 'w9.0', lines, mark: true }, { id: 'gone.0', lines: ['x'], mark: false }] });
    expect([...dec.osd().values()]).toEqual([{ id: 'w9.0', lines, mark: true }]);
    const page = (await (await fetch(`${dec.url}/sim/preview`, { headers: { authorization: basic } })).json()) as { osd: unknown[] };
    expect(page.osd).toEqual([{ id: 'w9.0', lines, mark: true }]);
    // Too many lines, a line too long: refused with the reason, the overlay kept.
    const bad = await error(driver.osd({ outputs: [{ id: 'w9.0', lines: ['1', '2', '3', '4', '5'], mark: true }] }));
    expect(bad.kind).toBe('rejected');
    expect(bad.message).toMatch(/outputs\.0\.lines/);
    expect(dec.osd().size).toBe(1);
    await driver.apply(layout(51, [out('w9.1', 't06-visible', 960)]));
    expect(dec.osd().size).toBe(0);
    await driver.osd({ outputs: [{ id: 'w9.1', lines, mark: false }] });
    await dec.reboot();
    await until(() => dec.reachable);
    expect(dec.osd().size).toBe(0);
  });

  it('serves a preview page whose script parses', async () => {
    const html = await (await fetch(`${dec.url}/`, { headers: { authorization: basic } })).text();
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1];
    expect(script).toBeTruthy();
    expect(() => new Function(script!)).not.toThrow();
  });

  it('a decoder model without OSD says so and has no OSD endpoint', async () => {
    const plain = await startSimDecoder({ id: 'd99', osd: false, credentials: null });
    try {
      const d = new HttpJsonDecoderDriver({ address: plain.address });
      expect((await d.status()).capacity.osd).toBe(false);
      expect((await error(d.osd({ outputs: [] }))).message).toMatch(/404/);
    } finally {
      await plain.close();
    }
  });

  it('takes a full layout, is idempotent, and reports what it plays', async () => {
    const l = layout(1, [out('w1.0', 't01-visible'), out('w1.1', null, 960)]);
    expect(await driver.apply(l)).toEqual({ revision: 1, changed: true });
    expect(await driver.apply(l)).toEqual({ revision: 1, changed: false });
    const st = await driver.status();
    expect(st.revision).toBe(1);
    expect(st.outputs).toEqual([
      { id: 'w1.0', cameraId: 't01-visible', profile: 'main', state: 'playing', error: null },
      { id: 'w1.1', cameraId: null, profile: null, state: 'idle', error: null },
    ]);
    dec.failStream('t01-visible', 'no picture');
    expect((await driver.status()).outputs[0]).toMatchObject({ state: 'error', error: 'no picture' });
    dec.failStream('t01-visible', null);
  });

  it('answers 409 with its revision to a stale or conflicting revision', async () => {
    const e = await error(driver.apply(layout(0, [])));
    expect(e.kind).toBe('stale');
    expect(e.detail.revision).toBe(1);
    const same = await error(driver.apply(layout(1, [out('x.0', 't02-visible')])));
    expect(same.kind).toBe('stale');
  });

  it('answers 422 with reasons when over capacity or outside the output', async () => {
    const five = ['a', 'b', 'c', 'd', 'e'].map((c, i) => out(`w.${i}`, c, i * 100));
    const e = await error(driver.apply(layout(2, five)));
    expect(e.kind).toBe('rejected');
    expect(e.detail.reasons).toEqual(['needs 5 HD decodes; this decoder has 4']);
    // Sub streams cost a quarter: five of them fit.
    expect((await driver.apply(layout(2, five.map((o) => ({ ...o, stream: o.stream && { ...o.stream, profile: 'sub' as const } }))))).changed).toBe(true);
    const off = await error(driver.apply(layout(3, [out('w.0', 'a', 1500)])));
    expect(off.detail.reasons).toEqual(['output w.0 lies outside the 1920x1080 output']);
    const bad = await error(driver.apply({ revision: 3, outputs: [{ id: 'x' }] } as unknown as DecoderLayout));
    expect(bad.kind).toBe('rejected');
    expect(bad.detail.reasons?.[0]).toMatch(/^outputs\.0\./);
  });

  it('serves its preview page, mpegts.js and resolved stream URLs', async () => {
    const auth = { authorization: `Basic ${Buffer.from('admin:skywatch-sim').toString('base64')}` };
    const page = await (await fetch(`${dec.url}/`, { headers: auth })).text();
    expect(page).toContain('data-decoder="d01"');
    expect(page).toContain('<script src="/mpegts.js"></script>');
    const js = await fetch(`${dec.url}/mpegts.js`, { headers: auth });
    expect(js.status).toBe(200);
    expect((await js.text()).length).toBeGreaterThan(100_000);
    const preview = (await (await fetch(`${dec.url}/sim/preview`, { headers: auth })).json()) as { outputs: { stream: { url: string } | null }[] };
    expect(preview.outputs[0]?.stream?.url).toBe('ws://127.0.0.1:8650/media/a/main.flv?token=abc');
  });

  it('answers slowly when told to (the driver times out)', async () => {
    dec.setDelay(1500);
    const impatient = new HttpJsonDecoderDriver({ address: dec.address, statusTimeoutMs: 200 });
    const e = await error(impatient.status());
    expect(e.kind).toBe('timeout');
    expect(e.message).toMatch(/did not answer within 200 ms/);
    dec.setDelay(0);
  });

  it('reboots: unreachable for a while, then back with nothing', async () => {
    expect((await driver.status()).revision).toBe(2);
    await driver.reboot();
    await until(() => !dec.reachable);
    expect((await error(driver.status())).kind).toBe('unreachable');
    await until(() => dec.reachable);
    const st = await driver.status();
    expect(st.revision).toBe(0);
    expect(st.outputs).toEqual([]);
  });

  it('loses its link and keeps its state; power off loses the state', async () => {
    await driver.apply(layout(5, [out('w1.0', 't03-visible')]));
    await dec.setReachable(false);
    const e = await error(driver.status());
    expect(e.kind).toBe('unreachable');
    // A pooled keep-alive socket dies first ("closed"), a new connection is refused.
    expect(e.message).toMatch(/connection (refused|closed)/);
    await dec.setReachable(true);
    expect((await driver.status()).revision).toBe(5);
    await dec.kill();
    await dec.start();
    expect((await driver.status()).revision).toBe(0);
    dec.forceRevision(40);
    expect((await error(driver.apply(layout(6, [])))).detail.revision).toBe(40);
  });
});

describe('decoder fleet', () => {
  it('starts one decoder per panel and an LED controller, addresses with credentials', async () => {
    const fleet = await startDecoderFleet({ count: 3 });
    try {
      expect(fleet.decoders.map((d) => d.id)).toEqual(['d01', 'd02', 'd03']);
      expect(fleet.addressOf('d02')).toMatch(/^http:\/\/admin:skywatch-sim@127\.0\.0\.1:\d+$/);
      const led = new HttpJsonLedDriver(fleet.ledAddress ?? '');
      expect(await led.apply(1, { text: '森林防火 人人有责', colour: '#ff3b30', speedPxS: 60 })).toEqual({ revision: 1, changed: true });
      expect(fleet.led?.led()).toEqual({ text: '森林防火 人人有责', colour: '#ff3b30', speedPxS: 60, revision: 1 });
      expect((await error(led.apply(0, { text: '', colour: '#ff3b30', speedPxS: 0 }))).kind).toBe('stale');
    } finally {
      await fleet.close();
    }
  });
});

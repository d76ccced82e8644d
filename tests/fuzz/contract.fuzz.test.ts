import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands, MAX_MESSAGE_BYTES, type CommandName, type ErrorCode } from '../../common/contract';
import { dispatch } from '../../native/host/dispatch';
import { HandlerRegistry, systemContext } from '../../native/host/registry';
import type { RunningHost } from '../../native/host/start';
import { sessionToken, TEST_USERS } from '../accounts';
import { mutate, mutateRaw, randomJson, REPLAY, Rng } from './gen';
import { checkReply, FuzzSocket, preview, startFuzzHost, TIMEOUT, type Outcome } from './host';
import { FUZZ_USER, fixedSamplesOf, SAMPLE_SCENE, samplesOf } from './samples';

/*
 * Every contract command, on three connections (nobody signed in, a viewer, an administrator), gets
 * valid, mutated and random arguments; then malformed raw messages and binary frames. Every reply
 * must come within the deadline and be typed; `internal` (a handler threw something unexpected) fails.
 */

const PER_COMMAND = 60;
const RAW_MESSAGES = 2400;
const BINARY_FRAMES = 60;
const CALL_TIMEOUT_MS = 5000;

const names = Object.keys(commands) as CommandName[];

let host: RunningHost;
let dataDir: string;
let anon: FuzzSocket;
let viewer: FuzzSocket;
let admin: FuzzSocket;
const tokens: Record<'viewer' | 'admin', string> = { viewer: '', admin: '' };
const crashes: string[] = [];
const onCrash = (e: unknown) => crashes.push(e instanceof Error ? (e.stack ?? e.message) : String(e));

/** Ids and names the fuzz must not touch: real cameras (encoders) and the accounts it is signed in with. */
let realCameras: string[] = [];
const protectedUsers = Object.values(TEST_USERS).map((u) => u.toLowerCase());

/** Why a call is left out (it would start an encoder or hurt the fuzz run's own sessions), or undefined. */
function unsafe(name: CommandName, args: unknown, who: string): string | undefined {
  if (name === 'auth:signOut' && who !== 'anon') return 'signs the fuzz socket out';
  if (name === 'duty:reportPdf' && commands[name].args.safeParse(args).success) return 'starts Chromium to print';
  let text: string;
  try {
    text = (JSON.stringify(args) ?? '').toLowerCase();
  } catch {
    return undefined;
  }
  // Over the frame limit the host cannot read the call's id and answers without one; that path has its own test below.
  if (Buffer.byteLength(text) > MAX_MESSAGE_BYTES - 256) return 'larger than a message may be';
  if ((name.startsWith('wall:') || name === 'stream:exportClip') && realCameras.some((c) => text.includes(c.toLowerCase()))) return 'names a real camera';
  // demo: a tour that names a real camera, or the built-in tour, would put real video on the wall.
  if (name.startsWith('demo:') && (realCameras.some((c) => text.includes(c.toLowerCase())) || text.includes('系统概览'))) return 'plays real cameras';
  if ((name.startsWith('user:') || name.startsWith('auth:')) && protectedUsers.some((u) => text.includes(`"${u}"`))) return "names a fuzz socket's account";
  return undefined;
}

interface Stats {
  calls: number;
  skipped: number;
  byCode: Partial<Record<ErrorCode | 'ok', number>>;
  untyped: string[];
  internal: string[];
}

const newStats = (): Stats => ({ calls: 0, skipped: 0, byCode: {}, untyped: [], internal: [] });
const stats = newStats();

function tally(name: string, args: unknown, who: string, reply: Outcome, id: number, into: Stats = stats): void {
  into.calls++;
  const c = checkReply(reply, { id, name });
  if (c.problem) {
    into.untyped.push(`${who} ${name} ${preview(args)}: ${c.problem}`);
    return;
  }
  const key = c.ok ? 'ok' : (c.code as ErrorCode);
  into.byCode[key] = (into.byCode[key] ?? 0) + 1;
  if (c.code === 'internal') into.internal.push(`${who} ${name} ${preview(args)} → ${preview((reply as { error: unknown }).error)}`);
}

/** The argument sets for one command on one connection: valid samples, mutations of them, random values. */
function argumentSets(r: Rng, name: CommandName, n: number): unknown[] {
  const out: unknown[] = [];
  const valid = samplesOf(name, r);
  for (let i = 0; i < n; i++) {
    const k = i % 6;
    if (k === 0) out.push(r.pick(valid));
    else if (k <= 3) out.push(mutate(r, r.pick(valid)));
    else out.push(randomJson(r, { maxDepth: 4, maxLong: 20_000, budget: 60_000 }));
  }
  return out;
}

async function fuzzConnection(who: 'anon' | 'viewer' | 'admin', socket: FuzzSocket): Promise<void> {
  const r = Rng.for(`contract/${who}`);
  const work: { name: CommandName; args: unknown }[] = [];
  for (const name of names) for (const args of argumentSets(r, name, PER_COMMAND)) work.push({ name, args });
  r.shuffle(work);
  for (const { name, args } of work) {
    if (unsafe(name, args, who)) {
      stats.skipped++;
      continue;
    }
    const id = socket.peekId();
    const reply = await socket.call(name, args, CALL_TIMEOUT_MS);
    tally(name, args, who, reply, id);
    if (socket.closed) {
      stats.untyped.push(`${who}: the host closed the connection after ${name} ${preview(args)}`);
      return;
    }
  }
}

async function signedIn(role: 'viewer' | 'admin'): Promise<FuzzSocket> {
  const s = await FuzzSocket.open(host);
  const r = await s.call('auth:resume', { sessionToken: tokens[role] });
  if (!checkReply(r, { name: 'auth:resume' }).ok) throw new Error(`could not sign in as ${role}: ${preview(r)}`);
  return s;
}

beforeAll(async () => {
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  ({ host, dataDir } = await startFuzzHost());
  realCameras = host.site.towers.flatMap((t) => t.cameras.map((c) => c.id));
  tokens.viewer = await sessionToken(host, 'viewer');
  tokens.admin = await sessionToken(host, 'admin');
  anon = await FuzzSocket.open(host);
  viewer = await signedIn('viewer');
  admin = await signedIn('admin');
  // Things the valid samples refer to: an account to update and a scene to recall.
  for (const [name, args] of [
    ['user:create', { username: FUZZ_USER, displayName: 'Fuzz', role: 'operator', password: 'Fuzz-pass-2026' }],
    ['wall:sceneImport', { json: JSON.stringify(SAMPLE_SCENE), overwrite: true }],
  ] as const) {
    const reply = await admin.call(name, args);
    if (!checkReply(reply, { name }).ok) throw new Error(`setting up: ${name}: ${preview(reply)}`);
  }
  console.log(`contract fuzz: ${REPLAY}`);
}, 60_000);

afterAll(async () => {
  for (const s of [anon, viewer, admin]) s?.close();
  await host?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  process.off('uncaughtException', onCrash);
  process.off('unhandledRejection', onCrash);
});

describe('contract fuzz', () => {
  it('flags what it must flag (self-check on deliberately bad fakes)', async () => {
    const reg = new HandlerRegistry();
    reg.register({
      'app:ping': () => {
        throw new Error('deliberate');
      },
      'app:info': () => ({ nonsense: 1 }) as never,
    });
    const ctx = systemContext('fuzz-self-check');
    const thrown = await dispatch(JSON.stringify({ t: 'call', id: 1, name: 'app:ping', args: { sentAt: 1 } }), reg, ctx, () => undefined);
    expect(checkReply(thrown, { id: 1, name: 'app:ping' }).code).toBe('internal');
    const badResult = await dispatch(JSON.stringify({ t: 'call', id: 2, name: 'app:info', args: {} }), reg, ctx, () => undefined);
    expect(checkReply(badResult, { id: 2, name: 'app:info' }).code).toBe('internal');
    const selfCheck = newStats();
    tally('app:ping', { sentAt: 1 }, 'self-check', thrown, 1, selfCheck);
    tally('app:ping', { sentAt: 1 }, 'self-check', TIMEOUT, 1, selfCheck);
    expect(selfCheck.internal).toHaveLength(1);
    expect(selfCheck.untyped).toHaveLength(1);
    // Untyped replies of every kind are caught.
    expect(checkReply({ t: 'result', id: 1, ok: false, error: { code: 'oops', message: 'x' } }).problem).toBeDefined();
    expect(checkReply({ t: 'result', id: 1, ok: false, error: { code: 'invalid_args', message: '' } }).problem).toBeDefined();
    expect(checkReply({ t: 'result', id: 2, ok: true, value: {} }, { id: 1 }).problem).toBeDefined();
    expect(checkReply({ t: 'result', id: 1, ok: true, value: { sentAt: 'x' } }, { id: 1, name: 'app:ping' }).problem).toBeDefined();
    expect(checkReply({ t: 'result', id: null, ok: false, error: { code: 'bad_message', message: 'x' } }, { allowProtocolError: true }).problem).toBeDefined();
    expect(checkReply({ t: 'error', error: { code: 'bad_message', message: 'x' } }).problem).toBeDefined();
    expect(checkReply(TIMEOUT).problem).toMatch(/hang/);
  });

  it('starts from valid samples', () => {
    const bad: string[] = [];
    for (const name of names) {
      for (const s of fixedSamplesOf(name)) {
        const r = commands[name].args.safeParse(s);
        if (!r.success) bad.push(`${name} ${preview(s)}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it(`answers every command with a typed reply on every connection (${names.length} commands × 3 connections × ${PER_COMMAND})`, async () => {
    const t0 = Date.now();
    await Promise.all([fuzzConnection('anon', anon), fuzzConnection('viewer', viewer), fuzzConnection('admin', admin)]);
    // The run must not have signed its own sockets out (then most calls would only have met the gate).
    for (const [who, s] of [['viewer', viewer], ['admin', admin]] as const) {
      const st = await s.call('auth:status', {});
      expect((st as { value?: { state?: string } }).value?.state, `${who} session after the fuzz`).toBe('active');
    }
    const codes = Object.entries(stats.byCode)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    console.log(
      `fuzz: ${stats.calls} contract calls (${stats.skipped} skipped as unsafe) in ${((Date.now() - t0) / 1000).toFixed(1)} s; ` +
        `${stats.untyped.length} untyped replies, ${stats.internal.length} internal errors; ${codes}`,
    );
    expect(stats.untyped, `untyped replies — ${REPLAY}`).toEqual([]);
    expect(stats.internal, `internal errors — ${REPLAY}`).toEqual([]);
    expect(stats.calls).toBeGreaterThan(names.length * 3 * PER_COMMAND * 0.9);
  }, 180_000);

  it('answers 1000 pipelined calls (sent without waiting) with 1000 typed replies', async () => {
    const r = Rng.for('contract/pipelined');
    const readOnly: CommandName[] = ['app:ping', 'app:info', 'auth:status', 'site:get', 'wall:get', 'ptz:heads', 'stream:list', 'wall:sceneList', 'audit:query', 'ptz:status'];
    const sent: Promise<{ name: string; args: unknown; id: number; reply: Outcome }>[] = [];
    for (let i = 0; i < 1000; i++) {
      const name = r.pick(readOnly);
      const args = r.bool(0.5) ? r.pick(samplesOf(name, r)) : mutate(r, r.pick(samplesOf(name, r)));
      const id = viewer.peekId();
      sent.push(viewer.call(name, args, 20_000).then((reply) => ({ name, args, id, reply })));
    }
    const problems: string[] = [];
    for (const { name, args, id, reply } of await Promise.all(sent)) {
      const c = checkReply(reply, { id, name });
      if (c.problem || c.code === 'internal') problems.push(`${name} ${preview(args)}: ${c.problem ?? preview(reply)}`);
    }
    stats.calls += sent.length;
    expect(problems, REPLAY).toEqual([]);
  }, 60_000);

  const rawStats = { messages: 0, binary: 0, kinds: new Map<string, number>(), untyped: [] as string[], internal: [] as string[] };

  it(`answers ${RAW_MESSAGES} malformed messages and ${BINARY_FRAMES} binary frames with typed errors`, async () => {
    const r = Rng.for('contract/raw');
    const bases: { name: CommandName; args: unknown }[] = [
      { name: 'app:ping', args: { sentAt: 1 } },
      { name: 'app:info', args: {} },
      { name: 'auth:status', args: {} },
      { name: 'site:get', args: {} },
      { name: 'wall:get', args: {} },
      { name: 'ptz:heads', args: {} },
      { name: 'wall:sceneList', args: {} },
      { name: 'audit:query', args: { limit: 3 } },
      { name: 'ptz:status', args: { cameraId: 't02-visible' } },
    ];
    // Half on the connection nobody signed in on, half on the administrator's (read-only bases only).
    for (const [who, socket] of [['anon', anon], ['admin', admin]] as const) {
      for (let i = 0; i < RAW_MESSAGES / 2; i++) {
        const base = r.pick(bases);
        const m = mutateRaw(r, { t: 'call', id: 100_000 + i, name: base.name, args: base.args });
        rawStats.kinds.set(m.kind, (rawStats.kinds.get(m.kind) ?? 0) + 1);
        let sent: unknown;
        try {
          sent = JSON.parse(m.text);
        } catch {
          sent = undefined;
        }
        const sentId = typeof sent === 'object' && sent !== null ? (sent as { id?: unknown }).id : undefined;
        const reply = await socket.raw(m.text, { timeoutMs: CALL_TIMEOUT_MS });
        rawStats.messages++;
        const c = checkReply(reply, { allowProtocolError: true, ...(typeof sentId === 'number' && Number.isFinite(sentId) ? { id: sentId } : {}) });
        if (c.problem) rawStats.untyped.push(`${who} ${m.kind}: ${m.text.slice(0, 200)} → ${c.problem}`);
        else if (c.code === 'internal') rawStats.internal.push(`${who} ${m.kind}: ${m.text.slice(0, 200)} → ${preview(reply)}`);
        if (socket.closed) throw new Error(`the host closed the ${who} connection after ${m.kind}: ${m.text.slice(0, 200)}`);
      }
    }
    for (let i = 0; i < BINARY_FRAMES; i++) {
      const bytes = Buffer.alloc(r.int(0, 4096));
      for (let k = 0; k < bytes.length; k++) bytes[k] = r.int(0, 255);
      if (i % 3 === 0) bytes.write(JSON.stringify({ t: 'call', id: i, name: 'app:ping', args: { sentAt: 1 } }));
      const reply = await anon.raw(bytes, { binary: true, timeoutMs: CALL_TIMEOUT_MS });
      rawStats.binary++;
      const c = checkReply(reply, { allowProtocolError: true });
      if (c.problem || c.code !== 'bad_message') rawStats.untyped.push(`binary frame of ${bytes.length} bytes → ${c.problem ?? preview(reply)}`);
    }
    const kinds = [...rawStats.kinds].map(([k, v]) => `${k} ${v}`).join(', ');
    console.log(
      `fuzz: ${rawStats.messages} raw messages (${kinds}), ${rawStats.binary} binary frames; ` +
        `${rawStats.untyped.length} untyped replies, ${rawStats.internal.length} internal errors`,
    );
    expect(rawStats.untyped, REPLAY).toEqual([]);
    expect(rawStats.internal, REPLAY).toEqual([]);
    expect(anon.strays.concat(admin.strays, viewer.strays)).toEqual([]);
  }, 120_000);

  // BUG (native/host/dispatch.ts): a call whose `id` is a number JSON can spell but JavaScript
  // cannot hold (1e400 → Infinity) is answered `{"t":"result","id":null,…}`: the host echoes the
  // parsed id, JSON.stringify turns Infinity into null, and the reply is not a ServerMessage
  // (id must be a number; a client cannot match it). Expected: a `{t:'error'}` reply, as for a
  // message without an id. Remove `.fails` once fixed.
  it('answers a call with id 1e400 with a typed reply', async () => {
    const reply = await anon.raw('{"t":"call","id":1e400,"name":"app:ping","args":{"sentAt":1}}');
    expect(checkReply(reply, { allowProtocolError: true }).problem, preview(reply)).toBeUndefined();
  });

  // BUG (native/ptz/domain.ts, createPtzDomain): cruise plans are saved to `<dataDir>/ptz/ptz-cruise.json`,
  // but nothing creates the `ptz` folder (the wall domain creates its own; startHost only creates
  // `clips`), so every save fails with ENOENT, is only logged as a warning ("cannot save cruise plans"),
  // and ptz:cruiseSet still answers ok: the plans are lost at the next start. Remove `.fails` once fixed.
  it('keeps a cruise plan it accepted on disk', async () => {
    const reply = await admin.call('ptz:cruiseSet', { cameraId: 't03-visible', plan: { mode: 'scan', periodS: 120 } });
    expect(checkReply(reply, { name: 'ptz:cruiseSet' }).ok, preview(reply)).toBe(true);
    await admin.call('ptz:cruiseSet', { cameraId: 't03-visible', plan: null });
    expect(existsSync(join(dataDir, 'ptz', 'ptz-cruise.json'))).toBe(true);
  });

  it('refuses an oversized message with a typed error, and closes only the connection that sends more than the socket limit', async () => {
    const big = JSON.stringify({ t: 'call', id: 1, name: 'app:ping', args: { sentAt: 1, pad: 'x'.repeat(MAX_MESSAGE_BYTES) } });
    const reply = await anon.raw(big);
    expect(checkReply(reply, { allowProtocolError: true }).code).toBe('bad_message');
    // Past the WebSocket's own limit (4 × the message limit) ws closes that connection with 1009.
    const victim = await FuzzSocket.open(host);
    void victim.raw('x'.repeat(MAX_MESSAGE_BYTES * 4 + 10)).catch(() => undefined);
    expect(await victim.whenClosed()).toBe(1009);
    // Invalid UTF-8 in a text frame: ws closes that connection with 1007.
    const victim2 = await FuzzSocket.open(host);
    void victim2.raw(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false }).catch(() => undefined);
    expect(await victim2.whenClosed()).toBe(1007);
  }, 30_000);

  it('is alive afterwards: app:ping answers, /api/health is 200, nothing crashed', async () => {
    const fresh = await FuzzSocket.open(host);
    const sentAt = Date.now();
    const pong = await fresh.call('app:ping', { sentAt });
    fresh.close();
    expect(checkReply(pong, { name: 'app:ping' }).ok, preview(pong)).toBe(true);
    for (const s of [anon, viewer, admin]) expect(checkReply(await s.call('app:ping', { sentAt }), { name: 'app:ping' }).ok).toBe(true);
    const health = await fetch(`${host.url}/api/health`);
    expect(health.status).toBe(200);
    const pulled = host.streams().filter((s) => s.state !== 'idle');
    console.log(
      `fuzz: ${stats.calls} contract calls, ${rawStats.messages} raw messages, ${rawStats.binary} binary frames, ` +
        `${stats.untyped.length + rawStats.untyped.length} untyped replies, ${stats.internal.length + rawStats.internal.length} internal errors, ` +
        `${crashes.length} crashes, ${pulled.length} streams pulled`,
    );
    expect(crashes, REPLAY).toEqual([]);
  }, 30_000);
});

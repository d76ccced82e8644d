import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openKeyFileBox } from './box';
import { type CliInput, parseCliArgs, runSecretCli, secretPaths } from './cli';
import { SecretStore } from './store';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'secret-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[], stdin: CliInput = Readable.from([])) {
  let out = '';
  let err = '';
  const code = await runSecretCli(args, { stdin, stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } });
  return { code, out, err };
}

function storeOf(dataDir: string): SecretStore {
  const { keyFile, storeFile } = secretPaths(dataDir);
  return new SecretStore(storeFile, openKeyFileBox(keyFile));
}

describe('secret CLI arguments', () => {
  it('parses commands and --data-dir in either form', () => {
    expect(parseCliArgs(['list'])).toEqual({ cmd: 'list', dataDir: '.data' });
    expect(parseCliArgs(['--data-dir', '/srv/sky', 'set', 'cam-admin'])).toEqual({ cmd: 'set', ref: 'cam-admin', dataDir: '/srv/sky' });
    expect(parseCliArgs(['delete', 'x', '--data-dir=/d'])).toEqual({ cmd: 'delete', ref: 'x', dataDir: '/d' });
    expect(secretPaths('/srv/sky')).toEqual({ keyFile: resolve('/srv/sky/secrets/host.key'), storeFile: resolve('/srv/sky/secrets/secrets.json') });
  });

  it('exits 2 with the usage line on bad arguments', async () => {
    for (const args of [[], ['get', 'x'], ['set'], ['set', 'a', 'hunter2'], ['set', 'bad name'], ['list', 'x'], ['--data-dir'], ['--force', 'list']]) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(/\nusage: npm run secret -- /);
      expect(r.out).toBe('');
    }
    // The value never goes on the command line, and is not echoed back when someone tries.
    expect((await run(['set', 'a', 'hunter2'])).err).not.toContain('hunter2');
  });
});

describe('secret CLI commands', () => {
  it('sets from piped stdin (dropping one trailing newline), lists and deletes', async () => {
    const dataDir = join(dir, 'data');
    const set = await run(['--data-dir', dataDir, 'set', 'cam-admin'], Readable.from(['Hik@vision12 \n']));
    expect(set.code).toBe(0);
    expect(set.err).toMatch(/stored secret "cam-admin" in .*secrets\.json/);
    expect(set.err + set.out).not.toContain('Hik@vision12');
    expect(storeOf(dataDir).get('cam-admin')).toBe('Hik@vision12 ');

    await run(['--data-dir', dataDir, 'set', 'b'], Readable.from(['line1\r\nline2\r\n']));
    expect(storeOf(dataDir).get('b')).toBe('line1\r\nline2');
    expect((await run(['--data-dir', dataDir, 'set', 'b'], Readable.from(['x']))).err).toMatch(/^replaced secret "b"/);

    expect(await run(['--data-dir', dataDir, 'list'])).toEqual({ code: 0, out: 'b\ncam-admin\n', err: '' });
    expect((await run(['--data-dir', dataDir, 'delete', 'b'])).code).toBe(0);
    const again = await run(['--data-dir', dataDir, 'delete', 'b']);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/no secret named "b"/);
    expect((await run(['--data-dir', dataDir, 'list'])).out).toBe('cam-admin\n');
  });

  it('refuses an empty value', async () => {
    const r = await run(['--data-dir', dir, 'set', 'a'], Readable.from(['\n']));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/empty value/);
    expect(storeOf(dir).list()).toEqual([]);
  });

  it('reads a hidden value from a terminal without echoing it', async () => {
    const tty = new PassThrough() as PassThrough & CliInput;
    const raw: boolean[] = [];
    tty.isTTY = true;
    tty.setRawMode = (m: boolean) => raw.push(m);
    const pending = run(['--data-dir', dir, 'set', 'cam-admin'], tty);
    for (const chunk of ['hun', 'tx\u007f', 'er2', '\r', 'ignored']) tty.write(chunk);
    const r = await pending;
    expect(r.code).toBe(0);
    expect(raw).toEqual([true, false]);
    expect(r.err).toMatch(/^value for "cam-admin" \(not shown\): \n/m);
    expect(r.err + r.out).not.toContain('hunter2');
    expect(storeOf(dir).get('cam-admin')).toBe('hunter2');
  });

  it('stops on Ctrl-C at the prompt and stores nothing', async () => {
    const tty = new PassThrough() as PassThrough & CliInput;
    tty.isTTY = true;
    tty.setRawMode = () => undefined;
    const pending = run(['--data-dir', dir, 'set', 'a'], tty);
    tty.write('abc\u0003');
    const r = await pending;
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cancelled/);
    expect(storeOf(dir).list()).toEqual([]);
  });

  it('reports a broken key file instead of replacing it', async () => {
    const { keyFile } = secretPaths(dir);
    storeOf(dir).set('a', 'v');
    rmSync(keyFile);
    writeFileSync(keyFile, 'short');
    const r = await run(['--data-dir', dir, 'list']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/host\.key holds 5 bytes, expected 32/);
    expect(readFileSync(keyFile, 'utf8')).toBe('short');
  });

  it('runs as a script under tsx (npm run secret)', async () => {
    const tsx = resolve('node_modules/.bin/tsx');
    const cli = resolve('native/secrets/cli.ts');
    const exec = (args: string[], input?: string) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
        const child = execFile(tsx, [cli, ...args], { timeout: 20_000 }, (error, stdout, stderr) =>
          done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
        );
        child.stdin?.end(input ?? '');
      });
    expect((await exec(['--data-dir', dir, 'set', 'cam-admin'], 'pw\n')).code).toBe(0);
    const bad = await exec(['frobnicate']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^usage: /m);
    expect(storeOf(dir).get('cam-admin')).toBe('pw');
  });
});

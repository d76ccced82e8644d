import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openKeyFileBox } from './box';
import { isSecretRef, SecretStore } from './store';

export const USAGE = 'usage: npm run secret -- [--data-dir <dir>] set <name> | list | delete <name>   (set reads the value from stdin)';

/** Where the CLI keeps the key and the store under a data dir. */
export function secretPaths(dataDir: string): { keyFile: string; storeFile: string } {
  const dir = join(resolve(dataDir), 'secrets');
  return { keyFile: join(dir, 'host.key'), storeFile: join(dir, 'secrets.json') };
}

/** The bits of a process's stdin the CLI uses; a TTY one can be switched to raw mode. */
export interface CliInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?: (mode: boolean) => unknown;
}

export interface CliIo {
  stdin: CliInput;
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

type Parsed = { cmd: 'set' | 'delete'; ref: string; dataDir: string } | { cmd: 'list'; dataDir: string } | { cmd: 'help' };

/** Parses the arguments; a string is the reason they are wrong. */
export function parseCliArgs(argv: readonly string[]): Parsed | string {
  let dataDir = '.data';
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--help' || a === '-h') return { cmd: 'help' };
    if (a === '--data-dir') {
      const v = argv[++i];
      if (v === undefined || v === '') return '--data-dir needs a directory';
      dataDir = v;
    } else if (a.startsWith('--data-dir=')) {
      dataDir = a.slice('--data-dir='.length);
      if (!dataDir) return '--data-dir needs a directory';
    } else if (a.startsWith('-') && a !== '-') {
      return `unknown option ${a}`;
    } else {
      positional.push(a);
    }
  }
  const [cmd, ref, ...rest] = positional;
  if (cmd === undefined) return 'no command given';
  if (cmd === 'list') return ref === undefined ? { cmd, dataDir } : '"list" takes no name';
  if (cmd === 'set' || cmd === 'delete') {
    if (ref === undefined) return `"${cmd}" needs a secret name`;
    if (rest.length > 0) return `"${cmd}" takes one name; the value of "set" is read from stdin, never from the command line`;
    if (!isSecretRef(ref)) return `invalid secret name ${JSON.stringify(ref)}: use 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit`;
    return { cmd, ref, dataDir };
  }
  return `unknown command ${JSON.stringify(cmd)}`;
}

async function readAll(input: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  // One trailing newline is the shell's (echo, here-doc), not the secret's.
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Reads one line from a terminal without echoing it; rejects on Ctrl-C / Ctrl-D. */
export function readHidden(input: CliInput, prompt: (s: string) => void, label: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    prompt(label);
    input.setRawMode?.(true);
    input.resume();
    let value = '';
    const done = (err?: Error) => {
      input.removeListener('data', onData);
      input.setRawMode?.(false);
      input.pause();
      prompt('\n');
      if (err) reject(err);
      else resolvePromise(value);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new Error('cancelled'));
        if (ch === '\u0004') return value ? done() : done(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    input.on('data', onData);
  });
}

/** Runs the CLI; returns the exit code (0 ok, 1 failed, 2 bad arguments). */
export async function runSecretCli(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCliArgs(argv);
  if (typeof parsed === 'string') {
    io.stderr.write(`${parsed}\n${USAGE}\n`);
    return 2;
  }
  if (parsed.cmd === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    const { keyFile, storeFile } = secretPaths(parsed.dataDir);
    const log = (level: string, msg: string) => io.stderr.write(`${level}: ${msg}\n`);
    const store = new SecretStore(storeFile, openKeyFileBox(keyFile, log));
    switch (parsed.cmd) {
      case 'list':
        for (const name of store.list()) io.stdout.write(`${name}\n`);
        return 0;
      case 'delete':
        if (!store.delete(parsed.ref)) {
          io.stderr.write(`no secret named "${parsed.ref}" in ${storeFile}\n`);
          return 1;
        }
        io.stderr.write(`deleted secret "${parsed.ref}" from ${storeFile}\n`);
        return 0;
      case 'set': {
        const value = io.stdin.isTTY
          ? await readHidden(io.stdin, (s) => io.stderr.write(s), `value for "${parsed.ref}" (not shown): `)
          : await readAll(io.stdin);
        if (value === '') {
          io.stderr.write('empty value: nothing stored\n');
          return 1;
        }
        const replaced = store.list().includes(parsed.ref);
        store.set(parsed.ref, value);
        io.stderr.write(`${replaced ? 'replaced' : 'stored'} secret "${parsed.ref}" in ${storeFile} (sealed with ${keyFile})\n`);
        return 0;
      }
    }
  } catch (e) {
    io.stderr.write(`secret ${parsed.cmd} failed: ${(e as Error).message}\n`);
    return 1;
  }
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(resolve(entry)).href) {
  runSecretCli(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}

import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readStoreFile, writeStoreFile, type StoreFileKind } from './store-file';

const KIND: StoreFileKind = { format: 'skywatch-test', version: 1, holds: 'test records' };
const Schema = z.object({ format: z.literal('skywatch-test'), version: z.literal(1), items: z.array(z.number()) });

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'skywatch-store-file-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('store files', () => {
  it('reads a missing file as nothing, and writes into a new folder, owner-only, replacing a looser file', () => {
    const file = join(dir, 'state', 'test.json');
    expect(readStoreFile(file, KIND, Schema)).toBeUndefined();
    writeStoreFile(file, { format: 'skywatch-test', version: 1, items: [1] });
    expect(readStoreFile(file, KIND, Schema)).toEqual({ format: 'skywatch-test', version: 1, items: [1] });

    chmodSync(file, 0o644);
    writeStoreFile(file, { format: 'skywatch-test', version: 1, items: [1, 2] });
    expect(readStoreFile(file, KIND, Schema)?.items).toEqual([1, 2]);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, 'state'))).toEqual(['test.json']);
  });

  it('names the file and the failing field when the content is wrong', () => {
    const file = join(dir, 'test.json');
    writeFileSync(file, JSON.stringify({ format: 'skywatch-test', version: 1, items: ['x'] }));
    expect(() => readStoreFile(file, KIND, Schema)).toThrow(/test\.json is not a usable test records file: its content is not valid: items\.0: .*left untouched/);
    writeFileSync(file, JSON.stringify({ version: 1 }));
    expect(() => readStoreFile(file, KIND, Schema)).toThrow(/"format" is missing, expected "skywatch-test"/);
  });

  it('leaves no temporary file behind when the write fails, and says which file', () => {
    const file = join(dir, 'taken');
    mkdirSync(join(file, 'inside'), { recursive: true }); // a non-empty folder where the file should go: rename fails
    expect(() => writeStoreFile(file, { format: 'skywatch-test', version: 1, items: [] })).toThrow(/cannot save .*taken/);
    expect(readdirSync(dir)).toEqual(['taken']);
  });
});

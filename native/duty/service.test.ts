import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemContext } from '../host/registry';
import { openDutyService } from './service';
import { tempDir } from './test-support';

const live = () => ({ cameras: () => [], towers: () => [], heads: async () => [], servers: async () => [] });
const base = (dataDir: string) => ({ dataDir, siteId: 'liyang', siteName: '溧阳', timeZone: 'Asia/Shanghai', live, emit: { sync: () => undefined, changed: () => undefined }, log: () => undefined });

describe('duty service in the host', () => {
  const dir = tempDir('duty-svc-');

  it('keeps the host running on a database it must refuse, answering every duty command with what to do', async () => {
    mkdirSync(join(dir(), 'duty'), { recursive: true });
    const file = join(dir(), 'duty', 'duty.sqlite');
    writeFileSync(file, 'PK\u0003\u0004 a zip file someone copied here');
    const before = readFileSync(file);
    const svc = await openDutyService(base(dir()));
    expect(svc.store).toBeUndefined();
    await expect(svc.handlers['duty:overview']!({}, systemContext())).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/not an SQLite file.*restore/) });
    expect(readFileSync(file).equals(before)).toBe(true);
    await svc.close();
  });

  it('opens the store, reports sync off without a centre, and counts what waits to be sent', async () => {
    const svc = await openDutyService(base(dir()));
    const ctx = { ...systemContext(), session: { token: 't', user: { username: 'z', displayName: '张三', role: 'operator' as const }, lastActivity: 0, locked: false, mustChangePassword: false } };
    await svc.handlers['duty:entryAdd']!({ category: 'patrol', text: '巡查', tower: '', attachments: [] }, ctx);
    expect(await svc.handlers['duty:syncStatus']!({}, ctx)).toMatchObject({ state: 'off', pending: 1 });
    await svc.close();
  });
});

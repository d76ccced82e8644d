import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { HostFailure } from '../../common/contract/errors';
import { dutyCommands, type SyncStatus } from '../../common/contract/duty';
import type { RecordKind } from '../../common/duty';
import type { Logger } from '../host/dispatch';
import type { HandlerMap } from '../host/registry';
import { SyncAgent } from '../sync/agent';
import { scheduleBackups } from './backup';
import { DbRefused } from './db';
import { createDutyDomain, type LiveState } from './domain';
import { pdfPrinter, type PdfRenderer } from './pdf';
import { DutyStore } from './store';

export interface DutyServiceOptions {
  dataDir: string;
  siteId: string;
  siteName: string;
  timeZone: string;
  live: (sync: () => Promise<SyncStatus>) => LiveState;
  /** The central sync service; without it the records stay local (sync state `off`). */
  sync?: { url: string; token: string };
  emit: { sync(s: SyncStatus): void; changed(kinds: RecordKind[]): void };
  log: Logger;
  backup?: { everyMs?: number; keepDays?: number };
  /** Prints report HTML to PDF (Electron's printToPDF); default: the system's Chromium. */
  printPdf?: PdfRenderer;
  /** Physical clock, ms (tests). */
  now?: () => number;
}

export interface DutyService {
  handlers: HandlerMap;
  store: DutyStore | undefined;
  close(): Promise<void>;
}

const OFF: SyncStatus = { state: 'off', lastSyncAt: null, pending: 0, rejected: 0, error: null, retryAt: null, central: null };

/**
 * Opens the duty store under `<dataDir>/duty`, starts backups and the sync agent and builds the
 * `duty:*` handlers. A database that cannot be used does not stop the host: the video, PTZ and
 * wall go on, and every duty command answers with the reason and what to do.
 */
export async function openDutyService(opts: DutyServiceOptions): Promise<DutyService> {
  const dir = join(opts.dataDir, 'duty');
  mkdirSync(dir, { recursive: true });
  let store: DutyStore;
  try {
    store = await DutyStore.open({
      file: join(dir, 'duty.sqlite'),
      site: opts.siteId,
      timeZone: opts.timeZone,
      ...(opts.now ? { now: opts.now } : {}),
      onSlow: (sql, ms) => opts.log('warn', `slow duty query (${ms.toFixed(0)} ms): ${sql.slice(0, 120)}`),
    });
  } catch (e) {
    if (!(e instanceof DbRefused)) throw e;
    opts.log('error', `duty log unavailable: ${e.message}`);
    const refuse = async (): Promise<never> => {
      throw new HostFailure('unavailable', `duty log unavailable: ${e.message}`);
    };
    return { handlers: Object.fromEntries(Object.keys(dutyCommands).map((k) => [k, refuse])) as HandlerMap, store: undefined, close: async () => undefined };
  }

  const agent = opts.sync
    ? new SyncAgent({ store, url: opts.sync.url, token: opts.sync.token, onStatus: (s) => opts.emit.sync(s), onPulled: (k) => opts.emit.changed(k) })
    : undefined;
  const status = async (): Promise<SyncStatus> => (agent ? agent.status() : { ...OFF, pending: await store.pendingCount() });
  const backups = scheduleBackups(store, join(dir, 'backups'), { ...opts.backup, log: opts.log });
  const { handlers } = createDutyDomain({
    store,
    siteName: opts.siteName,
    live: opts.live(status),
    printPdf: pdfPrinter(join(opts.dataDir, 'exports'), undefined, opts.printPdf),
    backupNow: async () => {
      const b = await store.backup(join(dir, 'backups'), opts.backup?.keepDays);
      return { file: b.file, bytes: b.bytes };
    },
    sync: {
      status,
      kick: async () => {
        agent?.kick();
        return status();
      },
    },
    changed: (kinds) => {
      opts.emit.changed(kinds);
      agent?.kick();
    },
  });
  agent?.start();
  if (opts.sync) opts.log('info', `duty sync to ${opts.sync.url}`);
  return {
    handlers: handlers as HandlerMap,
    store,
    close: async () => {
      backups.stop();
      await agent?.stop();
      await store.close();
    },
  };
}

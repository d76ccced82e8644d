import { z } from 'zod';
import type { SyncRecord } from '../../common/duty';

/*
 * The sync protocol between a console's sync agent and the central service (docs/sync.md).
 * Records themselves are validated one by one (`recordProblem`), so one bad record does not sink
 * its batch.
 */

export const PushBody = z.object({
  /** Unique per batch from a site; a replayed batch id gets the first answer again and writes nothing. */
  batchId: z.string().regex(/^[A-Za-z0-9_.:-]{1,120}$/),
  records: z.array(z.unknown()).max(5000),
});

export interface PushResult {
  batchId: string;
  accepted: number;
  rejected: { id: string; reason: string }[];
  /** True when this batch id had been received before (nothing was written this time). */
  replay: boolean;
}

export interface PullResult {
  records: SyncRecord[];
  /** Opaque position: pass it back as `after`. */
  cursor: string;
  more: boolean;
}

/** The central service's store: SQLite for one machine, PostgreSQL for several stateless instances. */
export interface CentralStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Merges valid records (already checked) and records the batch, atomically and idempotently. */
  push(site: string, batchId: string, records: SyncRecord[], rejected: { id: string; reason: string }[]): Promise<PushResult>;
  /** Changes after `after`, oldest first, leaving out those the asking site itself wrote last. */
  pull(site: string, after: string, limit: number): Promise<PullResult>;
  checksum(): Promise<{ count: number; sha256: string }>;
  close(): Promise<void>;
}

/** The largest request body the service reads, bytes. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

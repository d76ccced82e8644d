import { DutyStore } from '../../native/duty/store';
import { SyncAgent } from '../../native/sync/agent';

/*
 * One console site for the reliability test, in a process of its own so the test can kill -9 it:
 * the duty store and the sync agent, exactly as the host composes them, with a skewed clock. It
 * writes log entries (and roster edits) as fast as it can and prints `ack <id>` after each commit —
 * the moment the console would tell the operator "saved". With DRAIN=1 it only syncs, and prints
 * `drained` once its outbox is empty and a full round found nothing more to pull.
 */
const env = (k: string) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} not set`);
  return v;
};
const skew = Number(process.env.SKEW_MS ?? 0);
const store = await DutyStore.open({ file: env('DB_FILE'), site: env('SITE'), timeZone: 'Asia/Shanghai', now: () => Date.now() + skew });
const agent = new SyncAgent({
  store,
  url: env('SYNC_URL'),
  token: env('TOKEN'),
  batchSize: 40,
  intervalMs: 30,
  backoff: { baseMs: 20, maxMs: 300 },
  requestTimeoutMs: 3000,
});
const out = (line: string) => process.stdout.write(`${line}\n`);

if (process.env.DRAIN) {
  for (let quiet = 0; quiet < 2; ) {
    try {
      const r = await agent.syncOnce();
      quiet = r.pushed === 0 && r.pulled === 0 && (await store.pendingCount()) === 0 ? quiet + 1 : 0;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const c = await store.checksum();
  out(`drained ${c.count} ${c.sha256}`);
  await store.close();
  process.exit(0);
}

agent.start();
out('ready');
const site = env('SITE');
for (let i = 0; ; i++) {
  if (i % 10 === 9) {
    // An editable record both sites change: merges field by field.
    const r = await store.edit('roster-shared', { operator: `${site}-${i}` }, { kind: 'roster', data: { date: '2026-11-23', slot: 0, operator: '', leader: '', note: '' } });
    out(`ack ${r.id}`);
  } else {
    const r = await store.create('entry', { at: Date.now() + skew, category: 'patrol', text: `${site} 记录 ${i}`, author: site, tower: '', attachments: [] });
    out(`ack ${r.id}`);
  }
}

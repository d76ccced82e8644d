import type { Logger } from './dispatch';

const order = { debug: 10, info: 20, warn: 30, error: 40 } as const;

/** Plain line logger to stderr; LOG_LEVEL picks the threshold (default info). */
export function createLogger(scope: string, level = (process.env.LOG_LEVEL as keyof typeof order | undefined) ?? 'info'): Logger {
  const min = order[level] ?? order.info;
  return (lvl, msg) => {
    if (order[lvl] < min) return;
    process.stderr.write(`${new Date().toISOString()} ${lvl.toUpperCase().padEnd(5)} [${scope}] ${msg}\n`);
  };
}

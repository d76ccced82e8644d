import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';

const SETPRIV = '/usr/bin/setpriv';
const canPdeathsig = process.platform === 'linux' && existsSync(SETPRIV);

/**
 * Spawns a helper process (ffmpeg and the like) that must never outlive the host.
 * On Linux the child is started under `setpriv --pdeathsig SIGKILL`, so the kernel kills it
 * even when the host is killed with SIGKILL and gets no chance to clean up.
 */
export function spawnOwned(command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  const opts: SpawnOptions = { stdio: ['pipe', 'pipe', 'pipe'], ...options };
  if (canPdeathsig) {
    return spawn(SETPRIV, ['--pdeathsig', 'SIGKILL', '--', command, ...args], opts);
  }
  return spawn(command, args, opts);
}

/** Stops a child: SIGTERM, then SIGKILL after `graceMs`. Resolves when it has exited. */
export function stopChild(child: ChildProcess, graceMs = 1500): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

import { contextBridge } from 'electron';

// The sandboxed preload gets the host address from the main process as command-line switches.
const arg = (name: string): string => {
  const prefix = `--${name}=`;
  const found = process.argv.find((a) => a.startsWith(prefix));
  return found ? found.slice(prefix.length) : '';
};

/** The only things the page gets from the shell: where the host is and its token. */
contextBridge.exposeInMainWorld('skywatch', Object.freeze({ hostUrl: arg('skywatch-host'), token: arg('skywatch-token'), shell: 'electron' as const }));

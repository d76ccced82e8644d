import { VitePlugin } from '@electron-forge/plugin-vite';
import type { ForgeConfig } from '@electron-forge/shared-types';

/** Electron Forge: `npm run forge:start` for development with Vite, `npm run package` to bundle. */
const config: ForgeConfig = {
  packagerConfig: {
    name: 'SkyWatch Command Wall',
    executableName: 'skywatch-wall',
    asar: true,
    icon: 'resources/icon',
    extraResource: ['dist/renderer'],
  },
  plugins: [
    new VitePlugin({
      build: [
        { entry: 'electron/main.ts', config: 'electron/vite.main.config.ts', target: 'main' },
        { entry: 'electron/preload.ts', config: 'electron/vite.preload.config.ts', target: 'preload' },
      ],
      renderer: [{ name: 'main_window', config: 'renderer/vite.config.ts' }],
    }),
  ],
};

export default config;

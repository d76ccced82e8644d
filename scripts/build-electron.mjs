#!/usr/bin/env node
// Bundles electron/main.ts (with the host) and electron/preload.ts into .vite/build for `electron .`.
import { build } from 'esbuild';

const common = { bundle: true, platform: 'node', target: 'node22', sourcemap: true, logLevel: 'warning', format: 'cjs' };
await build({ ...common, entryPoints: ['electron/main.ts'], outfile: '.vite/build/main.js', external: ['electron', 'bufferutil', 'utf-8-validate', 'ffmpeg-static'] });
await build({ ...common, entryPoints: ['electron/preload.ts'], outfile: '.vite/build/preload.js', external: ['electron'] });

import { defineConfig } from 'vite';

// The main process bundles the host (native/) in; ws's optional native helpers stay external.
export default defineConfig({
  build: {
    rollupOptions: { external: ['bufferutil', 'utf-8-validate', 'ffmpeg-static'] },
  },
});

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import base from '../../vitest.config';

/**
 * The fuzz tests are slow and heavy (thousands of calls against a running host), so the root config
 * does not pick them up. Run them with `npx vitest run --config tests/fuzz/vitest.config.ts`.
 */
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: { ...base.test, include: ['tests/fuzz/**/*.fuzz.test.ts'], fileParallelism: false },
});

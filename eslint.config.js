import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Where code runs decides what it may import (see ../shared/ARCHITECTURE.md, "Layout").
const nodeBuiltinNames = ['fs', 'fs/promises', 'path', 'child_process', 'net', 'http', 'https', 'os', 'crypto', 'stream', 'url', 'util', 'zlib', 'dgram', 'tls', 'worker_threads'];
const nodeBuiltins = { regex: `^(node:.*|${nodeBuiltinNames.join('|')})$` };
const layer = (files, patterns) => ({
  files,
  rules: {
    'no-restricted-imports': [
      'error',
      { patterns: patterns.map((p) => (p.group && p.group === nodeBuiltins ? { regex: nodeBuiltins.regex, message: p.message } : p)) },
    ],
  },
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.vite/**', 'out/**', 'test-results/**', 'playwright-report/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'off',
    },
  },
  layer(['common/**/*.ts'], [
    { group: ['**/native/**', '**/renderer/**', '**/electron/**', 'electron'], message: 'common/ imports only common/.' },
    { group: nodeBuiltins, message: 'common/ must run anywhere: no Node built-ins.' },
    { group: ['react', 'react-dom', 'zustand', 'ws', 'mpegts.js'], message: 'common/ holds the contract and pure logic only.' },
  ]),
  layer(['renderer/**/*.ts', 'renderer/**/*.tsx'], [
    { group: ['**/native/**', '**/electron/**', 'electron'], message: 'renderer/ reaches the host through the contract only.' },
    { group: nodeBuiltins, message: 'renderer/ runs in a browser: no Node built-ins.' },
  ]),
  layer(['native/**/*.ts'], [
    { group: ['**/renderer/**', '**/electron/**', 'electron'], message: 'native/ must run under plain Node: never electron or renderer.' },
  ]),
  layer(['electron/**/*.ts'], [
    { group: ['**/renderer/**'], message: 'electron/ loads the renderer by URL, never imports it.' },
    { regex: '(^|/)native/(?!host/)', message: 'electron/ starts the host (native/host) and nothing else of native/.' },
  ]),
  { files: ['renderer/vite.config.ts'], rules: { 'no-restricted-imports': 'off' } },
);

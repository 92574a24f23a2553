// @ts-check
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

const CLOCK = 'the controller and simulator get time only from Clock (design.md §2)';
const RNG = 'the controller and simulator get randomness only from Rng, seeded (design.md §2)';
const PORTS = 'the controller and simulator reach the world only through ports; targets implement them (design.md §2)';

const timeGlobals = ['Date', 'setTimeout', 'setInterval', 'setImmediate', 'performance'];

/** no-restricted-imports options shared by src/controller and src/simulator. */
const deterministicImports = {
  paths: [
    ...['node:child_process', 'child_process'].map((name) => ({ name, message: `${PORTS}: no processes.` })),
    ...['node:timers', 'timers', 'node:timers/promises', 'timers/promises', 'node:perf_hooks', 'perf_hooks'].map((name) => ({
      name,
      message: `${CLOCK}: no timers.`,
    })),
  ],
  patterns: [
    { group: ['@aws-sdk/*'], message: `${PORTS}: no AWS SDK.` },
    { group: ['**/targets', '**/targets/**'], message: `${PORTS}: never import a target.` },
  ],
};

/** Node globals for the plain-JS scripts (no dependency on the `globals` package). */
const nodeGlobals = Object.fromEntries(
  ['process', 'console', 'URL', 'Buffer', 'setTimeout', 'clearTimeout', 'setImmediate'].map((name) => [name, 'readonly']),
);

export default defineConfig(
  globalIgnores(['dist/', 'node_modules/', 'reports/', 'coverage/']),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: nodeGlobals },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/controller/**/*.ts', 'src/simulator/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', ...timeGlobals.map((name) => ({ name, message: `${CLOCK}.` }))],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: `${RNG}.` },
        ...timeGlobals.map((property) => ({ object: 'globalThis', property, message: `${CLOCK}.` })),
      ],
      'no-restricted-imports': ['error', deterministicImports],
    },
  },
  {
    // Tests of the controller may drive it on the simulator's virtual clock; the controller itself may not.
    files: ['src/controller/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...deterministicImports,
          patterns: [
            ...deterministicImports.patterns,
            { group: ['**/simulator', '**/simulator/**'], message: 'the controller must not know it is simulated: it sees only ports (design.md §2).' },
          ],
        },
      ],
    },
  },
);

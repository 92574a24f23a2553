// @ts-check
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

// Every message cites a document inside this repository (test/lint/restricted.test.ts checks it).
const WHY_DETERMINISTIC = 'README.md § How the simulator works';
const WHY_PORTS = 'src/targets/README.md';

const CLOCK = `the controller and simulator get time only from Clock, so a run replays exactly (${WHY_DETERMINISTIC})`;
const RNG = `the controller and simulator get randomness only from Rng, seeded, so a run replays exactly (${WHY_DETERMINISTIC})`;
const PORTS = `the controller and simulator reach the world only through ports; targets implement them (${WHY_PORTS})`;

const timeGlobals = ['Date', 'setTimeout', 'setInterval', 'setImmediate', 'performance'];

/** Node modules that reach files, the network or other threads and processes, and what each one is. */
const worldModules = {
  fs: 'no files',
  'fs/promises': 'no files',
  net: 'no sockets',
  http: 'no HTTP',
  https: 'no HTTPS',
  http2: 'no HTTP/2',
  dgram: 'no UDP sockets',
  dns: 'no name lookups',
  'dns/promises': 'no name lookups',
  tls: 'no TLS sockets',
  worker_threads: 'no threads',
  cluster: 'no processes',
  child_process: 'no processes',
};

/** node:crypto's random sources; hashing stays allowed. */
const cryptoRandom = ['randomUUID', 'randomBytes', 'randomInt', 'getRandomValues', 'randomFill', 'randomFillSync'];

const withNodePrefix = (/** @type {string} */ name) => [`node:${name}`, name];

/** no-restricted-imports options shared by src/controller and src/simulator. */
const deterministicImports = {
  paths: [
    ...Object.entries(worldModules).flatMap(([module, what]) =>
      withNodePrefix(module).map((name) => ({ name, message: `${PORTS}: ${what}.` })),
    ),
    ...['timers', 'timers/promises', 'perf_hooks'].flatMap(withNodePrefix).map((name) => ({ name, message: `${CLOCK}: no timers.` })),
    ...withNodePrefix('crypto').map((name) => ({ name, importNames: cryptoRandom, message: `${RNG}: no crypto randomness.` })),
    ...withNodePrefix('process').map((name) => ({ name, importNames: ['hrtime', 'uptime'], message: `${CLOCK}: no process clock.` })),
  ],
  patterns: [
    { group: ['@aws-sdk/*'], message: `${PORTS}: no AWS SDK.` },
    { group: ['**/targets', '**/targets/**'], message: `${PORTS}: never import a target.` },
  ],
};

/** The drill runner drives the simulator through a target session; the simulator never reaches back into it. */
const simulatorNotRunner = {
  group: ['**/run', '**/run/**'],
  message: `the simulator is one target's world: the drill runner in src/run drives it, never the other way round (${WHY_PORTS}).`,
};

/** The controller sees ports only. Its tests may drive it on the simulator's virtual clock. */
const controllerNotSimulated = {
  group: ['**/simulator', '**/simulator/**'],
  message: `the controller must not know it is simulated: it sees only ports (${WHY_PORTS}).`,
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
        ...['hrtime', 'uptime'].map((property) => ({ object: 'process', property, message: `${CLOCK}: no process clock.` })),
        ...cryptoRandom.map((property) => ({ object: 'crypto', property, message: `${RNG}: no crypto randomness.` })),
        { object: 'globalThis', property: 'crypto', message: `${RNG}: no crypto randomness.` },
      ],
      'no-restricted-imports': ['error', deterministicImports],
    },
  },
  {
    files: ['src/controller/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { ...deterministicImports, patterns: [...deterministicImports.patterns, controllerNotSimulated] }],
    },
  },
  {
    files: ['src/simulator/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { ...deterministicImports, patterns: [...deterministicImports.patterns, simulatorNotRunner] }],
    },
  },
  {
    // The seeded generator is shared (src/random); the host target and sweeps do not borrow it from the simulator.
    files: ['src/targets/host/**/*.ts', 'src/sweep/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/simulator/rng', '**/simulator/rng.js', '**/simulator/rng.ts'],
              message: `the seeded Rng is shared: import SeededRng from src/random/seeded-rng.ts; the simulator is one target, not a library (${WHY_PORTS}).`,
            },
          ],
        },
      ],
    },
  },
);

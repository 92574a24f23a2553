import { defineConfig } from 'vitest/config';

/** Tests that start the CLI take seconds each on a busy two-core machine (and every project shares it in CI): 5 s, vitest's default, is too tight. */
const TEST_TIMEOUT_MS = 30_000;

/**
 * Host drills that run alone: host.test.ts checks the whole machine holds no keepalived, nginx or fd-
 * namespace of faildrill's; kill-points.test.ts bounds how fast interrupted drills end (2 s).
 */
const HOST_EXCLUSIVE = ['test/host/host.test.ts', 'test/host/kill-points.test.ts'];

/**
 * Groups that run one after the other (`sequence.groupOrder`): unit and simulator tests; the host drills
 * that check the whole machine is clean afterwards, alone; the other host drills (each checks only its own
 * run's namespaces, processes and rules, on a subnet of its own), two at a time; the aws drills
 * (moto, LocalStack, each drill on its own emulator and ports). vitest takes one worker count per run,
 * so `npm test` runs each project on its own with its own count (scripts/test-projects.mjs, which runs
 * the aws drills beside the host drills once the CPU-bound tests are done: both mostly wait on the
 * wall clock); a plain `npx vitest run` runs them all with vitest's default.
 */
export default defineConfig({
  test: {
    projects: [
      { extends: true, test: { name: 'unit+sim', include: ['src/**/*.test.ts', 'test/sim/**/*.test.ts', 'test/lint/**/*.test.ts'], setupFiles: ['test/helpers/yield-between-tests.ts'], testTimeout: TEST_TIMEOUT_MS, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'host-exclusive', include: HOST_EXCLUSIVE, testTimeout: TEST_TIMEOUT_MS, sequence: { groupOrder: 1 } } },
      { extends: true, test: { name: 'host', include: ['test/host/**/*.test.ts'], exclude: HOST_EXCLUSIVE, testTimeout: TEST_TIMEOUT_MS, sequence: { groupOrder: 2 } } },
      // a CLI started from a test takes seconds to load while four aws drills and the host drills share two cores
      { extends: true, test: { name: 'aws', include: ['test/aws/**/*.test.ts'], testTimeout: TEST_TIMEOUT_MS, sequence: { groupOrder: 3 } } },
    ],
  },
});

import { defineConfig } from 'vitest/config';

/**
 * Three groups that run one after the other (`sequence.groupOrder`), each with its files in parallel:
 * unit and simulator tests; the host drills (keepalived, nginx, iptables in namespaces, with timing
 * bounds); the aws drills (moto, LocalStack). Real drills on two cores must not share them with
 * another target's drills, or a timing-sensitive verdict can slip.
 */
export default defineConfig({
  test: {
    projects: [
      { extends: true, test: { name: 'unit+sim', include: ['src/**/*.test.ts', 'test/sim/**/*.test.ts', 'test/lint/**/*.test.ts'], sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'host', include: ['test/host/**/*.test.ts'], sequence: { groupOrder: 1 } } },
      { extends: true, test: { name: 'aws', include: ['test/aws/**/*.test.ts'], sequence: { groupOrder: 2 } } },
    ],
  },
});

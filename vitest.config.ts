import { defineConfig } from 'vitest/config';

/**
 * Three groups that run one after the other (`sequence.groupOrder`): unit and simulator tests; the host
 * drills (keepalived, nginx, iptables in namespaces, with timing bounds), one file at a time, since each
 * checks that no keepalived, nginx or fd- namespace of faildrill's is left on the machine; the aws drills
 * (moto, LocalStack, each drill on its own emulator and ports). Real drills on two cores must not share
 * them with another target's drills, or a timing-sensitive verdict can slip. vitest takes one worker
 * count per run, so `npm test` runs each project on its own with its own count
 * (scripts/test-projects.mjs); a plain `npx vitest run` runs them all with vitest's default.
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

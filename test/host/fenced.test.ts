import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildResult } from '../../src/run/result.js';
import { runDrill } from '../../src/run/runner.js';
import { loadScenarioFile } from '../../src/scenario/load.js';
import type { HostRunInfo } from '../../src/targets/host/session.js';
import { hostTarget } from '../../src/targets/host/target.js';
import { simTarget } from '../../src/targets/sim/target.js';
import { repoRoot } from '../helpers/cli.js';

/**
 * Arbiter fencing for real: keepalived on two namespaces runs the weight-0 fencing vrrp_script
 * (arbiter.sh → the controller's arbiter over HTTP). The backup, cut off from the primary's adverts,
 * takes over on master down, is refused while the primary holds the address and the lease, and goes
 * to FAULT after `fall` refused runs (keepalived.conf(5)). Two holders therefore last at most
 * fall × interval + timeout of the fencing script; the simulator predicts the same bound.
 */
const FILE = 'scenarios/host-split-brain-fenced.yaml';
/** keepalived's transition to FAULT, removing the address and `ip monitor` reporting it: milliseconds; a busy two-core machine gets a margin. */
const HOST_SLACK_MS = 500;

describe('host target: arbiter fencing', () => {
  it(
    'the backup that takes the VIP on master down is fenced within fall × interval + timeout; the simulator gives the same bound',
    async () => {
      const loaded = await loadScenarioFile(join(repoRoot, FILE));
      const fence = loaded.scenario.setup.vip!.fencingScript;
      const boundMs = fence.fall * fence.intervalMs + fence.timeoutMs;
      const record = await runDrill(hostTarget, loaded.scenario, { seed: loaded.scenario.seed, file: FILE });
      const result = buildResult(loaded, record);
      const states = (node: string) => result.events.filter((e) => e.component === 'vip' && e.type === 'state' && e.detail.node === node);
      const fault = result.metrics.perFault[0]!;

      // the backup became master after the drop, was refused by the arbiter, and went to FAULT
      const b = states('node-b');
      const master = b.find((e) => e.detail.state === 'master' && e.atMs > fault.injectedAtMs);
      const faulted = b.find((e) => e.detail.state === 'fault' && e.atMs > fault.injectedAtMs);
      expect(master, JSON.stringify(b)).toBeDefined();
      expect(faulted, JSON.stringify(b)).toBeDefined();
      expect(faulted!.atMs - master!.atMs).toBeLessThanOrEqual(boundMs + HOST_SLACK_MS);
      expect(result.events.some((e) => e.type === 'fencing' && e.detail.node === 'node-b' && e.detail.granted === false)).toBe(true);
      expect(result.events.some((e) => e.type === 'arbiter.script' && e.detail.node === 'node-b' && e.detail.ok === false)).toBe(true);
      // the primary kept the address throughout
      expect(states('node-a').map((e) => e.detail.state)).toEqual(['master']);

      // two holders: one overlap at most, within the bound
      expect(result.metrics.splitBrains.length).toBeLessThanOrEqual(1);
      expect(result.metrics.splitBrainMs).toBeLessThanOrEqual(boundMs + HOST_SLACK_MS);

      // the simulator: same scenario, the seed's overlap and 50 seeds' within the same bound
      const simMs: number[] = [];
      for (let seed = 1; seed <= 50; seed++) {
        const sim = buildResult(loaded, await runDrill(simTarget, loaded.scenario, { seed }));
        expect(sim.metrics.splitBrains, `sim seed ${seed}`).toHaveLength(1);
        simMs.push(sim.metrics.splitBrainMs);
      }
      expect(Math.max(...simMs)).toBeLessThanOrEqual(boundMs);
      process.stdout.write(
        `host-split-brain-fenced: host overlap ${result.metrics.splitBrainMs} ms (master ${master!.atMs} → fault ${faulted!.atMs}), ` +
          `errors ${result.metrics.errorCount}/${result.metrics.requestCount}; sim over 50 seeds ${Math.min(...simMs)}–${Math.max(...simMs)} ms; bound ${boundMs} ms\n`,
      );
      expect(result.verdict, JSON.stringify(result.expectations)).toBe('pass');

      // nothing of the run is left
      const host = record.extra?.host as HostRunInfo;
      const left = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
      for (const ns of host.namespaces) expect(left, ns).not.toContain(ns);
    },
    150_000,
  );
});

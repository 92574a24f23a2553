import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/measure/events.js';
import { repoRoot } from '../helpers/cli.js';
import { EARLY_MS, POLL_SLACK_MS, runAwsDrill } from '../helpers/aws-drill.js';

const SCENARIO = join(repoRoot, 'scenarios/aws-lb-failover.yaml');

const isRoute = (e: RunEvent, layer: string) => e.component === 'lb' && e.type === 'route.changed' && e.detail.layer === layer;

describe('aws target on moto: load balancer failover', () => {
  it(
    'FIS stops both primary targets; faildrill judges target health, the controller forwards the listener to the secondary group and back; open-loop load through the listener; everything tagged is deleted',
    async () => {
      const { scenario, result } = await runAwsDrill(SCENARIO);
      const events = result.events;
      const lb = scenario.setup.loadBalancer!;
      const [primary, secondary] = [...lb.targetGroups].sort((a, b) => a.priority - b.priority);
      const ctrl = scenario.controller.healthCheck;
      const tgCheck = primary!.healthCheck;

      // the stopped instances' servers close their listeners: every failed check is refused at once, so no
      // check timeout enters the bounds below
      const primaryDown = events.filter((e) => e.type === 'health' && e.component === 'controller' && e.detail.health === 'unhealthy');
      expect(primaryDown.map((e) => e.detail.target).sort()).toEqual([...primary!.targets].sort());
      expect(primaryDown.every((e) => e.detail.reason === 'refused')).toBe(true);

      for (const fault of result.metrics.perFault) {
        // detection by the component whose verdict moved traffic: the controller is unhealthy at its
        // unhealthyThreshold-th failed check, the first within one interval of the fault; the target
        // group likewise with its own interval and threshold
        const bound =
          fault.detectedBy === 'controller'
            ? { first: (ctrl.unhealthyThreshold - 1) * ctrl.intervalMs, last: ctrl.unhealthyThreshold * ctrl.intervalMs }
            : { first: (tgCheck.unhealthyThreshold - 1) * tgCheck.intervalMs, last: tgCheck.unhealthyThreshold * tgCheck.intervalMs };
        expect(['controller', 'lb'], fault.faultId).toContain(fault.detectedBy);
        expect(fault.detectionMs!, fault.faultId).toBeGreaterThanOrEqual(bound.first - EARLY_MS);
        expect(fault.detectionMs!, fault.faultId).toBeLessThanOrEqual(bound.last + POLL_SLACK_MS);
        // traffic leaves the stopped targets by the time the controller has judged both (its bound) and forwarded
        expect(fault.timeToSwitchMs!, fault.faultId).toBeLessThanOrEqual(ctrl.unhealthyThreshold * ctrl.intervalMs + POLL_SLACK_MS);
        // failback: once both instances run they serve after their boot time; the controller needs healthyThreshold
        // passing checks, then forwards back
        const bootMs = Math.max(...primary!.targets.map((t) => scenario.setup.servers.find((s) => s.id === t)!.bootMs));
        expect(fault.failbackMs!, fault.faultId).toBeGreaterThanOrEqual(bootMs + (ctrl.healthyThreshold - 1) * ctrl.intervalMs - EARLY_MS);
        expect(fault.failbackMs!, fault.faultId).toBeLessThanOrEqual(bootMs + ctrl.healthyThreshold * ctrl.intervalMs + POLL_SLACK_MS);
      }

      // faildrill's target group checks (moto never probes): each stopped target unhealthy at the
      // group's unhealthyThreshold-th check, healthy again at the healthyThreshold-th after it runs again
      for (const target of primary!.targets) {
        const fault = result.metrics.perFault.find((f) => f.target === target)!;
        const verdicts = events.filter((e) => e.component === 'lb' && e.type === 'target.health' && e.detail.targetGroup === primary!.id && e.detail.target === target);
        expect(verdicts.map((e) => e.detail.health), target).toEqual(['unhealthy', 'healthy']);
        expect(String(verdicts[0]!.detail.evaluatedBy)).toMatch(/^faildrill/);
        expect(verdicts[0]!.atMs - fault.injectedAtMs).toBeLessThanOrEqual(tgCheck.unhealthyThreshold * tgCheck.intervalMs + POLL_SLACK_MS);
        const bootMs = scenario.setup.servers.find((s) => s.id === target)!.bootMs;
        expect(verdicts[1]!.atMs - fault.removedAtMs!).toBeGreaterThanOrEqual(bootMs);
        expect(verdicts[1]!.atMs - fault.removedAtMs!).toBeLessThanOrEqual(bootMs + tgCheck.healthyThreshold * tgCheck.intervalMs + POLL_SLACK_MS);
      }
      // the secondary group's targets never changed health
      expect(events.some((e) => e.component === 'lb' && e.type === 'target.health' && e.detail.targetGroup === secondary!.id)).toBe(false);

      // the listener: forwarded to the secondary group once the controller failed over, back after failback
      const listener = events.filter((e) => isRoute(e, 'loadBalancer'));
      expect(listener.map((e) => `${e.detail.from}→${e.detail.to}`)).toEqual([`${primary!.id}→${secondary!.id}`, `${secondary!.id}→${primary!.id}`]);
      expect(listener[0]!.detail.toServers).toBe(secondary!.targets.join(','));
      expect(listener[0]!.detail.resource).toBe(lb.id);
      const failovers = events.filter((e) => e.component === 'controller' && e.type === 'failover' && e.detail.status === 'completed');
      expect(failovers.map((e) => e.detail.direction)).toEqual(['failover', 'failback']);
      // forwardTo resolves once the loopback listener forwards there: the route change precedes the completion
      for (const [i, f] of failovers.entries()) {
        expect(listener[i]!.atMs).toBeLessThanOrEqual(f.atMs);
        expect(f.atMs - listener[i]!.atMs).toBeLessThan(POLL_SLACK_MS);
      }
      // the controller failed over at its verdict on the last primary target
      const lastDown = Math.max(...primaryDown.map((e) => e.atMs));
      expect(listener[0]!.atMs).toBeGreaterThanOrEqual(lastDown);
      expect(listener[0]!.atMs - lastDown).toBeLessThanOrEqual(POLL_SLACK_MS);
      expect(result.failovers.map((f) => f.status)).toEqual(['completed', 'completed']);

      // open loop: rate × duration requests were sent through the listener, whatever the outage (within one per client)
      const requests = result.metrics.requestCount;
      expect(Math.abs(requests - (scenario.load.ratePerSec * scenario.durationMs) / 1000)).toBeLessThanOrEqual(scenario.load.clients);
      // errors only while the listener forwarded to the stopped group: at most the rate over the time to switch
      const toSwitchMs = Math.max(...result.metrics.perFault.map((f) => f.timeToSwitchMs!));
      expect(result.metrics.errorCount).toBeGreaterThan(0);
      expect(result.metrics.errorCount).toBeLessThanOrEqual(Math.ceil((scenario.load.ratePerSec * (toSwitchMs + POLL_SLACK_MS)) / 1000));

      const injected = events.filter((e) => e.component === 'fault' && e.type === 'injected');
      expect(injected.map((e) => e.detail.effect)).toEqual(['applied by faildrill', 'applied by faildrill']);
      expect(injected.map((e) => e.detail.call)).toEqual(['StopInstances', 'StopInstances']);
      expect(events.filter((e) => e.component === 'fis' && e.type === 'experiment' && e.detail.phase === 'start')).toHaveLength(2);
      expect(result.invariants.find((i) => i.name === 'nothing-left-behind')).toMatchObject({ pass: true });
      expect(result.invariants.find((i) => i.name === 'every-fault-removed')).toMatchObject({ pass: true });
      expect(result.verdict).toBe('pass');
    },
    300_000,
  );
});

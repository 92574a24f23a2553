import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/measure/events.js';
import { repoRoot, tempFile } from '../helpers/cli.js';
import { EARLY_MS, POLL_SLACK_MS, runAwsDrill } from '../helpers/aws-drill.js';

const SCENARIO = join(repoRoot, 'scenarios/aws-asg-replacement.yaml');

const asgInstance = (e: RunEvent, state: string) => e.component === 'asg' && e.type === 'instance' && e.detail.state === state;

// concurrent: each drill starts its own moto on its own port, and mostly waits on the wall clock
describe.concurrent('aws target on moto (started by faildrill): autoscaling replacement', () => {
  it(
    'FIS terminates an instance; the group replaces it, faildrill boots the replacement for launchTime and judges it healthy in the target group; traffic never reaches the terminated instance again; everything tagged is gone',
    async () => {
      const { scenario, result } = await runAwsDrill(SCENARIO);
      const events = result.events;
      const asg = scenario.setup.autoscaling!;
      const tg = scenario.setup.loadBalancer!.targetGroups.find((g) => g.id === asg.targetGroup)!;
      const hc = tg.healthCheck;
      const [fault] = result.metrics.perFault;
      const victim = scenario.faults[0]!.target;

      const injected = events.find((e) => e.component === 'fault' && e.type === 'injected')!;
      expect(injected.detail).toMatchObject({ effect: 'applied by faildrill', call: 'TerminateInstances' });
      expect(events.some((e) => e.component === 'fis' && e.type === 'experiment' && e.detail.phase === 'start')).toBe(true);

      // the group's verdict: moto replaces at once, faildrill reads the group every poll
      expect(events.filter((e) => e.component === 'asg' && e.type === 'instance' && e.detail.instance === victim).map((e) => e.detail.state)).toEqual([
        'unhealthy',
        'terminating',
        'terminated',
      ]);
      expect(fault!.detectedBy).toBe('asg');
      expect(fault!.detectionMs!).toBeLessThanOrEqual(POLL_SLACK_MS);

      // a new instance id in the group, booted by faildrill's stand-in for launchTime, registered by faildrill (moto does not)
      const pending = events.filter((e) => asgInstance(e, 'pending'));
      expect(pending).toHaveLength(1);
      const fresh = String(pending[0]!.detail.instance);
      expect(fresh).toMatch(/^i-[0-9a-f]+$/);
      expect(fresh).not.toBe(injected.detail.instanceId);
      expect(String(pending[0]!.detail.boot)).toMatch(/stood in by faildrill/);
      const inService = events.find((e) => asgInstance(e, 'in-service') && e.detail.instance === fresh)!;
      expect(inService.atMs - pending[0]!.atMs).toBeGreaterThanOrEqual(asg.launchTimeMs - 1);
      expect(inService.atMs - pending[0]!.atMs).toBeLessThanOrEqual(asg.launchTimeMs + POLL_SLACK_MS);
      const registration = events.find((e) => e.component === 'asg' && e.type === 'registration' && e.detail.instance === fresh)!;
      expect(String(registration.detail.appliedBy)).toMatch(/^faildrill: moto/);
      const started = events.find((e) => e.component === 'server' && e.type === 'service' && e.detail.server === fresh && e.detail.state === 'started')!;
      expect(started.atMs - pending[0]!.atMs).toBeGreaterThanOrEqual(asg.launchTimeMs - 1);

      // launch → healthy in the target group: the boot, then healthyThreshold passing checks one interval
      // apart, the first within an interval of the registration (faildrill's checker, ALB rules)
      const healthy = events.find((e) => e.component === 'lb' && e.type === 'target.health' && e.detail.target === fresh && e.detail.health === 'healthy')!;
      const launchToHealthyMs = healthy.atMs - pending[0]!.atMs;
      expect(launchToHealthyMs).toBeGreaterThanOrEqual(asg.launchTimeMs + (hc.healthyThreshold - 1) * hc.intervalMs - EARLY_MS);
      expect(launchToHealthyMs).toBeLessThanOrEqual(asg.launchTimeMs + hc.healthyThreshold * hc.intervalMs + POLL_SLACK_MS);
      expect(fault!.replacementMs).toBe(healthy.atMs - fault!.injectedAtMs);
      expect(result.metrics.replacementMs).toBe(fault!.replacementMs);
      expect(fault!.replacementMs!).toBeLessThanOrEqual(fault!.detectionMs! + asg.launchTimeMs + hc.healthyThreshold * hc.intervalMs + POLL_SLACK_MS);

      // RTO: errors end once the target group drains the terminated target (its switch); a request sent
      // to it before then fails within the load's timeout
      expect(fault!.timeToSwitchMs!).toBeLessThanOrEqual(POLL_SLACK_MS);
      expect(fault!.rtoMs!).toBeLessThanOrEqual(fault!.timeToSwitchMs! + scenario.load.timeoutMs);
      // the group kept its desired capacity
      expect(events.some((e) => e.component === 'asg' && e.type === 'capacity')).toBe(false);

      // the terminated instance never serves again: its server stopped at the fault and never restarted,
      // and no route after the fault includes it
      const afterFault = events.filter((e) => e.atMs >= fault!.injectedAtMs);
      expect(afterFault.filter((e) => e.component === 'server' && e.detail.server === victim).map((e) => e.detail.state)).toEqual(['stopped']);
      const routes = afterFault.filter((e) => e.component === 'lb' && e.type === 'route.changed');
      expect(routes.map((e) => String(e.detail.toServers).split(','))).toEqual([
        tg.targets.filter((t) => t !== victim),
        [...tg.targets.filter((t) => t !== victim), fresh],
      ]);

      // open loop: rate × duration requests, within one per client
      expect(Math.abs(result.metrics.requestCount - (scenario.load.ratePerSec * scenario.durationMs) / 1000)).toBeLessThanOrEqual(scenario.load.clients);
      // teardown deleted everything tagged with the run id, the replacement instance included (the session adds it to the inventory)
      expect(result.invariants.find((i) => i.name === 'nothing-left-behind')).toMatchObject({ pass: true });
      expect(result.verdict).toBe('pass');
    },
    300_000,
  );

  it(
    'FIS stops an instance: faildrill stands in for the group\'s ELB health replacement (moto evaluates none) once its target group judges it unhealthy; the replacement boots and turns healthy',
    async () => {
      // the shipped scenario with the instance stopped instead of terminated, 30 s shorter (the replacement is healthy by ~75 s)
      const text = readFileSync(SCENARIO, 'utf8')
        .replace('name: aws-asg-replacement', 'name: aws-asg-stop')
        .replace('duration: 2m', 'duration: 1m30s')
        .replace('id: terminate-web-1', 'id: stop-web-1')
        .replace('action: aws:ec2:terminate-instances', 'action: aws:ec2:stop-instances');
      const file = tempFile('aws-asg-stop.yaml', text);
      const { scenario, result } = await runAwsDrill(file);
      const events = result.events;
      const asg = scenario.setup.autoscaling!;
      const hc = scenario.setup.loadBalancer!.targetGroups.find((g) => g.id === asg.targetGroup)!.healthCheck;
      const [fault] = result.metrics.perFault;
      const victim = scenario.faults[0]!.target;
      expect(events.find((e) => e.component === 'fault' && e.type === 'injected')!.detail).toMatchObject({ effect: 'applied by faildrill', call: 'StopInstances' });

      // the target group's verdict (a stopped instance refuses at once): unhealthyThreshold failures one interval apart
      const tgVerdict = events.find((e) => e.component === 'lb' && e.type === 'target.health' && e.detail.target === victim && e.detail.health === 'unhealthy')!;
      expect(fault!.detectedBy).toBe('lb');
      expect(fault!.detectionMs!).toBeGreaterThanOrEqual((hc.unhealthyThreshold - 1) * hc.intervalMs - EARLY_MS);
      expect(fault!.detectionMs!).toBeLessThanOrEqual(hc.unhealthyThreshold * hc.intervalMs + POLL_SLACK_MS);
      // the group's ELB health replacement, stood in by faildrill at its next read of the group (the grace period is long past)
      const victimStates = events.filter((e) => e.component === 'asg' && e.type === 'instance' && e.detail.instance === victim);
      expect(victimStates.map((e) => e.detail.state)).toEqual(['unhealthy', 'terminating', 'terminated']);
      expect(victimStates[0]!.detail).toMatchObject({ check: 'ELB', appliedBy: 'faildrill: moto evaluates no ASG health' });
      expect(victimStates[0]!.atMs).toBeGreaterThanOrEqual(tgVerdict.atMs);
      expect(victimStates[0]!.atMs - tgVerdict.atMs).toBeLessThanOrEqual(POLL_SLACK_MS);
      expect(events.find((e) => e.component === 'asg' && e.type === 'replacement')!.detail.calls).toBe('SetInstanceHealth,TerminateInstanceInAutoScalingGroup,DeregisterTargets');

      // the replacement: booted for launchTime, then healthyThreshold passing checks (checks during the boot are refused)
      const pending = events.filter((e) => asgInstance(e, 'pending'));
      expect(pending).toHaveLength(1);
      const fresh = String(pending[0]!.detail.instance);
      const healthy = events.find((e) => e.component === 'lb' && e.type === 'target.health' && e.detail.target === fresh && e.detail.health === 'healthy')!;
      expect(healthy.atMs - pending[0]!.atMs).toBeGreaterThanOrEqual(asg.launchTimeMs + (hc.healthyThreshold - 1) * hc.intervalMs - EARLY_MS);
      expect(healthy.atMs - pending[0]!.atMs).toBeLessThanOrEqual(asg.launchTimeMs + hc.healthyThreshold * hc.intervalMs + POLL_SLACK_MS);
      expect(fault!.replacementMs).toBe(healthy.atMs - fault!.injectedAtMs);
      expect(result.invariants.find((i) => i.name === 'nothing-left-behind')).toMatchObject({ pass: true });
      expect(result.invariants.find((i) => i.name === 'every-fault-removed')).toMatchObject({ pass: true });
    },
    300_000,
  );
});

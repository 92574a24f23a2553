import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { STOP_CHECK_MS } from '../../src/run/abort/stop-watch.js';
import { assertRunnable } from '../../src/run/capability-check.js';
import { runDrill } from '../../src/run/runner.js';
import { parseScenario } from '../../src/scenario/load.js';
import { awsTarget } from '../../src/targets/aws/target.js';
import { hostTarget } from '../../src/targets/host/target.js';
import { startMoto, type MotoHandle } from '../helpers/moto.js';

/**
 * A CloudWatch alarm as a stop condition on the aws target (issue 12, after AWS FIS stop conditions):
 * moto serves PutMetricAlarm, SetAlarmState and DescribeAlarms, so the test puts an alarm there, runs a
 * drill on that moto (`--endpoint`) whose `abort.alarms` names it, and sets the alarm to ALARM while an
 * instance is stopped by its fault. The run must stop: the instance started again, the verdict aborted.
 */
/** The aws session reads alarm states every 2 s (src/targets/aws/session.ts ALARM_POLL_MS); slack for a busy machine. */
const ALARM_SEEN_WITHIN_MS = 2_000 + 3_000;
const ALARM = 'faildrill-test-checkout-5xx';

const scenario = (alarms: string[]) =>
  parseScenario(
    `name: aws-abort-alarm
seed: 5
duration: 90s
setup:
  servers:
    - { id: web-1, zone: us-east-1a, bootTime: 1s }
load: { rate: 10, clients: 5, timeout: 2s }
faults:
  - { id: web-1-stopped, at: 5s, action: aws:ec2:stop-instances, target: web-1, duration: 60s }
abort: { alarms: ${JSON.stringify(alarms)} }
`,
    'aws-abort-alarm.yaml',
  );

describe('aws target (moto): a CloudWatch alarm in ALARM stops the drill', () => {
  let moto: MotoHandle;
  let cloudwatch: CloudWatchClient;
  beforeAll(async () => {
    moto = await startMoto();
    cloudwatch = new CloudWatchClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: ALARM,
        Namespace: 'Shop',
        MetricName: 'Checkout5xx',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 10,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
  }, 60_000);
  afterAll(async () => {
    cloudwatch?.destroy();
    await moto?.stop();
  });

  it(
    'undoes the fault (StartInstances) and ends the run with the verdict aborted, naming the alarm',
    async () => {
      const loaded = scenario([`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${ALARM}`]);
      assertRunnable(awsTarget.capabilities, 'aws', loaded);
      let setAtMs: number | undefined;
      const record = await runDrill(awsTarget, loaded.scenario, {
        seed: 5,
        settings: { endpoint: moto.endpoint },
        onEvent: (e) => {
          if (e.component === 'fault' && e.type === 'injected' && setAtMs === undefined) {
            setAtMs = e.atMs;
            void cloudwatch.send(new SetAlarmStateCommand({ AlarmName: ALARM, StateValue: 'ALARM', StateReason: 'test: checkout errors' }));
          }
        },
      });
      expect(setAtMs, 'the fault was injected').toBeDefined();
      expect(record.stop).toMatchObject({ verdict: 'aborted', condition: 'alarms', actual: 'ALARM' });
      expect(record.stop!.message).toContain(`CloudWatch alarm ${ALARM} is in ALARM: test: checkout errors`);
      expect(record.stop!.atMs - setAtMs!).toBeLessThan(ALARM_SEEN_WITHIN_MS);
      const at = (component: string, type: string) => record.events.filter((e) => e.component === component && e.type === type);
      const removed = at('fault', 'removed');
      expect(removed).toHaveLength(1);
      // undone when the stop tripped, long before the fault's own end at 65 s
      expect(removed[0]!.atMs - record.stop!.atMs).toBeLessThan(ALARM_SEEN_WITHIN_MS);
      expect(at('cloudwatch', 'alarm').some((e) => e.detail.alarm === ALARM && e.detail.state === 'ALARM' && e.detail.watches === 'stop condition')).toBe(true);
      expect(record.durationMs).toBeLessThan(loaded.scenario.durationMs);
      expect(record.stop!.endedAtMs! - record.stop!.atMs).toBeLessThanOrEqual(30_000 + STOP_CHECK_MS);
      expect(record.invariants.find((i) => i.name === 'nothing-left-behind')?.pass).toBe(true);
    },
    180_000,
  );

  it('refuses an alarm the endpoint does not have before the drill begins (exit 2, naming abort.alarms)', async () => {
    const loaded = scenario(['no-such-alarm']);
    const run = runDrill(awsTarget, loaded.scenario, { seed: 5, settings: { endpoint: moto.endpoint } });
    await expect(run).rejects.toThrow(UsageError);
    await expect(run).rejects.toThrow(/abort\.alarms: no CloudWatch alarm named no-such-alarm/);
  }, 120_000);

  it('is refused on the host target, where no CloudWatch answers', () => {
    expect(() => assertRunnable(hostTarget.capabilities, 'host', scenario([ALARM]))).toThrow(/aws-abort-alarm\.yaml:\d+:\d+: abort\.alarms: stop condition abort\.alarms is not available on the host target/);
  });
});

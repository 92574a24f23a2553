import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRIC_WRITTEN_BY } from '../../src/targets/aws/notify-plane.js';
import { SNS_HTTP_ENDPOINT_ENV } from '../../src/targets/aws/session.js';
import { expectDnsDrillBounds } from '../helpers/aws-dns-drill.js';
import { POLL_SLACK_MS, runAwsDrill } from '../helpers/aws-drill.js';
import { repoRoot } from '../helpers/cli.js';
import { startSnsReceiver, type SnsDelivery, type SnsReceiver } from '../helpers/sns-receiver.js';

const SCENARIO = join(repoRoot, 'scenarios/aws-dns-failover.yaml');
/** The issue: a failover event reaches each notifier within 1 s. */
const NOTIFY_WITHIN_MS = 1_000;
/** src/targets/aws/provision/alarms.ts: Period 60 s × EvaluationPeriods 1; LocalStack evaluates an alarm every Period × EvaluationPeriods (its alarm_scheduler.py). */
const ALARM_EVALUATION_MS = 60_000;
/** src/targets/aws/session.ts ALARM_POLL_MS (how often the session reads alarm states back), with slack. */
const ALARM_POLL_SLACK_MS = 2_000 + POLL_SLACK_MS;

const parse = (text: string | undefined): Record<string, unknown> => JSON.parse(text ?? '{}') as Record<string, unknown>;

describe('aws target on LocalStack (community, host mode, started by faildrill)', () => {
  let receiver: SnsReceiver;
  const previous = process.env[SNS_HTTP_ENDPOINT_ENV];

  beforeAll(async () => {
    receiver = await startSnsReceiver();
    process.env[SNS_HTTP_ENDPOINT_ENV] = receiver.url;
  });

  afterAll(async () => {
    if (previous === undefined) delete process.env[SNS_HTTP_ENDPOINT_ENV];
    else process.env[SNS_HTTP_ENDPOINT_ENV] = previous;
    await receiver?.stop();
  });

  it(
    'drills the Route 53 failover record; the failover is notified over SNS HTTP delivery within 1 s, and the health check alarm fires its SNS action',
    async () => {
      const { scenario, result, spawnedAtMs, exitedAtMs } = await runAwsDrill(SCENARIO, 'localstack');
      expect(result.verdict).toBe('pass');

      // the same bounds as on moto (test/aws/drill.test.ts), derived from the scenario's health check and TTL
      expectDnsDrillBounds(result, scenario);
      const events = result.events;
      expect(result.events.find((e) => e.component === 'run' && e.type === 'start')!.detail.aws).toBe('localstack');

      // the handshake: LocalStack's confirmation request came first and our GET of its SubscribeURL succeeded
      const deliveries: SnsDelivery[] = receiver.deliveries;
      expect(deliveries[0]?.messageType, JSON.stringify(deliveries.slice(0, 2))).toBe('SubscriptionConfirmation');
      expect(deliveries[0]!.confirmStatus).toBe(200);
      expect(events.some((e) => e.component === 'sns' && e.type === 'subscribed' && e.detail.endpoint === receiver.url)).toBe(true);
      const notifications = deliveries.filter((d) => d.messageType === 'Notification');
      expect(notifications.every((d) => d.receivedAtMs >= deliveries[0]!.receivedAtMs)).toBe(true);

      // one notification per failover status change, each within 1 s of its event
      const failoverEvents = events.filter((e) => e.component === 'controller' && e.type === 'failover');
      const completed = failoverEvents.find((e) => e.detail.direction === 'failover' && e.detail.status === 'completed')!;
      expect(completed).toBeDefined();
      const fromFaildrill = notifications.map((d) => ({ d, message: parse(d.body.Message) })).filter(({ message }) => message.source === 'faildrill');
      expect(fromFaildrill).toHaveLength(failoverEvents.length);
      const delivered = fromFaildrill.find(({ message }) => message.failoverId === completed.detail.failoverId && (message.detail as Record<string, unknown>).status === 'completed');
      expect(delivered, JSON.stringify(fromFaildrill.map((f) => f.message))).toBeDefined();
      const { d, message } = delivered!;
      expect(message.detail).toEqual(completed.detail);
      expect(message.atMs).toBe(completed.atMs);
      expect(d.body.Subject).toContain(`${scenario.name}: ${String(completed.detail.group)} failover completed`);
      const eventWallMs = Date.parse(String(message.at));
      // the event's wall time lies inside the CLI's lifetime, at least its run time after the spawn
      expect(eventWallMs).toBeGreaterThanOrEqual(spawnedAtMs + completed.atMs);
      expect(eventWallMs).toBeLessThanOrEqual(exitedAtMs);
      expect(d.receivedAtMs - eventWallMs).toBeGreaterThanOrEqual(0);
      expect(d.receivedAtMs - eventWallMs).toBeLessThanOrEqual(NOTIFY_WITHIN_MS);
      expect(events.filter((e) => e.component === 'notifier' && e.type === 'notify.failed')).toEqual([]);

      // the Route 53 health check alarm: faildrill writes HealthCheckStatus from its verdicts, LocalStack evaluates the alarm and its action publishes
      const metricDown = events.find((e) => e.component === 'cloudwatch' && e.type === 'metric' && e.detail.target === scenario.setup.dns!.primary && e.detail.value === 0)!;
      expect(metricDown, 'faildrill wrote HealthCheckStatus 0 for the primary').toBeDefined();
      expect(metricDown.detail.writtenBy).toBe(METRIC_WRITTEN_BY);
      // the series starts at 1 (a new Route 53 check is healthy) before the fault, and turns 0 at faildrill's unhealthy verdict
      const injectedAt = events.find((e) => e.component === 'fault' && e.type === 'injected')!.atMs;
      expect(events.find((e) => e.component === 'cloudwatch' && e.type === 'metric' && e.detail.target === scenario.setup.dns!.primary)).toMatchObject({ detail: { value: 1 } });
      expect(events.find((e) => e.component === 'cloudwatch' && e.type === 'metric' && e.detail.target === scenario.setup.dns!.primary)!.atMs).toBeLessThan(injectedAt);
      const verdict = events.find((e) => e.component === 'route53' && e.type === 'health' && e.detail.target === scenario.setup.dns!.primary && e.detail.health === 'unhealthy')!;
      // written from the verdict event's own listener call: the same moment but for the microseconds between two reads of the clock
      expect(metricDown.atMs - verdict.atMs).toBeGreaterThanOrEqual(0);
      expect(metricDown.atMs - verdict.atMs).toBeLessThan(100);
      const alarmed = events.find((e) => e.component === 'cloudwatch' && e.type === 'alarm' && e.detail.watches === `healthCheck:${scenario.setup.dns!.primary}` && e.detail.state === 'ALARM')!;
      expect(alarmed, 'the primary health check alarm went to ALARM').toBeDefined();
      expect(alarmed.atMs).toBeGreaterThanOrEqual(metricDown.atMs);
      expect(alarmed.atMs).toBeLessThanOrEqual(metricDown.atMs + ALARM_EVALUATION_MS + ALARM_POLL_SLACK_MS);
      const alarmMessages = notifications.map((n) => parse(n.body.Message)).filter((m) => m.AlarmName === alarmed.detail.alarm);
      expect(alarmMessages.map((m) => m.NewStateValue)).toContain('ALARM');
    },
    360_000,
  );
});

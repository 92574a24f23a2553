import { GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMoto, type MotoHandle } from '../../../test/helpers/moto.js';
import { startSnsReceiver, type SnsReceiver } from '../../../test/helpers/sns-receiver.js';
import type { EventDetail, RunEvent } from '../../measure/events.js';
import { awsClients, EMULATOR_CREDENTIALS, type AwsClients } from './clients.js';
import { METRIC_WRITTEN_BY, NotifyPlane, type NotifyPlaneOptions } from './notify-plane.js';

const failover = (atMs: number, status: string): RunEvent => ({
  atMs,
  component: 'controller',
  type: 'failover',
  detail: { failoverId: 'fo-1', group: 'dns:app.example.com', layer: 'dns', direction: 'failover', from: 'primary', to: 'secondary', type: 'unplanned', status, reason: 'platform switched to the secondary' },
});

const until = async (what: () => boolean, timeoutMs: number) => {
  const end = Date.now() + timeoutMs;
  while (!what() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
};

// moto 5.2.5 (design.md §8): HTTP subscriptions auto-confirmed, Publish POSTs the notification; CloudWatch stores metric data
describe('NotifyPlane on moto', () => {
  let moto: MotoHandle;
  let receiver: SnsReceiver;
  let clients: AwsClients;

  beforeAll(async () => {
    [moto, receiver] = await Promise.all([startMoto(), startSnsReceiver()]);
    clients = awsClients({ region: 'us-east-1', endpoint: moto.endpoint, credentials: EMULATOR_CREDENTIALS, maxAttempts: 1 });
  }, 30_000);

  afterAll(async () => {
    clients?.destroy();
    await Promise.all([moto?.stop(), receiver?.stop()]);
  });

  const planeOn = async (extra: Partial<NotifyPlaneOptions>, events: Array<[string, string, EventDetail]>) => {
    const topic = await clients.sns.send(new CreateTopicCommand({ Name: `notify-plane-${Date.now()}` }));
    return NotifyPlane.start({
      clients,
      resources: { topic: { name: 'topic', arn: topic.TopicArn! }, alarms: [], dns: { healthChecks: { 'web-primary': 'hc-primary' } } },
      scenarioName: 'drill',
      emit: (c, t, d) => events.push([c, t, d]),
      epochMsAt: (atMs) => 1_000_000 + atMs,
      writeHealthMetric: false,
      metricIntervalMs: 60_000,
      alarmPollMs: 60_000,
      ...extra,
    });
  };

  it('publishes one message per failover status change, with the event detail and its wall time, to a subscribed HTTP endpoint', async () => {
    const events: Array<[string, string, EventDetail]> = [];
    const plane = await planeOn({ httpEndpoint: receiver.url }, events);
    plane.run();
    const before = receiver.deliveries.length;
    plane.observe(failover(50_000, 'pending'));
    plane.observe(failover(50_001, 'completed'));
    plane.observe({ atMs: 1, component: 'server', type: 'service', detail: {} });
    await plane.flush(5_000);
    await until(() => receiver.deliveries.filter((d) => d.messageType === 'Notification').length >= before + 2, 5_000);
    const messages = receiver.deliveries.filter((d) => d.messageType === 'Notification').slice(-2);
    expect(messages.map((m) => m.body.Subject)).toEqual(['faildrill warning: drill: dns:app.example.com failover pending', 'faildrill warning: drill: dns:app.example.com failover completed']);
    const completed = JSON.parse(messages[1]!.body.Message!) as Record<string, unknown>;
    expect(completed.detail).toEqual(failover(50_001, 'completed').detail);
    expect(completed.at).toBe(new Date(1_000_000 + 50_001).toISOString());
    expect(events.find(([c, t]) => c === 'sns' && t === 'subscribed')?.[2].endpoint).toBe(receiver.url);
    expect(events.filter(([c, t]) => c === 'notifier' && t === 'notify.sent')).toHaveLength(2);
    await plane.close();
  });

  it("writes AWS/Route53 HealthCheckStatus from faildrill's verdicts (1 at the start, 0 when unhealthy) and says so", async () => {
    const events: Array<[string, string, EventDetail]> = [];
    const plane = await planeOn({ writeHealthMetric: true, healthOf: () => true }, events);
    const startedAt = new Date(Date.now() - 60_000);
    plane.run();
    plane.observe({ atMs: 40_000, component: 'route53', type: 'health', detail: { healthCheck: 'hc-primary', target: 'web-primary', health: 'unhealthy' } });
    await plane.flush(5_000);
    expect(events.filter(([c, t]) => c === 'cloudwatch' && t === 'metric').map(([, , d]) => [d.value, d.writtenBy])).toEqual([
      [1, METRIC_WRITTEN_BY],
      [0, METRIC_WRITTEN_BY],
    ]);
    const read = () =>
      clients.cloudwatch.send(
        new GetMetricStatisticsCommand({
          Namespace: 'AWS/Route53',
          MetricName: 'HealthCheckStatus',
          Dimensions: [{ Name: 'HealthCheckId', Value: 'hc-primary' }],
          StartTime: startedAt,
          EndTime: new Date(Date.now() + 60_000),
          Period: 300,
          Statistics: ['Minimum', 'Maximum'],
        }),
      );
    let points = (await read()).Datapoints ?? [];
    for (let i = 0; i < 20 && !points.some((p) => p.Minimum === 0); i++) {
      await new Promise((r) => setTimeout(r, 100));
      points = (await read()).Datapoints ?? [];
    }
    expect(events.filter(([c, t]) => c === 'cloudwatch' && t === 'error')).toEqual([]);
    expect(Math.min(...points.map((p) => p.Minimum!))).toBe(0);
    expect(Math.max(...points.map((p) => p.Maximum!))).toBe(1);
    await plane.close();
  });

  it('a publish that fails is an event, never a throw', async () => {
    const closed = awsClients({ region: 'us-east-1', endpoint: 'http://127.0.0.1:1', credentials: EMULATOR_CREDENTIALS, maxAttempts: 1 });
    const events: Array<[string, string, EventDetail]> = [];
    const plane = await NotifyPlane.start({
      clients: closed,
      resources: { topic: { name: 'topic', arn: 'arn:aws:sns:us-east-1:000000000000:none' }, alarms: [] },
      scenarioName: 'drill',
      emit: (c, t, d) => events.push([c, t, d]),
      epochMsAt: (atMs) => atMs,
      httpEndpoint: receiver.url,
      writeHealthMetric: false,
      metricIntervalMs: 60_000,
      alarmPollMs: 60_000,
    });
    plane.run();
    plane.observe(failover(1, 'completed'));
    await plane.flush(5_000);
    await plane.close();
    closed.destroy();
    expect(events.map(([c, t]) => `${c}/${t}`)).toEqual(['sns/subscribe.failed', 'notifier/notify.failed']);
  });
});

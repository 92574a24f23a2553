import { DescribeAlarmsCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { SubscribeCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import type { Notification } from '../../controller/ports.js';
import type { EventDetail, RunEvent } from '../../measure/events.js';
import type { AwsClients } from './clients.js';
import { toPortError } from './errors.js';
import { SnsNotifier } from './ports/sns-notifier.js';
import type { AwsResources, DnsResources } from './provision/resources.js';

/** What the session says when faildrill, not the emulator, writes a metric an alarm watches. */
export const METRIC_WRITTEN_BY = 'metric written by faildrill (the emulator does not publish AWS/Route53 HealthCheckStatus)';

export interface NotifyPlaneOptions {
  clients: AwsClients;
  /** The run's topic, its alarms and the Route 53 health checks by endpoint (from provisioning). */
  resources: Pick<AwsResources, 'topic' | 'alarms'> & { dns?: Pick<DnsResources, 'healthChecks'> };
  scenarioName: string;
  emit: (component: string, type: string, detail: EventDetail) => void;
  /** Wall-clock epoch milliseconds of the run's time 0: a notification carries its event's wall time (`at`). */
  epochMsAt: (atMs: number) => number;
  /** An HTTP(S) URL subscribed to the run's topic (`FAILDRILL_SNS_HTTP_ENDPOINT`), if any. */
  httpEndpoint?: string;
  /** Publish each failover event to the run's topic (default true); false when the scenario's `notify: sns` does it. */
  publishFailovers?: boolean;
  /**
   * Write `AWS/Route53 HealthCheckStatus` from faildrill's checker verdicts (an emulator whose
   * CloudWatch evaluates alarms but has nobody publishing Route 53 metrics), every `metricIntervalMs`.
   */
  writeHealthMetric: boolean;
  /** faildrill's current verdict on a health check (its checkers start healthy, as Route 53's do): the metric's first value. */
  healthOf?: (healthCheckId: string) => boolean | undefined;
  metricIntervalMs: number;
  /** How often the alarms' states are read back (`cloudwatch`/`alarm` events on change). */
  alarmPollMs: number;
  /** Alarms of the scenario's stop conditions (`abort.alarms`, by name), read back with the run's own. */
  stopAlarms?: readonly string[];
}

/** A failover notification: the controller's {@link Notification} with the event's detail and wall time, which SnsNotifier spreads into the message. */
interface FailoverNotification extends Notification {
  scenario: string;
  /** ISO wall-clock time of the `controller`/`failover` event. */
  at: string;
  detail: EventDetail;
}

/**
 * The run's notifications on the aws target: every `controller`/`failover` event published to the
 * run's SNS topic through {@link SnsNotifier} (one Publish per status change), an optional HTTP
 * subscription of the topic, the Route 53 health metric its alarms watch where the emulator has no one
 * writing it, and the alarms' state changes as events. Failures are events, never a failed drill.
 */
export class NotifyPlane {
  readonly #notifier: SnsNotifier;
  readonly #health = new Map<string, { endpoint: string; value?: number }>();
  readonly #alarmStates = new Map<string, string>();
  #subscriptionArn?: string;
  #metricTimer?: NodeJS.Timeout;
  /** HealthCheckStatus writes, one after the other. */
  #healthWrites: Promise<void> = Promise.resolve();
  #alarmTimer?: NodeJS.Timeout;
  #closed = false;
  /** Events from before the run's time 0 (the subscription), emitted when it starts. */
  #early: Array<[string, string, EventDetail]> | undefined = [];

  private constructor(private readonly options: NotifyPlaneOptions) {
    this.#notifier = new SnsNotifier(options.clients.sns, options.resources.topic.arn, { emit: (c, t, d) => this.#emit(c, t, d) });
    for (const [endpoint, id] of Object.entries(options.resources.dns?.healthChecks ?? {})) this.#health.set(id, { endpoint });
  }

  /** Subscribes the HTTP endpoint (if any); LocalStack then sends it the confirmation request. */
  static async start(options: NotifyPlaneOptions): Promise<NotifyPlane> {
    const plane = new NotifyPlane(options);
    if (options.httpEndpoint) await plane.#subscribe(options.httpEndpoint);
    return plane;
  }

  #emit(component: string, type: string, detail: EventDetail): void {
    if (this.#early) this.#early.push([component, type, detail]);
    else this.options.emit(component, type, detail);
  }

  async #subscribe(endpoint: string): Promise<void> {
    const { clients, resources } = this.options;
    const emit = this.#emit.bind(this);
    const protocol = new URL(endpoint).protocol === 'https:' ? 'https' : 'http';
    try {
      const answer = await clients.sns.send(new SubscribeCommand({ TopicArn: resources.topic.arn, Protocol: protocol, Endpoint: endpoint, ReturnSubscriptionArn: true }));
      this.#subscriptionArn = answer.SubscriptionArn;
      emit('sns', 'subscribed', { topic: resources.topic.arn, protocol, endpoint, subscription: answer.SubscriptionArn ?? 'pending confirmation' });
    } catch (err) {
      const error = toPortError(err, 'sns', 'Subscribe');
      emit('sns', 'subscribe.failed', { topic: resources.topic.arn, endpoint, code: error.code, message: error.message });
    }
  }

  /** Starts the metric writer and the alarm poll (at the run's time 0). */
  run(): void {
    const early = this.#early ?? [];
    this.#early = undefined;
    for (const [component, type, detail] of early) this.options.emit(component, type, detail);
    if (this.options.writeHealthMetric && this.#health.size > 0) {
      for (const [id, check] of this.#health) {
        const healthy = this.options.healthOf?.(id);
        if (healthy !== undefined) this.#record(id, check, healthy ? 1 : 0);
      }
      void this.#writeHealth();
      const tick = () => {
        if (this.#closed) return;
        void this.#writeHealth().finally(() => {
          if (!this.#closed) this.#metricTimer = setTimeout(tick, this.options.metricIntervalMs);
        });
      };
      this.#metricTimer = setTimeout(tick, this.options.metricIntervalMs);
    }
    if (this.#alarmNames().length > 0) {
      // stop conditions are judged from the first read on, as FIS refuses to start with an alarm in ALARM
      if (this.options.stopAlarms?.length) void this.#readAlarms();
      const poll = () => {
        if (this.#closed) return;
        void this.#readAlarms().finally(() => {
          if (!this.#closed) this.#alarmTimer = setTimeout(poll, this.options.alarmPollMs);
        });
      };
      this.#alarmTimer = setTimeout(poll, this.options.alarmPollMs);
    }
  }

  /** Feed of the run's event log: failover events become notifications, Route 53 verdicts become metric values. */
  observe(event: RunEvent): void {
    if (this.#closed) return;
    if (event.component === 'controller' && event.type === 'failover') {
      if (this.options.publishFailovers !== false) this.#notify(event);
    }
    else if (event.component === 'route53' && event.type === 'health') this.#verdict(event);
  }

  #notify(event: RunEvent): void {
    const d = event.detail;
    const status = String(d.status);
    const direction = String(d.direction);
    const notification: FailoverNotification = {
      atMs: event.atMs,
      severity: status === 'failed' ? 'critical' : direction === 'failover' && d.type !== 'planned' ? 'warning' : 'info',
      summary: `${this.options.scenarioName}: ${String(d.group)} ${direction} ${status}`,
      ...(typeof d.failoverId === 'string' ? { failoverId: d.failoverId } : {}),
      scenario: this.options.scenarioName,
      at: new Date(this.options.epochMsAt(event.atMs)).toISOString(),
      detail: d,
    };
    this.#notifier.notify(notification);
  }

  #verdict(event: RunEvent): void {
    if (!this.options.writeHealthMetric) return;
    const check = this.#health.get(String(event.detail.healthCheck));
    if (!check) return;
    if (this.#record(String(event.detail.healthCheck), check, event.detail.health === 'healthy' ? 1 : 0)) void this.#writeHealth();
  }

  /** Sets a check's metric value; an event when it changed. */
  #record(healthCheckId: string, check: { endpoint: string; value?: number }, value: number): boolean {
    if (check.value === value) return false;
    check.value = value;
    this.#emit('cloudwatch', 'metric', { namespace: 'AWS/Route53', metric: 'HealthCheckStatus', healthCheck: healthCheckId, target: check.endpoint, value, writtenBy: METRIC_WRITTEN_BY });
    return true;
  }

  /** One PutMetricData with every judged check's current value (Route 53 publishes HealthCheckStatus per check, 1 healthy, 0 not). */
  #writeHealth(): Promise<void> {
    // the values as they are now, written after the writes before them: a verdict is never overtaken by an older one
    const data = [...this.#health].flatMap(([id, c]) => (c.value === undefined ? [] : [[id, c.value] as const]));
    if (data.length === 0) return this.#healthWrites;
    this.#healthWrites = this.#healthWrites.then(() => this.#putHealth(data));
    return this.#healthWrites;
  }

  async #putHealth(data: ReadonlyArray<readonly [string, number]>): Promise<void> {
    const now = new Date();
    try {
      await this.options.clients.cloudwatch.send(
        new PutMetricDataCommand({
          Namespace: 'AWS/Route53',
          MetricData: data.map(([id, value]) => ({ MetricName: 'HealthCheckStatus', Dimensions: [{ Name: 'HealthCheckId', Value: id }], Value: value, Timestamp: now, Unit: 'None' })),
        }),
      );
    } catch (err) {
      const error = toPortError(err, 'cloudwatch', 'PutMetricData');
      this.#emit('cloudwatch', 'error', { operation: 'PutMetricData', code: error.code, message: error.message });
    }
  }

  /** The run's own alarms and those of its stop conditions. */
  #alarmNames(): string[] {
    return [...new Set([...this.options.resources.alarms.map((a) => a.name), ...(this.options.stopAlarms ?? [])])];
  }

  async #readAlarms(): Promise<void> {
    const { clients, resources } = this.options;
    const emit = this.#emit.bind(this);
    try {
      const answer = await clients.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: this.#alarmNames() }));
      for (const alarm of answer.MetricAlarms ?? []) {
        const name = alarm.AlarmName ?? '';
        const state = alarm.StateValue ?? 'unknown';
        if (this.#alarmStates.get(name) === state) continue;
        this.#alarmStates.set(name, state);
        const watches = resources.alarms.find((a) => a.name === name)?.watches ?? (this.options.stopAlarms?.includes(name) ? 'stop condition' : '');
        emit('cloudwatch', 'alarm', { alarm: name, watches, state, reason: alarm.StateReason ?? '', evaluatedBy: 'the CloudWatch endpoint' });
      }
    } catch (err) {
      const error = toPortError(err, 'cloudwatch', 'DescribeAlarms');
      emit('cloudwatch', 'error', { operation: 'DescribeAlarms', code: error.code, message: error.message });
    }
  }

  /** Stops the loops and waits (at most `timeoutMs`) for queued notifications to be published or to fail. */
  async flush(timeoutMs: number): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#metricTimer);
    clearTimeout(this.#alarmTimer);
    let timer: NodeJS.Timeout | undefined;
    const pending = this.#notifier.pending;
    const timedOut = await Promise.race([
      Promise.all([this.#notifier.flush(), this.#healthWrites]).then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (timedOut) this.#emit('notifier', 'flush.timeout', { pending: this.#notifier.pending, queuedAtFlush: pending, timeoutMs });
  }

  /** Removes the HTTP subscription (the topic's deletion would too; this is for endpoints that keep topics). */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#metricTimer);
    clearTimeout(this.#alarmTimer);
    const arn = this.#subscriptionArn;
    if (!arn || !arn.startsWith('arn:')) return;
    await this.options.clients.sns.send(new UnsubscribeCommand({ SubscriptionArn: arn })).catch(() => undefined);
  }
}

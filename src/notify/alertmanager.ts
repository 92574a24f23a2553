import type { NotifySpec } from '../scenario/notify-schema.js';
import type { ChannelContext, NotifyChannel } from './channel.js';
import { postJson } from './http.js';
import { isFailoverMessage, type NotifyMessage } from './message.js';

/** The alert name every failover alert carries. */
export const FAILOVER_ALERTNAME = 'FaildrillFailover';

/** An alert as `POST /api/v2/alerts` takes it (postableAlert in Alertmanager's OpenAPI spec). */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  /** Absent: firing until Alertmanager's resolve_timeout after the last update. */
  endsAt?: string;
}

interface OpenAlert {
  labels: Record<string, string>;
  startsAt: string;
  group: string;
  direction: string;
}

/**
 * Alertmanager's v2 alerts API: one alert per failover event (`alertname=FaildrillFailover`, the
 * scenario, severity, failoverId, group and direction as labels, the summary and status as
 * annotations), POSTed again at each status change. A failover's alert fires until its group's
 * failback completes, which resolves it (endsAt) together with the failback's own alert; an alert
 * whose severity changes (a failover that failed turns critical) is resolved and replaced. Other
 * notifications are not alerts: this channel declines them.
 */
export class AlertmanagerChannel implements NotifyChannel {
  readonly name: string;
  readonly alertsUrl: string;
  readonly #labels: Record<string, string>;
  readonly #scenario: string;
  readonly #open = new Map<string, OpenAlert>();

  constructor(spec: NotifySpec, context: ChannelContext) {
    this.name = context.name;
    this.alertsUrl = new URL('api/v2/alerts', spec.url!.endsWith('/') ? spec.url! : `${spec.url!}/`).href;
    this.#labels = spec.labels ?? {};
    this.#scenario = context.scenario;
  }

  async deliver(message: NotifyMessage, signal: AbortSignal): Promise<boolean> {
    const alerts = this.alertsOf(message);
    if (alerts.length === 0) return false;
    await postJson(this.alertsUrl, alerts, signal);
    return true;
  }

  /** The alerts one message posts (and resolves); updates which alerts are open. */
  alertsOf(message: NotifyMessage): PostableAlert[] {
    if (!isFailoverMessage(message)) return [];
    const { detail, failoverId, at } = message;
    const group = String(detail.group);
    const direction = String(detail.direction);
    const labels = { ...this.#labels, alertname: FAILOVER_ALERTNAME, scenario: this.#scenario, severity: message.severity, failoverId, group, direction };
    const annotations = {
      summary: message.summary,
      status: String(detail.status),
      description: `${group}: ${direction} ${String(detail.from)} → ${String(detail.to)} (${String(detail.type)}) ${String(detail.status)}: ${String(detail.reason)}`,
    };
    const alerts: PostableAlert[] = [];
    const previous = this.#open.get(failoverId);
    const startsAt = previous?.startsAt ?? at;
    if (previous && !sameLabels(previous.labels, labels)) alerts.push({ labels: previous.labels, annotations, startsAt, endsAt: at });
    const resolved = direction === 'failback' && detail.status === 'completed';
    if (resolved) {
      this.#open.delete(failoverId);
      for (const [id, open] of this.#open) {
        if (open.group !== group || open.direction !== 'failover') continue;
        alerts.push({ labels: open.labels, annotations: { summary: `${group}: failed back (${failoverId})`, status: 'failed back' }, startsAt: open.startsAt, endsAt: at });
        this.#open.delete(id);
      }
      alerts.push({ labels, annotations, startsAt, endsAt: at });
    } else {
      this.#open.set(failoverId, { labels, startsAt, group, direction });
      alerts.push({ labels, annotations, startsAt });
    }
    return alerts;
  }
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

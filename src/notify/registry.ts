import type { EventLog } from '../measure/events.js';
import { LogNotifier } from '../run/log-notifier.js';
import type { NotifySpec, NotifyType } from '../scenario/notify-schema.js';
import { AlertmanagerChannel } from './alertmanager.js';
import type { ChannelContext, ChannelFactory, NotifyChannel } from './channel.js';
import { FanOutNotifier } from './fan-out.js';
import { WebhookChannel } from './webhook.js';

/** Every notifier type by the name `notify:` uses (after vitest's ReportersMap). SNS loads the SDK only when used. */
export const NotifiersMap = {
  webhook: (spec, context) => new WebhookChannel(spec, context),
  alertmanager: (spec, context) => new AlertmanagerChannel(spec, context),
  sns: async (spec, context) => (await import('./sns.js')).snsChannelOf(spec, context),
} as const satisfies Record<NotifyType, ChannelFactory>;

/** Each entry's name in events: its `name`, else its type, numbered from the second of a type on (`webhook`, `webhook-2`). */
export function notifierNames(specs: readonly NotifySpec[]): string[] {
  const count = new Map<string, number>();
  return specs.map((spec) => {
    if (spec.name) return spec.name;
    const n = (count.get(spec.type) ?? 0) + 1;
    count.set(spec.type, n);
    return n === 1 ? spec.type : `${spec.type}-${n}`;
  });
}

export interface OpenNotifiersOptions {
  scenario: { name: string; notify: readonly NotifySpec[] };
  events: EventLog;
  /** Whether this target delivers notifications (real targets); otherwise they stay in the event log. */
  delivers: boolean;
  targetName: string;
  /** A channel the target supplies for an entry (the aws session: sns on its run topic); undefined: built from {@link NotifiersMap}. */
  supplied?: (spec: NotifySpec, context: ChannelContext) => NotifyChannel | undefined;
  timeoutMs?: number;
}

/** The run's notifier: the event log always, and each `notify:` entry's channel where the target delivers. */
export async function openNotifiers(options: OpenNotifiersOptions): Promise<FanOutNotifier> {
  const { scenario, events, delivers, targetName } = options;
  const log = new LogNotifier(events);
  const common = { events, scenario: scenario.name, log, ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) };
  if (!delivers) {
    const note =
      scenario.notify.length > 0
        ? `the ${targetName} target delivers no notifications (${notifierNames(scenario.notify).join(', ')} not called): they stay in the event log as notifier/notification events`
        : undefined;
    return new FanOutNotifier({ ...common, channels: [], ...(note ? { note } : {}) });
  }
  const names = notifierNames(scenario.notify);
  const channels: NotifyChannel[] = [];
  try {
    for (const [i, spec] of scenario.notify.entries()) {
      const context = { name: names[i]!, scenario: scenario.name };
      channels.push(options.supplied?.(spec, context) ?? (await NotifiersMap[spec.type](spec, context)));
    }
  } catch (err) {
    for (const channel of channels) channel.close?.();
    throw err;
  }
  return new FanOutNotifier({ ...common, channels });
}

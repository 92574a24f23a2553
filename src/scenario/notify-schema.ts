import { z } from 'zod';

/** The notifier types a scenario's `notify:` may name (`src/notify/registry.ts` builds each). */
export const NOTIFY_TYPES = ['webhook', 'alertmanager', 'sns'] as const;
export type NotifyType = (typeof NOTIFY_TYPES)[number];

/** Which keys each type takes besides `type` and `name`. */
const KEYS_OF: Record<NotifyType, { required: string[]; optional: string[] }> = {
  webhook: { required: ['url'], optional: [] },
  alertmanager: { required: ['url'], optional: ['labels'] },
  sns: { required: [], optional: ['topicArn', 'endpoint', 'region'] },
};
const FIELDS = ['url', 'labels', 'topicArn', 'endpoint', 'region'] as const;

const httpUrl = (description: string) =>
  z
    .string({ error: 'expected an http:// or https:// URL' })
    .refine((text) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol), 'expected an http:// or https:// URL')
    .meta({ description });

/** Prometheus label names (Alertmanager's data model): `[a-zA-Z_][a-zA-Z0-9_]*`. */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const notifier = z
  .strictObject({
    type: z.enum(NOTIFY_TYPES, { error: `expected one of ${NOTIFY_TYPES.join(', ')}` }).meta({ description: 'Where notifications go' }),
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "expected a name: letters, digits, '.', '_' or '-'")
      .optional()
      .meta({ description: 'Names this notifier in the event log (default: its type, numbered when repeated)' }),
    url: httpUrl('webhook: the URL each notification is POSTed to as JSON; alertmanager: its base URL (alerts go to /api/v2/alerts)').optional(),
    labels: z
      .record(z.string(), z.string())
      .optional()
      .meta({ description: 'alertmanager: labels added to every alert (routing, team, …)' }),
    topicArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+(\.fifo)?$/, 'expected an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:drills')
      .optional()
      .meta({ description: "sns: the topic; on the aws target the run's own topic when absent" }),
    endpoint: httpUrl('sns: the SNS endpoint (an emulator); absent: AWS itself, with the SDK credential chain').optional(),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected a region such as us-east-1').optional().meta({
      description: "sns: the topic's region (default: the one in topicArn)",
    }),
  })
  .superRefine((n, ctx) => {
    const keys = KEYS_OF[n.type];
    for (const key of keys.required) {
      if (n[key as (typeof FIELDS)[number]] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: `${n.type} needs ${key}` });
    }
    for (const label of Object.keys(n.labels ?? {})) {
      if (!LABEL_NAME.test(label)) ctx.addIssue({ code: 'custom', path: ['labels', label], message: `expected a label name such as team ([a-zA-Z_][a-zA-Z0-9_]*), not '${label}'` });
    }
    const allowed = new Set([...keys.required, ...keys.optional]);
    for (const key of FIELDS) {
      if (n[key] !== undefined && !allowed.has(key))
        ctx.addIssue({ code: 'custom', path: [key], message: `${key} does not apply to ${n.type}${allowed.size ? `; it takes ${[...allowed].join(', ')}` : ''}` });
    }
  });

/**
 * `notify:` — where the controller's notifications go besides the event log: JSON webhooks,
 * Alertmanager (v2 alerts API) and SNS. Real targets deliver them; the simulator keeps them in the log.
 */
export const notifySchema = z
  .array(notifier)
  .superRefine((list, ctx) => {
    const seen = new Map<string, number>();
    list.forEach((n, i) => {
      if (n.name === undefined) return;
      if (seen.has(n.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `name '${n.name}' is already used by notify[${seen.get(n.name)}]` });
      else seen.set(n.name, i);
    });
  })
  .meta({ description: 'Notifiers that receive every failover event (webhook, alertmanager, sns); real targets only' });

export type NotifySpec = z.output<typeof notifier>;

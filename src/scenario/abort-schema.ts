import { z } from 'zod';
import { DURATION_PATTERN, parseDurationMs } from './duration.js';
import { parseLimit, type Limit } from './limit.js';

/** A stop condition's limit: it trips once the measured value is above it (`>` or `>=`). */
function stopLimit(unit: Limit['unit'], example: string, description: string) {
  const message = `expected a limit such as "${example}" (a stop condition trips above its limit: > or >=)`;
  return z
    .string({ error: message })
    .transform((text, ctx) => {
      const parsed = parseLimit(text, unit);
      if (!parsed || (parsed.op !== '>' && parsed.op !== '>=')) {
        ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      }
      return parsed;
    })
    .meta({ description });
}

/** The name inside a CloudWatch alarm ARN (`arn:aws:cloudwatch:<region>:<account>:alarm:<name>`), or the name as given. */
export function alarmNameOf(nameOrArn: string): string {
  const match = /^arn:[^:]+:cloudwatch:[^:]*:[^:]*:alarm:(.+)$/.exec(nameOrArn);
  return match ? match[1]! : nameOrArn;
}

/** The errorRate window when none is written: long enough that one slow request does not trip it. */
export const DEFAULT_ERROR_RATE_WINDOW_MS = 10_000;

const WINDOW_MESSAGE = 'expected a duration such as 5s or 1m';

/**
 * `abort:` — stop conditions, after AWS FIS's (a CloudWatch alarm in ALARM stops the experiment and
 * FIS rolls its actions back): when one trips, every active fault is undone at once, no further fault
 * is injected, the controller finishes what it started, and the verdict is `aborted`.
 */
export const abortSchema = z
  .strictObject({
    errorRate: stopLimit('ratio', '> 50%', "Clients' failed share of the requests sent within the last `window`").optional(),
    window: z
      .string({ error: WINDOW_MESSAGE })
      .regex(DURATION_PATTERN, WINDOW_MESSAGE)
      .transform((text) => parseDurationMs(text)!)
      .refine((ms) => ms >= 250 && ms <= 3_600_000, { message: 'expected a window between 250ms and 1h' })
      .optional()
      .meta({ description: 'errorRate: the window it is measured over (default 10s); evaluated once a whole window has passed' }),
    downtime: stopLimit('ms', '> 60s', 'Downtime so far: time in which the success ratio over measure.recovery.window was below its successRatio').optional(),
    probeFailing: stopLimit('ms', '> 30s', "How long every one of the load's requests (and the host's probe) may fail in a row").optional(),
    alarms: z
      .array(z.string().min(1, 'expected a CloudWatch alarm name or ARN').max(2048))
      .min(1, 'expected at least one CloudWatch alarm name or ARN')
      .optional()
      .meta({ description: 'aws target: CloudWatch alarms (names or ARNs) that stop the run while in ALARM, as FIS stop conditions do' }),
  })
  .superRefine((a, ctx) => {
    if (a.window !== undefined && a.errorRate === undefined)
      ctx.addIssue({ code: 'custom', path: ['window'], message: 'window applies to errorRate: add errorRate or remove window' });
    if (a.errorRate === undefined && a.downtime === undefined && a.probeFailing === undefined && a.alarms === undefined)
      ctx.addIssue({ code: 'custom', message: 'expected at least one stop condition: errorRate, downtime, probeFailing or alarms' });
  })
  .transform(({ window, alarms, ...rest }) => ({ ...rest, windowMs: window ?? DEFAULT_ERROR_RATE_WINDOW_MS, alarms: alarms ?? [] }))
  .meta({ description: 'Stop conditions: the run stops, undoing every fault, when one trips (verdict aborted, exit 4)' });

export type AbortSpec = z.output<typeof abortSchema>;

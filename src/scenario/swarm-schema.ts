import { z } from 'zod';
import { DURATION_PATTERN, parseDurationMs } from './duration.js';

const DURATION_MESSAGE = 'expected a duration such as 500ms, 30s, 5m or 1m30s';

const durationText = (description: string) =>
  z.string({ error: DURATION_MESSAGE }).regex(DURATION_PATTERN, DURATION_MESSAGE).meta({ description });

const bound = (description: string) =>
  z
    .union([z.number(), z.string().regex(DURATION_PATTERN, DURATION_MESSAGE)], { error: `expected a number or a duration such as 30s` })
    .meta({ description });

/** min <= max, and both of one kind (two numbers or two durations). */
function checkRange(range: { min: string | number; max: string | number }, ctx: z.RefinementCtx): void {
  const kind = (v: string | number) => (typeof v === 'number' ? 'number' : 'duration');
  if (kind(range.min) !== kind(range.max)) {
    ctx.addIssue({ code: 'custom', path: ['max'], message: `expected a ${kind(range.min)} like min` });
    return;
  }
  const value = (v: string | number) => (typeof v === 'number' ? v : parseDurationMs(v)!);
  if (value(range.min) > value(range.max)) ctx.addIssue({ code: 'custom', path: ['max'], message: 'expected max >= min' });
}

/**
 * `swarm:` — the ranges `faildrill sweep --swarm` draws from, per seed. Owned by the sweep module;
 * applied to the scenario as written, which is then validated again. Ignored without `--swarm`.
 */
export const swarmSchema = z
  .strictObject({
    faults: z
      .strictObject({
        atJitter: durationText("Each fault's `at` moves by up to ± this (e.g. 30s), staying within the run").optional(),
        duration: z
          .strictObject({ min: durationText('Shortest drawn duration'), max: durationText('Longest drawn duration') })
          .superRefine(checkRange)
          .optional()
          .meta({ description: 'Each fault that has a duration gets one drawn from [min, max]' }),
      })
      .optional(),
    parameters: z
      .array(
        z
          .strictObject({
            path: z
              .string()
              .regex(/^[A-Za-z0-9_]+(\[\d+\]|\.[A-Za-z0-9_]+)*$/, 'expected a key path such as setup.dns.ttl or setup.loadBalancer.targetGroups[0].deregistrationDelay')
              .meta({ description: 'Key path in the scenario, e.g. setup.dns.ttl, load.honourTtl or setup.loadBalancer.targetGroups[0].deregistrationDelay' }),
            min: bound('Lower bound: a number, or a duration for duration keys'),
            max: bound('Upper bound, of the same kind as min'),
          })
          .superRefine(checkRange),
      )
      .optional()
      .meta({ description: 'Model parameters drawn uniformly from [min, max] (durations or numbers); integer keys get integers' }),
  })
  .meta({ description: 'Ranges for `faildrill sweep --swarm`' });

/** The `swarm:` section as written. */
export type SwarmSpec = z.output<typeof swarmSchema>;

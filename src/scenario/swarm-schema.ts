import { z } from 'zod';

/**
 * `swarm:` — the ranges `faildrill sweep --swarm` draws from, per seed. Owned by the sweep module;
 * applied to the scenario as written, which is then validated again.
 */
export const swarmSchema = z
  .strictObject({
    faults: z
      .strictObject({
        atJitter: z.string().optional().meta({ description: "Each fault's `at` moves by up to ± this (e.g. 30s)" }),
        duration: z
          .strictObject({ min: z.string(), max: z.string() })
          .optional()
          .meta({ description: 'Each fault that has a duration gets one drawn from [min, max]' }),
      })
      .optional(),
    parameters: z
      .array(
        z.strictObject({
          path: z.string().meta({ description: 'Key path in the scenario, e.g. setup.dns.ttl or load.honourTtl' }),
          min: z.union([z.string(), z.number()]),
          max: z.union([z.string(), z.number()]),
        }),
      )
      .optional()
      .meta({ description: 'Model parameters drawn uniformly from [min, max] (durations or numbers)' }),
  })
  .meta({ description: 'Ranges for `faildrill sweep --swarm`' });

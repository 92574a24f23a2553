import { z } from 'zod';
import { scenarioSchema } from './schema.js';

let cached: Record<string, unknown> | undefined;

/** JSON Schema (draft 2020-12) of the scenario file as written, for editors and for key suggestions. */
export function scenarioJsonSchema(): Record<string, unknown> {
  cached ??= {
    ...z.toJSONSchema(scenarioSchema, { io: 'input', unrepresentable: 'any' }),
    $id: 'https://faildrill.dev/schema/scenario.schema.json',
    title: 'faildrill scenario',
  };
  return cached;
}

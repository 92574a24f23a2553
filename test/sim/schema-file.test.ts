import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scenarioJsonSchema } from '../../src/scenario/json-schema.js';
import { repoRoot } from '../helpers/cli.js';

describe('schema/scenario.schema.json', () => {
  it('is the JSON schema generated from the code (run `npm run schema` after changing the schema)', () => {
    const committed = JSON.parse(readFileSync(join(repoRoot, 'schema/scenario.schema.json'), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(scenarioJsonSchema())));
  });

  it('is referenced by every shipped scenario, so editors autocomplete', () => {
    for (const file of readdirSync(join(repoRoot, 'scenarios')).filter((f) => f.endsWith('.yaml'))) {
      const first = readFileSync(join(repoRoot, 'scenarios', file), 'utf8').split('\n')[0];
      expect(first, file).toBe('# yaml-language-server: $schema=../schema/scenario.schema.json');
    }
  });

  it('describes the fields people type, with their allowed values', () => {
    const schema = scenarioJsonSchema() as { properties: Record<string, { properties?: Record<string, unknown> }> };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['name', 'duration', 'setup', 'controller', 'load', 'faults', 'operations', 'expect']),
    );
    expect(JSON.stringify(schema)).toContain('"enum":["10s","30s"]');
  });
});

import { describe, expect, it } from 'vitest';
import { callerReference, resourceName, RUN_ID_TAG, runTags, taggedFor } from './tags.js';

describe('resourceName', () => {
  // ELBv2 names: at most 32 characters, letters, digits and hyphens, no hyphen at either end (ELBv2 API reference, CreateTargetGroup Name)
  const ELBV2_NAME = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

  it('fits ELBv2 names and keeps ids of one run apart, also when cut', () => {
    const ids = ['tg-blue', 'tg-green', 'Web_Primary.eu', 'a-very-long-target-group-id-number-one', 'a-very-long-target-group-id-number-two'];
    const names = ids.map((id) => resourceName('run-1', id));
    for (const name of names) {
      expect(name).toMatch(ELBV2_NAME);
      expect(name).not.toContain('--');
    }
    expect(new Set(names).size).toBe(ids.length);
  });

  it('differs between runs for the same id, and is the same for the same run', () => {
    expect(resourceName('run-1', 'tg-blue')).not.toBe(resourceName('run-2', 'tg-blue'));
    expect(resourceName('run-1', 'tg-blue')).toBe(resourceName('run-1', 'tg-blue'));
  });

  it('respects a longer limit without cutting', () => {
    const id = 'a-very-long-target-group-id-number-one';
    expect(resourceName('run-1', id, 255).endsWith(id)).toBe(true);
  });
});

describe('tags', () => {
  it('carry the run id and scenario, and are found by run id or by key alone', () => {
    const tags = runTags({ runId: 'r-7', scenario: 'lb-failover' }, 'tg-blue');
    expect(taggedFor(tags, 'r-7')).toBe(true);
    expect(taggedFor(tags, undefined)).toBe(true);
    expect(taggedFor(tags, 'r-8')).toBe(false);
    expect(taggedFor([{ Key: 'Name', Value: 'x' }], undefined)).toBe(false);
    expect(tags.find((t) => t.Key === RUN_ID_TAG)?.Value).toBe('r-7');
  });

  it('make caller references unique per run and id, within Route 53 limit of 128 characters', () => {
    const a = callerReference('run-1', 'hc-app.example.com-web-primary');
    expect(a.length).toBeLessThanOrEqual(128);
    expect(a).not.toBe(callerReference('run-2', 'hc-app.example.com-web-primary'));
  });
});

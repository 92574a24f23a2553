import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { capabilityTable } from '../../src/targets/matrix.js';
import { repoRoot } from '../helpers/cli.js';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

describe('README', () => {
  it('holds the capability matrix exactly as src/targets/matrix.ts generates it from the registered targets', () => {
    const between = /<!-- capabilities:start -->\n([\s\S]*?)\n<!-- capabilities:end -->/.exec(readme);
    expect(between?.[1]).toBe(capabilityTable());
  });

  it('gives the two set-up commands, and .ci/run runs the same test command', () => {
    expect(readme).toContain('npm install && npx faildrill run scenarios/full-stack.yaml');
    expect(readme).toContain('npm test ');
    expect(readFileSync(join(repoRoot, '.ci/run'), 'utf8')).toMatch(/\bnpm test\b/);
  });
});

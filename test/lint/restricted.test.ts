import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

interface Case {
  name: string;
  code: string;
  ruleId: 'no-restricted-globals' | 'no-restricted-properties' | 'no-restricted-imports';
  /** A word the message must contain: the reason, not just the ban. */
  because: string;
}

const restricted: Case[] = [
  { name: 'Date.now()', code: 'export const t = Date.now();\n', ruleId: 'no-restricted-globals', because: 'Clock' },
  { name: 'new Date()', code: 'export const d = new Date();\n', ruleId: 'no-restricted-globals', because: 'Clock' },
  { name: 'Math.random()', code: 'export const r = Math.random();\n', ruleId: 'no-restricted-properties', because: 'Rng' },
  { name: 'setTimeout()', code: 'setTimeout(() => undefined, 10);\n', ruleId: 'no-restricted-globals', because: 'Clock' },
  { name: 'setInterval()', code: 'setInterval(() => undefined, 10);\n', ruleId: 'no-restricted-globals', because: 'Clock' },
  { name: 'performance.now()', code: 'export const p = performance.now();\n', ruleId: 'no-restricted-globals', because: 'Clock' },
  {
    name: 'child_process',
    code: "import { exec } from 'node:child_process';\nexport { exec };\n",
    ruleId: 'no-restricted-imports',
    because: 'ports',
  },
  {
    name: 'node:timers/promises',
    code: "import { setTimeout as sleep } from 'node:timers/promises';\nexport { sleep };\n",
    ruleId: 'no-restricted-imports',
    because: 'Clock',
  },
  {
    name: 'AWS SDK',
    code: "import { S3Client } from '@aws-sdk/client-s3';\nexport { S3Client };\n",
    ruleId: 'no-restricted-imports',
    because: 'ports',
  },
  {
    name: 'a target',
    code: "import { x } from '../targets/host/x.js';\nexport { x };\n",
    ruleId: 'no-restricted-imports',
    because: 'target',
  },
];

const importSimulator = "import { Engine } from '../simulator/engine.js';\nexport { Engine };\n";
const clean = [
  "import type { Clock } from './ports.js';",
  'export async function waitTwice(clock: Clock): Promise<number> {',
  '  await clock.sleep(1_000);',
  '  await clock.sleep(1_000);',
  '  return clock.nowMs();',
  '}',
  '',
].join('\n');

let eslint: ESLint;

async function lint(code: string, filePath: string): Promise<Linter.LintMessage[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages;
}

beforeAll(() => {
  eslint = new ESLint({ cwd: repoRoot });
});

describe.each(['src/controller/__fixture__.ts', 'src/simulator/__fixture__.ts'])('restricted in %s', (filePath) => {
  it.each(restricted)('$name is rejected by $ruleId with the reason', async ({ code, ruleId, because }) => {
    const messages = await lint(code, filePath);
    expect(messages.map((m) => m.ruleId)).toEqual([ruleId]);
    expect(messages[0]!.severity).toBe(2);
    expect(messages[0]!.message).toContain(because);
    expect(messages[0]!.message).toContain('design.md §2');
  });

  it('passes code that takes time from Clock', async () => {
    expect(await lint(clean, filePath)).toEqual([]);
  });
});

describe('outside the controller and simulator', () => {
  it.each(restricted)('$name is allowed in src/run', async ({ code }) => {
    expect(await lint(code, 'src/run/x.ts')).toEqual([]);
  });
});

describe('the controller does not know it is simulated', () => {
  it('rejects a simulator import in src/controller', async () => {
    const messages = await lint(importSimulator, 'src/controller/__fixture__.ts');
    expect(messages.map((m) => m.ruleId)).toEqual(['no-restricted-imports']);
    expect(messages[0]!.message).toContain('simulated');
  });

  it('allows it inside the simulator and in controller tests', async () => {
    expect(await lint(importSimulator, 'src/simulator/__fixture__.ts')).toEqual([]);
    expect(await lint(importSimulator, 'src/controller/__fixture__.test.ts')).toEqual([]);
  });
});

describe("the engine's one setImmediate", () => {
  it('is allowed by its disable comment, and only by it', async () => {
    const filePath = 'src/simulator/engine.ts';
    const source = await readFile(new URL(`../../${filePath}`, import.meta.url), 'utf8');
    expect(await lint(source, filePath)).toEqual([]);
    const withoutComment = source.replace(/^\s*\/\/ eslint-disable-next-line no-restricted-globals.*\n/m, '');
    expect(withoutComment).not.toBe(source);
    const messages = await lint(withoutComment, filePath);
    expect(messages.map((m) => [m.ruleId, m.message.includes('setImmediate')])).toEqual([['no-restricted-globals', true]]);
  });
});

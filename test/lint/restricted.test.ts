import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

type RuleId = 'no-restricted-globals' | 'no-restricted-properties' | 'no-restricted-imports';

interface Case {
  name: string;
  code: string;
  ruleId: RuleId;
  /** Words the message must contain: the reason, not just the ban. */
  because: string[];
}

const importFrom = (module: string) => `import * as m from '${module}';\nexport { m };\n`;
const bothSpellings = (module: string) => [`node:${module}`, module];

/** Node modules that reach the world, with the words their message gives as the reason. */
const worldModules: [string, string][] = [
  ['fs', 'no files'],
  ['fs/promises', 'no files'],
  ['net', 'no sockets'],
  ['http', 'no HTTP'],
  ['https', 'no HTTPS'],
  ['http2', 'no HTTP/2'],
  ['dgram', 'no UDP'],
  ['dns', 'no name lookups'],
  ['dns/promises', 'no name lookups'],
  ['tls', 'no TLS'],
  ['worker_threads', 'no threads'],
  ['cluster', 'no processes'],
  ['child_process', 'no processes'],
];

const restricted: Case[] = [
  { name: 'Date.now()', code: 'export const t = Date.now();\n', ruleId: 'no-restricted-globals', because: ['Clock'] },
  { name: 'new Date()', code: 'export const d = new Date();\n', ruleId: 'no-restricted-globals', because: ['Clock'] },
  { name: 'Math.random()', code: 'export const r = Math.random();\n', ruleId: 'no-restricted-properties', because: ['Rng'] },
  { name: 'setTimeout()', code: 'setTimeout(() => undefined, 10);\n', ruleId: 'no-restricted-globals', because: ['Clock'] },
  { name: 'setInterval()', code: 'setInterval(() => undefined, 10);\n', ruleId: 'no-restricted-globals', because: ['Clock'] },
  { name: 'performance.now()', code: 'export const p = performance.now();\n', ruleId: 'no-restricted-globals', because: ['Clock'] },
  {
    name: 'node:timers/promises',
    code: "import { setTimeout as sleep } from 'node:timers/promises';\nexport { sleep };\n",
    ruleId: 'no-restricted-imports',
    because: ['Clock'],
  },
  {
    name: 'AWS SDK',
    code: "import { S3Client } from '@aws-sdk/client-s3';\nexport { S3Client };\n",
    ruleId: 'no-restricted-imports',
    because: ['ports', 'AWS SDK'],
  },
  {
    name: 'a target',
    code: "import { x } from '../targets/host/x.js';\nexport { x };\n",
    ruleId: 'no-restricted-imports',
    because: ['ports', 'target'],
  },
  // files, sockets, threads and processes: only through ports
  ...worldModules.flatMap(([module, what]) =>
    bothSpellings(module).map((name): Case => ({ name: `import '${name}'`, code: importFrom(name), ruleId: 'no-restricted-imports', because: ['ports', what] })),
  ),
  // the process clock
  { name: 'process.hrtime()', code: 'export const t = process.hrtime();\n', ruleId: 'no-restricted-properties', because: ['Clock', 'process clock'] },
  {
    name: 'process.hrtime.bigint()',
    code: 'export const t = process.hrtime.bigint();\n',
    ruleId: 'no-restricted-properties',
    because: ['Clock', 'process clock'],
  },
  { name: 'const { hrtime } = process', code: 'const { hrtime } = process;\nexport { hrtime };\n', ruleId: 'no-restricted-properties', because: ['Clock'] },
  { name: 'process.uptime()', code: 'export const t = process.uptime();\n', ruleId: 'no-restricted-properties', because: ['Clock', 'process clock'] },
  ...bothSpellings('process').map(
    (name): Case => ({ name: `hrtime from '${name}'`, code: `import { hrtime } from '${name}';\nexport { hrtime };\n`, ruleId: 'no-restricted-imports', because: ['Clock', 'process clock'] }),
  ),
  // crypto randomness, as the global and as imports
  ...['randomUUID()', 'getRandomValues(new Uint8Array(8))', 'randomBytes(8)', 'randomInt(6)'].map(
    (call): Case => ({ name: `crypto.${call}`, code: `export const r = crypto.${call};\n`, ruleId: 'no-restricted-properties', because: ['Rng', 'crypto randomness'] }),
  ),
  {
    name: 'globalThis.crypto.randomUUID()',
    code: 'export const r = globalThis.crypto.randomUUID();\n',
    ruleId: 'no-restricted-properties',
    because: ['Rng', 'crypto randomness'],
  },
  ...['randomUUID', 'randomBytes', 'randomInt', 'getRandomValues'].flatMap((fn) =>
    bothSpellings('crypto').map(
      (name): Case => ({ name: `${fn} from '${name}'`, code: `import { ${fn} } from '${name}';\nexport { ${fn} };\n`, ruleId: 'no-restricted-imports', because: ['Rng', 'crypto randomness'] }),
    ),
  ),
  {
    name: "import * from 'node:crypto' (reaches its randomness)",
    code: importFrom('node:crypto'),
    ruleId: 'no-restricted-imports',
    because: ['Rng', 'crypto randomness'],
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
/** Hashing is not randomness: a deterministic digest stays allowed. */
const hashing = "import { createHash } from 'node:crypto';\nexport const digest = (s: string) => createHash('sha256').update(s).digest('hex');\n";

let eslint: ESLint;

async function lint(code: string, filePath: string): Promise<Linter.LintMessage[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages;
}

function expectRejected(messages: Linter.LintMessage[], ruleId: RuleId, because: string[]): void {
  expect(messages.map((m) => m.ruleId)).toEqual([ruleId]);
  expect(messages[0]!.severity).toBe(2);
  for (const word of because) expect(messages[0]!.message).toContain(word);
}

beforeAll(() => {
  eslint = new ESLint({ cwd: repoRoot });
});

describe.each(['src/controller/__fixture__.ts', 'src/simulator/__fixture__.ts'])('restricted in %s', (filePath) => {
  it.each(restricted)('$name is rejected by $ruleId with the reason', async ({ code, ruleId, because }) => {
    expectRejected(await lint(code, filePath), ruleId, because);
  });

  it('passes code that takes time from Clock', async () => {
    expect(await lint(clean, filePath)).toEqual([]);
  });

  it('passes hashing with node:crypto', async () => {
    expect(await lint(hashing, filePath)).toEqual([]);
  });
});

describe('outside the controller and simulator', () => {
  it.each(restricted)('$name is allowed in src/run', async ({ code }) => {
    expect(await lint(code, 'src/run/x.ts')).toEqual([]);
  });
});

describe('the controller does not know it is simulated', () => {
  it('rejects a simulator import in src/controller', async () => {
    expectRejected(await lint(importSimulator, 'src/controller/__fixture__.ts'), 'no-restricted-imports', ['simulated', 'ports']);
  });

  it('allows it inside the simulator and in controller tests', async () => {
    expect(await lint(importSimulator, 'src/simulator/__fixture__.ts')).toEqual([]);
    expect(await lint(importSimulator, 'src/controller/__fixture__.test.ts')).toEqual([]);
  });
});

describe('the simulator does not reach into the drill runner', () => {
  const fromRun = [
    "import { MemoryLease } from '../run/memory-lease.js';\nexport { MemoryLease };\n",
    "import type { Session } from '../run/target.js';\nexport type { Session };\n",
    "import * as run from '../run/index.js';\nexport { run };\n",
  ];

  it.each(fromRun)('rejects %s in src/simulator', async (code) => {
    expectRejected(await lint(code, 'src/simulator/__fixture__.ts'), 'no-restricted-imports', ['src/run', 'drives']);
    expectRejected(await lint(code, 'src/simulator/__fixture__.test.ts'), 'no-restricted-imports', ['src/run']);
  });

  it('keeps the other bans in the simulator beside it', async () => {
    const messages = await lint(`${fromRun[0]}${importFrom('node:fs')}`, 'src/simulator/__fixture__.ts');
    expect(messages.map((m) => m.ruleId)).toEqual(['no-restricted-imports', 'no-restricted-imports']);
    expect(messages[1]!.message).toContain('no files');
  });

  it('allows the sim target to import the runner, and the simulator to import its own modules', async () => {
    expect(await lint("import type { Session } from '../../run/target.js';\nexport type { Session };\n", 'src/targets/sim/x.ts')).toEqual([]);
    expect(await lint("import { Engine } from './engine.js';\nimport { runs } from './runs.js';\nexport { Engine, runs };\n", 'src/simulator/x.ts')).toEqual([]);
  });
});

describe('the host target and sweeps take the seeded Rng from its shared place', () => {
  const cases: [string, string][] = [
    ['src/targets/host/__fixture__.ts', '../../simulator/rng.js'],
    ['src/targets/host/deep/__fixture__.ts', '../../../simulator/rng.js'],
    ['src/sweep/__fixture__.ts', '../simulator/rng.js'],
    ['src/sweep/__fixture__.test.ts', '../simulator/rng'],
  ];

  it.each(cases)('rejects the simulator rng in %s', async (filePath, from) => {
    const code = `import { SeededRng } from '${from}';\nexport { SeededRng };\n`;
    expectRejected(await lint(code, filePath), 'no-restricted-imports', ['src/random/seeded-rng.ts']);
  });

  it.each(['src/targets/host/__fixture__.ts', 'src/sweep/__fixture__.ts'])('accepts src/random in %s', async (filePath) => {
    const depth = filePath.split('/').length - 2;
    const code = `import { SeededRng } from '${'../'.repeat(depth)}random/seeded-rng.js';\nexport { SeededRng };\n`;
    expect(await lint(code, filePath)).toEqual([]);
  });

  it('the same import is not restricted in the sim target', async () => {
    expect(await lint("import { SeededRng } from '../../simulator/rng.js';\nexport { SeededRng };\n", 'src/targets/sim/x.ts')).toEqual([]);
  });
});

describe('every message points inside the repository', () => {
  const files = [
    'src/controller/x.ts',
    'src/controller/x.test.ts',
    'src/simulator/x.ts',
    'src/targets/host/x.ts',
    'src/sweep/x.ts',
  ];

  /** Every `message` of every restricted-* rule that applies to these files. */
  async function messages(): Promise<string[]> {
    const found = new Set<string>();
    const collect = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(collect);
      else if (value && typeof value === 'object') {
        for (const [key, inner] of Object.entries(value)) {
          if (key === 'message' && typeof inner === 'string') found.add(inner);
          else collect(inner);
        }
      }
    };
    for (const file of files) {
      const config = (await eslint.calculateConfigForFile(file)) as { rules: Record<string, unknown> };
      for (const [rule, options] of Object.entries(config.rules)) if (rule.startsWith('no-restricted-')) collect(options);
    }
    return [...found];
  }

  it('no message cites design.md, a parent folder or an absolute path', async () => {
    const all = await messages();
    // one message per reason at least: clock, rng, ports, simulator, runner, rng's home
    expect(all.length).toBeGreaterThanOrEqual(6);
    for (const message of all) {
      expect(message).not.toMatch(/design\.md/);
      expect(message).not.toMatch(/\.\.\/|(^|\s|\()\/\w|shared\//);
    }
  });

  it('every file a message cites exists in the repository, and every README section it cites is a heading there', async () => {
    const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
    const headings = new Set([...readme.matchAll(/^#+ (.+)$/gm)].map((m) => m[1]!.trim()));
    let cited = 0;
    for (const message of await messages()) {
      for (const [path] of message.matchAll(/[\w./-]+\.(?:md|ts|js)\b/g)) {
        const absolute = resolve(repoRoot, path);
        expect(relative(repoRoot, absolute).startsWith('..'), `${path} in "${message}"`).toBe(false);
        expect(existsSync(absolute), `${path} in "${message}"`).toBe(true);
        cited++;
      }
      for (const [, section] of message.matchAll(/README\.md § ([^()]+?)\)/g)) {
        expect(headings.has(section!.trim()), `README section "${section}" in "${message}"`).toBe(true);
      }
      // a reason without a reference is allowed only for none: each message says where to read more
      expect(message, message).toMatch(/\.md\b/);
    }
    expect(cited).toBeGreaterThan(0);
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

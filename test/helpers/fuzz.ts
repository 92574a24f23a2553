import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { expect, vi } from 'vitest';
import { parseDocument, stringify, visit, type Node } from 'yaml';
import { main } from '../../src/cli.js';
import { parseDurationMs } from '../../src/scenario/duration.js';
import { repoRoot, tempDir } from './cli.js';

/**
 * Scenario fuzzing (issue 12): mutations of the shipped scenarios — fields dropped, duplicated,
 * retyped, copied from elsewhere, unknown keys — text-level damage, anchors and aliases (bombs too)
 * and random YAML, run through the CLI's `validate` and `run`. The property: every exit is 0, 1 or 2,
 * nothing prints a stack trace or "internal error", every exit 2 names file:line:col.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = Array<string | number>;

/** The shipped scenarios as parsed YAML, the seeds of every mutation. */
export const shipped: ReadonlyArray<{ name: string; doc: Json }> = readdirSync(join(repoRoot, 'scenarios'))
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => ({ name: f, doc: parseDocument(readFileSync(join(repoRoot, 'scenarios', f), 'utf8')).toJS() as Json }));

/** Values people and fuzzers put where they do not belong: wrong types, odd numbers, near-miss texts. */
const oddValue: fc.Arbitrary<Json> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<Json>(null, true, false, 0, -1, 1.5, 1e21, 2 ** 53, '', ' ', '0', '-5s', '1e3ms', '0x10%', '1e2%', '5%', '101%', '100ms', '10s', '1m30s', '0s', '10ms', '168h', '__proto__', 'constructor', 'toString', 'x'.repeat(300), '*', '&a', 'a', 'primary', 'vip', 'lb', 'db', 'nginx', 'keepalived', 'app', 'vrrp', 'MASTER', 'aurora', '<= 0', '== 0', '< 1%', '> 5s', '<< 5s', 'service-stop', 'network-drop', 'aws:rds:failover-db-cluster', 'manual-failback', 'controller', 'platform', '198.18.0.1/24') },
  { weight: 1, arbitrary: fc.constantFrom<Json>(Number.NaN, Infinity, -Infinity) },
  { weight: 2, arbitrary: fc.integer({ min: -1_000_000, max: 1_000_000 }) },
  { weight: 1, arbitrary: fc.double({ noNaN: false }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.array(fc.jsonValue({ maxDepth: 1 }) as fc.Arbitrary<Json>, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 1 }) as fc.Arbitrary<Json>, { maxKeys: 3 }) },
);

/** Keys of the schema, so that added keys often land where they mean something. */
const KEYS = ['id', 'at', 'duration', 'priority', 'targets', 'timeout', 'interval', 'service', 'protocol', 'name', 'max', 'min', 'desired', 'instances', 'lagSpikes', 'measure', 'resolution', 'entry', 'rate', 'clients', 'peer', 'port', 'state', 'nodes', 'healthCheck', 'fencing', 'engine', 'primary', 'standby', 'layer', 'maintenance', 'colour'];

/** Scalars the shipped scenarios write under each key: what a plausible edit puts there instead. */
const valuesByKey = new Map<string, Json[]>();
function collectValues(value: Json, key: string | undefined): void {
  if (value === null || typeof value !== 'object') {
    if (key !== undefined) valuesByKey.set(key, [...new Set([...(valuesByKey.get(key) ?? []), value])]);
    return;
  }
  if (Array.isArray(value)) value.forEach((v) => collectValues(v, key));
  else for (const [k, v] of Object.entries(value)) collectValues(v, k);
}
for (const { doc } of shipped) collectValues(doc, undefined);

const mutation = fc.record({
  kind: fc.constantFrom('drop', 'retype', 'copy', 'duplicate', 'addKey', 'sameKey'),
  at: fc.nat(),
  from: fc.nat(),
  key: fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 8 })),
  value: oddValue,
});
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function pathsOf(value: Json, prefix: Path = [], out: Path[] = []): Path[] {
  if (value === null || typeof value !== 'object') return out;
  const entries: Array<[string | number, Json]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  for (const [key, child] of entries) {
    out.push([...prefix, key]);
    pathsOf(child, [...prefix, key], out);
  }
  return out;
}

function getAt(root: Json, path: Path): Json {
  return path.reduce<Json>((node, key) => (node as Record<string | number, Json>)[key]!, root);
}

/** Applies one mutation in place; `root` is a mapping. */
function apply(root: Json, m: Mutation): void {
  const paths = pathsOf(root);
  if (paths.length === 0) return;
  const path = paths[m.at % paths.length]!;
  const parent = getAt(root, path.slice(0, -1)) as Record<string | number, Json> | Json[];
  const key = path.at(-1)!;
  const target = getAt(root, path);
  switch (m.kind) {
    case 'drop':
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
      return;
    case 'retype':
      (parent as Record<string | number, Json>)[key] = structuredClone(m.value);
      return;
    case 'copy':
      (parent as Record<string | number, Json>)[key] = structuredClone(getAt(root, paths[m.from % paths.length]!));
      return;
    case 'duplicate':
      if (Array.isArray(parent)) parent.splice((key as number) + 1, 0, structuredClone(target));
      else if (target !== null && typeof target === 'object' && !Array.isArray(target)) Object.assign(target, { [m.key]: structuredClone(target) });
      return;
    case 'addKey':
      if (target !== null && typeof target === 'object' && !Array.isArray(target)) target[m.key] = structuredClone(m.value);
      else if (!Array.isArray(parent)) parent[m.key] = structuredClone(m.value);
      return;
    case 'sameKey': {
      // another value some shipped scenario writes under this key (for a list item: under the list's key)
      const name = [...path].reverse().find((p): p is string => typeof p === 'string');
      const pool = name === undefined ? undefined : valuesByKey.get(name);
      if (pool?.length && (target === null || typeof target !== 'object')) (parent as Record<string | number, Json>)[key] = pool[m.from % pool.length]!;
    }
  }
}

/** Edits that keep a scenario's shape: a field dropped, a list item doubled, another value a shipped scenario uses there. */
const plausibleMutation = mutation.filter((m) => m.kind === 'drop' || m.kind === 'duplicate' || m.kind === 'sameKey');

/** A shipped scenario after 1–`most` structural mutations, as a JS document. */
export function mutatedDoc(
  most = 4,
  base: fc.Arbitrary<Json> = fc.constantFrom(...shipped.map((s) => s.doc)),
  kinds: fc.Arbitrary<Mutation> = mutation,
  least = 1,
): fc.Arbitrary<Json> {
  return fc.tuple(base, fc.array(kinds, { minLength: least, maxLength: most })).map(([doc, mutations]) => {
    const copy = structuredClone(doc);
    for (const m of mutations) apply(copy, m);
    return copy;
  });
}

/** YAML text as people damage it: a line dropped, doubled or re-indented, a cut, stray YAML characters. */
const textDamage = fc.record({
  kind: fc.constantFrom('deleteLine', 'duplicateLine', 'indent', 'dedent', 'truncate', 'insert'),
  at: fc.nat(),
  text: fc.constantFrom(':', ': ', '- ', '{', '}', '[', ']', ',', '&a ', '*a', '!!str ', '!!binary ', '"', "'", '|', '>', '#', '\n---\n', '\t', '? ', '<<: ', '%', '@', '`', '\u0000', '\uFEFF', '\\', 'x'),
});

function damage(text: string, d: typeof textDamage extends fc.Arbitrary<infer T> ? T : never): string {
  const lines = text.split('\n');
  const i = d.at % lines.length;
  switch (d.kind) {
    case 'deleteLine':
      lines.splice(i, 1);
      return lines.join('\n');
    case 'duplicateLine':
      lines.splice(i, 0, lines[i]!);
      return lines.join('\n');
    case 'indent':
      lines[i] = `  ${lines[i]}`;
      return lines.join('\n');
    case 'dedent':
      lines[i] = lines[i]!.replace(/^ {1,2}/, '');
      return lines.join('\n');
    case 'truncate':
      return text.slice(0, d.at % (text.length + 1));
    case 'insert': {
      const pos = d.at % (text.length + 1);
      return text.slice(0, pos) + d.text + text.slice(pos);
    }
  }
}

/** A mutated scenario's YAML with 1–3 text damages. */
const damagedText = fc.tuple(mutatedDoc(2), fc.array(textDamage, { minLength: 1, maxLength: 3 })).map(([doc, damages]) =>
  damages.reduce((text, d) => damage(text, d), stringify(doc)),
);

/** A scenario in which one node becomes an anchor and another an alias of it (before or after it). */
const aliased = fc.tuple(mutatedDoc(1), fc.nat(), fc.nat(), fc.constantFrom('a', 'b')).map(([doc, from, to, name]) => {
  const document = parseDocument(stringify(doc));
  const nodes: Node[] = [];
  visit(document, { Node: (_key, node) => void nodes.push(node) });
  const source = nodes[from % nodes.length]!;
  const target = nodes[to % nodes.length]!;
  if (source !== target) {
    visit(document, {
      Node: (_key, node) => (node === target ? document.createAlias(source as never, name) : undefined),
    });
  }
  return document.toString({ verifyAliasOrder: false });
});

/** A billion-laughs block of `levels` anchors, each `width` aliases of the one before, under an extra key. */
const bomb = fc.tuple(mutatedDoc(1), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 })).map(([doc, levels, width]) => {
  const lines = ['  l0: &l0 [lol]'];
  for (let i = 1; i <= levels; i++) lines.push(`  l${i}: &l${i} [${Array(width).fill(`*l${i - 1}`).join(', ')}]`);
  return `${stringify(doc)}laughs:\n${lines.join('\n')}\n`;
});

/** YAML-ish token soup and arbitrary JSON values: documents that are not scenarios at all. */
const randomYaml = fc.oneof(
  fc.array(fc.constantFrom('name: ', 'duration: ', 'setup:', 'servers:', '\n', '  ', '- ', '{', '}', '[', ']', ', ', ': ', '&a ', '*a', '!!str ', '"', "'", '|', '>', '#', '---', '...', '%YAML 1.2\n', 'x', '1', '30s', '? ', '<<: ', 'id: a'), { maxLength: 40 }).map((t) => t.join('')),
  fc.jsonValue({ maxDepth: 4 }).map((v) => stringify(v)),
  fc.string({ maxLength: 200 }),
);

/** Shipped scenarios with 1–4 structural mutations, as YAML. */
export const mutatedText: fc.Arbitrary<string> = mutatedDoc().map((doc) => stringify(doc));

/** YAML that is damaged, aliased (bombs too) or random: what the parser and the alias checks must survive. */
export const brokenText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: damagedText },
  { weight: 2, arbitrary: aliased },
  { weight: 1, arbitrary: bomb },
  { weight: 2, arbitrary: randomYaml },
);

/** Every kind of fuzzed scenario text the loader must survive. */
export const scenarioText: fc.Arbitrary<string> = fc.oneof({ weight: 1, arbitrary: mutatedText }, { weight: 1, arbitrary: brokenText });

/** The longest run the fuzzer simulates: a case costs a few milliseconds, so 2 000 of them fit in about half a minute. */
export const RUN_CAP_MS = 30_000;
const TIMED_KEYS = ['at', 'duration', 'maintenance'];

/** A shipped scenario with every time scaled so that the whole run lasts at most RUN_CAP_MS. */
function shortened(doc: Json): Json {
  const copy = structuredClone(doc) as Record<string, Json>;
  const runMs = parseDurationMs(String(copy.duration))!;
  const k = Math.min(1, RUN_CAP_MS / runMs);
  copy.duration = `${Math.floor(runMs * k)}ms`;
  const scale = (list: Json | undefined) => {
    for (const item of Array.isArray(list) ? list : [])
      for (const key of TIMED_KEYS) {
        const entry = item as Record<string, Json>;
        const ms = typeof entry[key] === 'string' ? parseDurationMs(entry[key] as string) : undefined;
        if (ms !== undefined) entry[key] = `${Math.max(key === 'at' ? 0 : 1, Math.floor(ms * k))}ms`;
      }
  };
  scale(copy.faults);
  scale(copy.operations);
  scale(((copy.setup as Record<string, Json>).database as Record<string, Json> | undefined)?.lagSpikes);
  return copy;
}

/**
 * Bounds a mutated document's cost to simulate, keeping its damage: at most RUN_CAP_MS long, and a
 * load, write rate and autoscaling group of the shipped scenarios' size. A mutation that makes these
 * fields invalid stays invalid.
 */
function bounded(doc: Json): Json {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return doc;
  const ms = typeof doc.duration === 'string' ? parseDurationMs(doc.duration) : undefined;
  if (ms !== undefined && ms > RUN_CAP_MS) doc.duration = `${RUN_CAP_MS}ms`;
  const clamp = (obj: Json | undefined, key: string, max: number) => {
    if (obj && typeof obj === 'object' && !Array.isArray(obj) && typeof obj[key] === 'number' && (obj[key] as number) > max) obj[key] = max;
  };
  for (const load of [doc.load, ...(Array.isArray(doc.loads) ? doc.loads : [])]) {
    clamp(load, 'rate', 2_000);
    clamp(load, 'clients', 200);
  }
  const setup = doc.setup as Record<string, Json> | undefined;
  if (setup && typeof setup === 'object') {
    clamp(setup.database, 'writeRate', 200);
    clamp(setup.autoscaling, 'scaleOnFailover', 5);
  }
  return doc;
}

/**
 * Shortened shipped scenarios with 0–3 edits, bounded to simulate in milliseconds: mostly plausible
 * edits (so that many still run), some of any kind.
 */
export const runnableText: fc.Arbitrary<string> = fc
  .oneof(
    { weight: 4, arbitrary: mutatedDoc(3, fc.constantFrom(...shipped.map((s) => shortened(s.doc))), plausibleMutation, 0) },
    { weight: 1, arbitrary: mutatedDoc(2, fc.constantFrom(...shipped.map((s) => shortened(s.doc)))) },
  )
  .map((doc) => stringify(bounded(doc)));

export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in this process (as bin/faildrill.js does) with stdout and stderr captured. */
export async function runInProcess(args: string[]): Promise<CliOutcome> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/**
 * The property every case must hold: exit 0, 1 or 2 (`allowed`), no stack trace, no internal error,
 * and on exit 2 every line of stderr located in `file` as file:line:col with line and column ≥ 1.
 */
export function expectCleanOutcome(outcome: CliOutcome, file: string, allowed: number[], text: string): void {
  const context = `exit ${outcome.code}\n--- stderr\n${outcome.stderr}\n--- scenario\n${text.slice(0, 4000)}`;
  expect(allowed, context).toContain(outcome.code);
  expect(outcome.stderr, context).not.toMatch(/\n\s+at .*:\d+:\d+\)?$|internal error/m);
  // a message names what was written, never zod's "received undefined" or a bare NaN; a word the scenario itself
  // holds may come back quoted from it (a description that says "not received"), so only the others are checked
  // (YAML's `.nan`, `.NaN` or `.NAN` is a NaN the scenario holds: a key written so is named NaN)
  const unquoted = outcome.stderr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const holds = (word: string) => new RegExp(`\\b${word}\\b`).test(text) || (word === 'NaN' && /\.nan\b/i.test(text));
  for (const word of ['received', 'undefined', 'NaN'].filter((w) => !holds(w)))
    expect(unquoted, context).not.toMatch(new RegExp(`\\b${word}\\b`));
  if (outcome.code !== 2) return;
  const lines = outcome.stderr.split('\n').filter((l) => l !== '');
  expect(lines.length, context).toBeGreaterThan(0);
  for (const line of lines) {
    const where = new RegExp(`^${escape(file)}:(\\d+):(\\d+): \\S`).exec(line);
    expect(where, `${line}\n${context}`).not.toBeNull();
    expect(Number(where![1]), context).toBeGreaterThanOrEqual(1);
    expect(Number(where![2]), context).toBeGreaterThanOrEqual(1);
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Validates `numRuns` cases in this process, as `faildrill validate <file>` would: exit 0 or 2, clean, located. */
export async function validateCases(cases: fc.Arbitrary<string>, numRuns: number): Promise<void> {
  const dir = tempDir('faildrill-fuzz-');
  const file = join(dir, 'case.yaml');
  try {
    await fc.assert(
      fc.asyncProperty(cases, async (text) => {
        writeFileSync(file, text);
        expectCleanOutcome(await runInProcess(['validate', file]), file, [0, 2], text);
      }),
      { numRuns },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { isMap, isNode, isPair, isScalar, LineCounter, parseDocument, stringify, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { ScenarioError, type ScenarioIssue } from '../errors.js';
import { ALIAS_LIMITS, aliasProblem } from './aliases.js';
import { expectation, presentValueMessage } from './issue-text.js';
import { scenarioJsonSchema } from './json-schema.js';
import { scenarioSchema, type Scenario } from './schema.js';

/** A validated scenario and where it came from. */
export interface LoadedScenario {
  file: string;
  scenario: Scenario;
  /** The document as written, re-serialised (comments dropped): what reports show as "the scenario as it ran". */
  normalizedYaml: string;
  /** sha256 of the normalized document, first 16 hex digits: identifies the scenario in history. */
  hash: string;
  /** Where the field at `path` (or its nearest existing parent) is written: for messages about valid but unrunnable input. */
  positionOf(path: readonly PathKey[]): { line: number; col: number };
}

/** Reads, parses and validates a scenario file; throws {@link ScenarioError} naming file:line:col and field. */
export async function loadScenarioFile(file: string): Promise<LoadedScenario> {
  const fail = (message: string) => new ScenarioError([{ file, line: 0, col: 0, path: '', message }]);
  let bytes: Buffer;
  try {
    bytes = await readAtMost(file, MAX_SCENARIO_BYTES + 1);
  } catch (err) {
    throw fail(`cannot read scenario: ${readProblem(err as NodeJS.ErrnoException)}`);
  }
  if (bytes.length > MAX_SCENARIO_BYTES) throw fail(`more than ${MAX_SCENARIO_BYTES} bytes; a scenario file may have at most ${MAX_SCENARIO_BYTES} bytes`);
  return parseScenario(bytes.toString('utf8'), file);
}

/** The first `limit` bytes of a file; a device or pipe that never ends (/dev/zero) costs no more. */
async function readAtMost(file: string, limit: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(limit);
    let length = 0;
    while (length < limit) {
      const { bytesRead } = await handle.read(buffer, length, limit - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}

/** Far above any scenario a person writes (the shipped ones are a few kilobytes); bounds parse time and memory. */
export const MAX_SCENARIO_BYTES = 1024 * 1024;

function readProblem(err: NodeJS.ErrnoException): string {
  if (err.code === 'ENOENT') return 'no such file';
  if (err.code === 'EISDIR') return 'it is a folder, expected a YAML file';
  return err.code ? `${err.code} (${err.message.split(',')[0]})` : err.message;
}

/** Parses and validates scenario text; `file` names the source in messages. */
export function parseScenario(text: string, file: string): LoadedScenario {
  const lineCounter = new LineCounter();
  const at = (offset: number) => lineCounter.linePos(offset);
  // resolveKnownTags off: YAML 1.1 tags such as !!binary or !!set stay plain values the schema can name;
  // logLevel error: the library's warnings (collection keys, unknown tags) would print unlocated lines
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, resolveKnownTags: false, logLevel: 'error' });
  if (doc.errors.length > 0) {
    throw new ScenarioError(doc.errors.map((e) => ({ file, ...at(e.pos[0]), path: '', message: `YAML syntax: ${firstLine(e.message)}` })));
  }
  const aliases = aliasProblem(doc);
  if (aliases) throw new ScenarioError([{ file, ...at(aliases.offset), path: '', message: `YAML alias: ${aliases.message}` }]);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: ALIAS_LIMITS.maxExpandedNodes });
  } catch (err) {
    // aliasProblem refuses what the yaml library would; this keeps any other refusal a located error
    throw new ScenarioError([{ file, line: 1, col: 1, path: '', message: `YAML: ${firstLine((err as Error).message)}` }]);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ScenarioError([{ file, line: 1, col: 1, path: '', message: 'expected a mapping with name, duration, setup, …' }]);
  }
  const result = scenarioSchema.safeParse(data, { reportInput: true });
  if (!result.success) {
    const issues = result.error.issues.flatMap((issue) => locate(issue, doc, lineCounter, file));
    throw new ScenarioError(issues.sort((a, b) => a.line - b.line || a.col - b.col));
  }
  const positionOf = (path: readonly PathKey[]) => {
    const last = path.at(-1);
    const key = typeof last === 'string' ? keyNode(doc, path.slice(0, -1), last) : undefined;
    return position(key ?? deepestNode(doc, [...path]), lineCounter);
  };
  // serialised on first use: validation alone (validate, the fuzzer) never needs them
  let normalizedYaml: string | undefined;
  let hash: string | undefined;
  return {
    file,
    scenario: result.data,
    get normalizedYaml() {
      return (normalizedYaml ??= stringify(data, { sortMapEntries: false }));
    },
    get hash() {
      return (hash ??= createHash('sha256').update(stringify(data, { sortMapEntries: true })).digest('hex').slice(0, 16));
    },
    positionOf,
  };
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

type PathKey = string | number;

function locate(issue: z.core.$ZodIssue, doc: Document, lines: LineCounter, file: string): ScenarioIssue[] {
  const path = issue.path.filter((p): p is PathKey => typeof p !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const keyPath = [...path, key];
      return {
        file,
        ...position(keyNode(doc, path, key) ?? nodeAt(doc, path), lines),
        path: formatPath(keyPath),
        message: `unknown key ${quoteKey(key)}; expected one of ${allowedKeys(path).join(', ')}`,
      };
    });
  }
  const node = nodeAt(doc, path);
  // with reportInput, an issue carries the value it is about: undefined there means the key is absent
  const missing = issue.code === 'invalid_type' && issue.input === undefined;
  const message = missing ? `missing; ${expectation(issue)}` : presentValueMessage(issue);
  return [{ file, ...position(node ?? deepestNode(doc, path), lines), path: formatPath(path), message }];
}

interface JsonSchemaNode {
  properties?: Record<string, JsonSchemaNode>;
  items?: JsonSchemaNode;
}

/** Keys the schema allows at `path`, read from the generated JSON schema. */
function allowedKeys(path: PathKey[]): string[] {
  let node: JsonSchemaNode | undefined = scenarioJsonSchema() as JsonSchemaNode;
  for (const key of path) node = typeof key === 'number' ? node?.items : node?.properties?.[key];
  return Object.keys(node?.properties ?? {});
}

function nodeAt(doc: Document, path: PathKey[]): Node | undefined {
  const found: unknown = path.length === 0 ? doc.contents : doc.getIn(path, true);
  return isNode(found) ? found : undefined;
}

function deepestNode(doc: Document, path: PathKey[]): Node | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = nodeAt(doc, path.slice(0, n));
    if (node) return node;
  }
  return undefined;
}

function keyNode(doc: Document, path: PathKey[], key: string): Node | undefined {
  const parent = nodeAt(doc, path);
  if (!isMap(parent)) return undefined;
  for (const item of parent.items) {
    if (isPair(item) && isScalar(item.key) && item.key.value === key) return item.key;
  }
  return undefined;
}

function position(node: Node | undefined, lines: LineCounter): { line: number; col: number } {
  const offset = node?.range?.[0];
  if (offset === undefined) return { line: 1, col: 1 };
  const pos = lines.linePos(offset);
  return { line: pos.line, col: pos.col };
}

const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/;

/** `'colour'`; a key that is not a plain word as JSON, shortened: `"{\n  a: 1…"`. */
function quoteKey(key: string): string {
  return PLAIN_KEY.test(key) ? `'${key}'` : JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key);
}

/** `setup.servers[1].id` from ['setup', 'servers', 1, 'id']; a key that is not a plain word is quoted: `["a b"]`. */
export function formatPath(path: readonly PathKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : !PLAIN_KEY.test(p) ? `[${quoteKey(p)}]` : i === 0 ? p : `.${p}`)).join('');
}


import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isMap, isNode, isPair, isScalar, LineCounter, parseDocument, stringify, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { ScenarioError, type ScenarioIssue } from '../errors.js';
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
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new ScenarioError([{ file, line: 0, col: 0, path: '', message: `cannot read scenario: ${reason}` }]);
  }
  return parseScenario(text, file);
}

/** Parses and validates scenario text; `file` names the source in messages. */
export function parseScenario(text: string, file: string): LoadedScenario {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ScenarioError(
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return { file, line: pos.line, col: pos.col, path: '', message: `YAML syntax: ${firstLine(e.message)}` };
      }),
    );
  }
  const data: unknown = doc.toJS();
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ScenarioError([{ file, line: 1, col: 1, path: '', message: 'expected a mapping with name, duration, setup, …' }]);
  }
  const result = scenarioSchema.safeParse(data);
  if (!result.success) {
    throw new ScenarioError(result.error.issues.flatMap((issue) => locate(issue, doc, lineCounter, file)));
  }
  const normalizedYaml = stringify(data, { sortMapEntries: false });
  const hash = createHash('sha256').update(stringify(data, { sortMapEntries: true })).digest('hex').slice(0, 16);
  const positionOf = (path: readonly PathKey[]) => {
    const last = path.at(-1);
    const key = typeof last === 'string' ? keyNode(doc, path.slice(0, -1), last) : undefined;
    return position(key ?? deepestNode(doc, [...path]), lineCounter);
  };
  return { file, scenario: result.data, normalizedYaml, hash, positionOf };
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
        message: `unknown key '${key}'; expected one of ${allowedKeys(path).join(', ')}`,
      };
    });
  }
  const node = nodeAt(doc, path);
  const missing = node === undefined || (issue.code === 'invalid_type' && issue.input === undefined);
  const message = missing && issue.code === 'invalid_type' ? `missing; ${lowerFirst(issue.message)}` : describe(issue);
  return [{ file, ...position(missing ? (deepestNode(doc, path) ?? node) : node, lines), path: formatPath(path), message }];
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') return issue.message.replace(/^Invalid input: /, '');
  if (issue.code === 'invalid_value') return issue.message.replace(/^Invalid option: /, '');
  return issue.message;
}

function lowerFirst(text: string): string {
  return text.replace(/^Invalid input: /, '');
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

/** `setup.servers[1].id` from ['setup', 'servers', 1, 'id']. */
export function formatPath(path: readonly PathKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}


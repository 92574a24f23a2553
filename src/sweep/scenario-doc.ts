import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { isMap, isNode, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { ScenarioIssue } from '../errors.js';
import { formatPath, loadScenarioFile, parseScenario, type LoadedScenario } from '../scenario/load.js';

/** The scenario as written: a YAML document that sweep, swarm and shrink edit in the user's own syntax. */
export type ScenarioDocument = Document;

/** A validated scenario together with its editable document. */
export interface ScenarioSource {
  file: string;
  text: string;
  loaded: LoadedScenario;
  doc: ScenarioDocument;
  lines: LineCounter;
}

function withDocument(file: string, text: string, loaded: LoadedScenario): ScenarioSource {
  const lines = new LineCounter();
  return { file, text, loaded, doc: parseDocument(text, { uniqueKeys: true, lineCounter: lines }), lines };
}

/** Validates scenario text (throws ScenarioError) and keeps its document for editing. */
export function sourceOf(text: string, file: string): ScenarioSource {
  return withDocument(file, text, parseScenario(text, file));
}

/** Reads and validates a scenario file (throws ScenarioError with file:line:col, also for a missing file). */
export async function loadSource(file: string): Promise<ScenarioSource> {
  const loaded = await loadScenarioFile(file);
  return withDocument(file, await readFile(file, 'utf8'), loaded);
}

/** An issue located at `path` of the source document (or its nearest existing parent). */
export function issueAt(source: ScenarioSource, path: readonly (string | number)[], message: string): ScenarioIssue {
  let offset: number | undefined;
  for (let n = path.length; n >= 0 && offset === undefined; n--) {
    const node: unknown = n === 0 ? source.doc.contents : source.doc.getIn(path.slice(0, n), true);
    if (isNode(node)) offset = node.range?.[0];
  }
  const pos = offset === undefined ? { line: 1, col: 1 } : source.lines.linePos(offset);
  return { file: source.file, line: pos.line, col: pos.col, path: formatPath(path), message };
}

/** The document as text: long flow mappings stay on one line, as people write them. */
export function documentText(doc: Document): string {
  return doc.toString({ lineWidth: 0 });
}

/** Validates an edited document exactly as `faildrill run` would read it; throws ScenarioError. */
export function validateDocument(doc: Document, file: string): LoadedScenario {
  return parseScenario(documentText(doc), file);
}

const PARTS = [
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
] as const;

/** Milliseconds in scenario syntax, compound where needed: `90000` → `1m30s`, `1500` → `1s500ms`, `0` → `0s`. */
export function durationYaml(ms: number): string {
  let rest = Math.round(ms);
  if (rest <= 0) return '0s';
  let text = '';
  for (const [unit, size] of PARTS) {
    const n = Math.floor(rest / size);
    if (n > 0) text += `${n}${unit}`;
    rest -= n * size;
  }
  return text;
}

const SCHEMA_COMMENT = /(yaml-language-server:\s*\$schema=)(\S+)/;

/**
 * Points a relative `# yaml-language-server: $schema=…` comment of a document read from `fromFile`
 * at the same schema from `toFile`, so editors still find it after the document is written elsewhere.
 */
export function rebaseSchemaComment(doc: Document, fromFile: string, toFile: string): void {
  const rebase = (comment: string | null | undefined): string | null | undefined =>
    comment?.replace(SCHEMA_COMMENT, (whole, prefix: string, target: string) => {
      if (/^[a-z]+:\/\//i.test(target) || isAbsolute(target)) return whole;
      const schema = resolve(dirname(fromFile), target);
      return `${prefix}${relative(dirname(resolve(toFile)), schema).split('\\').join('/')}`;
    });
  doc.commentBefore = rebase(doc.commentBefore) ?? null;
  const first = isMap(doc.contents) ? doc.contents.items[0]?.key : undefined;
  if (isScalar(first)) first.commentBefore = rebase(first.commentBefore);
}

/** Adds comment lines at the top of the document, after any existing first comment (the schema line). */
export function addHeaderComment(doc: Document, lines: readonly string[]): void {
  const text = lines.map((l) => ` ${l}`).join('\n');
  const first = isMap(doc.contents) ? doc.contents.items[0]?.key : undefined;
  if (isScalar(first) && first.commentBefore) first.commentBefore = `${first.commentBefore}\n${text}`;
  else if (doc.commentBefore) doc.commentBefore = `${doc.commentBefore}\n${text}`;
  else if (isScalar(first)) first.commentBefore = text;
  else doc.commentBefore = text;
}

import { isSeq } from 'yaml';
import { ScenarioError, UsageError, type ScenarioIssue } from '../errors.js';
import { DURATION_PATTERN, parseDurationMs } from '../scenario/duration.js';
import { scenarioJsonSchema } from '../scenario/json-schema.js';
import type { LoadedScenario } from '../scenario/load.js';
import type { SwarmSpec } from '../scenario/swarm-schema.js';
import { SeededRng } from '../random/seeded-rng.js';
import { durationYaml, issueAt, validateDocument, type ScenarioDocument, type ScenarioSource } from './scenario-doc.js';

type PathKey = string | number;

/** One value drawn for a seed, keyed by where it went: `faults[app-1-stop].at`, `setup.dns.ttl`. */
export type DrawnValues = Record<string, string | number>;

/** A scenario drawn from its `swarm:` ranges for one seed. */
export interface SwarmDraw {
  seed: number;
  /** The scenario as written with the drawn values in place and `swarm:` removed: runnable as is. */
  doc: ScenarioDocument;
  loaded: LoadedScenario;
  drawn: DrawnValues;
}

type LeafKind = { kind: 'duration' } | { kind: 'number'; integer: boolean };

/** A `swarm.parameters[]` entry resolved against the scenario schema. */
interface ParameterRange {
  label: string;
  path: PathKey[];
  leaf: LeafKind;
  min: number;
  max: number;
}

interface JsonSchemaNode {
  type?: string | string[];
  pattern?: string;
  enum?: unknown[];
  default?: unknown;
  properties?: Record<string, JsonSchemaNode>;
  items?: JsonSchemaNode;
}

/** `setup.loadBalancer.targetGroups[0].deregistrationDelay` → ['setup', 'loadBalancer', 'targetGroups', 0, 'deregistrationDelay']. */
export function parseKeyPath(text: string): PathKey[] {
  return [...text.matchAll(/[^.[\]]+/g)].map(([part]) => (/^\d+$/.test(part) ? Number(part) : part));
}

function shown(path: readonly PathKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || '(top level)';
}

/** Resolves a key path against the scenario schema and the document; returns the leaf kind or a problem. */
function resolveLeaf(source: ScenarioSource, path: PathKey[]): LeafKind | string {
  let node: JsonSchemaNode | undefined = scenarioJsonSchema() as JsonSchemaNode;
  for (let i = 0; i < path.length; i++) {
    const key = path[i]!;
    const parent = path.slice(0, i);
    if (node?.items) {
      if (typeof key !== 'number') return `${shown(parent)} is a list; expected an index such as ${shown([...parent, 0])}`;
      const seq: unknown = source.doc.getIn(parent, true);
      const length = isSeq(seq) ? seq.items.length : 0;
      if (key >= length) return `${shown(parent)} has ${length} item${length === 1 ? '' : 's'}; ${shown(path.slice(0, i + 1))} does not exist`;
      node = node.items;
    } else if (node?.properties) {
      if (typeof key === 'number' || !(key in node.properties))
        return `unknown key '${key}' under ${shown(parent)}; expected one of ${Object.keys(node.properties).join(', ')}`;
      node = node.properties[key];
      const isSection = node?.properties !== undefined || node?.items !== undefined;
      if (isSection && node?.default === undefined && !source.doc.hasIn(path.slice(0, i + 1)))
        return `${shown(path.slice(0, i + 1))} is not in the scenario; swarm draws only values of sections it has`;
    } else {
      return `${shown(parent)} has no keys below it`;
    }
  }
  const type = node?.type;
  if (type === 'integer') return { kind: 'number', integer: true };
  if (type === 'number') return { kind: 'number', integer: false };
  if (type === 'string' && node?.pattern === DURATION_PATTERN.source) return { kind: 'duration' };
  const what = node?.enum ? `one of ${node.enum.join(', ')}` : Array.isArray(type) ? type.join(' or ') : (type ?? 'a section');
  return `${shown(path)} is ${what}; swarm draws only durations and numbers`;
}

function rangesOf(source: ScenarioSource, spec: SwarmSpec): { ranges: ParameterRange[]; issues: ScenarioIssue[] } {
  const ranges: ParameterRange[] = [];
  const issues: ScenarioIssue[] = [];
  (spec.parameters ?? []).forEach((p, i) => {
    const at = ['swarm', 'parameters', i];
    const path = parseKeyPath(p.path);
    const leaf = resolveLeaf(source, path);
    if (typeof leaf === 'string') return issues.push(issueAt(source, [...at, 'path'], leaf));
    if (leaf.kind === 'duration' && (typeof p.min !== 'string' || typeof p.max !== 'string'))
      return issues.push(issueAt(source, [...at, 'min'], `${p.path} is a duration; expected min and max such as 10s`));
    if (leaf.kind === 'number' && (typeof p.min !== 'number' || typeof p.max !== 'number'))
      return issues.push(issueAt(source, [...at, 'min'], `${p.path} is a number; expected numeric min and max`));
    const value = (v: string | number) => (typeof v === 'number' ? v : parseDurationMs(v)!);
    const [min, max] = [value(p.min), value(p.max)];
    if (leaf.kind === 'number' && leaf.integer && !(Number.isInteger(min) && Number.isInteger(max)))
      return issues.push(issueAt(source, [...at, 'min'], `${p.path} is an integer; expected integer min and max`));
    ranges.push({ label: shown(path), path, leaf, min, max });
  });
  return { ranges, issues };
}

/**
 * Checks that the scenario has a `swarm:` section whose parameter paths name duration or number keys
 * of the scenario (and list items that exist). Throws UsageError without `swarm:`, ScenarioError
 * (exit 2, located at the offending entry) for a bad path or range.
 */
export function checkSwarm(source: ScenarioSource): ParameterRange[] {
  const spec = source.loaded.scenario.swarm;
  if (!spec) throw new UsageError(`--swarm: ${source.file} has no swarm: section to draw from`);
  const { ranges, issues } = rangesOf(source, spec);
  if (issues.length > 0) throw new ScenarioError(issues);
  return ranges;
}

/** Whole seconds when every value written by hand is whole seconds; otherwise whole milliseconds. */
function stepOf(...writtenMs: number[]): number {
  return writtenMs.every((ms) => ms % 1_000 === 0) ? 1_000 : 1;
}

function drawMs(rng: SeededRng, minMs: number, maxMs: number, stepMs = stepOf(minMs, maxMs)): number {
  return rng.int(Math.ceil(minMs / stepMs), Math.floor(maxMs / stepMs)) * stepMs;
}

function drawNumber(rng: SeededRng, range: ParameterRange): number {
  if (range.leaf.kind === 'number' && range.leaf.integer) return rng.int(range.min, range.max);
  return Math.round((range.min + rng.next() * (range.max - range.min)) * 1e6) / 1e6;
}

/**
 * Draws the swarm ranges for one seed with the project's seeded generator, forked per value
 * (`swarm` → `faults[<id>].at`, …) so that one range never shifts another's draw: each fault's `at`
 * moves by up to ± `faults.atJitter` (kept within the run), each fault with a duration gets one from
 * `faults.duration`, each `parameters[].path` a value from its range. The result is validated again.
 */
export function applySwarm(source: ScenarioSource, seed: number): SwarmDraw {
  const ranges = checkSwarm(source);
  const { scenario } = source.loaded;
  const spec = scenario.swarm!;
  const rng = new SeededRng(seed).fork('swarm');
  const doc = source.doc.clone();
  const drawn: DrawnValues = {};
  const set = (path: PathKey[], label: string, value: string | number) => {
    doc.setIn(path, value);
    drawn[label] = value;
  };

  const jitterMs = spec.faults?.atJitter === undefined ? undefined : parseDurationMs(spec.faults.atJitter)!;
  const durationRange = spec.faults?.duration;
  scenario.faults.forEach((fault, i) => {
    const label = `faults[${fault.id}]`;
    if (jitterMs !== undefined) {
      const minMs = Math.max(0, fault.atMs - jitterMs);
      const maxMs = Math.min(scenario.durationMs - 1, fault.atMs + jitterMs);
      const atMs = drawMs(rng.fork(`${label}.at`), minMs, maxMs, stepOf(fault.atMs, jitterMs));
      set(['faults', i, 'at'], `${label}.at`, durationYaml(atMs));
    }
    if (durationRange && fault.durationMs !== undefined) {
      const ms = drawMs(rng.fork(`${label}.duration`), parseDurationMs(durationRange.min)!, parseDurationMs(durationRange.max)!);
      set(['faults', i, 'duration'], `${label}.duration`, durationYaml(Math.max(1, ms)));
    }
  });
  for (const range of ranges) {
    const r = rng.fork(range.label);
    set(range.path, range.label, range.leaf.kind === 'duration' ? durationYaml(drawMs(r, range.min, range.max)) : drawNumber(r, range));
  }
  doc.delete('swarm');

  const file = `${source.file} (swarm, seed ${seed})`;
  try {
    return { seed, doc, loaded: validateDocument(doc, file), drawn };
  } catch (err) {
    if (err instanceof ScenarioError)
      throw new ScenarioError(err.issues.map((issue) => ({ ...issue, message: `drawn value invalid: ${issue.message}` })));
    throw err;
  }
}

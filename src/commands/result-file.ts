import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { UsageError } from '../errors.js';
import type { RunResult } from '../run/result.js';
import { formatPath } from '../scenario/load.js';

/**
 * What `faildrill report` needs of a result.json: every field the HTML and JUnit reporters read,
 * with its type (src/run/result.ts, src/measure/figures.ts). Fields it does not read may be there or
 * not (loose objects), so a result from a newer faildrill still renders.
 */
const ms = z.number();
const maybeMs = z.number().nullable();
const text = z.string();
const maybeText = z.string().nullable();

const figures = {
  detectionMs: maybeMs,
  switchMs: maybeMs,
  timeToSwitchMs: maybeMs,
  rtoMs: maybeMs,
  firstSuccessMs: maybeMs,
  failbackMs: maybeMs,
  downtimeMs: ms,
  errorSpanMs: ms,
  errorCount: ms,
  requestCount: ms,
  lostWrites: ms,
  rpoMs: ms,
  // absent from results written before it was measured
  writesUnavailableMs: maybeMs.optional(),
  replacementMs: maybeMs,
};

const faultMetrics = z.looseObject({
  ...figures,
  faultId: text,
  action: text,
  target: text,
  planned: z.boolean(),
  incident: ms,
  injectedAtMs: ms,
  removedAtMs: maybeMs,
  detectedAtMs: maybeMs,
  detectedBy: maybeText,
  detectedVia: maybeText,
  firstNoticedBy: maybeText,
  firstNoticedMs: maybeMs,
  switchedAtMs: maybeMs,
  switchedLayer: maybeText,
  recoveredAtMs: maybeMs,
  firstSuccessAtMs: maybeMs,
  failedBackAtMs: maybeMs,
});

const resultFile = z.looseObject({
  schemaVersion: ms,
  faildrill: z.looseObject({ version: text }),
  scenario: z.looseObject({ name: text, description: text, file: text, hash: text }),
  target: text,
  seed: ms,
  durationMs: ms,
  verdict: z.enum(['pass', 'fail']),
  metrics: z.looseObject({
    ...figures,
    errorRate: ms,
    resolutionMs: ms,
    splitBrainMs: ms,
    splitBrains: z.array(z.looseObject({ vip: text, startMs: ms, endMs: ms, holders: z.array(text) })),
    perFault: z.array(faultMetrics),
  }),
  expectations: z.array(z.looseObject({ name: text, limit: text, unit: text, actual: maybeMs, pass: z.boolean(), message: text })),
  invariants: z.array(z.looseObject({ name: text, pass: z.boolean(), message: text })),
  failovers: z.array(z.looseObject({ layer: text, direction: text, startMs: ms })),
  timeline: z.looseObject({ bucketMs: ms, ok: z.array(ms), err: z.array(ms), p50Ms: z.array(ms), p99Ms: z.array(ms) }),
  events: z.array(z.looseObject({ atMs: ms, component: text, type: text, detail: z.record(z.string(), z.unknown()) })),
});

/** At most this many problems are listed; the first few say what kind of file it is. */
const SHOWN = 5;

/** Reads a saved result.json; a file that is not one is a usage error (exit 2) naming the missing or wrong fields. */
export async function readResultFile(file: string): Promise<RunResult> {
  let content: string;
  try {
    content = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder; expected a result.json' : (err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    throw new UsageError(`${file} is not JSON: expected a result.json written by faildrill run`);
  }
  const checked = resultFile.safeParse(parsed, { reportInput: true });
  if (!checked.success) {
    const problems = checked.error.issues.map((issue) => {
      const path = formatPath(issue.path.filter((p): p is string | number => typeof p !== 'symbol'));
      const absent = issue.code === 'invalid_type' && issue.input === undefined;
      const what = absent ? 'missing' : issue.code === 'invalid_type' ? `expected ${issue.expected}, got ${issue.input === null ? 'null' : Array.isArray(issue.input) ? 'a list' : typeof issue.input}` : issue.message;
      return path ? `${path}: ${what}` : what;
    });
    const more = problems.length > SHOWN ? `\n  … and ${problems.length - SHOWN} more` : '';
    throw new UsageError(`${file} is not a faildrill result.json:\n${problems.slice(0, SHOWN).map((p) => `  ${p}`).join('\n')}${more}`);
  }
  const timeline = checked.data.timeline;
  const lengths = [timeline.ok, timeline.err, timeline.p50Ms, timeline.p99Ms].map((a) => a.length);
  if (lengths.some((n) => n !== lengths[0])) throw new UsageError(`${file} is not a faildrill result.json:\n  timeline: ok, err, p50Ms and p99Ms have different lengths (${lengths.join(', ')})`);
  return parsed as RunResult;
}

import { UsageError } from '../errors.js';
import { ConsoleReporter } from './console.js';
import { HtmlReporter } from './html/reporter.js';
import { JsonReporter } from './json.js';
import { JunitReporter } from './junit.js';
import type { Reporter } from './reporter.js';

/** Every reporter by name, as `--reporter` accepts them (after vitest's ReportersMap). */
export const ReportersMap = {
  console: ConsoleReporter,
  json: JsonReporter,
  html: HtmlReporter,
  junit: JunitReporter,
} as const satisfies Record<string, new (out?: NodeJS.WritableStream) => Reporter>;

export type ReporterName = keyof typeof ReportersMap;
export const DEFAULT_REPORTERS: ReporterName[] = ['console', 'json', 'html', 'junit'];

/** The registered names only: `toString`, `__proto__` or `constructor` are not reporters. */
const byName = new Map<string, (typeof ReportersMap)[ReporterName]>(Object.entries(ReportersMap));

/** Instantiates reporters from a comma-separated or repeated `--reporter` list, each name once. */
export function createReporters(names: readonly string[], out: NodeJS.WritableStream = process.stdout): Reporter[] {
  const expected = `expected one of ${[...byName.keys()].join(', ')}`;
  if (names.length === 0) throw new UsageError(`--reporter names no reporter; ${expected}`);
  return [...new Set(names)].map((name) => {
    const Reporter = byName.get(name);
    if (!Reporter) throw new UsageError(`unknown reporter '${name}'; ${expected}`);
    return new Reporter(out);
  });
}

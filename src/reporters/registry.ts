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

/** Instantiates reporters from a comma-separated or repeated `--reporter` list. */
export function createReporters(names: readonly string[], out: NodeJS.WritableStream = process.stdout): Reporter[] {
  return names.map((name) => {
    if (!(name in ReportersMap))
      throw new UsageError(`unknown reporter '${name}'; expected one of ${Object.keys(ReportersMap).join(', ')}`);
    return new ReportersMap[name as ReporterName](out);
  });
}

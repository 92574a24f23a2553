import { inFlightBound } from '../load/open-loop.js';
import type { Limit } from '../scenario/limit.js';
import type { LoadSpec, Scenario } from '../scenario/schema.js';

/** Expectations k6 can check itself, as k6 threshold expressions; the rest need faildrill's measurements. */
const K6_CHECKABLE = ['errorRate', 'errors'] as const;

const js = (value: unknown) => JSON.stringify(value);

/** A k6 threshold expression for a limit: `rate<0.05` on the failed-request rate, `count<=20` on the error counter. */
function thresholdOf(limit: Limit, metric: 'rate' | 'count'): string {
  return `${metric}${limit.op === '==' ? '==' : limit.op}${limit.value}`;
}

/** The scenario's client populations: the main load and each of `loads`, with k6 scenario names. */
function populations(scenario: Scenario): Array<{ name: string; load: LoadSpec; entry: string }> {
  const main = { name: 'main', load: scenario.load as LoadSpec, entry: scenario.load.entry ?? 'the default entry (DNS record, else load balancer, else VIP)' };
  return [main, ...scenario.loads.map((l) => ({ name: l.name, load: l as LoadSpec, entry: l.entry }))];
}

/**
 * The scenario's load as a k6 script for teams that run k6 themselves: one `constant-arrival-rate`
 * scenario per client population (rate per second, the run's duration, a VU per client and enough more
 * for every request of a stall to wait out its timeout, each request
 * with the scenario's timeout), thresholds from the expectations k6 can evaluate (`errorRate` on
 * `http_req_failed`, `errors` on a counter) and the others listed as what k6 cannot measure. The target
 * URL comes from the environment (`TARGET_URL`, or `TARGET_URL_<NAME>` per population): k6 does not
 * know the scenario's endpoints. faildrill neither installs nor runs k6.
 */
export function k6Script(scenario: Scenario): string {
  const pops = populations(scenario);
  const durationSec = Math.max(1, Math.round(scenario.durationMs / 1000));
  const scenarios = Object.fromEntries(
    pops.map(({ name, load }) => [
      name,
      {
        executor: 'constant-arrival-rate',
        exec: `load_${name.replace(/[^A-Za-z0-9_]/g, '_')}`,
        rate: Math.round(load.ratePerSec),
        timeUnit: '1s',
        duration: `${durationSec}s`,
        preAllocatedVUs: load.clients,
        // open loop: enough VUs for every request of a stall to wait its whole timeout (as faildrill's own load)
        maxVUs: inFlightBound(load.ratePerSec, load.timeoutMs, load.clients),
      },
    ]),
  );
  const expect = scenario.expect as Partial<Record<string, Limit>>;
  const thresholds: Record<string, string[]> = {};
  if (expect.errorRate) thresholds.http_req_failed = [thresholdOf(expect.errorRate, 'rate')];
  if (expect.errors) thresholds.errors = [thresholdOf(expect.errors, 'count')];
  const elsewhere = Object.entries(expect)
    .filter(([key, limit]) => !(K6_CHECKABLE as readonly string[]).includes(key) && limit && typeof limit === 'object' && 'text' in limit)
    .map(([key, limit]) => `${key} ${limit!.text}`);
  const lines = [
    `// k6 load for faildrill scenario '${scenario.name}', written by \`faildrill export k6\`.`,
    `// Run: TARGET_URL=http://<entry>/ k6 run ${scenario.name}.k6.js`,
    ...pops.map(({ name, entry }) => `//   population '${name}': clients send to ${entry}${pops.length > 1 ? ` (TARGET_URL_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')} overrides TARGET_URL)` : ''}`),
    ...(elsewhere.length ? [`// Expectations k6 cannot measure (faildrill's detection, RTO, … need its run): ${elsewhere.join('; ')}`] : []),
    "import http from 'k6/http';",
    "import { Counter } from 'k6/metrics';",
    '',
    "const errors = new Counter('errors');",
    '',
    `export const options = ${JSON.stringify({ scenarios, thresholds }, null, 2)};`,
    '',
    'function send(url, timeoutMs) {',
    "  if (!url) throw new Error('set TARGET_URL to the scenario\\'s entry point');",
    "  const res = http.get(url, { timeout: `${timeoutMs}ms` });",
    '  if (res.status < 200 || res.status >= 300) errors.add(1);',
    '}',
    '',
    ...pops.flatMap(({ name, load }) => [
      `export function load_${name.replace(/[^A-Za-z0-9_]/g, '_')}() {`,
      `  send(__ENV[${js(`TARGET_URL_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`)}] || __ENV.TARGET_URL, ${load.timeoutMs});`,
      '}',
      '',
    ]),
  ];
  return lines.join('\n');
}

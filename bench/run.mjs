// `npm run bench`: how fast the simulator runs full-stack.yaml, on this machine.
//   (a) simulated seconds per wall second and (b) simulated client requests per wall second, for one
//   simulated hour at 1,000 requests/second (one thread, in-process, after a warm-up run);
//   (c) wall time of a 1,000-seed sweep of full-stack.yaml at its own duration, through the CLI
//   (`faildrill sweep`, every core), as a user would start it.
// Each figure is the median of several runs (min and max shown). `--quick` runs fewer and smaller.
// Writes bench/results.json.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { runDrill } from '../dist/run/runner.js';
import { simTarget } from '../dist/targets/sim/target.js';
import { parseScenario } from '../dist/scenario/load.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const SCENARIO = 'scenarios/full-stack.yaml';
const quick = process.argv.includes('--quick');
const plan = quick
  ? { warmups: 1, engineRuns: 3, sweepRuns: 1, sweepSeeds: 100 }
  : { warmups: 2, engineRuns: 7, sweepRuns: 3, sweepSeeds: 1_000 };
const GOAL_X = 10_000;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const stats = (xs) => ({ min: Math.min(...xs), median: median(xs), max: Math.max(...xs), runs: xs.length });
const int = (n) => Math.round(n).toLocaleString('en-US');
const secs = (ms) => `${(ms / 1_000).toFixed(2)} s`;

/** full-stack.yaml overridden to one simulated hour at 1,000 requests per second. */
function hourLongScenario() {
  const doc = parseDocument(readFileSync(join(root, SCENARIO), 'utf8'));
  doc.set('duration', '1h');
  doc.setIn(['load', 'rate'], 1_000);
  return parseScenario(doc.toString({ lineWidth: 0 }), `${SCENARIO} (1h, 1000 req/s)`).scenario;
}

async function engineRun(scenario, seed) {
  const start = performance.now();
  const record = await runDrill(simTarget, scenario, { seed });
  const wallMs = performance.now() - start;
  const requests = record.samples.ok.reduce((a, b) => a + b, 0) + record.samples.err.reduce((a, b) => a + b, 0);
  return { wallMs, simulatedMs: record.durationMs, requests, engineEvents: record.engineEvents };
}

function sweepRun(seeds) {
  const out = mkdtempSync(join(tmpdir(), 'faildrill-bench-'));
  const start = performance.now();
  const r = spawnSync(process.execPath, [join(root, 'bin/faildrill.js'), 'sweep', join(root, SCENARIO), '--seeds', `1..${seeds}`, '--out', out], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  const wallMs = performance.now() - start;
  if (r.status !== 0 && r.status !== 1) throw new Error(`faildrill sweep exited ${r.status}: ${r.stderr}`);
  const report = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8'));
  rmSync(out, { recursive: true, force: true });
  return { wallMs, failed: report.failed, rto: report.distribution.rto, detection: report.distribution.detection, switch: report.distribution.switch };
}

const scenario = hourLongScenario();
const loadBefore = loadavg()[0];
console.log(`faildrill bench${quick ? ' --quick' : ''}: ${SCENARIO} — node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}`);
console.log(`(a, b) 1 simulated hour at 1,000 req/s, ${plan.engineRuns} runs after ${plan.warmups} warm-up, one thread`);
for (let i = 0; i < plan.warmups; i++) await engineRun(scenario, 1_000 + i);
const engine = [];
for (let i = 0; i < plan.engineRuns; i++) engine.push(await engineRun(scenario, i + 1));
const realTime = stats(engine.map((r) => r.simulatedMs / r.wallMs));
const requestsPerSec = stats(engine.map((r) => r.requests / (r.wallMs / 1_000)));
const wall = stats(engine.map((r) => r.wallMs));

console.log(`(c) ${plan.sweepSeeds}-seed sweep of ${SCENARIO} (its own duration), ${plan.sweepRuns} run(s), via the CLI with ${availableParallelism()} workers`);
const sweeps = [];
for (let i = 0; i < plan.sweepRuns; i++) sweeps.push(sweepRun(plan.sweepSeeds));
const sweepWall = stats(sweeps.map((s) => s.wallMs));
const per1000 = stats(sweeps.map((s) => (s.wallMs * 1_000) / plan.sweepSeeds));

const rows = [
  ['simulated time / wall time', `${int(realTime.min)}×`, `${int(realTime.median)}×`, `${int(realTime.max)}×`],
  ['simulated requests / wall s', int(requestsPerSec.min), int(requestsPerSec.median), int(requestsPerSec.max)],
  ['wall time of 1 h drill', secs(wall.min), secs(wall.median), secs(wall.max)],
  [`wall time of ${plan.sweepSeeds}-seed sweep`, secs(sweepWall.min), secs(sweepWall.median), secs(sweepWall.max)],
];
if (plan.sweepSeeds !== 1_000) rows.push(['  → 1,000 seeds (extrapolated)', secs(per1000.min), secs(per1000.median), secs(per1000.max)]);
const widths = [0, 1, 2, 3].map((c) => Math.max(...[['figure', 'min', 'median', 'max'], ...rows].map((r) => r[c].length)));
const line = (r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('   ');
console.log('');
console.log(line(['figure', 'min', 'median', 'max']));
for (const r of rows) console.log(line(r));
console.log('');
console.log(`engine: ${int(median(engine.map((r) => r.simulatedMs / r.wallMs)))}× real time (goal ${int(GOAL_X)}×: ${realTime.median >= GOAL_X ? 'met' : 'not met'}), ` +
  `${int(requestsPerSec.median)} simulated requests per wall second, ${int(median(engine.map((r) => r.engineEvents)))} engine events per run`);
const last = sweeps.at(-1);
const fmt = (d) => (d.p50Ms === null ? '—' : `p50 ${secs(d.p50Ms)}, p95 ${secs(d.p95Ms)}, p99 ${secs(d.p99Ms)}, max ${secs(d.maxMs)}${d.never ? `, never ${d.never}` : ''}`);
console.log(`sweep: ${plan.sweepSeeds} seeds in ${secs(sweepWall.median)} (median), ${last.failed} failing; RTO ${fmt(last.rto)}`);

const loadAfter = loadavg()[0];
console.log(`machine load (1-min average) ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after, on ${availableParallelism()} cores: figures are lower when other work shares the cores`);

const results = {
  scenario: SCENARIO,
  quick,
  machine: { node: process.version, cpu: cpus()[0]?.model ?? null, cores: availableParallelism(), loadAverage: { before: loadBefore, after: loadAfter } },
  engine: {
    simulatedMs: scenario.durationMs,
    ratePerSec: 1_000,
    runs: engine.map((r) => ({ wallMs: Math.round(r.wallMs * 10) / 10, requests: r.requests, engineEvents: r.engineEvents })),
    realTimeFactor: realTime,
    requestsPerWallSec: requestsPerSec,
    goalRealTimeFactor: GOAL_X,
  },
  sweep: {
    seeds: plan.sweepSeeds,
    workers: availableParallelism(),
    wallMs: sweepWall,
    wallMsPer1000Seeds: per1000,
    failed: last.failed,
    distribution: { detection: last.detection, switch: last.switch, rto: last.rto },
  },
};
writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify(results, null, 2) + '\n');
console.log('wrote bench/results.json');

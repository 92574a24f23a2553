// Runs one host drill the way `faildrill run --target host` does (the runner, the CLI's interrupt
// handling), from dist/, so that the interrupt test can signal it at chosen moments. Prints each
// event as `event <component>/<type>` on stdout; exits 130/143 when interrupted, as the CLI does.
import { onInterrupt } from '../../dist/commands/interrupt.js';
import { runDrill } from '../../dist/run/runner.js';
import { loadScenarioFile } from '../../dist/scenario/load.js';
import { hostTarget } from '../../dist/targets/host/target.js';

const loaded = await loadScenarioFile(process.argv[2]);
const interrupt = onInterrupt();
let record;
try {
  record = await runDrill(hostTarget, loaded.scenario, {
    seed: loaded.scenario.seed,
    signal: interrupt.signal,
    onEvent: (e) => process.stdout.write(`event ${e.component}/${e.type}\n`),
  });
} catch (err) {
  process.stdout.write(`error ${err.message}\n`);
  process.exitCode = interrupt.signal.aborted ? (interrupt.signal.reason === 'SIGTERM' ? 143 : 130) : 70;
} finally {
  interrupt.release();
}
if (record) {
  process.stdout.write(`done aborted=${record.aborted ?? ''} invariants=${JSON.stringify(record.invariants)}\n`);
  process.exitCode = record.aborted ? (record.aborted === 'SIGTERM' ? 143 : 130) : 0;
}

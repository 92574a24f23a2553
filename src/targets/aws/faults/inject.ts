import type { EventDetail } from '../../../measure/events.js';
import type { Undo } from '../../../run/target.js';
import { DEFAULT_EXPERIMENT_START_MS, type AwsFault, type AwsFaultContext } from './context.js';
import { planEffect } from './effects.js';
import { awaitRunning, prepareTemplate, startExperiment, stopExperiment, type PreparedTemplate, type RunningExperiment } from './experiment.js';

/** What the `fault`/`injected` event says when FIS itself ran the action (real AWS). */
export const EFFECT_BY_FIS = 'applied by FIS';
const DEFAULT_EXPERIMENT_POLL_MS = 1_000;

/**
 * Applies an AWS fault as a FIS experiment whose effect faildrill applies itself: moto stores
 * experiments but runs no action, LocalStack community has no FIS (design.md §8), so nothing is
 * left to the emulator and every event says so.
 *
 * 1. the fault's experiment template (unless `template` was prepared at setup), `fis`/`template`;
 * 2. the effect planned (a deny-all NACL is created, not yet associated);
 * 3. StartExperiment, `fis`/`experiment` with its id and state (or `unavailable` and why);
 * 4. the journal entry with the undo steps, then the effecting call; `onEffect` once it returned,
 *    with `effect: 'applied by faildrill'`, the call and the experiment id.
 *
 * The undo reverses the effect where it has a reverse call (StartInstances, the original NACL
 * association), then stops the experiment and logs its state; it resolves once those calls returned.
 *
 * On real AWS (no `ctx.emulator`) FIS runs the action: see {@link runByFis}.
 */
export async function injectAwsFault(ctx: AwsFaultContext, fault: AwsFault, onEffect: (detail: EventDetail) => void, template?: PreparedTemplate): Promise<Undo> {
  const prepared = template ?? (await prepareTemplate(ctx, fault));
  // real AWS runs the action itself: applying the effect too would stop, fail over or cut off twice
  if (ctx.emulator === undefined && prepared.available) return runByFis(ctx, fault, prepared, onEffect);
  const plan = await planEffect(ctx, fault);
  let experiment;
  try {
    experiment = await startExperiment(ctx, fault, prepared);
  } catch (err) {
    await plan.discard();
    throw err;
  }
  const experimentSteps = experiment.experimentId !== undefined ? [{ kind: 'stop-experiment' as const, experimentId: experiment.experimentId }] : [];
  ctx.journal?.({ op: 'fault', id: fault.id, action: fault.action, target: fault.target, steps: [...plan.steps, ...experimentSteps] });
  let applied;
  try {
    applied = await plan.apply();
  } catch (err) {
    await plan.discard().catch(() => undefined);
    await stopExperiment(ctx, fault, experiment).catch(() => undefined);
    ctx.journal?.({ op: 'fault.undone', id: fault.id });
    throw err;
  }
  onEffect({
    ...applied.detail,
    ...(experiment.experimentId !== undefined ? { experimentId: experiment.experimentId } : { fis: 'unavailable' }),
  });
  let undone = false;
  return async () => {
    if (undone) return;
    undone = true;
    await applied.undo?.();
    await stopExperiment(ctx, fault, experiment);
    ctx.journal?.({ op: 'fault.undone', id: fault.id });
  };
}

/**
 * A fault on real AWS: FIS runs the action, faildrill applies nothing itself. The journal holds the
 * experiment's stop before it starts; the fault takes effect when FIS reports the experiment `running`
 * (`effect: 'applied by FIS'`); the undo is StopExperiment, after which FIS ends the action (it
 * restarts stopped instances and restores a disrupted subnet's network ACL, FIS actions reference).
 * An experiment that ends before it runs rejects with FIS's reason, having been stopped.
 */
async function runByFis(ctx: AwsFaultContext, fault: AwsFault, template: Extract<PreparedTemplate, { available: true }>, onEffect: (detail: EventDetail) => void): Promise<Undo> {
  const experiment = (await startExperiment(ctx, fault, template)) as Extract<RunningExperiment, { experimentId: string }>;
  ctx.journal?.({ op: 'fault', id: fault.id, action: fault.action, target: fault.target, steps: [{ kind: 'stop-experiment', experimentId: experiment.experimentId }] });
  const stop = async () => {
    await stopExperiment(ctx, fault, experiment);
    ctx.journal?.({ op: 'fault.undone', id: fault.id });
  };
  let started;
  try {
    started = await awaitRunning(ctx, fault, experiment.experimentId, ctx.experimentStartMs ?? DEFAULT_EXPERIMENT_START_MS, ctx.experimentPollMs ?? DEFAULT_EXPERIMENT_POLL_MS);
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
  if (!started.running) {
    await stop().catch(() => undefined);
    throw new Error(`FIS experiment ${experiment.experimentId} for fault '${fault.id}' ended ${started.status} before its action ran: ${started.reason}`);
  }
  onEffect({ effect: EFFECT_BY_FIS, action: fault.action, experimentId: experiment.experimentId, experimentState: started.status });
  let undone = false;
  return async () => {
    if (undone) return;
    undone = true;
    await stop();
  };
}

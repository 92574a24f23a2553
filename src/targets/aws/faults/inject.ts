import type { EventDetail } from '../../../measure/events.js';
import type { Undo } from '../../../run/target.js';
import type { AwsFault, AwsFaultContext } from './context.js';
import { planEffect } from './effects.js';
import { prepareTemplate, startExperiment, stopExperiment, type PreparedTemplate } from './experiment.js';

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
 */
export async function injectAwsFault(ctx: AwsFaultContext, fault: AwsFault, onEffect: (detail: EventDetail) => void, template?: PreparedTemplate): Promise<Undo> {
  const prepared = template ?? (await prepareTemplate(ctx, fault));
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

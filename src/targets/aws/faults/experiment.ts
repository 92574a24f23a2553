import { CreateExperimentTemplateCommand, GetExperimentCommand, StartExperimentCommand, StopExperimentCommand, type FisClient, type StartExperimentCommandInput } from '@aws-sdk/client-fis';
import { callerReference, runTagMap } from '../provision/tags.js';
import type { AwsFault, AwsFaultContext } from './context.js';
import { experimentTemplateInput } from './fis-template.js';

/** A fault's experiment template, or why FIS cannot hold one here. */
export type PreparedTemplate = { available: true; templateId: string } | { available: false; reason: string };

/** What an SDK error carries that tells "this endpoint has no FIS". */
interface ErrorShape {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/**
 * True when the error says the endpoint does not implement FIS: HTTP 501 or a `NotImplemented`
 * name (LocalStack community answers 501 for FIS, design.md §8).
 */
export function fisUnavailable(err: unknown): boolean {
  const e = (typeof err === 'object' && err !== null ? err : {}) as ErrorShape;
  return e.$metadata?.httpStatusCode === 501 || /notimplemented/i.test(e.name ?? '');
}

function errorText(err: unknown): string {
  const e = (typeof err === 'object' && err !== null ? err : {}) as ErrorShape;
  const status = e.$metadata?.httpStatusCode;
  return `${e.name ?? 'Error'}${status !== undefined ? ` (HTTP ${status})` : ''}: ${e.message ?? String(err)}`;
}

/**
 * Creates the fault's experiment template (tagged with the run, tracked for teardown) and logs
 * `fis`/`template`. Where the endpoint has no FIS it logs that instead and resolves `available: false`;
 * any other error rejects.
 */
export async function prepareTemplate(ctx: AwsFaultContext, fault: AwsFault): Promise<PreparedTemplate> {
  const input = experimentTemplateInput(fault, ctx.resources, ctx.roleArn);
  try {
    const created = await ctx.clients.fis.send(new CreateExperimentTemplateCommand(input));
    const templateId = created.experimentTemplate!.id!;
    ctx.track?.({ kind: 'fis:experiment-template', id: templateId, runId: ctx.resources.runId });
    ctx.events.emit('fis', 'template', { faultId: fault.id, templateId, actionId: fault.action, target: fault.target });
    return { available: true, templateId };
  } catch (err) {
    if (!fisUnavailable(err)) throw err;
    const reason = `the ${ctx.emulator ?? 'endpoint'} has no FIS: ${errorText(err)}`;
    ctx.events.emit('fis', 'template', { faultId: fault.id, actionId: fault.action, target: fault.target, state: 'unavailable', reason });
    return { available: false, reason };
  }
}

/** A started experiment (or the reason there is none), as the fault's events name it. */
export type RunningExperiment = { experimentId: string } | { experimentId: undefined; reason: string };

function emitState(ctx: AwsFaultContext, fault: AwsFault, experimentId: string, state: { status?: string; reason?: string } | undefined, phase: string): void {
  ctx.events.emit('fis', 'experiment', {
    faultId: fault.id,
    experimentId,
    phase,
    state: state?.status ?? 'unknown',
    ...(state?.reason ? { reason: state.reason } : {}),
  });
}

/** StartExperiment's input for a fault's template: idempotent per run and fault, tagged with the run. */
export function startExperimentInput(templateId: string, fault: Pick<AwsFault, 'id'>, resources: Pick<AwsFaultContext['resources'], 'runId' | 'scenario'>): StartExperimentCommandInput {
  return { experimentTemplateId: templateId, clientToken: callerReference(resources.runId, `fis-experiment-${fault.id}`), tags: runTagMap(resources) };
}

/** StartExperiment on the fault's template; logs `fis`/`experiment` with its state (or FIS's absence). */
export async function startExperiment(ctx: AwsFaultContext, fault: AwsFault, template: PreparedTemplate): Promise<RunningExperiment> {
  if (!template.available) {
    ctx.events.emit('fis', 'experiment', { faultId: fault.id, phase: 'start', state: 'unavailable', reason: template.reason });
    return { experimentId: undefined, reason: template.reason };
  }
  const started = await ctx.clients.fis.send(new StartExperimentCommand(startExperimentInput(template.templateId, fault, ctx.resources)));
  const experimentId = started.experiment!.id!;
  ctx.track?.({ kind: 'fis:experiment', id: experimentId, runId: ctx.resources.runId });
  emitState(ctx, fault, experimentId, started.experiment?.state, 'start');
  return { experimentId };
}

/** GetExperiment: the experiment's state now, logged (moto advances one step per call, design.md §8). */
export async function readExperiment(ctx: AwsFaultContext, fault: AwsFault, experimentId: string): Promise<string> {
  const got = await ctx.clients.fis.send(new GetExperimentCommand({ id: experimentId }));
  emitState(ctx, fault, experimentId, got.experiment?.state, 'poll');
  return got.experiment?.state?.status ?? 'unknown';
}

/** StopExperiment at the fault's end; logs the state it answers (an experiment that already completed stays completed). */
export async function stopExperiment(ctx: AwsFaultContext, fault: AwsFault, experiment: RunningExperiment): Promise<void> {
  if (experiment.experimentId === undefined) {
    ctx.events.emit('fis', 'experiment', { faultId: fault.id, phase: 'stop', state: 'unavailable', reason: experiment.reason });
    return;
  }
  const stopped = await stopQuietly(ctx.clients.fis, experiment.experimentId);
  emitState(ctx, fault, experiment.experimentId, stopped, 'stop');
}

async function stopQuietly(fis: FisClient, id: string): Promise<{ status?: string; reason?: string }> {
  try {
    return (await fis.send(new StopExperimentCommand({ id }))).experiment?.state ?? {};
  } catch (err) {
    // an experiment that already ended may refuse to stop; its state is what counts
    const got = await fis.send(new GetExperimentCommand({ id })).catch(() => undefined);
    if (got?.experiment?.state) return got.experiment.state;
    throw err;
  }
}

/** What {@link awaitRunning} saw: the experiment's actions run, or it ended (failed, stopped, cancelled) first with FIS's reason. */
export type ExperimentStart = { running: true; status: string } | { running: false; status: string; reason: string };

/**
 * Reads the experiment until FIS says it is `running` (its actions started), or it reached an end state
 * (`completed`, `stopped`, `failed`, `cancelled`), or `timeoutMs` ran out; each read is logged.
 */
export async function awaitRunning(ctx: AwsFaultContext, fault: AwsFault, experimentId: string, timeoutMs: number, pollMs: number): Promise<ExperimentStart> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await ctx.clients.fis.send(new GetExperimentCommand({ id: experimentId }));
    const state = got.experiment?.state;
    emitState(ctx, fault, experimentId, state, 'poll');
    const status = state?.status ?? 'unknown';
    if (status === 'running' || status === 'completed') return { running: true, status };
    if (['stopping', 'stopped', 'failed', 'cancelled'].includes(status)) return { running: false, status, reason: state?.reason ?? 'FIS gave no reason' };
    if (Date.now() >= deadline) return { running: false, status, reason: `not running ${timeoutMs} ms after StartExperiment` };
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, Math.max(0, deadline - Date.now()))));
  }
}

import { parentPort, workerData } from 'node:worker_threads';
import type { Job, Reply, WorkerInit } from './protocol.js';
import { toWire } from './protocol.js';
import { SeedRunner } from './runner.js';
import { sourceOf } from './scenario-doc.js';
import { targetOf } from '../targets/registry.js';

/** Worker thread entry: loads the scenario once, then answers run and shrink jobs one by one. */
const init = workerData as WorkerInit;
const runner = new SeedRunner(sourceOf(init.text, init.file), init.swarm, targetOf(init.target));
const port = parentPort!;

port.on('message', (job: Job) => {
  void answer(job).then((reply) => port.postMessage(reply));
});

async function answer(job: Job): Promise<Reply> {
  try {
    if (job.kind === 'run') return { id: job.id, ok: true, row: await runner.run(job.seed) };
    return { id: job.id, ok: true, shrink: (await runner.shrink(job.seed, job.maxAttempts)) ?? null };
  } catch (err) {
    return { id: job.id, ok: false, error: toWire(err) };
  }
}

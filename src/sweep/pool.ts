import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { fromWire, type Job, type Reply, type WorkerInit } from './protocol.js';
import { SeedRunner, type SeedRow, type ShrinkOutcome } from './runner.js';
import { sourceOf } from './scenario-doc.js';
import { targetOf } from '../targets/registry.js';

type JobSpec = { kind: 'run'; seed: number } | { kind: 'shrink'; seed: number; maxAttempts: number };

/** Runs seeds and shrinks failing ones somewhere: in worker threads, or in this thread. */
export interface SeedExecutor {
  /** How many jobs run at once. */
  readonly parallelism: number;
  run(seed: number): Promise<SeedRow>;
  shrink(seed: number, maxAttempts: number): Promise<ShrinkOutcome | undefined>;
  close(): Promise<void>;
}

/** Runs everything in the calling thread (tests, `--workers 1` is still threaded). */
export class InlineExecutor implements SeedExecutor {
  readonly parallelism = 1;
  readonly #runner: SeedRunner;

  constructor(init: WorkerInit) {
    this.#runner = new SeedRunner(sourceOf(init.text, init.file), init.swarm, targetOf(init.target));
  }

  run(seed: number): Promise<SeedRow> {
    return this.#runner.run(seed);
  }

  shrink(seed: number, maxAttempts: number): Promise<ShrinkOutcome | undefined> {
    return this.#runner.shrink(seed, maxAttempts);
  }

  async close(): Promise<void> {}
}

/**
 * The compiled worker script. The CLI runs from dist/, where it sits beside this module; under
 * vitest this module is TypeScript in src/, so the built copy in dist/ is used (`npm run build`).
 */
export function workerScript(): URL {
  const beside = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  const built = new URL('../../dist/sweep/worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new Error(`sweep worker not found at ${fileURLToPath(beside)} or ${fileURLToPath(built)}: run npm run build`);
}

interface Pending {
  job: Job;
  resolve: (reply: Reply & { ok: true }) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  busy?: Pending;
}

/** A fixed set of worker threads, each holding the parsed scenario; one job per worker at a time. */
export class ThreadPool implements SeedExecutor {
  readonly #slots: Slot[];
  readonly #queue: Pending[] = [];
  #nextId = 1;
  #failure: Error | undefined;

  constructor(init: WorkerInit, workers: number) {
    const script = workerScript();
    this.#slots = Array.from({ length: workers }, () => {
      const slot: Slot = { worker: new Worker(script, { workerData: init }) };
      slot.worker.on('message', (reply: Reply) => this.#settle(slot, reply));
      slot.worker.on('error', (err) => this.#fail(err));
      slot.worker.on('exit', (code) => {
        if (slot.busy || this.#queue.length > 0) this.#fail(new Error(`sweep worker exited with code ${code}`));
      });
      return slot;
    });
  }

  get parallelism(): number {
    return this.#slots.length;
  }

  async run(seed: number): Promise<SeedRow> {
    const reply = await this.#submit({ kind: 'run', seed });
    if (!('row' in reply)) throw new Error('sweep worker answered a run job without a row');
    return reply.row;
  }

  async shrink(seed: number, maxAttempts: number): Promise<ShrinkOutcome | undefined> {
    const reply = await this.#submit({ kind: 'shrink', seed, maxAttempts });
    if (!('shrink' in reply)) throw new Error('sweep worker answered a shrink job without an outcome');
    return reply.shrink ?? undefined;
  }

  async close(): Promise<void> {
    this.#queue.length = 0;
    await Promise.all(this.#slots.map((slot) => slot.worker.terminate()));
  }

  #submit(spec: JobSpec): Promise<Reply & { ok: true }> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#queue.push({ job: { ...spec, id: this.#nextId++ }, resolve, reject });
      this.#dispatch();
    });
  }

  #dispatch(): void {
    for (const slot of this.#slots) {
      if (slot.busy) continue;
      const next = this.#queue.shift();
      if (!next) return;
      slot.busy = next;
      slot.worker.postMessage(next.job);
    }
  }

  #settle(slot: Slot, reply: Reply): void {
    const pending = slot.busy;
    slot.busy = undefined;
    if (pending && pending.job.id === reply.id) {
      if (reply.ok) pending.resolve(reply);
      else pending.reject(fromWire(reply.error));
    }
    this.#dispatch();
  }

  #fail(err: Error): void {
    this.#failure ??= err;
    for (const slot of this.#slots) {
      slot.busy?.reject(err);
      slot.busy = undefined;
    }
    for (const pending of this.#queue.splice(0)) pending.reject(err);
  }
}

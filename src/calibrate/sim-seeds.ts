import { InlineExecutor, ThreadPool, type SeedExecutor } from '../sweep/pool.js';
import type { FigureRow } from './compare.js';

/** Where the simulator's seeds run: in worker threads (as `faildrill sweep`), or in this thread with 0. */
export interface SimSeedsOptions {
  file: string;
  /** The scenario file's text (each worker parses it once). */
  text: string;
  seeds: readonly number[];
  workers: number;
  onSeed?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** Runs the scenario on the simulator for every seed (the sweep's seed runner) and keeps each seed's figures, in seed order. */
export async function simulateSeeds(options: SimSeedsOptions): Promise<FigureRow[]> {
  const init = { file: options.file, text: options.text, swarm: false, target: 'sim' };
  const executor: SeedExecutor = options.workers > 0 ? new ThreadPool(init, Math.min(options.workers, options.seeds.length)) : new InlineExecutor(init);
  const rows: FigureRow[] = new Array<FigureRow>(options.seeds.length);
  let next = 0;
  let done = 0;
  const lane = async () => {
    while (next < options.seeds.length && !options.signal?.aborted) {
      const i = next++;
      const row = await executor.run(options.seeds[i]!);
      rows[i] = { seed: row.seed, detectionMs: row.detectionMs, switchMs: row.switchMs, rtoMs: row.rtoMs };
      options.onSeed?.(++done, options.seeds.length);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, executor.parallelism * 2) }, lane));
  } finally {
    await executor.close();
  }
  return rows.filter((r) => r !== undefined);
}

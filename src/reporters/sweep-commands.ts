import { replayCommand, type Replay, type SweepReport } from '../sweep/report.js';

/** The command that runs the sweep again, or (with `seeds`) a part of it. */
export function sweepCommand(report: SweepReport, seeds = report.seeds.spec): string {
  const shard = report.shard && seeds === report.seeds.spec ? ` --shard ${report.shard.index}/${report.shard.count}` : '';
  return `faildrill sweep ${report.scenario.file} --seeds ${seeds}${shard}${report.swarm ? ' --swarm' : ''}`;
}

/**
 * The command that replays each seed of a sweep: `faildrill run <file> --seed N`, with the drawn
 * scenario the sweep wrote for a swarm seed (prefixed with the sweep folder `dir`). A swarm seed
 * whose drawn scenario was not written is replayed by sweeping that one seed, which writes it.
 */
export function seedReplays(report: SweepReport, dir = '.'): (seed: number) => string {
  const folder = dir.replace(/\/$/, '') || '.';
  const replays = new Map<number, Replay>();
  if (report.worst) replays.set(report.worst.seed, report.worst.replay);
  for (const f of report.failures) replays.set(f.seed, f.replay);
  return (seed) => {
    const replay = replays.get(seed);
    if (report.swarm && !replay?.inSweepDir) return sweepCommand(report, String(seed));
    return replayCommand(replay ?? { file: report.scenario.file, seed, inSweepDir: false }, folder);
  };
}

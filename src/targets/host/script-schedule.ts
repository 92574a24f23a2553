import { readFileSync } from 'node:fs';

/** Epoch ms of every run the track script logged (one `$EPOCHREALTIME` line per run); empty when none yet. */
export function scriptRunsEpochMs(file: string): number[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .map((line) => Number(line.trim()) * 1000)
    .filter((ms) => Number.isFinite(ms) && ms > 0);
}

/**
 * The epoch ms of a run's time 0 such that keepalived's track script, which last ran at `lastRunEpochMs`
 * and runs every `intervalMs`, next runs `phaseMs` after it — the earliest such time 0 at or after
 * `earliestEpochMs`.
 */
export function alignedStartEpochMs(lastRunEpochMs: number, intervalMs: number, phaseMs: number, earliestEpochMs: number): number {
  const base = lastRunEpochMs - phaseMs;
  const periods = Math.max(0, Math.ceil((earliestEpochMs - base) / intervalMs));
  return base + periods * intervalMs;
}

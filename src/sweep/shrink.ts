/** One scheduled fault or operator operation, as the shrinker sees it. */
export interface ScheduleItem {
  kind: 'fault' | 'operation';
  /** Position in the scenario's `faults` or `operations` as written. */
  index: number;
  atMs: number;
  /** `duration` of a fault or `maintenance` of a planned failover; undefined: lasts to the end of the run. */
  durationMs: number | undefined;
  /** Whether the item may be given a duration when it has none (a removable fault). */
  canHaveDuration: boolean;
}

/** A fault schedule: faults and operations in the order written. */
export interface Schedule {
  items: ScheduleItem[];
}

/** How big a schedule is, compared in this order: items, then total duration, then the sum of `at`. */
export interface ScheduleSize {
  items: number;
  totalDurationMs: number;
  sumAtMs: number;
}

export interface ShrinkOptions {
  /** Length of the run: an item without duration lasts until then. */
  runMs: number;
  /** Most predicate calls (runs); the best schedule so far is returned when they are used up. */
  maxAttempts?: number;
  /** Durations are not shortened below this. */
  minDurationMs?: number;
  /** Moves and cuts are whole multiples of this (1 s keeps the YAML readable). */
  stepMs?: number;
  /** Fewest items a schedule keeps (1: an empty schedule fails for a different reason, "nothing happened"). */
  minItems?: number;
}

/** What the shrinker found. */
export interface ShrinkResult {
  schedule: Schedule;
  size: ScheduleSize;
  originalSize: ScheduleSize;
  /** Predicate calls made. */
  attempts: number;
  /** Accepted reductions. */
  steps: number;
  /** True when the attempt budget ran out before a fixpoint. */
  exhausted: boolean;
}

/** Decides whether a candidate schedule still fails the same way (runs the seed). */
export type StillFails = (schedule: Schedule) => Promise<boolean>;

export const DEFAULT_MAX_ATTEMPTS = 200;

/** How long an item lasts within the run; one that cannot have a duration (an instant operation, a terminate) counts as 0. */
function effectiveDurationMs(item: ScheduleItem, runMs: number): number {
  if (item.durationMs === undefined && !item.canHaveDuration) return 0;
  return Math.max(0, Math.min(item.durationMs ?? Infinity, runMs - item.atMs));
}

/** The size of a schedule (see {@link ScheduleSize}). */
export function sizeOf(schedule: Schedule, runMs: number): ScheduleSize {
  return {
    items: schedule.items.length,
    totalDurationMs: schedule.items.reduce((sum, item) => sum + effectiveDurationMs(item, runMs), 0),
    sumAtMs: schedule.items.reduce((sum, item) => sum + item.atMs, 0),
  };
}

/** Negative when `a` is smaller than `b`. */
export function compareSize(a: ScheduleSize, b: ScheduleSize): number {
  return a.items - b.items || a.totalDurationMs - b.totalDurationMs || a.sumAtMs - b.sumAtMs;
}

/**
 * Values from `fromMs` toward `targetMs`, largest move first: the target, then half way, a quarter, …,
 * and last a single step, all whole multiples of `stepMs` (and never below the target).
 */
export function towards(fromMs: number, targetMs: number, stepMs: number): number[] {
  const out: number[] = [];
  const add = (candidate: number) => {
    if (candidate < fromMs && candidate >= targetMs && !out.includes(candidate)) out.push(candidate);
  };
  for (let distance = fromMs - targetMs; distance >= stepMs; distance /= 2) add(Math.max(targetMs, Math.round((fromMs - distance) / stepMs) * stepMs));
  add(fromMs - stepMs);
  return out;
}

function keyOf(schedule: Schedule): string {
  return schedule.items.map((i) => `${i.kind}${i.index}@${i.atMs}+${i.durationMs ?? '-'}`).join(',');
}

/**
 * Delta-debugging style shrinking: repeatedly tries to drop each item, shorten each duration (to the
 * floor, then halving the cut) and move each `at` earlier (to the start, then halving the move),
 * keeping a candidate only when it is smaller ({@link compareSize}) and `stillFails` says yes, until
 * no reduction is accepted or `maxAttempts` predicate calls are spent. The original is assumed to fail.
 */
export async function shrinkSchedule(original: Schedule, stillFails: StillFails, options: ShrinkOptions): Promise<ShrinkResult> {
  const opts: Required<ShrinkOptions> = {
    maxAttempts: DEFAULT_MAX_ATTEMPTS,
    minDurationMs: 1_000,
    stepMs: 1_000,
    minItems: 1,
    ...options,
  };
  const tried = new Map<string, boolean>();
  let current = original;
  let attempts = 0;
  let steps = 0;
  let exhausted = false;

  const accept = async (candidate: Schedule): Promise<boolean> => {
    if (compareSize(sizeOf(candidate, opts.runMs), sizeOf(current, opts.runMs)) >= 0) return false;
    const k = keyOf(candidate);
    let fails = tried.get(k);
    if (fails === undefined) {
      if (attempts >= opts.maxAttempts) {
        exhausted = true;
        return false;
      }
      attempts++;
      fails = await stillFails(candidate);
      tried.set(k, fails);
    }
    return fails;
  };

  const replace = (i: number, item: ScheduleItem): Schedule => ({ items: current.items.map((old, j) => (j === i ? item : old)) });
  /** Tries candidates in order; keeps the first that still fails. */
  const firstAccepted = async (candidates: Schedule[]): Promise<boolean> => {
    for (const candidate of candidates) {
      if (exhausted) return false;
      if (await accept(candidate)) {
        current = candidate;
        steps++;
        return true;
      }
    }
    return false;
  };

  for (let changedInPass = true; changedInPass && !exhausted; ) {
    const stepsBefore = steps;
    for (let i = current.items.length - 1; i >= 0 && current.items.length > opts.minItems; i--) {
      await firstAccepted([{ items: current.items.filter((_, j) => j !== i) }]);
    }
    for (let i = 0; i < current.items.length; i++) {
      const shorter = () => {
        const item = current.items[i]!;
        if (item.durationMs === undefined && !item.canHaveDuration) return [];
        return towards(effectiveDurationMs(item, opts.runMs), opts.minDurationMs, opts.stepMs).map((durationMs) => replace(i, { ...item, durationMs }));
      };
      while (await firstAccepted(shorter()));
    }
    for (let i = 0; i < current.items.length; i++) {
      const earlier = () => towards(current.items[i]!.atMs, 0, opts.stepMs).map((atMs) => replace(i, { ...current.items[i]!, atMs }));
      while (await firstAccepted(earlier()));
    }
    changedInPass = steps > stepsBefore;
  }
  return { schedule: current, size: sizeOf(current, opts.runMs), originalSize: sizeOf(original, opts.runMs), attempts, steps, exhausted };
}

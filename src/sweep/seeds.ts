import { UsageError } from '../errors.js';

/** Largest seed the simulator accepts (`--seed` has the same bound). */
export const MAX_SEED = 2 ** 31 - 1;
/** Most seeds one sweep may list: keeps a typo such as `1..1e9` from exhausting memory. */
export const MAX_SEEDS = 1_000_000;

/** `--shard i/n`: the i-th of n shards, 1-based. */
export interface Shard {
  index: number;
  count: number;
}

function seedOf(text: string, spec: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n > MAX_SEED)
    throw new UsageError(`--seeds ${spec}: '${text}' is not a seed; expected integers from 0 to ${MAX_SEED}`);
  return n;
}

/**
 * Parses `--seeds`: `1..N`, `A..B`, a comma list (`3,7,11`) or a mix (`1..10,42`). Keeps the order
 * as written; a seed listed twice is a usage error.
 */
export function parseSeeds(spec: string): number[] {
  const seeds: number[] = [];
  const seen = new Set<number>();
  const parts = spec.split(',').map((p) => p.trim());
  for (const part of parts) {
    if (part === '') throw new UsageError(`--seeds ${spec}: empty item; expected 1..N, A..B or a comma list`);
    const range = /^(.*?)\.\.(.*)$/.exec(part);
    const [from, to] = range ? [seedOf(range[1]!.trim(), spec), seedOf(range[2]!.trim(), spec)] : [seedOf(part, spec), seedOf(part, spec)];
    if (to < from) throw new UsageError(`--seeds ${spec}: range ${part} runs backwards; expected A..B with A <= B`);
    if (seeds.length + (to - from + 1) > MAX_SEEDS) throw new UsageError(`--seeds ${spec}: more than ${MAX_SEEDS} seeds`);
    for (let seed = from; seed <= to; seed++) {
      if (seen.has(seed)) throw new UsageError(`--seeds ${spec}: seed ${seed} is listed twice`);
      seen.add(seed);
      seeds.push(seed);
    }
  }
  return seeds;
}

/** Parses `--shard i/n` (1 <= i <= n). */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count || !Number.isSafeInteger(count))
    throw new UsageError(`--shard ${text}: expected i/n with 1 <= i <= n, e.g. 1/4`);
  return { index, count };
}

/** Every n-th seed starting at the i-th: shards 1/n … n/n together hold each seed exactly once. */
export function shardSeeds(seeds: readonly number[], shard: Shard | undefined): number[] {
  if (!shard) return [...seeds];
  return seeds.filter((_, k) => k % shard.count === shard.index - 1);
}

/** A compact description of a seed list for messages: `1..1000`, `3,7,11`, `1..10,42`. */
export function describeSeeds(seeds: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < seeds.length; ) {
    let j = i;
    while (j + 1 < seeds.length && seeds[j + 1] === seeds[j]! + 1) j++;
    parts.push(j - i >= 2 ? `${seeds[i]}..${seeds[j]}` : seeds.slice(i, j + 1).join(','));
    i = j + 1;
  }
  return parts.join(',');
}

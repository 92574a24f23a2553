import { unsafeUniformIntDistribution, xoroshiro128plus, type RandomGenerator } from 'pure-rand';
import type { Rng } from '../controller/ports.js';

/** FNV-1a over the name, mixed with the parent seed: a stable 32-bit sub-seed per subsystem. */
function subSeed(seed: number, name: string): number {
  let hash = 0x811c9dc5 ^ seed;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}

/** murmur3's 32-bit finalizer: nearby seeds give unrelated generator states (xoroshiro's first draws follow the raw seed). */
function scramble(seed: number): number {
  let h = seed | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/**
 * Seeded generator (xoroshiro128+ from pure-rand). `fork(name)` derives a child from this
 * generator's seed and the name only, so a subsystem's draws never depend on another's.
 */
export class SeededRng implements Rng {
  readonly #generator: RandomGenerator;

  constructor(readonly seed: number) {
    this.#generator = xoroshiro128plus(scramble(seed));
  }

  next(): number {
    return unsafeUniformIntDistribution(0, 2 ** 30 - 1, this.#generator) / 2 ** 30;
  }

  int(min: number, max: number): number {
    if (max < min) throw new RangeError(`int(${min}, ${max}): max < min`);
    return unsafeUniformIntDistribution(min, max, this.#generator);
  }

  fork(name: string): SeededRng {
    return new SeededRng(subSeed(this.seed, name));
  }
}

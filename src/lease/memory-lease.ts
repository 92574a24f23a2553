import type { Clock, LeasePort } from '../controller/ports.js';

/** The arbiter: an in-memory stand-in for an etcd/Consul lease, on the run's clock (virtual or wall). */
export class MemoryLease implements LeasePort {
  readonly #leases = new Map<string, { owner: string; expiresAtMs: number }>();

  constructor(private readonly clock: Pick<Clock, 'nowMs'>) {}

  async acquire(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = this.clock.nowMs();
    const lease = this.#leases.get(key);
    if (lease && lease.owner !== owner && lease.expiresAtMs > now) return false;
    this.#leases.set(key, { owner, expiresAtMs: now + ttlMs });
    return true;
  }

  async release(key: string, owner: string): Promise<void> {
    if (this.#leases.get(key)?.owner === owner) this.#leases.delete(key);
  }

  async holder(key: string): Promise<string | undefined> {
    const lease = this.#leases.get(key);
    return lease && lease.expiresAtMs > this.clock.nowMs() ? lease.owner : undefined;
  }
}

import type { EventLog, RunEvent } from '../measure/events.js';
import { everyFaultRemoved, type InvariantResult } from '../measure/invariants.js';

export type { InvariantResult };

/** What the invariants read from the simulated world after every event. */
export interface InvariantView {
  /** Holders of each virtual IP. */
  vipHolders(): Array<{ vip: string; holders: readonly string[] }>;
  /** The endpoint the failover record answers now and how long it has been unable to serve (0 while it serves). */
  dnsAnswer(): { record: string; answer: string; downForMs: number; alternativeUp: boolean; graceMs: number } | undefined;
  /** Writes acknowledged by a database member that is no longer the writer (none may be). */
  demotedWrites(): Array<{ database: string; member: string; writes: number }>;
}

interface Invariant {
  name: string;
  /** Returns a message while violated, undefined while it holds. */
  check(view: InvariantView): string | undefined;
}

/**
 * Invariants checked after every event of the simulator (design.md §6). A violation is an
 * `invariant`/`violated` event in the log and fails the run.
 */
export class InvariantMonitor {
  readonly #invariants: Invariant[];
  readonly #firstViolation = new Map<string, { atMs: number; message: string }>();
  readonly #violating = new Set<string>();

  constructor(
    private readonly view: InvariantView,
    private readonly events: EventLog,
    options: { splitBrainExpected: boolean },
  ) {
    this.#invariants = [
      ...(options.splitBrainExpected
        ? []
        : [
            {
              name: 'single-vip-holder',
              check: (v: InvariantView) => {
                const split = v.vipHolders().find((h) => h.holders.length > 1);
                return split ? `${split.vip} held by ${split.holders.join(' and ')} at once (split brain)` : undefined;
              },
            },
          ]),
      {
        name: 'dns-answers-healthy-after-ttl',
        check: (v) => {
          const dns = v.dnsAnswer();
          if (!dns || !dns.alternativeUp || dns.downForMs <= dns.graceMs) return undefined;
          return `${dns.record} still answers ${dns.answer}, unable to serve for ${Math.round(dns.downForMs / 1000)} s (detection + TTL allow ${Math.round(dns.graceMs / 1000)} s)`;
        },
      },
      {
        name: 'demoted-primary-acknowledges-no-writes',
        check: (v) => {
          const bad = v.demotedWrites().find((w) => w.writes > 0);
          return bad ? `${bad.database}: ${bad.member} acknowledged ${bad.writes} writes after it was demoted` : undefined;
        },
      },
    ];
  }

  /** Checks every invariant now; call after each event. */
  check(): void {
    for (const invariant of this.#invariants) {
      const message = invariant.check(this.view);
      if (message === undefined) {
        this.#violating.delete(invariant.name);
        continue;
      }
      if (this.#violating.has(invariant.name)) continue;
      this.#violating.add(invariant.name);
      this.events.emit('invariant', 'violated', { invariant: invariant.name, message });
      const atMs = this.events.events.at(-1)!.atMs;
      if (!this.#firstViolation.has(invariant.name)) this.#firstViolation.set(invariant.name, { atMs, message });
    }
  }

  /** Final verdicts, including that every injected fault was removed by the end. */
  results(log: readonly RunEvent[]): InvariantResult[] {
    const results: InvariantResult[] = this.#invariants.map((inv) => {
      const first = this.#firstViolation.get(inv.name);
      return first
        ? { name: inv.name, pass: false, message: first.message, atMs: first.atMs }
        : { name: inv.name, pass: true, message: 'held after every event' };
    });
    results.push(everyFaultRemoved(log));
    return results;
  }
}

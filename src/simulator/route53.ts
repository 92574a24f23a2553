import type { Rng } from '../controller/ports.js';
import type { CheckVerdict } from './checks.js';
import type { Engine } from './engine.js';

interface Checker {
  region: number;
  healthy: boolean;
  streak: number;
}

export interface Route53HealthCheckSpec {
  id: string;
  /** Endpoint checked (a server or load balancer id). */
  target: string;
  intervalMs: number;
  failureThreshold: number;
  regions: number;
  checkersPerRegion: number;
  /** Share of checkers that must report healthy, strictly exceeded, for the endpoint to be healthy. */
  healthyCheckerShare: number;
}

/**
 * A Route 53 health check: checkers in several regions, each on its own phase, each needing
 * `failureThreshold` results in a row to change its view (a result counts when the answer comes or
 * the check times out); the endpoint is healthy while more than 18 % of checkers report healthy.
 */
export class Route53HealthCheck {
  readonly #checkers: Checker[] = [];
  #healthy = true;

  constructor(
    readonly spec: Route53HealthCheckSpec,
    private readonly engine: Engine,
    rng: Rng,
    /** Sends one check: passes when the endpoint answered 2xx/3xx in time; the checker knows `afterMs` later. */
    private readonly check: () => CheckVerdict,
    private readonly onChange: (healthy: boolean, healthyCheckers: number, checkers: number) => void,
  ) {
    for (let region = 0; region < spec.regions; region++) {
      for (let c = 0; c < spec.checkersPerRegion; c++) {
        const checker: Checker = { region, healthy: true, streak: 0 };
        this.#checkers.push(checker);
        const phaseMs = rng.int(0, spec.intervalMs - 1);
        this.engine.after(phaseMs, () => this.#tick(checker), true);
      }
    }
  }

  get healthy(): boolean {
    return this.#healthy;
  }

  #tick(checker: Checker): void {
    const verdict = this.check();
    this.engine.after(verdict.afterMs, () => this.#count(checker, verdict.ok), true);
    this.engine.after(this.spec.intervalMs, () => this.#tick(checker), true);
  }

  #count(checker: Checker, ok: boolean): void {
    if (ok === checker.healthy) {
      checker.streak = 0;
    } else if (++checker.streak >= this.spec.failureThreshold) {
      checker.healthy = ok;
      checker.streak = 0;
      this.#evaluate();
    }
  }

  #evaluate(): void {
    const healthyCount = this.#checkers.filter((c) => c.healthy).length;
    const healthy = healthyCount / this.#checkers.length > this.spec.healthyCheckerShare;
    if (healthy === this.#healthy) return;
    this.#healthy = healthy;
    this.onChange(healthy, healthyCount, this.#checkers.length);
  }
}

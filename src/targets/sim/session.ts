import type { FailoverController } from '../../controller/controller.js';
import type { EventDetail } from '../../measure/events.js';
import type { FaultEffect, Session, SessionRecord, TargetPorts, Undo } from '../../run/target.js';
import type { Scenario } from '../../scenario/schema.js';
import type { FaultEffect as SimFaultEffect } from '../../simulator/faults.js';
import { InvariantMonitor } from '../../simulator/invariants.js';
import { SimWorld } from '../../simulator/world.js';

/** A drill on the simulator: virtual time, every port a model, invariants checked after every event. */
export class SimSession implements Session {
  readonly #world: SimWorld;
  readonly #invariants: InvariantMonitor;
  readonly ports: TargetPorts;

  constructor(
    private readonly scenario: Scenario,
    seed: number,
  ) {
    const world = new SimWorld(scenario, seed);
    this.#world = world;
    this.ports = {
      probe: world.probePort,
      ...(scenario.setup.dns ? { dns: world.dnsPort } : {}),
      ...(scenario.setup.loadBalancer ? { loadBalancer: world.loadBalancerPort } : {}),
      ...(world.virtualIpPort ? { virtualIp: world.virtualIpPort, lease: world.lease } : {}),
      ...(world.databasePort ? { database: world.databasePort } : {}),
      ...(world.scalingGroupPort ? { scalingGroup: world.scalingGroupPort } : {}),
    };
    this.#invariants = new InvariantMonitor(world.invariantView(), world.events, {
      splitBrainExpected: scenario.expect.splitBrain !== undefined,
    });
  }

  get clock() {
    return this.#world.clock;
  }

  get rng() {
    return this.#world.rng;
  }

  get events() {
    return this.#world.events;
  }

  attach(controller: FailoverController): void {
    if (this.scenario.setup.vip?.fencing === 'arbiter') this.#world.setVipArbiter((node) => controller.mayHoldAddress(node));
  }

  async start(detail: EventDetail): Promise<void> {
    this.events.emit('run', 'start', detail);
  }

  schedule(atMs: number, fn: () => void | Promise<void>): void {
    this.#world.engine.at(atMs, () => {
      const pending = fn();
      if (pending) pending.catch((err: unknown) => this.events.emit('run', 'error', { message: err instanceof Error ? err.message : String(err) }));
    });
  }

  async inject(fault: FaultEffect, onEffect: (detail: EventDetail) => void): Promise<Undo> {
    const { id: _id, ...effect } = fault;
    const affects = this.#world.faultAffects(fault.target);
    const undo = this.#world.applyFault(effect as SimFaultEffect);
    onEffect(affects ? { affects } : {});
    return async () => undo();
  }

  requestTotals(): { ok: number; total: number } {
    this.#world.countLoadUntilNow();
    return this.#world.requestTotals();
  }

  async runUntil(endMs: number, signal: AbortSignal): Promise<void> {
    await this.#world.runUntil(endMs, () => this.#invariants.check(), () => signal.aborted);
  }

  async finish(aborted: string | undefined): Promise<SessionRecord> {
    const world = this.#world;
    const writes = world.databaseWrites();
    if (writes) this.events.emit('db', 'writes', { ...writes });
    this.events.emit('run', 'end', { engineEvents: world.engine.processed, ...(aborted ? { aborted } : {}) });
    return {
      samples: world.samples(),
      invariants: this.#invariants.results(this.events.events),
      engineEvents: world.engine.processed,
    };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    // nothing outside memory to release
  }
}

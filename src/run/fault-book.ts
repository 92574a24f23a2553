import type { EventDetail } from '../measure/events.js';
import type { FaultEffect, Session, Undo } from './target.js';

interface ActiveFault {
  fault: FaultEffect;
  undo: Undo;
}

/**
 * The faults a drill has applied and not yet removed: injects through the session, logs
 * `fault`/`injected` at the moment each takes effect and `fault`/`removed` once undone, and removes
 * whatever is still active at the end. Injections that start after the drill ended are refused, and
 * so is any that `mayInject` refuses (the kill switch, a tripped stop condition).
 */
export class FaultBook {
  readonly #active = new Map<string, ActiveFault>();
  #closed = false;

  constructor(
    private readonly session: Pick<Session, 'inject' | 'events'>,
    private readonly mayInject: () => boolean = () => true,
  ) {}

  /** Ids of the faults active now, in injection order. */
  get activeIds(): string[] {
    return [...this.#active.keys()];
  }

  /** Applies `fault` under its id; `extra` goes into the `injected` event (planned maintenance marks). */
  async inject(fault: FaultEffect, extra: EventDetail = {}): Promise<void> {
    if (this.#closed || this.#active.has(fault.id) || !this.mayInject()) return;
    const { events } = this.session;
    const undo = await this.session.inject(fault, (detail) =>
      events.emit('fault', 'injected', { faultId: fault.id, action: fault.action, target: fault.target, ...detail, ...extra }),
    );
    if (this.#closed) {
      await undo();
      events.emit('fault', 'removed', { faultId: fault.id, action: fault.action, target: fault.target, atEnd: true });
      return;
    }
    this.#active.set(fault.id, { fault, undo });
  }

  /** Undoes fault `faultId` if it is active; `atEnd` marks removal by the end of the run, not the schedule. */
  async remove(faultId: string, atEnd = false): Promise<void> {
    const active = this.#active.get(faultId);
    if (!active) return;
    this.#active.delete(faultId);
    await active.undo();
    const { fault } = active;
    this.session.events.emit('fault', 'removed', { faultId, action: fault.action, target: fault.target, ...(atEnd ? { atEnd } : {}) });
  }

  /** Refuses further injections and undoes every active fault, latest first. */
  async removeAll(): Promise<void> {
    this.#closed = true;
    for (const id of this.activeIds.reverse()) await this.remove(id, true);
  }
}

import { serverList, type RunEvent } from './events.js';

/** The verdict on one invariant over a whole run. */
export interface InvariantResult {
  name: string;
  pass: boolean;
  message: string;
  /** When it was first violated. */
  atMs?: number;
}

/** Every fault injected was removed by the end of the run (faildrill always undoes what it applies). */
export function everyFaultRemoved(log: readonly RunEvent[]): InvariantResult {
  const injected = log.filter((e) => e.component === 'fault' && e.type === 'injected').map((e) => String(e.detail.faultId));
  const removed = new Set(log.filter((e) => e.component === 'fault' && e.type === 'removed').map((e) => String(e.detail.faultId)));
  const left = injected.filter((id) => !removed.has(id));
  return left.length === 0
    ? { name: 'every-fault-removed', pass: true, message: `${injected.length} faults applied, all removed` }
    : { name: 'every-fault-removed', pass: false, message: `never removed: ${left.join(', ')}` };
}

/** At most one node held a virtual IP at any time, judged from the `vip`/`holders` events of the log. */
export function singleVipHolder(log: readonly RunEvent[]): InvariantResult {
  const split = log.find((e) => e.component === 'vip' && e.type === 'holders' && serverList(e.detail.holders).length > 1);
  return split
    ? {
        name: 'single-vip-holder',
        pass: false,
        message: `${split.detail.vip} held by ${serverList(split.detail.holders).join(' and ')} at once (split brain)`,
        atMs: split.atMs,
      }
    : { name: 'single-vip-holder', pass: true, message: 'never more than one holder' };
}

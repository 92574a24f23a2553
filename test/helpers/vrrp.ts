import type { RunEvent } from '../../src/measure/events.js';

/** Seeds 1..n: figures over many advert and script phases. */
export const seeds = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

/** Largest minus smallest: how far a figure spreads over seeds. */
export const spread = (xs: readonly number[]): number => Math.max(...xs) - Math.min(...xs);

/** The first `vip`/`state` event that puts `node` in `state` at or after `afterMs`. */
export const vipStateAt = (events: readonly RunEvent[], node: string, state: string, afterMs = 1): RunEvent | undefined =>
  events.find((e) => e.component === 'vip' && e.type === 'state' && e.detail.node === node && e.detail.state === state && e.atMs >= afterMs);

/** When `node` became VRRP master at or after `afterMs`. */
export const becameMaster = (events: readonly RunEvent[], node: string, afterMs = 1): RunEvent | undefined => vipStateAt(events, node, 'master', afterMs);

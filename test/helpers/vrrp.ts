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

/** A keepalived pair a (MASTER) / b on 5 ms servers, advert_int 1 s, as the VRRP tests drill it. */
export interface VrrpPairOptions {
  name: string;
  master: number;
  backup: number;
  /** YAML lines of `faults:`. */
  fault: string;
  /** A `trackScript:` line under `vip:`, indented. */
  track?: string;
  fencing?: 'none' | 'arbiter';
  /** Flow mapping of `expect:`. */
  expect?: string;
  load: { ratePerSec: number; clients: number };
}

/** The pair's scenario text. */
export const vrrpPair = (o: VrrpPairOptions): string => `
name: ${o.name}
duration: 90s
setup:
  servers: [{ id: a, latency: 5ms }, { id: b, latency: 5ms }]
  vip:
    advertInt: 1s
    nodes:
      - { server: a, priority: ${o.master}, state: MASTER }
      - { server: b, priority: ${o.backup} }
${o.track ?? ''}
    fencing: ${o.fencing ?? 'none'}
load: { rate: ${o.load.ratePerSec}, clients: ${o.load.clients}, timeout: 2s }
faults:
${o.fault}
${o.expect ? `expect: ${o.expect}` : ''}
`;

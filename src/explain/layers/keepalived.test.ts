import { describe, expect, it } from 'vitest';
import { explainFirst, range } from '../test-helpers.js';

/** Seed 001's keepalived pair: priorities 100/90, advert_int 1 s, check_app every 5 s, timeout 1 s, fall 2, rise 2, weight −20. */
const pair = (fault: string, vip = '') => `
name: ka
duration: 3m
setup:
  servers: [{ id: a, latency: 1ms }, { id: b, latency: 1ms }]
  vip:
    id: v
    advertInt: 1s
    ${vip}
    nodes: [ { server: a, priority: 100, state: MASTER }, { server: b, priority: 90 } ]
    trackScript: { interval: 5s, timeout: 1s, fall: 2, rise: 2, weight: -20 }
load: { rate: 50, clients: 10, timeout: 1s }
faults: [ ${fault} ]
`;

// RFC 3768 §6.1 (VRRPv2, keepalived's default): skew = (256 − priority)/256 s, master down = 3 × advert_int + skew
const mdB = 3_000 + (166 / 256) * 1_000; // node-b, priority 90: 3.6484375 s
const mdA = 3_000 + (156 / 256) * 1_000;
const mdA80 = 3_000 + (176 / 256) * 1_000; // node-a lowered to 100 − 20

describe('keepalived / VRRP', () => {
  it("seed 001's drill: track_script after fall × interval + timeout, then the backup's master-down less up to one advert", () => {
    const e = explainFirst(pair('{ id: f, at: 60s, action: network-drop, protocol: tcp, port: 80, target: a, duration: 20s }'));
    expect(e.decidedBy).toBe('keepalived track_script check_app');
    expect(range(e, 'detection')).toEqual([6_000, 11_000]);
    expect(range(e, 'switch')).toEqual([mdB - 1_000, mdB]);
    expect(range(e, 'timeToSwitch')).toEqual([6_000 + mdB - 1_000, 11_000 + mdB]);
    // rise × interval, then node-a preempts when the timer the last advert of node-b set (at priority 80) runs out
    expect(range(e, 'failback')).toEqual([5_000 + Math.min(mdA, mdA80) - 1_000, 10_000 + Math.max(mdA, mdA80)]);
  });

  it('VRRPv3 scales the skew by advert_int (RFC 5798 §6.1)', () => {
    const e = explainFirst(pair('{ id: f, at: 60s, action: service-stop, target: a }', 'vrrpVersion: 3').replace('advertInt: 1s', 'advertInt: 500ms'));
    const md = 3 * 500 + (166 / 256) * 500;
    expect(range(e, 'switch')).toEqual([md - 500, md]);
    // a refused local check fails the script at once: (2 − 1) × 5 s to 2 × 5 s
    expect(range(e, 'detection')).toEqual([5_000, 10_000]);
  });

  it('a stopped keepalived says goodbye with priority 0: the address goes at once, the backup takes it after its skew', () => {
    const e = explainFirst(pair('{ id: f, at: 60s, action: service-stop, service: keepalived, target: a, duration: 20s }'));
    expect(range(e, 'timeToSwitch')).toEqual([0, 0]);
    expect(e.bounds.find((b) => b.figure === 'detection')!.occurs).toBe('never');
    // clients reach node-b after skew(90) = 166/256 s, each reconnecting at its next request (period 10/50 s = 200 ms)
    expect(range(e, 'rto')).toEqual([0, (166 / 256) * 1_000 + 100 + 200]);
    // keepalived restarts as backup and preempts when its master-down timer runs out
    expect(range(e, 'failback')).toEqual([mdA, mdA]);
  });

  it('a frozen keepalived keeps the address: the backup takes over on master-down and both hold it until the master thaws', () => {
    const e = explainFirst(pair('{ id: f, at: 60s, action: process-pause, service: keepalived, target: a, duration: 30s }'));
    expect(range(e, 'detection')).toEqual([mdB - 1_000, mdB]);
    expect(range(e, 'failback')).toEqual([0, 0]);
    expect(range(e, 'splitBrain')).toEqual([30_000 - mdB, 30_000 - mdB + 1_000]);
  });

  it('a partition without fencing: two masters until it heals; with arbiter fencing one overlap of fall × interval + timeout, no switch', () => {
    const open = explainFirst(pair('{ id: f, at: 40s, action: network-partition, target: a, peer: b, duration: 30s }'));
    expect(range(open, 'timeToSwitch')).toEqual([mdB - 1_000, mdB]);
    expect(range(open, 'splitBrain')).toEqual([30_000 - mdB, 30_000 - mdB + 2_000]);
    const fenced = explainFirst(pair('{ id: f, at: 40s, action: network-partition, target: a, peer: b, duration: 30s }', 'fencing: arbiter\n    fencingScript: { interval: 1s, timeout: 1s, fall: 2 }'));
    expect(range(fenced, 'timeToSwitch')).toBe('never');
    expect(range(fenced, 'splitBrain')).toEqual([1_000, 3_000]);
  });

  it('a weight that keeps the master above the backup moves nothing', () => {
    const e = explainFirst(pair('{ id: f, at: 60s, action: service-stop, target: a }').replace('weight: -20', 'weight: -5'));
    expect(e.decidedBy).toBeNull();
    expect(range(e, 'timeToSwitch')).toBe('never');
  });
});

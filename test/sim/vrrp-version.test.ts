import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../src/errors.js';
import { parseScenario } from '../../src/scenario/load.js';
import { masterDownIntervalMs, skewMs } from '../../src/simulator/vrrp.js';
import { simulate } from '../helpers/sim.js';
import { seeds } from '../helpers/vrrp.js';

const SEEDS = seeds(50);
const FAULT_AT_MS = 40_000;

const pair = (advertInt: string, version?: 2 | 3) => `
name: vrrp-version
duration: 80s
setup:
  servers: [{ id: a, latency: 5ms }, { id: b, latency: 5ms }]
  vip:
    advertInt: ${advertInt}
${version ? `    vrrpVersion: ${version}\n` : ''}    nodes:
      - { server: a, priority: 100, state: MASTER }
      - { server: b, priority: 90 }
load: { rate: 20, clients: 5, timeout: 2s }
faults:
  - { id: down, at: 40s, action: aws:ec2:stop-instances, target: a }
`;

const takeoverMs = async (yaml: string, seed: number) => {
  const { record } = await simulate(yaml, seed);
  const e = record.events.find((x) => x.type === 'state' && x.detail.node === 'b' && x.detail.state === 'master')!;
  return e.atMs - FAULT_AT_MS;
};

describe('VRRP version: skew in seconds (v2) or in advert intervals (v3)', () => {
  it('Skew_Time is (256 − priority)/256 s in VRRPv2 (RFC 3768 §6.1) and × advert_int in VRRPv3 (RFC 5798 §6.1)', () => {
    expect(skewMs(90, 3_000, 2)).toBe(648.4375);
    expect(skewMs(90, 3_000, 3)).toBe(1_945.3125);
    expect(masterDownIntervalMs(90, 3_000, 3) - masterDownIntervalMs(90, 3_000, 2)).toBe(1_296.875);
    // at advert_int 1 s the versions agree
    expect(masterDownIntervalMs(90, 1_000, 3)).toBe(masterDownIntervalMs(90, 1_000, 2));
  });

  it('the version defaults to 2, as keepalived (keepalived.conf(5): vrrp_version "default: 2")', () => {
    expect(parseScenario(pair('1s'), 'x.yaml').scenario.setup.vip!.vrrpVersion).toBe(2);
  });

  it.each([2, 3] as const)(
    'VRRPv%i at advert_int 3 s: a vanished master is replaced Master_Down_Interval after its last advert, on a phase the seed draws',
    async (version) => {
      const masterDownMs = masterDownIntervalMs(90, 3_000, version);
      const delays: number[] = [];
      for (const seed of SEEDS) {
        const delay = await takeoverMs(pair('3s', version), seed);
        // the last advert left in [fault − advert_int, fault]
        expect(delay, `seed ${seed}`).toBeGreaterThanOrEqual(masterDownMs - 3_000);
        expect(delay, `seed ${seed}`).toBeLessThanOrEqual(masterDownMs);
        delays.push(delay);
      }
      // phases not aligned to t = 0: the delays spread over most of the advert interval
      expect(Math.max(...delays) - Math.min(...delays)).toBeGreaterThan(0.8 * 3_000);
      expect(new Set(delays).size).toBeGreaterThan(40);
    },
  );

  it('the same seed (same advert phase) switches 1296.875 ms later in VRRPv3 than in VRRPv2 at advert_int 3 s', async () => {
    for (const seed of SEEDS.slice(0, 10)) {
      expect((await takeoverMs(pair('3s', 3), seed)) - (await takeoverMs(pair('3s', 2), seed)), `seed ${seed}`).toBe(1_296.875);
    }
  });

  it('sub-second adverts need VRRPv3: otherwise a validation error naming file:line:col and setup.vip.advertInt', () => {
    // RFC 3768 §5.3.7: VRRPv2's Adver Int counts whole seconds; RFC 5798 §5.2.7: VRRPv3's centiseconds
    let error: unknown;
    try {
      parseScenario(pair('500ms'), 'sub-second.yaml');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ScenarioError);
    const issue = (error as ScenarioError).issues.find((i) => i.path === 'setup.vip.advertInt')!;
    expect(issue).toMatchObject({ file: 'sub-second.yaml', line: 7, col: 16 });
    expect(issue.message).toMatch(/vrrpVersion: 3/);
    expect(parseScenario(pair('500ms', 3), 'v3.yaml').scenario.setup.vip!.advertIntMs).toBe(500);
    expect(() => parseScenario(pair('505ms', 3), 'v3.yaml')).toThrow(/centiseconds/);
  });
});

import { describe, expect, it } from 'vitest';
import { faildrill, tempFile } from '../helpers/cli.js';

/** A Route 53 check of 30 s × 3 cannot give an RTO under 10 s: its detection alone takes (3 − 1) × 30 s (issue 13's example). */
const unmeetable = `name: unmeetable
duration: 10m
setup:
  servers: [{ id: a }, { id: b }]
  dns: { record: x.example.com, ttl: 60s, primary: a, secondary: b, healthCheck: { interval: 30s, failureThreshold: 3 } }
faults: [ { id: f, at: 1m, action: service-stop, target: a, duration: 5m } ]
expect: { rto: "< 10s" }
`;

describe('faildrill explain', () => {
  it('prints a table per fault with formulas and numbers, and who decides', () => {
    const r = faildrill(['explain', 'scenarios/host-keepalived.yaml']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('app-port-dropped');
    expect(r.stdout).toContain('decided by keepalived track_script check_app');
    // fall 2 × interval 5 s + timeout 1 s (the scenario's own numbers)
    expect(r.stdout).toContain('max fall × interval + timeout = 2 × 5s + 1s');
    expect(r.stdout).toMatch(/detection\s+6s\s+11s/);
    expect(r.stdout).toContain('meets       detection < 15s');
  }, 15_000);

  it('--json gives every fault with min/max in ms, the formulas and the expectations outlook', () => {
    const r = faildrill(['explain', 'scenarios/full-stack.yaml', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { faults: Array<{ faultId: string; figures: Array<{ figure: string; minMs: number | null; maxMs: number | null; formula: unknown }> }>; expectations: unknown[] };
    expect(out.faults.map((f) => f.faultId)).toEqual(['app-2-terminated', 'pricing-port-dropped', 'db-cluster-failover', 'app-1-port-dropped', 'app-3-paused']);
    const db = out.faults[2]!.figures.find((f) => f.figure === 'timeToSwitch')!;
    // Multi-AZ DB cluster 15–35 s (design.md §5) plus the writer endpoint's 5 s TTL
    expect([db.minMs, db.maxMs]).toEqual([15_000, 40_000]);
    // detection, switch, rto and replacement have bounds; lostWrites has none
    expect(out.expectations).toHaveLength(4);
  }, 15_000);

  it('says when the configuration cannot meet its own expectation; validate warns (exit 0) and fails with --strict (exit 1)', () => {
    const file = tempFile('unmeetable.yaml', unmeetable);
    const explained = faildrill(['explain', file]);
    expect(explained.code).toBe(0);
    expect(explained.stdout).toContain('CANNOT MEET rto < 10s cannot be met');
    const validated = faildrill(['validate', file]);
    expect(validated.code).toBe(0);
    expect(validated.stdout).toContain(`${file}: warning: rto < 10s cannot be met`);
    expect(faildrill(['validate', '--strict', file]).code).toBe(1);
  }, 30_000);

  it('exits 2 naming file and line for a bad scenario, without a stack trace', () => {
    const file = tempFile('bad.yaml', unmeetable.replace('duration: 10m', 'duration: ten'));
    const r = faildrill(['explain', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:2:`);
    expect(r.stderr).not.toContain('    at ');
  }, 15_000);
});

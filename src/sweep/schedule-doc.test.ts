import { describe, expect, it } from 'vitest';
import { applySchedule, scheduleOf } from './schedule-doc.js';
import { documentText, sourceOf } from './scenario-doc.js';

const TEXT = `name: doc-test
duration: 10m
setup:
  servers: [{ id: a }, { id: b }]
  loadBalancer:
    targetGroups:
      - { id: one, priority: 1, targets: [a] }
      - { id: two, priority: 2, targets: [b] }
faults:
  - { id: first, at: 1m30s, action: service-stop, target: a, duration: 2m }   # keep me
  - { id: second, at: 5m, action: process-pause, target: a }
operations:
  - { at: 7m, action: planned-failover, layer: loadBalancer, maintenance: 1m }
`;

describe('schedule ↔ document', () => {
  const source = sourceOf(TEXT, 'doc.yaml');
  const original = scheduleOf(source.loaded.scenario);

  it('reads faults then operations, with their timings', () => {
    expect(original.items.map((i) => [i.kind, i.index, i.atMs, i.durationMs])).toEqual([
      ['fault', 0, 90_000, 120_000],
      ['fault', 1, 300_000, undefined],
      ['operation', 0, 420_000, 60_000],
    ]);
  });

  it('writes only what changed, in scenario syntax, keeping kept items as written', () => {
    const shrunk = { items: [original.items[0]!, { ...original.items[1]!, atMs: 150_000, durationMs: 45_500 }] };
    const text = documentText(applySchedule(source.doc, shrunk, original));
    expect(text).toContain('- { id: first, at: 1m30s, action: service-stop, target: a, duration: 2m } # keep me');
    expect(text).toContain('- { id: second, at: 2m30s, action: process-pause, target: a, duration: 45s500ms }');
    expect(text).toMatch(/operations: \[\]/);
    const again = sourceOf(text, 'again.yaml').loaded.scenario;
    expect(again.faults.map((f) => [f.atMs, f.durationMs])).toEqual([
      [90_000, 120_000],
      [150_000, 45_500],
    ]);
    expect(again.operations).toEqual([]);
  });

  it('leaves the source document untouched', () => {
    applySchedule(source.doc, { items: [] }, original);
    expect(String(source.doc)).toContain('id: second');
  });
});

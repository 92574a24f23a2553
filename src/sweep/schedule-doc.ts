import { isMap, isSeq } from 'yaml';
import { faultKind } from '../faults/catalogue.js';
import type { Scenario } from '../scenario/schema.js';
import { durationYaml, type ScenarioDocument } from './scenario-doc.js';
import type { Schedule, ScheduleItem } from './shrink.js';

/** The fault schedule of a validated scenario: its faults, then its operations, in the order written. */
export function scheduleOf(scenario: Scenario): Schedule {
  const faults = scenario.faults.map(
    (f, index): ScheduleItem => ({
      kind: 'fault',
      index,
      atMs: f.atMs,
      durationMs: f.durationMs,
      canHaveDuration: faultKind(f.action)?.removable ?? false,
    }),
  );
  const operations = scenario.operations.map(
    (op, index): ScheduleItem => ({ kind: 'operation', index, atMs: op.atMs, durationMs: op.maintenanceMs, canHaveDuration: false }),
  );
  return { items: [...faults, ...operations] };
}

const SECTION = { fault: 'faults', operation: 'operations' } as const;
const DURATION_KEY = { fault: 'duration', operation: 'maintenance' } as const;

/**
 * The scenario document with its `faults` and `operations` replaced by `schedule`: kept items are the
 * original YAML nodes (comments, flow style and `1m30s` syntax intact); only a changed `at` or
 * duration is rewritten. `original` is the schedule the document was written with.
 */
export function applySchedule(doc: ScenarioDocument, schedule: Schedule, original: Schedule): ScenarioDocument {
  const out = doc.clone();
  for (const kind of ['fault', 'operation'] as const) {
    const seq = out.get(SECTION[kind], true);
    if (!isSeq(seq)) continue;
    const nodes = seq.items;
    const kept = schedule.items.filter((item) => item.kind === kind);
    seq.items = kept.map((item) => {
      const node = nodes[item.index];
      const before = original.items.find((o) => o.kind === kind && o.index === item.index);
      if (!isMap(node) || !before) throw new Error(`schedule names ${SECTION[kind]}[${item.index}], which the document lacks`);
      if (item.atMs !== before.atMs) node.set('at', durationYaml(item.atMs));
      if (item.durationMs !== before.durationMs) {
        if (item.durationMs === undefined) node.delete(DURATION_KEY[kind]);
        else node.set(DURATION_KEY[kind], durationYaml(item.durationMs));
      }
      return node;
    });
  }
  return out;
}

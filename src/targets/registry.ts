import { UsageError } from '../errors.js';
import type { TargetCapabilities } from '../run/capabilities.js';
import type { Target } from '../run/target.js';
import { awsTarget } from './aws/target.js';
import { hostTarget } from './host/target.js';
import { simTarget } from './sim/target.js';

/**
 * Every target a drill can run on, by `--target` name (like vitest's ReportersMap). Adding a target
 * is adding a folder under `src/targets/` that exports a {@link Target}, and one line here.
 */
export const TargetsMap: Readonly<Record<string, Target>> = Object.freeze({
  sim: simTarget,
  host: hostTarget,
  aws: awsTarget,
});

/** Targets that are planned but not built yet: named in messages and the README's matrix. */
export const PlannedTargets: ReadonlyArray<{ name: string; columns: MatrixColumn[] }> = [];

/** One column of the capability matrix. */
export interface MatrixColumn {
  title: string;
  capabilities: TargetCapabilities;
}

/** The registered target names, in registration order. */
export function targetNames(): string[] {
  return Object.keys(TargetsMap);
}

/** The target registered as `name`; a {@link UsageError} (exit 2) naming the choices otherwise. */
export function targetOf(name: string): Target {
  if (Object.hasOwn(TargetsMap, name)) return TargetsMap[name]!;
  const planned = PlannedTargets.find((p) => p.name === name);
  const choices = `available: ${targetNames().join(', ')}`;
  if (planned) throw new UsageError(`target '${name}' is not available yet (planned; see the README's capability matrix); ${choices}`);
  throw new UsageError(`unknown target '${name}'; ${choices}`);
}

/** The matrix columns: every registered target, then the planned ones. */
export function matrixColumns(): MatrixColumn[] {
  return [
    ...Object.values(TargetsMap).map((t) => ({ title: t.name, capabilities: t.capabilities })),
    ...PlannedTargets.flatMap((p) => p.columns),
  ];
}

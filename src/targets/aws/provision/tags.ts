import { createHash } from 'node:crypto';

/** Tag key on everything faildrill creates in AWS: the run that created it (cleanup finds resources by it). */
export const RUN_ID_TAG = 'faildrill:run-id';
/** Tag key naming the scenario a resource was created for. */
export const SCENARIO_TAG = 'faildrill:scenario';

/** Who a resource belongs to: the run and its scenario. */
export interface RunLabel {
  runId: string;
  scenario: string;
}

/** The run's tags as `Key`/`Value` pairs (EC2, ELBv2, RDS, Route 53, CloudWatch, SNS), plus `Name` when given. */
export function runTags(label: RunLabel, name?: string): Array<{ Key: string; Value: string }> {
  return [
    { Key: RUN_ID_TAG, Value: label.runId },
    { Key: SCENARIO_TAG, Value: label.scenario },
    ...(name !== undefined ? [{ Key: 'Name', Value: name }] : []),
  ];
}

/** The run's tags as a map (FIS). */
export function runTagMap(label: RunLabel): Record<string, string> {
  return { [RUN_ID_TAG]: label.runId, [SCENARIO_TAG]: label.scenario };
}

/** True when `tags` carry the run-id tag (of `runId`, or of any run when it is undefined). */
export function taggedFor(tags: ReadonlyArray<{ Key?: string; Value?: string }> | undefined, runId: string | undefined): boolean {
  return (tags ?? []).some((t) => t.Key === RUN_ID_TAG && (runId === undefined || t.Value === runId));
}

/** The run-id tag's value in `tags`, if any. */
export function runIdOf(tags: ReadonlyArray<{ Key?: string; Value?: string }> | undefined): string | undefined {
  return (tags ?? []).find((t) => t.Key === RUN_ID_TAG)?.Value;
}

const hex = (text: string, digits: number) => createHash('sha256').update(text).digest('hex').slice(0, digits);

/**
 * A name for a named AWS resource (target group, load balancer, DB identifier, alarm, topic, …) that is
 * unique per run and valid for the strictest of those services: `fd-<8 hex of the run id>-<id>`,
 * lowercase letters, digits and single hyphens, at most `maxLength` characters (a long id is cut
 * and suffixed with 4 hex digits of its hash, so two long ids stay apart).
 */
export function resourceName(runId: string, id: string, maxLength = 32): string {
  const clean = id
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-|-$/g, '');
  const prefix = `fd-${hex(runId, 8)}-`;
  const room = maxLength - prefix.length;
  if (room < 6) throw new RangeError(`resourceName: maxLength ${maxLength} leaves no room for an id`);
  const body = clean.length <= room ? clean : `${clean.slice(0, room - 5).replace(/-$/, '')}-${hex(id, 4)}`;
  return `${prefix}${body}`;
}

/** A caller reference (Route 53, FIS client token) unique to the run and the id, at most 64 characters. */
export function callerReference(runId: string, id: string): string {
  return `fd-${hex(`${runId}\0${id}`, 24)}-${id.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 32)}`;
}

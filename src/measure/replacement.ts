import type { RunEvent } from './events.js';

/**
 * Whether the fault caused a replacement (its autoscaling instance was terminated while it acted)
 * and when the replacement became healthy in its target group: the first instance the same group
 * launched from that moment on, not taken by an earlier fault. `healthyAtMs` null: it never did.
 */
export function replacementOf(
  events: readonly RunEvent[],
  affected: ReadonlySet<string>,
  injectedAtMs: number,
  untilMs: number,
  taken: Set<string>,
): { healthyAtMs: number | null } | null {
  const ended = events.find(
    (e) =>
      e.component === 'asg' &&
      e.type === 'instance' &&
      e.atMs >= injectedAtMs &&
      e.atMs < untilMs &&
      affected.has(String(e.detail.instance)) &&
      (e.detail.state === 'terminating' || e.detail.state === 'terminated'),
  );
  if (!ended) return null;
  const launched = events.find(
    (e) =>
      e.component === 'asg' &&
      e.type === 'instance' &&
      e.atMs >= ended.atMs &&
      e.detail.group === ended.detail.group &&
      e.detail.state === 'pending' &&
      !taken.has(String(e.detail.instance)),
  );
  if (!launched) return { healthyAtMs: null };
  const instance = String(launched.detail.instance);
  taken.add(instance);
  const healthy = events.find((e) => e.component === 'lb' && e.type === 'target.health' && e.detail.health === 'healthy' && e.detail.target === instance);
  return { healthyAtMs: healthy?.atMs ?? null };
}

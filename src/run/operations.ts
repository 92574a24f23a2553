import type { ControllerConfig, FailoverController } from '../controller/controller.js';
import type { OperationSpec, Scenario } from '../scenario/schema.js';
import { groupIdOf, serversBehind } from './controller-config.js';
import type { FaultBook } from './fault-book.js';
import type { Session } from './target.js';

/**
 * Schedules the scenario's operator requests: manual failover and failback, and planned maintenance
 * (planned failover; once the primary drained, its servers are stopped for the maintenance window,
 * then started again and the hold ends).
 */
export function scheduleOperations(
  scenario: Scenario,
  config: ControllerConfig,
  session: Pick<Session, 'schedule' | 'events' | 'clock'>,
  controller: FailoverController,
  faults: FaultBook,
): void {
  scenario.operations.forEach((op, i) => {
    const opId = op.id ?? `op-${i + 1}`;
    const groupId = groupIdOf(scenario, op.layer)!;
    session.schedule(op.atMs, async () => {
      session.events.emit('operator', 'request', { operationId: opId, action: op.action, layer: op.layer, group: groupId });
      if (op.action === 'manual-failover') await controller.manualFailover(groupId);
      else if (op.action === 'manual-failback') await controller.manualFailback(groupId);
      else await plannedMaintenance(op, opId, groupId);
    });
  });

  async function plannedMaintenance(op: OperationSpec, opId: string, groupId: string): Promise<void> {
    const failover = await controller.plannedFailover(groupId);
    if (!failover || failover.status !== 'completed') return;
    const group = config.groups.find((g) => g.id === groupId)!;
    const servers = group.members.primary.endpoints.flatMap((e) => serversBehind(scenario, e));
    const ids = servers.map((server) => `${opId}:${server}`);
    for (const [i, server] of servers.entries())
      await faults.inject({ id: ids[i]!, action: 'service-stop', target: server }, { planned: true, operationId: opId });
    session.schedule(session.clock.nowMs() + op.maintenanceMs!, async () => {
      for (const id of ids) await faults.remove(id);
      controller.endMaintenance(groupId);
    });
  }
}

import { defaults } from './defaults.js';
import { durationText } from './duration.js';
import { sampleMemoryProblem } from './memory-budget.js';
import type { ScenarioDraft } from './schema.js';

type Path = Array<string | number>;
/** Reports one problem at a field path of the scenario. */
export type Report = (path: Path, message: string) => void;

/**
 * Rules for scenarios that are well-formed and whose ids all resolve, but that cannot drill what they
 * say: two routes that are one, health checks that time out after the next one starts, a database
 * that is also an app server, faults on services the host does not run, runs too big for memory.
 */
export function checkConsistency(s: ScenarioDraft, report: Report): void {
  checkLoadBalancer(s, report);
  checkHealthCheckTimeouts(s, report);
  checkAutoscaling(s, report);
  checkDatabase(s, report);
  checkUniqueNames(s, report);
  checkFaultServices(s, report);
  checkSampleMemory(s, report);
}

/** Reports every repeat of a value after its first occurrence. */
function duplicates<T>(values: readonly T[], at: (index: number) => Path, what: (value: T) => string, report: Report): void {
  const seen = new Set<T>();
  values.forEach((value, i) => {
    if (seen.has(value)) report(at(i), what(value));
    seen.add(value);
  });
}

function checkLoadBalancer(s: ScenarioDraft, report: Report): void {
  const groups = s.setup.loadBalancer?.targetGroups ?? [];
  const at = (i: number, ...rest: Path): Path => ['setup', 'loadBalancer', 'targetGroups', i, ...rest];
  groups.forEach((tg, i) => {
    duplicates(tg.targets, (j) => at(i, 'targets', j), (t) => `'${t}' is already a target of this group`, report);
    const earlier = groups.slice(0, i);
    const samePriority = earlier.find((other) => other.priority === tg.priority);
    if (samePriority)
      report(at(i, 'priority'), `priority ${tg.priority} is also target group '${samePriority.id}'s: the listener needs one order to fail over in`);
    const targets = [...new Set(tg.targets)].sort().join(',');
    const sameTargets = earlier.find((other) => [...new Set(other.targets)].sort().join(',') === targets);
    if (sameTargets)
      report(at(i, 'targets'), `the same targets as target group '${sameTargets.id}': failing over between them would change nothing`);
  });
}

function checkHealthCheckTimeouts(s: ScenarioDraft, report: Report): void {
  // ELBv2 CreateTargetGroup: the timeout must be smaller than the interval; our controller likewise
  // finishes one check before the next is due
  const checks: Array<[Path, { intervalMs: number; timeoutMs: number }, string]> = [
    ...(s.setup.loadBalancer?.targetGroups ?? []).map((tg, i): [Path, typeof tg.healthCheck, string] => [
      ['setup', 'loadBalancer', 'targetGroups', i, 'healthCheck'],
      tg.healthCheck,
      `Elastic Load Balancing needs a timeout smaller than the interval (the timeout defaults to ${durationText(defaults.targetGroup.timeoutMs)})`,
    ]),
    [['controller', 'healthCheck'], s.controller.healthCheck, `a check must time out before the next one is due (the timeout defaults to ${durationText(defaults.controller.timeoutMs)})`],
  ];
  for (const [path, check, why] of checks)
    if (check.timeoutMs >= check.intervalMs)
      report([...path, 'timeout'], `timeout ${durationText(check.timeoutMs)} is not shorter than the interval ${durationText(check.intervalMs)}: ${why}`);
  // keepalived's vrrp_script: the timeout defaults to the interval; a longer one overlaps the next run
  const vip = s.setup.vip;
  for (const key of ['trackScript', 'fencingScript'] as const) {
    const script = vip?.[key];
    if (script && script.timeoutMs > script.intervalMs)
      report(['setup', 'vip', key, 'timeout'], `timeout ${durationText(script.timeoutMs)} is longer than the interval ${durationText(script.intervalMs)}: the script would still run when the next one is due`);
  }
}

function checkAutoscaling(s: ScenarioDraft, report: Report): void {
  const asg = s.setup.autoscaling;
  if (!asg) return;
  const at = (...rest: Path): Path => ['setup', 'autoscaling', ...rest];
  duplicates(asg.instances, (i) => at('instances', i), (id) => `'${id}' is already an instance of the group`, report);
  if (asg.max !== undefined && asg.instances.length > asg.max) {
    report(at('instances'), `${asg.instances.length} instances, but the group's max is ${asg.max}`);
    return;
  }
  const desired = asg.desired ?? asg.instances.length;
  if ((asg.min ?? 0) > desired || desired > (asg.max ?? Math.max(desired, asg.instances.length)))
    report(at('desired'), 'expected min <= desired <= max');
}

function checkDatabase(s: ScenarioDraft, report: Report): void {
  const db = s.setup.database;
  if (!db) return;
  const roles = new Map<string, string>();
  for (const tg of s.setup.loadBalancer?.targetGroups ?? []) for (const t of tg.targets) roles.set(t, `a target of target group '${tg.id}'`);
  for (const node of s.setup.vip?.nodes ?? []) roles.set(node.server, `a keepalived node of VIP '${s.setup.vip!.id}'`);
  for (const key of ['primary', 'standby'] as const) {
    const role = roles.get(db[key]);
    if (role) report(['setup', 'database', key], `'${db[key]}' is also ${role}: a database server serves no app traffic in a drill`);
  }
  duplicates(db.clients ?? [], (i) => ['setup', 'database', 'clients', i], (c) => `'${c}' is already a client`, report);
  const dbVip = db.endpoint.mode === 'vip' ? db.endpoint.vip : undefined;
  if (dbVip) {
    const at = (...rest: Path): Path => ['setup', 'database', 'endpoint', ...rest];
    if (db.engine !== 'postgres-streaming')
      report(at('mode'), `a keepalived address needs members faildrill runs: engine postgres-streaming (${db.engine} has its own endpoint; use dns)`);
    if (dbVip.check.timeoutMs > dbVip.check.intervalMs)
      report(at('vip', 'check', 'timeout'), `timeout ${durationText(dbVip.check.timeoutMs)} is longer than the interval ${durationText(dbVip.check.intervalMs)}: the check would still run when the next one is due`);
    if (s.setup.vip && s.setup.vip.virtualRouterId === dbVip.virtualRouterId)
      report(at('vip', 'virtualRouterId'), `virtual_router_id ${dbVip.virtualRouterId} is also VIP '${s.setup.vip.id}''s: two VRRP instances on one network need their own ids`);
  }
  db.lagSpikes.forEach((spike, i) => {
    if (spike.atMs >= s.duration)
      report(['setup', 'database', 'lagSpikes', i, 'at'], `lag spike at ${durationText(spike.atMs)} is not before the end of the run (duration ${durationText(s.duration)})`);
  });
}

function checkUniqueNames(s: ScenarioDraft, report: Report): void {
  const opIds = s.operations.flatMap((op, i) => (op.id === undefined ? [] : [[op.id, i] as const]));
  duplicates(opIds.map(([id]) => id), (k) => ['operations', opIds[k]![1], 'id'], (id) => `duplicate operation id '${id}'`, report);
  duplicates(s.loads.map((l) => l.name), (i) => ['loads', i, 'name'], (name) => `duplicate load name '${name}'`, report);
}

/**
 * Which services a server runs, as every target lays them out: the app on every server, keepalived on
 * the VIP's nodes, nginx only as the load balancer (the host target runs it in the load balancer's
 * namespace). A fault on a service that is not there would inject nothing and let the drill pass.
 */
function checkFaultServices(s: ScenarioDraft, report: Report): void {
  const db = s.setup.database;
  const dbVipMembers = db?.endpoint.mode === 'vip' ? [db.primary, db.standby] : [];
  const vipNodes = new Set([...(s.setup.vip?.nodes.map((n) => n.server) ?? []), ...dbVipMembers]);
  // a load balancer of `kind: alb` (where the schema has kinds) is ELBv2: it runs no nginx
  const lb = s.setup.loadBalancer as { kind?: string } | undefined;
  const nginx = lb !== undefined && lb.kind !== 'alb';
  s.faults.forEach((f, i) => {
    if (f.action === 'service-stop' || f.action === 'process-pause') {
      if (f.service === 'keepalived' && !vipNodes.has(f.target))
        report(['faults', i, 'service'], `'${f.target}' runs no keepalived: keepalived runs on setup.vip's nodes${dbVipMembers.length ? ' and the database members' : ''}${vipNodes.size ? ` (${[...vipNodes].join(', ')})` : ', and there is no setup.vip'}`);
      if (f.service === 'nginx' && !nginx)
        report(['faults', i, 'service'], `no nginx runs here: nginx is the load balancer, and ${lb ? 'setup.loadBalancer is an ALB (kind: alb)' : 'there is no setup.loadBalancer'}`);
    }
    if (f.action === 'network-drop' && f.protocol === 'vrrp' && !vipNodes.has(f.target))
      report(['faults', i, 'protocol'], `'${f.target}' receives no VRRP: only setup.vip's nodes run keepalived`);
  });
}

function checkSampleMemory(s: ScenarioDraft, report: Report): void {
  const problem = sampleMemoryProblem(sampleShape(s), s.measure.resolutionMs, 'measure.resolution');
  if (problem) report(['duration'], problem);
}

/** The servers a run may record samples for: the scenario's, the group's launches, a replacement per fault. */
export function sampleShape(s: Pick<ScenarioDraft, 'setup' | 'faults'> & { durationMs?: number; duration?: number }): { durationMs: number; servers: number } {
  const asg = s.setup.autoscaling;
  const launched = asg ? (asg.max ?? asg.instances.length) + asg.scaleOnFailover + s.faults.length : 0;
  return { durationMs: s.durationMs ?? s.duration ?? 0, servers: s.setup.servers.length + launched };
}

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Scenario } from '../../scenario/schema.js';
import { ARBITER_PORT } from './arbiter-endpoint.js';
import { keepalivedBase, keepalivedCommand, keepalivedConfigFile, SERVICE_STOP_GRACE_MS } from './commands.js';
import { NsProcess } from './process.js';
import type { HostNode, HostPlan } from './topology.js';

export type VipSpec = NonNullable<Scenario['setup']['vip']>;
export type VipNodeSpec = VipSpec['nodes'][number];

/** keepalived writes seconds; integers where they are whole. */
function seconds(ms: number): string {
  return Number.isInteger(ms / 1000) ? String(ms / 1000) : (ms / 1000).toFixed(3).replace(/0+$/, '');
}

export function instanceName(vip: VipSpec): string {
  return `VI_${vip.id.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/**
 * `keepalived.conf` for one node, as the seed writes it: a vrrp_script checking the local app (by
 * HTTP, through a small node script), tracked with its weight, and one vrrp_instance holding the VIP
 * (`version 3` when the scenario's `vrrpVersion` is 3; keepalived's default is 2).
 * `priority` overrides the node's configured priority (the controller moving the VIP).
 */
export function keepalivedConfig(plan: HostPlan, vip: VipSpec, node: VipNodeSpec, priority = node.priority): string {
  const script = vip.trackScript;
  // nopreempt needs the initial state BACKUP (keepalived.conf(5)).
  const state = vip.preempt ? node.state : 'BACKUP';
  const lines = [
    `# written by faildrill for run ${plan.runId}: node ${node.server}`,
    'global_defs {',
    `  router_id fd-${node.server}`,
    '  enable_script_security',
    '  script_user root',
    '}',
  ];
  if (script) {
    lines.push(
      `vrrp_script ${script.name} {`,
      `  script "${join(plan.dir, 'check.sh')} ${plan.appPort} ${(Math.max(10, script.timeoutMs - 20) / 1000).toFixed(3)} ${scriptRunsFile(plan, node.server)}"`,
      `  interval ${seconds(script.intervalMs)}`,
      `  timeout ${seconds(script.timeoutMs)}`,
      `  weight ${script.weight}`,
      `  fall ${script.fall}`,
      `  rise ${script.rise}`,
      '}',
    );
  }
  // fencing: weight 0, so `fall` refusals of the arbiter put the instance in FAULT (keepalived.conf(5))
  const fence = vip.fencing === 'arbiter' ? vip.fencingScript : undefined;
  if (fence) {
    lines.push(
      `vrrp_script ${fence.name} {`,
      `  script "${join(plan.dir, 'arbiter.sh')} ${plan.controller.ip} ${ARBITER_PORT} ${node.server} ${(Math.max(10, fence.timeoutMs - 20) / 1000).toFixed(3)}"`,
      `  interval ${seconds(fence.intervalMs)}`,
      `  timeout ${seconds(fence.timeoutMs)}`,
      '  weight 0',
      `  fall ${fence.fall}`,
      `  rise ${fence.rise}`,
      '}',
    );
  }
  lines.push(
    `vrrp_instance ${instanceName(vip)} {`,
    `  state ${state}`,
    '  interface eth0',
    `  virtual_router_id ${vip.virtualRouterId}`,
    `  priority ${priority}`,
    `  advert_int ${seconds(vip.advertIntMs)}`,
    // keepalived speaks VRRPv2 unless told: the scenario's version, which the simulator models too
    ...(vip.vrrpVersion === 3 ? ['  version 3'] : []),
    ...(vip.preempt ? [] : ['  nopreempt']),
    ...(vip.preempt && vip.preemptDelayMs > 0 ? [`  preempt_delay ${seconds(vip.preemptDelayMs)}`] : []),
    '  virtual_ipaddress {',
    `    ${plan.vip}/${plan.prefix} dev eth0`,
    '  }',
    ...(script || fence ? ['  track_script {', ...(script ? [`    ${script.name}`] : []), ...(fence ? [`    ${fence.name}`] : []), '  }'] : []),
    '}',
    '',
  );
  return lines.join('\n');
}

/** What keepalived's log says, line by line. */
export type KeepalivedLogEvent =
  | { kind: 'state'; state: 'master' | 'backup' | 'fault' }
  | { kind: 'script'; script: string; ok: boolean; reason?: string }
  | { kind: 'priority'; from: number; to: number }
  | { kind: 'advert'; from: string; priority: number };

/** Parses one keepalived log line (keepalived 2.x, `-l -D`). */
export function parseKeepalivedLine(line: string): KeepalivedLogEvent | undefined {
  // "(VI_1) Entering MASTER STATE", "(VI_1) Entering FAULT STATE (init)", and on leaving MASTER for FAULT "(VI_1) entering FAULT state"
  let m = /\) [Ee]ntering (MASTER|BACKUP|FAULT) (?:STATE|state)/.exec(line);
  if (m) return { kind: 'state', state: m[1]!.toLowerCase() as 'master' | 'backup' | 'fault' };
  m = /VRRP_Script\(([^)]+)\) (succeeded|failed|timed[_ ]out)(?: \((.*)\))?/.exec(line);
  if (m) return { kind: 'script', script: m[1]!, ok: m[2] === 'succeeded', ...(m[2] !== 'succeeded' ? { reason: m[3] ?? m[2]! } : {}) };
  m = /Changing effective priority from (\d+) to (\d+)/.exec(line);
  if (m) return { kind: 'priority', from: Number(m[1]), to: Number(m[2]) };
  m = /received (?:lower priority|advert from) .*?(\d+\.\d+\.\d+\.\d+).*?priority \(?(\d+)/.exec(line);
  if (m) return { kind: 'advert', from: m[1]!, priority: Number(m[2]) };
  return undefined;
}

/** keepalived on one node: started in the node's namespace in the foreground, logging to the console (parsed). */
export class KeepalivedNode {
  #process?: NsProcess;
  state: 'init' | 'master' | 'backup' | 'fault' = 'init';
  previousState: 'init' | 'master' | 'backup' | 'fault' = 'init';
  priority: number;
  scriptOk: boolean | undefined;
  #starts = 0;

  /**
   * @param id The server keepalived runs on.
   * @param basePriority The priority its configuration gives it (a controller's move may write another).
   * @param configText keepalived.conf for this node with `priority`.
   */
  constructor(
    readonly plan: HostPlan,
    readonly id: string,
    readonly basePriority: number,
    readonly host: HostNode,
    private readonly configText: (priority: number) => string,
    private readonly onLog: (node: KeepalivedNode, event: KeepalivedLogEvent) => void,
    private readonly onProcess: (pid: number) => void,
  ) {
    this.priority = basePriority;
  }

  /** keepalived on a node of the app VIP (`setup.vip`), configured by {@link keepalivedConfig}. */
  static ofVip(plan: HostPlan, vip: VipSpec, spec: VipNodeSpec, host: HostNode, onLog: (node: KeepalivedNode, event: KeepalivedLogEvent) => void, onProcess: (pid: number) => void): KeepalivedNode {
    return new KeepalivedNode(plan, spec.server, spec.priority, host, (priority) => keepalivedConfig(plan, vip, spec, priority), onLog, onProcess);
  }

  get configFile(): string {
    return keepalivedConfigFile(this.plan, this.id);
  }

  get process(): NsProcess | undefined {
    return this.#process;
  }

  writeConfig(priority = this.basePriority): void {
    writeFileSync(this.configFile, this.configText(priority), { mode: 0o600 });
  }

  start(): void {
    if (this.#process?.running) return;
    this.#starts++;
    this.state = 'init';
    this.priority = this.basePriority;
    this.#process = new NsProcess({
      ...keepalivedCommand(this.plan, this.id),
      logFile: `${keepalivedBase(this.plan, this.id)}.log`,
      onLine: (line) => {
        const event = parseKeepalivedLine(line);
        if (!event) return;
        if (event.kind === 'state') {
          this.previousState = this.state;
          this.state = event.state;
        }
        if (event.kind === 'priority') this.priority = event.to;
        if (event.kind === 'script') this.scriptOk = event.ok;
        this.onLog(this, event);
      },
    });
    if (this.#process.pid) this.onProcess(this.#process.pid);
  }

  async stop(onSignalled?: () => void, graceMs = SERVICE_STOP_GRACE_MS): Promise<void> {
    if (this.#process) await this.#process.stop(graceMs, onSignalled);
    else onSignalled?.();
    this.state = 'init';
  }

  /** Re-reads the configuration (SIGHUP to the parent), e.g. after a priority change. */
  reload(): void {
    const pid = this.#process?.pid;
    if (pid && this.#process?.running) process.kill(pid, 'SIGHUP');
  }

  get starts(): number {
    return this.#starts;
  }
}

/** Where node `server`'s track script logs its runs (see `CHECK_SCRIPT`). */
export function scriptRunsFile(plan: HostPlan, server: string): string {
  return join(plan.dir, `check-runs-${server}.log`);
}

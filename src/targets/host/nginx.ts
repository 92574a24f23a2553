import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PortError } from '../../controller/port-error.js';
import type { LoadBalancerPort } from '../../controller/ports.js';
import type { EventDetail } from '../../measure/events.js';
import type { LoadBalancerSpec, Scenario } from '../../scenario/schema.js';
import { delay } from './exec.js';
import { nginxCommand, nginxConfigFile, SERVICE_STOP_GRACE_MS } from './commands.js';
import { NsProcess } from './process.js';
import type { HostPlan } from './topology.js';

type Emit = (component: string, type: string, detail: EventDetail) => void;

const RELOAD_SETTLE_MS = 1_000;

function seconds(ms: number): string {
  return `${Math.max(1, Math.round(ms / 1000))}s`;
}

/**
 * nginx.conf for the load balancer: one upstream with the forwarded group's targets and every other
 * group's targets as `backup`; passive health checking with max_fails = the group's unhealthy
 * threshold and fail_timeout = its check interval; the next upstream is tried on error or timeout.
 */
export function nginxConfig(plan: HostPlan, scenario: Scenario, lb: LoadBalancerSpec, forwardTo: string): string {
  const groups = [...lb.targetGroups].sort((a, b) => (a.id === forwardTo ? -1 : b.id === forwardTo ? 1 : a.priority - b.priority));
  const d = plan.dir;
  const upstream: string[] = [];
  groups.forEach((tg, i) => {
    for (const target of tg.targets) {
      const ip = plan.servers.get(target)!.ip;
      const check = `max_fails=${tg.healthCheck.unhealthyThreshold} fail_timeout=${seconds(tg.healthCheck.intervalMs)}`;
      upstream.push(`    server ${ip}:${plan.appPort} ${check}${i > 0 ? ' backup' : ''};  # ${target} (${tg.id})`);
    }
  });
  const primary = groups[0]!;
  return [
    `# written by faildrill for run ${plan.runId}: load balancer ${lb.id}, forwarding to ${forwardTo}`,
    'worker_processes 1;',
    'daemon off;',
    `pid ${d}/nginx.pid;`,
    `error_log ${d}/nginx-error.log info;`,
    'events { worker_connections 1024; }',
    'http {',
    `  client_body_temp_path ${d}/nginx-tmp/body;`,
    `  proxy_temp_path ${d}/nginx-tmp/proxy;`,
    `  fastcgi_temp_path ${d}/nginx-tmp/fastcgi;`,
    `  uwsgi_temp_path ${d}/nginx-tmp/uwsgi;`,
    `  scgi_temp_path ${d}/nginx-tmp/scgi;`,
    "  log_format faildrill '$msec|$upstream_addr|$upstream_status|$status';",
    `  access_log ${d}/nginx-access.log faildrill;`,
    `  upstream fd_${lb.id.replace(/[^A-Za-z0-9_]/g, '_')} {`,
    ...upstream,
    '    keepalive 16;',
    '  }',
    '  server {',
    `    listen ${plan.lb!.ip}:80;`,
    '    location / {',
    `      proxy_pass http://fd_${lb.id.replace(/[^A-Za-z0-9_]/g, '_')};`,
    '      proxy_http_version 1.1;',
    '      proxy_set_header Connection "";',
    `      proxy_connect_timeout ${seconds(primary.healthCheck.timeoutMs)};`,
    `      proxy_read_timeout ${seconds(scenario.load.timeoutMs)};`,
    '      proxy_next_upstream error timeout http_502 http_503;',
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');
}

/** Follows a growing file by polling; hands over complete lines. */
class FileTail {
  #offset = 0;
  #rest = '';
  constructor(readonly file: string) {}

  read(onLine: (line: string) => void): void {
    if (!existsSync(this.file)) return;
    const size = statSync(this.file).size;
    if (size <= this.#offset) return;
    const fd = openSync(this.file, 'r');
    try {
      const buffer = Buffer.alloc(Math.min(size - this.#offset, 4 * 1024 * 1024));
      const n = readSync(fd, buffer, 0, buffer.length, this.#offset);
      this.#offset += n;
      const text = this.#rest + buffer.subarray(0, n).toString('utf8');
      const lines = text.split('\n');
      this.#rest = lines.pop()!;
      for (const line of lines) onLine(line);
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * nginx in the load balancer's namespace, its log observer and the controller's {@link LoadBalancerPort}.
 * Routing is observed from nginx's own logs: `upstream server temporarily disabled` (its passive
 * check) is the target's unhealthy verdict; the servers that answer requests, per the access log, are
 * the routable set, whose changes are `lb`/`route.changed`.
 */
export class NginxLb {
  #process?: NsProcess;
  #forwardTo: string;
  #routable: string[];
  readonly #down = new Set<string>();
  /** Epoch ms of the last routing change: access-log lines of requests that ended before it say nothing new. */
  #changedAtEpochMs = 0;
  /** After a reload, the old worker still answers on its open connections for a moment, with the old upstream. */
  #settleUntilEpochMs = 0;
  readonly #byAddress = new Map<string, string>();
  #armed = false;
  #timer?: NodeJS.Timeout;
  readonly #access: FileTail;
  readonly #error: FileTail;

  constructor(
    readonly plan: HostPlan,
    readonly scenario: Scenario,
    readonly lb: LoadBalancerSpec,
    private readonly emit: Emit,
    private readonly onProcess: (pid: number) => void,
  ) {
    this.#forwardTo = [...lb.targetGroups].sort((a, b) => a.priority - b.priority)[0]!.id;
    this.#routable = this.#group(this.#forwardTo).targets;
    for (const [id, node] of plan.servers) this.#byAddress.set(`${node.ip}:${plan.appPort}`, id);
    this.#access = new FileTail(join(plan.dir, 'nginx-access.log'));
    this.#error = new FileTail(join(plan.dir, 'nginx-error.log'));
    mkdirSync(join(plan.dir, 'nginx-tmp'), { recursive: true });
  }

  get configFile(): string {
    return nginxConfigFile(this.plan);
  }

  get process(): NsProcess | undefined {
    return this.#process;
  }

  get routable(): readonly string[] {
    return this.#routable;
  }

  #group(id: string) {
    return this.lb.targetGroups.find((g) => g.id === id)!;
  }

  #groupOf(server: string): string {
    const own = this.#group(this.#forwardTo);
    if (own.targets.includes(server)) return own.id;
    return this.lb.targetGroups.find((g) => g.targets.includes(server))?.id ?? '';
  }

  writeConfig(): void {
    writeFileSync(this.configFile, nginxConfig(this.plan, this.scenario, this.lb, this.#forwardTo), { mode: 0o600 });
  }

  start(): void {
    if (this.#process?.running) return;
    this.writeConfig();
    this.#process = new NsProcess({
      ...nginxCommand(this.plan),
      logFile: join(this.plan.dir, 'nginx-stdout.log'),
    });
    if (this.#process.pid) this.onProcess(this.#process.pid);
    this.#down.clear();
  }

  async stop(onSignalled?: () => void, graceMs = SERVICE_STOP_GRACE_MS): Promise<void> {
    if (this.#process) await this.#process.stop(graceMs, onSignalled);
    else onSignalled?.();
  }

  /** Starts following nginx's logs (events only once armed). */
  watch(): void {
    const tick = () => {
      this.#readLogs();
      this.#timer = setTimeout(tick, 20);
    };
    tick();
  }

  arm(): void {
    this.#readLogs();
    this.#armed = true;
  }

  unwatch(): void {
    clearTimeout(this.#timer);
    this.#readLogs();
  }

  #readLogs(): void {
    this.#error.read((line) => {
      const m = /upstream server temporarily disabled.*upstream: "http:\/\/([^/"]+)/.exec(line);
      if (!m) return;
      const server = this.#byAddress.get(m[1]!);
      if (!server || this.#down.has(server)) return;
      this.#down.add(server);
      this.#changedAtEpochMs = Date.now();
      if (this.#armed)
        this.emit('lb', 'target.health', {
          loadBalancer: this.lb.id,
          targetGroup: this.#groupOf(server),
          target: server,
          health: 'unhealthy',
          reason: 'nginx: upstream server temporarily disabled (max_fails)',
        });
      const remaining = this.#routable.filter((s) => s !== server);
      if (remaining.length !== this.#routable.length) {
        // All primaries down: nginx goes to the backup servers.
        const next = remaining.length > 0 ? remaining : this.#backupsUp();
        this.#route(next);
      }
    });
    this.#access.read((line) => {
      const [msec, upstreamAddr, , status] = line.split('|');
      if (!upstreamAddr || !status || Number(status) >= 500) return;
      if (Number(msec) * 1000 < this.#changedAtEpochMs || Date.now() < this.#settleUntilEpochMs) return;
      const tried = upstreamAddr.split(/[,:]\s/).map((s) => s.trim());
      const server = this.#byAddress.get(tried.at(-1)!);
      if (!server) return;
      if (this.#down.delete(server) && this.#armed)
        this.emit('lb', 'target.health', { loadBalancer: this.lb.id, targetGroup: this.#groupOf(server), target: server, health: 'healthy', reason: 'nginx: answered again' });
      // a request nginx retried on the next server (proxy_next_upstream) still went to the first one first:
      // new requests move only once nginx disables that server (the error log's max_fails line)
      if (tried.length > 1 || this.#routable.includes(server)) return;
      const group = this.#groupOf(server);
      const sameGroup = this.#routable.filter((s) => this.#groupOf(s) === group);
      this.#route([...sameGroup, server]);
    });
  }

  #backupsUp(): string[] {
    const groups = [...this.lb.targetGroups].filter((g) => g.id !== this.#forwardTo).sort((a, b) => a.priority - b.priority);
    return groups.flatMap((g) => g.targets).filter((s) => !this.#down.has(s));
  }

  #route(next: string[]): void {
    const ordered = this.lb.targetGroups.flatMap((g) => g.targets).filter((s) => next.includes(s));
    const unique = [...new Set(ordered)];
    if (unique.join(',') === this.#routable.join(',')) return;
    const previous = this.#routable;
    this.#routable = unique;
    this.#changedAtEpochMs = Math.max(this.#changedAtEpochMs, Date.now());
    if (!this.#armed) return;
    const groupsOf = (servers: string[]) => [...new Set(servers.map((s) => this.#groupOf(s)))].join(',');
    this.emit('lb', 'route.changed', {
      layer: 'loadBalancer',
      resource: this.lb.id,
      from: groupsOf(previous),
      to: groupsOf(unique),
      fromServers: previous.join(','),
      toServers: unique.join(','),
    });
  }

  /**
   * Rewrites the upstream so that `targetGroupId` is forwarded to (the others as backup) and reloads
   * nginx. Throws a {@link PortError}: `INVALID` for an unknown group, `UNAVAILABLE` when the reload
   * cannot happen (nginx not running, the configuration not written, the signal refused).
   */
  async forwardTo(targetGroupId: string): Promise<void> {
    const failed = (message: string, cause?: unknown) =>
      new PortError('UNAVAILABLE', 'loadBalancer', 'forwardTo', `reload of nginx failed: ${message}`, cause === undefined ? {} : { cause });
    if (!this.lb.targetGroups.some((g) => g.id === targetGroupId))
      throw new PortError('INVALID', 'loadBalancer', 'forwardTo', `unknown target group '${targetGroupId}' of ${this.lb.id}`);
    const pid = this.#process?.pid;
    if (!pid || !this.#process?.running) throw failed('nginx is not running');
    const previous = this.#forwardTo;
    this.#forwardTo = targetGroupId;
    try {
      this.writeConfig();
      process.kill(pid, 'SIGHUP');
    } catch (err) {
      this.#forwardTo = previous;
      throw failed((err as Error).message, err);
    }
    this.#changedAtEpochMs = Date.now();
    this.#settleUntilEpochMs = Date.now() + RELOAD_SETTLE_MS;
    // New workers start within milliseconds; give the old ones a moment to hand over.
    await delay(200);
    this.#readLogs();
    this.#down.clear();
    this.#route(this.#group(targetGroupId).targets);
  }

  /** The controller's view of this load balancer. */
  readonly port: LoadBalancerPort = {
    forwardTo: async (_lb, targetGroupId) => this.forwardTo(targetGroupId),
    getForwardTarget: async () => this.#forwardTo,
    drainMs: async (targetGroupId) => this.#group(targetGroupId)?.deregistrationDelayMs ?? 0,
    targets: async (targetGroupId) => [...(this.#group(targetGroupId)?.targets ?? [])],
  };
}

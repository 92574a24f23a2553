import { join } from 'node:path';
import type { HostService } from '../../faults/host/inject.js';
import { inNamespace } from './exec.js';
import { programFile } from './programs/locate.js';
import type { HostPlan } from './topology.js';

/** How long a stopped service (app, keepalived, nginx) gets after SIGTERM before SIGKILL. */
export const SERVICE_STOP_GRACE_MS = 3_000;

/** A service's program as a run starts it: in its namespace, with its role for logs and the journal. */
export interface ServiceCommand {
  ns: string;
  role: string;
  command: string;
  args: string[];
}

/** The app server on `server`: the compiled `programs/app-server.js`, answering on the plan's app port. */
export function appCommand(plan: HostPlan, server: string, lifetimeMs: number, writeArgs: readonly string[] = []): ServiceCommand {
  return {
    ns: plan.servers.get(server)!.ns,
    role: `app:${server}`,
    command: process.execPath,
    args: [programFile('targets/host/programs/app-server'), server, String(plan.appPort), String(lifetimeMs), ...writeArgs],
  };
}

/** keepalived on `server`, in the foreground, logging to the console, with its config, pid files and instance name in the run's folder. */
export function keepalivedCommand(plan: HostPlan, server: string): ServiceCommand {
  const base = keepalivedBase(plan, server);
  return {
    ns: plan.servers.get(server)!.ns,
    role: `keepalived:${server}`,
    command: 'keepalived',
    args: ['-n', '-l', '-D', '-G', '-P', '-f', keepalivedConfigFile(plan, server), '-p', `${base}.pid`, '-r', `${base}-vrrp.pid`, '-i', server],
  };
}

export const keepalivedBase = (plan: HostPlan, server: string) => join(plan.dir, `keepalived-${server}`);
export const keepalivedConfigFile = (plan: HostPlan, server: string) => join(plan.dir, `keepalived-${server}.conf`);

/** nginx in the load balancer's namespace with the run's config and error log. */
export function nginxCommand(plan: HostPlan): ServiceCommand {
  return {
    ns: plan.lb!.ns,
    role: 'nginx',
    command: 'nginx',
    args: ['-c', nginxConfigFile(plan), '-p', `${plan.dir}/`, '-e', join(plan.dir, 'nginx-error.log')],
  };
}

export const nginxConfigFile = (plan: HostPlan) => join(plan.dir, 'nginx.conf');

/** The command that starts `service` on `server`. */
export function serviceCommand(plan: HostPlan, server: string, service: HostService, lifetimeMs: number): ServiceCommand {
  if (service === 'app') return appCommand(plan, server, lifetimeMs);
  if (service === 'keepalived') return keepalivedCommand(plan, server);
  return nginxCommand(plan);
}

/** `ip netns exec <ns> <command> <args>` as one line (arguments with spaces quoted). */
export function commandLine(command: string, args: readonly string[]): string {
  return [command, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** The line that runs `cmd` in its namespace. */
export function serviceCommandLine(cmd: ServiceCommand): string {
  return commandLine('ip', inNamespace(cmd.ns, cmd.command, cmd.args));
}

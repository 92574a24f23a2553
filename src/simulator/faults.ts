import type { FaultSpec } from '../scenario/schema.js';
import type { SimServer, ServiceName } from './server.js';
import type { VrrpInstance } from './vrrp.js';

/** What applying a fault may touch in the simulated world. */
export interface FaultWorld {
  server(id: string): SimServer;
  /** Runs `fn` (a change of the world, counted like a fault's) after `delayMs` of virtual time. */
  later(delayMs: number, fn: () => void): void;
  /** The VRRP instance a host takes part in, if any. */
  vrrpOf(serverId: string): VrrpInstance | undefined;
  /** Database faults (FIS RDS actions); returns the undo. */
  databaseFault?(fault: FaultEffect): () => void;
}

type Undo = () => void;

/** A fault's effect: what it does and to whom, without its schedule. */
export type FaultEffect = Omit<FaultSpec, 'id' | 'atMs' | 'durationMs'>;

/** What a fault does to the model and what its undo does, in words (`faildrill run --dry-run`). */
export interface SimFaultDescription {
  apply: string;
  undo: string;
}

/** One fault action on the simulator: its effect on the model, and the same in words, side by side. */
interface SimFaultKind {
  apply(world: FaultWorld, fault: FaultEffect): Undo;
  describe(fault: FaultEffect): SimFaultDescription;
}

/** The model has no database process apart from its server: a database member's postgres answers as its server's app. */
const serviceOf = (fault: FaultEffect): ServiceName => (fault.service === 'postgres' ? 'app' : (fault.service ?? 'app'));

/** Every fault action the simulator models, by action. Each effect nests, so overlapping faults compose and undo in any order. */
const SIM_FAULTS: Record<string, SimFaultKind> = {
  'service-stop': {
    apply(world, fault) {
      const server = world.server(fault.target);
      const vrrp = world.vrrpOf(fault.target);
      const service = serviceOf(fault);
      // keepalived says goodbye (a priority-0 advert) while it still runs
      if (service === 'keepalived') vrrp?.keepalivedStopped(server.id);
      const undo = server.stop(service);
      return () => {
        undo();
        if (service === 'keepalived' && server.serviceRunning('keepalived')) vrrp?.keepalivedStarted(server.id);
      };
    },
    describe: (f) => ({
      apply: `${serviceOf(f)} on ${f.target} stops: connections refused${serviceOf(f) === 'keepalived' ? '; keepalived sends a priority-0 advert first' : ''}`,
      undo: `${serviceOf(f)} on ${f.target} runs again`,
    }),
  },
  'process-pause': {
    apply(world, fault) {
      const server = world.server(fault.target);
      const vrrp = world.vrrpOf(fault.target);
      const service = serviceOf(fault);
      const undo = server.pause(service);
      if (service === 'keepalived') vrrp?.keepalivedLost(server.id);
      return () => {
        undo();
        if (service === 'keepalived' && server.serviceRunning('keepalived')) vrrp?.keepalivedStarted(server.id);
      };
    },
    describe: (f) => ({
      apply: `${serviceOf(f)} on ${f.target} freezes (SIGSTOP): no answer, clients time out${serviceOf(f) === 'keepalived' ? '; no adverts, the address stays' : ''}`,
      undo: `${serviceOf(f)} on ${f.target} resumes (SIGCONT)`,
    }),
  },
  latency: {
    apply: (world, fault) => world.server(fault.target).addLatency(fault.latencyMs!),
    describe: (f) => ({ apply: `every response of ${f.target} takes ${f.latencyMs} ms longer`, undo: `the added ${f.latencyMs} ms go away` }),
  },
  'packet-loss': {
    apply: (world, fault) => world.server(fault.target).addLoss(fault.loss!),
    describe: (f) => ({ apply: `${(f.loss! * 100).toFixed(1)} % of the requests to ${f.target} are lost`, undo: `no more requests to ${f.target} are lost` }),
  },
  'network-drop': {
    apply: (world, fault) =>
      world.server(fault.target).addDrop({
        ...(fault.port !== undefined ? { port: fault.port } : {}),
        ...(fault.protocol !== undefined ? { protocol: fault.protocol } : {}),
        ...(fault.peer !== undefined ? { peer: fault.peer } : {}),
      }),
    describe: (f) => {
      const what = [f.protocol ?? (f.port !== undefined ? 'tcp' : 'all traffic'), ...(f.port !== undefined ? [`to port ${f.port}`] : []), ...(f.peer ? [`from ${f.peer}`] : [])].join(' ');
      return { apply: `${f.target} drops inbound ${what}`, undo: `${f.target} accepts it again` };
    },
  },
  'network-partition': {
    apply(world, fault) {
      const server = world.server(fault.target);
      const peer = world.server(fault.peer!);
      const undoHere = server.addDrop({ peer: peer.id });
      const undoThere = peer.addDrop({ peer: server.id });
      return () => {
        undoHere();
        undoThere();
      };
    },
    describe: (f) => ({ apply: `${f.target} and ${f.peer} drop everything from each other`, undo: `they reach each other again` }),
  },
  'aws:network:disrupt-connectivity': {
    apply: (world, fault) => world.server(fault.target).isolate(),
    describe: (f) => ({ apply: `${f.target} is cut off the network: nothing it is sent gets an answer`, undo: `${f.target} is on the network again` }),
  },
  'aws:ec2:stop-instances': {
    apply(world, fault) {
      const server = world.server(fault.target);
      const vrrp = world.vrrpOf(fault.target);
      const undo = server.powerOff();
      vrrp?.keepalivedLost(server.id);
      // StartInstances: the host boots for its boot time before its services answer again
      return () =>
        world.later(server.bootMs, () => {
          undo();
          if (server.serviceRunning('keepalived')) vrrp?.keepalivedStarted(server.id);
        });
    },
    describe: (f) => ({ apply: `${f.target} powers off: every service on it stops`, undo: `${f.target} starts and answers again after its bootTime` }),
  },
  'aws:ec2:terminate-instances': {
    apply(world, fault) {
      const server = world.server(fault.target);
      const vrrp = world.vrrpOf(fault.target);
      server.terminate();
      vrrp?.keepalivedLost(server.id);
      return () => undefined;
    },
    describe: (f) => ({ apply: `${f.target} is terminated (an autoscaling group replaces it)`, undo: 'none: a terminated instance stays terminated' }),
  },
  'aws:rds:failover-db-cluster': {
    apply: (world, fault) => databaseFault(world, fault),
    describe: (f) => ({ apply: `the DB cluster ${f.target} fails over to its standby within the engine's failover time`, undo: 'none: the standby stays the writer' }),
  },
  'aws:rds:reboot-db-instances': {
    apply: (world, fault) => databaseFault(world, fault),
    describe: (f) => ({
      apply: `the writer of ${f.target} reboots${f.forceFailover ? ', failing over to the standby' : ' in place'}`,
      undo: 'none: the reboot runs its course',
    }),
  },
};

function databaseFault(world: FaultWorld, fault: FaultEffect): Undo {
  if (!world.databaseFault) throw new Error(`${fault.action}: the scenario has no database`);
  return world.databaseFault(fault);
}

function kindOf(action: string): SimFaultKind {
  const kind = SIM_FAULTS[action];
  if (!kind || !Object.hasOwn(SIM_FAULTS, action)) throw new Error(`the simulator cannot apply ${action}`);
  return kind;
}

/** Applies the effect of a catalogue fault to the model and returns its undo. */
export function applySimFault(world: FaultWorld, fault: FaultEffect): Undo {
  return kindOf(fault.action).apply(world, fault);
}

/** What {@link applySimFault} would do to the model for `fault`, and what its undo would do. */
export function describeSimFault(fault: FaultEffect): SimFaultDescription {
  return kindOf(fault.action).describe(fault);
}

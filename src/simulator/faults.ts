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

/**
 * Applies the effect of a catalogue fault to the model and returns its undo. Each effect nests, so
 * overlapping faults compose and undo in any order.
 */
export function applySimFault(world: FaultWorld, fault: FaultEffect): Undo {
  if (fault.action.startsWith('aws:rds:')) {
    if (!world.databaseFault) throw new Error(`${fault.action}: the scenario has no database`);
    return world.databaseFault(fault);
  }
  const server = world.server(fault.target);
  const vrrp = world.vrrpOf(fault.target);
  const service: ServiceName = fault.service ?? 'app';
  switch (fault.action) {
    case 'service-stop': {
      // keepalived says goodbye (a priority-0 advert) while it still runs
      if (service === 'keepalived') vrrp?.keepalivedStopped(server.id);
      const undo = server.stop(service);
      return () => {
        undo();
        if (service === 'keepalived' && server.serviceRunning('keepalived')) vrrp?.keepalivedStarted(server.id);
      };
    }
    case 'process-pause': {
      const undo = server.pause(service);
      if (service === 'keepalived') vrrp?.keepalivedLost(server.id);
      return () => {
        undo();
        if (service === 'keepalived' && server.serviceRunning('keepalived')) vrrp?.keepalivedStarted(server.id);
      };
    }
    case 'latency':
      return server.addLatency(fault.latencyMs!);
    case 'packet-loss':
      return server.addLoss(fault.loss!);
    case 'network-drop':
      return server.addDrop({
        ...(fault.port !== undefined ? { port: fault.port } : {}),
        ...(fault.protocol !== undefined ? { protocol: fault.protocol } : {}),
        ...(fault.peer !== undefined ? { peer: fault.peer } : {}),
      });
    case 'network-partition': {
      const peer = world.server(fault.peer!);
      const undoHere = server.addDrop({ peer: peer.id });
      const undoThere = peer.addDrop({ peer: server.id });
      return () => {
        undoHere();
        undoThere();
      };
    }
    case 'aws:network:disrupt-connectivity':
      return server.isolate();
    case 'aws:ec2:stop-instances': {
      const undo = server.powerOff();
      vrrp?.keepalivedLost(server.id);
      // StartInstances: the host boots for its boot time before its services answer again
      return () =>
        world.later(server.bootMs, () => {
          undo();
          if (server.serviceRunning('keepalived')) vrrp?.keepalivedStarted(server.id);
        });
    }
    case 'aws:ec2:terminate-instances':
      server.terminate();
      vrrp?.keepalivedLost(server.id);
      return () => undefined;
    default:
      throw new Error(`the simulator cannot apply ${fault.action}`);
  }
}

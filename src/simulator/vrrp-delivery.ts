import type { Rng } from '../controller/ports.js';
import type { SimServer } from './server.js';

/**
 * Whether a VRRP advertisement from `from` reaches `to` now, for any keepalived instance of the model:
 * the sender's keepalived runs and it is not cut off, the receiver's host is up and drops neither VRRP
 * nor the sender, and the packet survives the receiver's packet loss (drawn from `lossRng`, the
 * instance's own sub-seed).
 */
export function vrrpDelivery(server: (id: string) => SimServer, lossRng: Rng): (from: string, to: string) => boolean {
  return (from, to) => {
    const a = server(from);
    const b = server(to);
    if (!a.serviceRunning('keepalived') || !b.hostUp || a.isolated) return false;
    if (b.drops('vrrp', undefined, from)) return false;
    return b.lossRatio === 0 || lossRng.next() >= b.lossRatio;
  };
}

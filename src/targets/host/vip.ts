import type { EventDetail } from '../../measure/events.js';
import { NsProcess } from './process.js';
import { run } from './exec.js';
import type { HostNode } from './topology.js';

type Emit = (component: string, type: string, detail: EventDetail) => void;

/** A run time for an event: whole ms, never before the run's start (the observer watches from setup on). */
const since = (ms: number) => Math.max(0, Math.round(ms));

/**
 * Watches which namespaces hold the virtual IP — `ip monitor address` in each node's namespace for
 * changes as they happen, and a poll of every node as a safety net — and where clients' packets to
 * it go: the client namespace's neighbour (ARP) entry for the VIP, which gratuitous ARPs update.
 * Reports `vip`/`holders` (two or more holders only once they persisted for `debounceMs`, one advert
 * interval: a takeover overlaps for a moment by design) with `sinceMs`, the run time the reported
 * holder set was first seen (for two or more holders: when the second one appeared, the start of a
 * split brain), and `vip`/`route.changed` when the node that receives clients' traffic changes (the
 * one their ARP entry names, while it holds the address).
 */
export class VipObserver {
  readonly #present = new Map<string, boolean>();
  readonly #macs = new Map<string, string>();
  #reported: string[] = [];
  #arpNode: string | undefined;
  #routed: string | undefined;
  #multiSince: number | undefined;
  /** Run time the current raw holder set was first seen. */
  #setSince = 0;
  #monitors: NsProcess[] = [];
  #running = false;
  #armed = false;
  #pollTimer?: NodeJS.Timeout;
  #debounceTimer?: NodeJS.Timeout;

  constructor(
    readonly vipId: string,
    readonly address: string,
    readonly nodes: HostNode[],
    readonly client: HostNode,
    private readonly emit: Emit,
    private readonly nowMs: () => number,
    private readonly debounceMs: number,
    private readonly pollMs = 200,
  ) {
    for (const n of nodes) this.#present.set(n.id, false);
  }

  /** Nodes holding the address now (raw, not debounced). */
  get holders(): string[] {
    return this.nodes.filter((n) => this.#present.get(n.id)).map((n) => n.id);
  }

  /** The node that receives clients' packets to the VIP now, if any. */
  get routed(): string | undefined {
    return this.#routed;
  }

  /** Starts watching (before the run's clock starts: nothing is emitted until {@link arm}). */
  async start(onProcess: (pid: number, ns: string, role: string) => void): Promise<void> {
    this.#running = true;
    for (const node of this.nodes) {
      const link = await run('ip', ['-n', node.ns, '-o', 'link', 'show', 'dev', 'eth0'], 5_000);
      const mac = /link\/ether ([0-9a-f:]{17})/.exec(link.stdout)?.[1];
      if (mac) this.#macs.set(mac, node.id);
      const monitor = new NsProcess({
        ns: node.ns,
        role: `monitor:${node.id}`,
        command: 'ip',
        args: ['-o', 'monitor', 'address'],
        onLine: (line) => {
          if (!line.includes(` ${this.address}/`)) return;
          this.#set(node.id, !line.startsWith('Deleted'));
        },
      });
      if (monitor.pid) onProcess(monitor.pid, node.ns, `monitor:${node.id}`);
      this.#monitors.push(monitor);
    }
    const arp = new NsProcess({
      ns: this.client.ns,
      role: 'monitor:client-arp',
      command: 'ip',
      args: ['-o', 'monitor', 'neigh'],
      onLine: (line) => this.#neighbour(line),
    });
    if (arp.pid) onProcess(arp.pid, this.client.ns, 'monitor:client-arp');
    this.#monitors.push(arp);
    await this.pollOnce();
    const loop = () => {
      if (!this.#running) return;
      this.#pollTimer = setTimeout(() => void this.pollOnce().finally(loop), this.pollMs);
    };
    loop();
  }

  /** From now on, changes go into the event log; emits the current holders first. */
  arm(): void {
    this.#armed = true;
    this.#reported = this.holders;
    this.#setSince = 0;
    this.#routed = this.#arpNode !== undefined && this.#present.get(this.#arpNode) ? this.#arpNode : this.holders.length === 1 ? this.holders[0] : undefined;
    this.emit('vip', 'holders', { vip: this.vipId, holders: this.#reported.join(','), previous: '', sinceMs: since(this.#setSince) });
    this.emit('vip', 'route', { vip: this.vipId, node: this.#routed ?? '', how: 'client ARP entry' });
  }

  /** Checks every node's addresses and the client's ARP entry now. */
  async pollOnce(): Promise<string[]> {
    await Promise.all([
      ...this.nodes.map(async (node) => {
        const r = await run('ip', ['-n', node.ns, '-4', '-o', 'addr', 'show', 'dev', 'eth0'], 5_000);
        if (r.code === 0) this.#set(node.id, r.stdout.includes(` ${this.address}/`));
      }),
      (async () => {
        const r = await run('ip', ['-n', this.client.ns, 'neigh', 'show', this.address], 5_000);
        if (r.code === 0 && r.stdout.trim()) this.#neighbour(r.stdout.trim());
      })(),
    ]);
    return this.holders;
  }

  #neighbour(line: string): void {
    if (!line.includes(`${this.address} `) || line.startsWith('Deleted')) return;
    const mac = /lladdr ([0-9a-f:]{17})/.exec(line)?.[1];
    const node = mac ? this.#macs.get(mac) : undefined;
    if (!node || node === this.#arpNode) return;
    this.#arpNode = node;
    if (this.#armed) this.emit('vip', 'arp', { vip: this.vipId, node, mac: mac!, how: 'client ARP entry' });
    this.#route();
  }

  #set(node: string, present: boolean): void {
    if (!this.#running || this.#present.get(node) === present) return;
    const previous = this.holders;
    this.#present.set(node, present);
    this.#setSince = this.nowMs();
    if (!this.#armed) return;
    const gained = this.holders.filter((h) => !previous.includes(h));
    if (gained.length > 0) this.emit('vip', 'garp', { vip: this.vipId, node: gained.at(-1)! });
    this.#route();
    this.#report();
  }

  /** Traffic goes to the node the client's ARP entry names, while that node holds the address. */
  #route(): void {
    if (!this.#armed) return;
    const next = this.#arpNode !== undefined && this.#present.get(this.#arpNode) ? this.#arpNode : undefined;
    if (next === this.#routed) return;
    const from = this.#routed;
    this.#routed = next;
    this.emit('vip', 'route.changed', {
      layer: 'vip',
      resource: this.vipId,
      from: from ?? '',
      to: next ?? '',
      fromServers: from ?? '',
      toServers: next ?? '',
      how: 'client ARP entry',
    });
  }

  #report(): void {
    const holders = this.holders;
    clearTimeout(this.#debounceTimer);
    if (holders.length >= 2) {
      this.#multiSince ??= this.#setSince;
      const waited = this.nowMs() - this.#multiSince;
      if (waited < this.debounceMs) {
        this.#debounceTimer = setTimeout(() => this.#report(), this.debounceMs - waited + 1);
        return;
      }
    } else {
      this.#multiSince = undefined;
    }
    if (holders.join(',') === this.#reported.join(',')) return;
    const previous = this.#reported;
    this.#reported = holders;
    const firstSeenMs = holders.length >= 2 && this.#multiSince !== undefined ? this.#multiSince : this.#setSince;
    const detail: EventDetail = { vip: this.vipId, holders: holders.join(','), previous: previous.join(','), sinceMs: since(firstSeenMs) };
    this.emit('vip', 'holders', detail);
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#pollTimer);
    clearTimeout(this.#debounceTimer);
    await Promise.all(this.#monitors.map((m) => m.stop(1_000)));
  }
}

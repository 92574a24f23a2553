import { createServer, connect, type Server, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { boundLifetime, exitWithParent, isMain, numberArg } from '../programs/guard.js';

/** Bytes a connection may hold back before it stops reading from the primary (TCP then holds the rest there). */
const MAX_HELD_BYTES = 64 * 1024 * 1024;

interface Held {
  chunk: Buffer;
  arrivedMs: number;
}

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/**
 * A delay line in front of a primary's walsender: standbys connect here, each connection is relayed
 * to the primary, and what the primary sends is handed on `delayMs` after it arrived (what standbys
 * send goes on at once). A new delay applies to what is held too: set to 0, everything held goes out
 * at once. When the primary's side ends (the primary stopped or crashed), what is held is dropped and
 * the standby's connection reset: WAL the primary had not shipped when it went down never arrives.
 */
export class WalRelay {
  readonly #server: Server;
  readonly #pumps = new Set<() => void>();
  #delayMs = 0;

  constructor(private readonly target: { host: string; port: number }) {
    this.#server = createServer((standby) => this.#relay(standby));
  }

  get delayMs(): number {
    return this.#delayMs;
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => resolve((this.#server.address() as { port: number }).port));
    });
  }

  setDelay(delayMs: number): void {
    this.#delayMs = Math.max(0, delayMs);
    for (const pump of this.#pumps) pump();
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #relay(standby: Socket): void {
    const primary = connect(this.target.port, this.target.host);
    standby.setNoDelay(true);
    primary.setNoDelay(true);
    const held: Held[] = [];
    let heldBytes = 0;
    let timer: NodeJS.Timeout | undefined;
    const pump = () => {
      clearTimeout(timer);
      timer = undefined;
      const now = nowMs();
      while (held.length > 0 && held[0]!.arrivedMs + this.#delayMs <= now) {
        const { chunk } = held.shift()!;
        heldBytes -= chunk.length;
        standby.write(chunk);
      }
      if (heldBytes < MAX_HELD_BYTES && primary.isPaused()) primary.resume();
      if (held.length > 0) timer = setTimeout(pump, held[0]!.arrivedMs + this.#delayMs - now);
    };
    this.#pumps.add(pump);
    const end = () => {
      this.#pumps.delete(pump);
      clearTimeout(timer);
      held.length = 0;
      if (!standby.destroyed) standby.resetAndDestroy();
      primary.destroy();
    };
    primary.on('data', (chunk: Buffer) => {
      held.push({ chunk, arrivedMs: nowMs() });
      heldBytes += chunk.length;
      if (heldBytes >= MAX_HELD_BYTES) primary.pause();
      pump();
    });
    standby.on('data', (chunk: Buffer) => primary.write(chunk));
    primary.on('end', end);
    primary.on('close', end);
    primary.on('error', end);
    standby.on('close', () => {
      this.#pumps.delete(pump);
      clearTimeout(timer);
      primary.destroy();
    });
    standby.on('error', () => primary.destroy());
  }
}

/**
 * argv: listenHost listenPort targetHost targetPort lifetimeMs [runDir]. Prints `listening <port>`,
 * then reads `{"delayMs": n}` lines on stdin and answers `delay <n>` once it applies.
 */
async function main(argv: string[]): Promise<void> {
  const [listenHost, listenPort, targetHost, targetPort, lifetimeMs] = argv;
  if (!listenHost || !targetHost) throw new Error('usage: wal-relay <listenHost> <listenPort> <targetHost> <targetPort> <lifetimeMs> [runDir]');
  exitWithParent();
  boundLifetime(numberArg(lifetimeMs, 'lifetimeMs'));
  const relay = new WalRelay({ host: targetHost, port: numberArg(targetPort, 'targetPort') });
  const port = await relay.listen(listenHost, numberArg(listenPort, 'listenPort'));
  console.log(`listening ${port}`);
  createInterface({ input: process.stdin }).on('line', (line) => {
    try {
      const { delayMs } = JSON.parse(line) as { delayMs?: unknown };
      if (typeof delayMs !== 'number' || !Number.isFinite(delayMs)) return;
      relay.setDelay(delayMs);
      console.log(`delay ${relay.delayMs}`);
    } catch {
      // not a command
    }
  });
  process.stdin.on('end', () => process.exit(0));
}

if (isMain(import.meta.url))
  main(process.argv.slice(2)).catch((err: Error) => {
    console.error(`wal-relay: ${err.message}`);
    process.exit(1);
  });

import { request } from 'node:http';
import type { Clock } from '../../../controller/ports.js';
import { writeId } from '../../../measure/write-ids.js';
import { WriteOutageTracker } from '../../../measure/write-unavailability.js';

/** What the write loop needs to know about the database. */
export interface WriteTarget {
  /** The member the app's endpoint names now (its cache or the controller's pointer). */
  member(): string;
  /** That member's store URL. */
  urlOf(member: string): string;
}

export interface AppWritesOptions {
  clock: Clock;
  target: WriteTarget;
  ratePerSec: number;
  /** The loop sends nothing at or after this run time. */
  untilMs: number;
  /** Seeded offset of the first write within one period. */
  phaseMs: number;
  timeoutMs: number;
  /** A write went through after writes had failed: the write-unavailability window (first failed write sent → this one acknowledged). */
  onResumed?: (resumed: { id: string; member: string; sinceMs: number; unavailableMs: number }) => void;
}

/** One acknowledged write. */
export interface AckedWrite {
  id: string;
  member: string;
  /** Run time of the acknowledgement. */
  ackedAtMs: number;
}

/**
 * The app's writes: one every 1/`ratePerSec` s from `phaseMs` until `untilMs` (so at most
 * rate × duration of them), each with a unique id, sent over a socket to the member the endpoint
 * names and acknowledged only when that member answered 200 (it committed, and replication let it
 * acknowledge). `canWrite` is the outcome of the latest write that finished: apps serve only while
 * their last write could commit.
 */
export class AppWrites {
  readonly acked: AckedWrite[] = [];
  sent = 0;
  failed = 0;
  #latestDone = 0;
  #canWrite = true;
  #stopped = false;
  readonly #outages = new WriteOutageTracker();
  readonly #inFlight = new Set<Promise<void>>();
  #loop?: Promise<void>;

  constructor(private readonly options: AppWritesOptions) {}

  get canWrite(): boolean {
    return this.#canWrite;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Stops sending and waits for the writes in flight (each ends by its timeout). */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop;
    await Promise.all(this.#inFlight);
  }

  async #run(): Promise<void> {
    const { clock, ratePerSec, untilMs, phaseMs } = this.options;
    const periodMs = 1000 / ratePerSec;
    const maxWrites = Math.ceil((ratePerSec * untilMs) / 1000);
    for (let n = 1; n <= maxWrites && !this.#stopped; n++) {
      const dueMs = phaseMs + (n - 1) * periodMs;
      if (dueMs >= untilMs) break;
      const waitMs = dueMs - clock.nowMs();
      if (waitMs > 0) await clock.sleep(waitMs);
      if (this.#stopped) break;
      const work = this.#write(n).finally(() => this.#inFlight.delete(work));
      this.#inFlight.add(work);
    }
  }

  async #write(n: number): Promise<void> {
    const id = writeId(n);
    const member = this.options.target.member();
    const { clock } = this.options;
    const sentMs = clock.nowMs();
    this.sent++;
    const ok = await post(`${this.options.target.urlOf(member)}/write/${id}`, this.options.timeoutMs);
    const endedMs = clock.nowMs();
    if (ok) this.acked.push({ id, member, ackedAtMs: endedMs });
    else this.failed++;
    if (!ok) this.#outages.failed(sentMs);
    const outage = ok ? this.#outages.acked(sentMs, endedMs) : undefined;
    if (outage) this.options.onResumed?.({ id, member, ...outage });
    if (n >= this.#latestDone) {
      this.#latestDone = n;
      this.#canWrite = ok;
    }
  }
}

/** POSTs and resolves true on 200, false on any other answer, a refused or reset connection, or the timeout. */
function post(url: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', timeout: timeoutMs, headers: { 'content-length': '0' } }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', () => resolve(false));
    req.end();
  });
}

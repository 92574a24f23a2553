import { loadRow, type LoadSource } from './load-row.js';

const FLUSH_MS = 50;

/**
 * The rows a load driver program streams to its parent ({@link loadRow}, one per line): buffered,
 * written every 50 ms and on {@link flush}, and no more than `maxRows` in all.
 */
export class RowStream {
  #buffer: string[] = [];
  #recorded = 0;
  #timer?: NodeJS.Timeout;

  constructor(
    readonly maxRows: number,
    private readonly write: (text: string, done?: () => void) => void,
  ) {}

  /** Rows added so far (never more than `maxRows`). */
  get recorded(): number {
    return this.#recorded;
  }

  /** Adds one request's row, unless `maxRows` are already there. */
  add(source: LoadSource, startMs: number, latencyMs: number, ok: boolean, server: string, reason?: string): void {
    if (this.#recorded >= this.maxRows) return;
    this.#recorded++;
    this.#buffer.push(JSON.stringify(loadRow(source, startMs, latencyMs, ok, server, reason)));
  }

  /** Starts writing every 50 ms. */
  start(): void {
    this.#timer ??= setInterval(() => this.flush(), FLUSH_MS);
    this.#timer.unref();
  }

  /** Stops the periodic writes and writes what is buffered. */
  close(done?: () => void): void {
    clearInterval(this.#timer);
    this.flush(done);
  }

  flush(done?: () => void): void {
    if (this.#buffer.length === 0) {
      done?.();
      return;
    }
    const text = `${this.#buffer.join('\n')}\n`;
    this.#buffer = [];
    this.write(text, done);
  }
}

import { formatDurationMs } from '../scenario/duration.js';
import type { SweepProgress } from './sweep.js';

const BAR_WIDTH = 24;

/**
 * Sweep progress for people: on a terminal one bar rewritten in place (seeds done/total, failures,
 * elapsed); in a log a line at every tenth of the work.
 */
export class SweepProgressPrinter {
  readonly #tty: boolean;
  readonly #startMs: number;
  #shown = false;
  #lastTenth = -1;
  #phase: SweepProgress['phase'] | undefined;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly nowMs: () => number,
  ) {
    this.#tty = (out as NodeJS.WriteStream).isTTY === true;
    this.#startMs = nowMs();
  }

  /** Milliseconds since the printer was created. */
  elapsedMs(): number {
    return this.nowMs() - this.#startMs;
  }

  update(p: SweepProgress): void {
    if (p.phase !== this.#phase) {
      this.#phase = p.phase;
      this.#lastTenth = -1;
    }
    const what = p.phase === 'seeds' ? 'seeds' : 'shrunk';
    const status = `${p.done}/${p.total} ${what} · ${p.failures} failure${p.failures === 1 ? '' : 's'} · ${formatDurationMs(this.elapsedMs())}`;
    if (this.#tty) {
      const filled = p.total === 0 ? BAR_WIDTH : Math.round((p.done / p.total) * BAR_WIDTH);
      this.out.write(`\r\x1b[2K[${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}] ${status}`);
      this.#shown = true;
      return;
    }
    const tenth = p.total === 0 ? 10 : Math.floor((p.done * 10) / p.total);
    if (tenth === this.#lastTenth || (tenth === 0 && p.done > 0)) return;
    this.#lastTenth = tenth;
    this.out.write(`${p.phase === 'seeds' ? 'sweep' : 'shrink'} ${String(tenth * 10).padStart(3)}%  ${status}\n`);
  }

  /** Ends the rewritten line so that what follows starts on a fresh one. */
  finish(): void {
    if (this.#shown) this.out.write('\n');
    this.#shown = false;
  }
}

import type { AckedWrite } from '../../measure/write-loss.js';
import { parseWriteRow, type WriteRow } from './programs/db-writer.js';

/** A write an app saw acknowledged: when it left, when its commit returned, and on which writer (`host:port`). */
export interface HostAckedWrite extends AckedWrite {
  app: string;
  sentMs: number;
  writer: string;
}

/** A write that failed: when it left, on which writer, why. */
export interface HostFailedWrite {
  id: string;
  app: string;
  sentMs: number;
  endedMs: number;
  writer: string;
  reason: string;
}

/** The writes sent to one writer address ({@link WriteLog.byWriter}). */
export interface WritesTo {
  writer: string;
  sent: number;
  acked: number;
  failed: number;
  firstSentMs: number;
  lastSentMs: number;
}

/**
 * The apps' write log as the session receives it (one row per write on each app's stdout,
 * `programs/db-writer.ts`): the acknowledged writes, id by id, and the failed ones. Listeners see
 * every row as it comes (the database layer notices a writer that stopped taking writes).
 */
export class WriteLog {
  readonly acked: HostAckedWrite[] = [];
  readonly failed: HostFailedWrite[] = [];
  readonly #listeners: Array<(row: WriteRow) => void> = [];

  /** Takes one output line of app `app`; false for a line that is no write row. */
  add(app: string, line: string): boolean {
    const row = parseWriteRow(line);
    if (!row) return false;
    if (row[0] === 'a') this.acked.push({ id: row[1], app, sentMs: row[2], ackedAtMs: row[3], writer: row[4] });
    else this.failed.push({ id: row[1], app, sentMs: row[2], endedMs: row[3], writer: row[4], reason: row[5] });
    for (const listener of this.#listeners) listener(row);
    return true;
  }

  onRow(listener: (row: WriteRow) => void): void {
    this.#listeners.push(listener);
  }

  /** Writes that ended (acknowledged or failed). */
  get ended(): number {
    return this.acked.length + this.failed.length;
  }

  /**
   * The writes sent to each writer address (`''`: none was found), in the order first used: how many,
   * how many acknowledged and failed, and when the first and the last of them left (run time, ms).
   */
  byWriter(): WritesTo[] {
    const by = new Map<string, WritesTo>();
    const rows = [...this.acked.map((a) => ({ ...a, ok: true })), ...this.failed.map((f) => ({ ...f, ok: false }))].sort((a, b) => a.sentMs - b.sentMs);
    for (const row of rows) {
      const to = by.get(row.writer) ?? { writer: row.writer, sent: 0, acked: 0, failed: 0, firstSentMs: Math.round(row.sentMs), lastSentMs: 0 };
      to.sent++;
      if (row.ok) to.acked++;
      else to.failed++;
      to.lastSentMs = Math.round(row.sentMs);
      by.set(row.writer, to);
    }
    return [...by.values()];
  }

  /** Acknowledged writes whose commit returned at or before `atMs`. */
  ackedBy(atMs: number): HostAckedWrite[] {
    return this.acked.filter((a) => a.ackedAtMs <= atMs);
  }
}

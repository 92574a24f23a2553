import type { EventDetail } from './events.js';
import { idRanges } from './write-ids.js';

/** A write a client saw acknowledged, and when (run time). */
export interface AckedWrite {
  id: string;
  ackedAtMs: number;
}

/** The `db` events of one acknowledged-write check at a writer change. */
export interface WriteLossEvents {
  /** `db`/`writes.checked`: how many acknowledged writes were checked, how many the new writer lacks. */
  checked: EventDetail;
  /** `db`/`data.lost`, when any is missing: `writes`, `rpoMs`, the ids as ranges. */
  lost?: EventDetail;
}

/**
 * The acknowledged-write check of a real target's database at a writer change (aws and host): every
 * write acknowledged to a client that the new writer does not hold is lost, id by id. The RPO is the
 * time from the oldest lost acknowledgement to the moment the old writer was lost (`lostAtMs`), as
 * the simulator reports the span of writes it loses.
 */
export function writeLossEvents(
  where: { database: string; from: string; to: string },
  acked: readonly AckedWrite[],
  held: (id: string) => boolean,
  lostAtMs: number,
): WriteLossEvents {
  const lost = acked.filter((a) => !held(a.id));
  const checked = { database: where.database, writer: where.to, acked: acked.length, missing: lost.length };
  if (lost.length === 0) return { checked };
  const oldestMs = Math.min(...lost.map((a) => a.ackedAtMs));
  return {
    checked,
    lost: {
      database: where.database,
      target: where.from,
      writes: lost.length,
      rpoMs: Math.max(0, Math.round(lostAtMs - oldestMs)),
      ids: idRanges(lost.map((a) => a.id)),
    },
  };
}

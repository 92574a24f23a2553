import { seqRanges } from '../../../measure/write-ids.js';

/** The acknowledged writes set against what a node holds. */
export interface WriteCheck {
  acked: number;
  /** Acknowledged ids the node holds. */
  held: number;
  /** Acknowledged ids the node lacks, ascending: lost if the node is the writer now. */
  lost: number[];
  /** `lost` as ranges (`12-40,52`). */
  lostRanges: string;
  /** Ids the node holds that no client saw acknowledged (timed out, cancelled): not lost, not counted. */
  unacked: number;
}

/**
 * A Jepsen-style check of the write log: every write acknowledged to a client and missing on the
 * node (the new writer after a failover) is lost, id by id — not an estimate from replication lag.
 */
export function checkWrites(ackedIds: Iterable<number>, heldIds: Iterable<number>): WriteCheck {
  const acked = new Set(ackedIds);
  const held = new Set(heldIds);
  const lost = [...acked].filter((id) => !held.has(id)).sort((a, b) => a - b);
  const unacked = [...held].filter((id) => !acked.has(id)).length;
  return { acked: acked.size, held: acked.size - lost.length, lost, lostRanges: seqRanges(lost), unacked };
}

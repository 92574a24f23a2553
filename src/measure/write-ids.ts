// Ids of the apps' writes, shared by the acknowledged-write checkers of the aws and host databases.

/** The app's write ids: `w<n>`, n counting from 1 in the order the writes were sent. */
export function writeId(n: number): string {
  return `w${n}`;
}

/** The sequence number of a write id, or undefined for anything else. */
export function writeSeq(id: string): number | undefined {
  const m = /^w(\d+)$/.exec(id);
  return m ? Number(m[1]) : undefined;
}

/** Write ids as ranges of their sequence numbers (`1-340,361-900`): an event detail holds thousands of ids in a few bytes. */
export function idRanges(ids: Iterable<string>): string {
  return seqRanges([...ids].map(writeSeq).filter((n): n is number => n !== undefined));
}

/** Sequence numbers (a database's bigint write ids) as ranges: `1-340,361-900`; duplicates count once. */
export function seqRanges(numbers: Iterable<number>): string {
  const seqs = [...numbers].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < seqs.length; ) {
    let j = i;
    while (j + 1 < seqs.length && seqs[j + 1]! <= seqs[j]! + 1) j++;
    parts.push(seqs[i] === seqs[j] ? `${seqs[i]}` : `${seqs[i]}-${seqs[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The write ids a {@link idRanges} string names. */
export function parseIdRanges(ranges: string): Set<string> {
  const ids = new Set<string>();
  for (const part of ranges.split(',').filter((p) => p !== '')) {
    const [a, b] = part.split('-').map(Number);
    if (!Number.isInteger(a) || (b !== undefined && !Number.isInteger(b))) throw new RangeError(`not a range of write ids: '${part}'`);
    for (let n = a!; n <= (b ?? a!); n++) ids.add(writeId(n));
  }
  return ids;
}

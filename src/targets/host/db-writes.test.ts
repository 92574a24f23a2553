import { describe, expect, it } from 'vitest';
import { WriteLog } from './db-writes.js';

const row = (...fields: unknown[]) => JSON.stringify(fields);

describe('WriteLog', () => {
  it('sums the writes each writer address was sent, with the first and last that left for it', () => {
    const log = new WriteLog();
    expect(log.add('app-1', row('a', 'w1', 10.4, 12, '198.18.5.102:5432'))).toBe(true);
    log.add('app-1', row('f', 'w3', 60, 61, '198.18.5.102:5432', 'refused'));
    log.add('app-1', row('f', 'w2', 35, 2_035, '', 'timeout locating the writer'));
    log.add('app-1', row('a', 'w4', 85.6, 90, '198.18.5.103:5432'));
    expect(log.add('app-1', 'app app-1 listening on 80')).toBe(false);
    expect(log.byWriter()).toEqual([
      { writer: '198.18.5.102:5432', sent: 2, acked: 1, failed: 1, firstSentMs: 10, lastSentMs: 60 },
      { writer: '', sent: 1, acked: 0, failed: 1, firstSentMs: 35, lastSentMs: 35 },
      { writer: '198.18.5.103:5432', sent: 1, acked: 1, failed: 0, firstSentMs: 86, lastSentMs: 86 },
    ]);
    expect(log.ended).toBe(4);
  });
});

import { describe, expect, it } from 'vitest';
import { SampleRecorder } from '../measure/samples.js';
import { loadRow, parseLoadLine, recordRow } from './load-row.js';

describe('load rows', () => {
  it('writes one row per request: [source, startMs, latencyMs, ok, server, reason?], times to 0.01 ms', () => {
    expect(loadRow('p', 12.3456, 0.987, true, 'web-1')).toEqual(['p', 12.35, 0.99, 1, 'web-1']);
    expect(loadRow('a', 5, 1000, false, '', 'timeout')).toEqual(['a', 5, 1000, 0, '', 'timeout']);
    expect(parseLoadLine(JSON.stringify(loadRow('o', 1, 2, false, '', 'refused')))).toEqual({ row: ['o', 1, 2, 0, '', 'refused'] });
    expect(parseLoadLine('{"done":true,"recorded":10,"probes":4}')).toEqual({ summary: { done: true, recorded: 10, probes: 4 } });
    expect(parseLoadLine('["x",1,2,1,"a"]')).toBeUndefined();
    expect(parseLoadLine('["o","1",2,1,"a"]')).toBeUndefined();
    expect(parseLoadLine('app listening')).toBeUndefined();
  });

  it('books a row in the bucket of its start, latency kept, a row no server answered on the entry', () => {
    const resolutionMs = 20;
    const recorder = new SampleRecorder(resolutionMs, 1_000);
    // scheduled at 39.99 ms (bucket 1), answered 500 ms later: the bucket of 500 ms would be 26
    recordRow(recorder, loadRow('o', 39.99, 500, true, 'web-1'), 'vip');
    recordRow(recorder, loadRow('o', 40, 1_000, false, '', 'timeout'), 'vip');
    const series = recorder.finish();
    expect(series.ok[Math.floor(39.99 / resolutionMs)]).toBe(1);
    expect(series.err[Math.floor(40 / resolutionMs)]).toBe(1);
    expect(series.ok.reduce((a, b) => a + b) + series.err.reduce((a, b) => a + b)).toBe(2);
    expect(series.p50Ms[1]).toBe(500);
    expect(series.byServer.vip!.err[2]).toBe(1);
    expect(series.byServer['web-1']!.ok[1]).toBe(1);
  });
});

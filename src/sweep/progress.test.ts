import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SweepProgressPrinter } from './progress.js';

function capture(tty: boolean): { stream: NodeJS.WritableStream; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  Object.assign(stream, { isTTY: tty });
  return { stream, text: () => text };
}

describe('SweepProgressPrinter', () => {
  it('in a log, prints a line at every tenth of the seeds', () => {
    const out = capture(false);
    let nowMs = 0;
    const printer = new SweepProgressPrinter(out.stream, () => nowMs);
    for (let done = 0; done <= 37; done++) {
      nowMs = done * 100;
      printer.update({ phase: 'seeds', done, total: 37, failures: done > 20 ? 2 : 0 });
    }
    const lines = out.text().trimEnd().split('\n');
    expect(lines).toHaveLength(11);
    expect(lines[0]).toBe('sweep   0%  0/37 seeds · 0 failures · 0ms');
    expect(lines[5]).toBe('sweep  50%  19/37 seeds · 0 failures · 1.9s');
    expect(lines[10]).toBe('sweep 100%  37/37 seeds · 2 failures · 3.7s');
  });

  it('on a terminal, rewrites one bar in place and ends it with a newline', () => {
    const out = capture(true);
    const printer = new SweepProgressPrinter(out.stream, () => 1_500);
    printer.update({ phase: 'seeds', done: 6, total: 12, failures: 1 });
    printer.update({ phase: 'seeds', done: 12, total: 12, failures: 1 });
    printer.finish();
    const text = out.text();
    expect(text.split('\n')).toHaveLength(2);
    expect(text).toContain(`\r\x1b[2K[${'█'.repeat(12)}${'░'.repeat(12)}] 6/12 seeds · 1 failure · 0ms`);
    expect(text.endsWith(`[${'█'.repeat(24)}] 12/12 seeds · 1 failure · 0ms\n`)).toBe(true);
  });
});

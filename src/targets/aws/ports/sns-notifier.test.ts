import { describe, expect, it } from 'vitest';
import { subjectOf } from './sns-notifier.js';

// SNS Publish's Subject: printable ASCII, no line breaks, under 100 characters (SNS API Reference).
describe('subjectOf', () => {
  it('replaces what is not printable ASCII', () => {
    expect(subjectOf({ atMs: 0, severity: 'info', summary: 'a → b\nc' })).toBe('faildrill info: a ? b?c');
  });

  it('stays under 100 characters', () => {
    const subject = subjectOf({ atMs: 0, severity: 'critical', summary: 'x'.repeat(300) });
    expect(subject.length).toBeLessThan(100);
    expect(subject.endsWith('...')).toBe(true);
  });
});

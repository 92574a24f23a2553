import { describe, expect, it } from 'vitest';
import { fisUnavailable } from './experiment.js';

/** design.md §8: LocalStack community answers 501 for FIS; anything else is a real error. */
describe('fisUnavailable', () => {
  it('recognises HTTP 501 and a NotImplemented name', () => {
    expect(fisUnavailable({ name: 'InternalFailure', $metadata: { httpStatusCode: 501 } })).toBe(true);
    expect(fisUnavailable({ name: 'NotImplementedException', $metadata: {} })).toBe(true);
  });
  it('does not take a refusal or a socket error for a missing service', () => {
    expect(fisUnavailable({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } })).toBe(false);
    expect(fisUnavailable(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(fisUnavailable('boom')).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { isGone } from './delete.js';

const named = (name: string, message = '') => Object.assign(new Error(message), { name });

describe('isGone', () => {
  it("takes the services' not-found errors as already deleted", () => {
    for (const name of ['InvalidInstanceID.NotFound', 'LoadBalancerNotFound', 'TargetGroupNotFound', 'DBInstanceNotFoundFault', 'NoSuchHostedZone', 'NoSuchHealthCheck', 'NotFound', 'ResourceNotFoundException'])
      expect(isGone(named(name)), name).toBe(true);
    expect(isGone(named('ValidationError', 'AutoScalingGroup name not found - fd-x'))).toBe(true);
  });

  it('keeps every other failure a failure', () => {
    expect(isGone(named('ValidationError', 'Health check timeout must be smaller'))).toBe(false);
    expect(isGone(named('DependencyViolation'))).toBe(false);
    expect(isGone('NotFound')).toBe(false);
  });
});

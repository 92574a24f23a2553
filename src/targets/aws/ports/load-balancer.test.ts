import { describe, expect, it } from 'vitest';
import { forwardedGroupArn } from './load-balancer.js';

describe('forwardedGroupArn', () => {
  it('reads TargetGroupArn, as moto and a plain forward answer', () => {
    expect(forwardedGroupArn([{ Type: 'forward', TargetGroupArn: 'arn:blue' }])).toBe('arn:blue');
  });

  it('reads the heaviest ForwardConfig group when the action has no TargetGroupArn (weighted forward, ELBv2 API Reference)', () => {
    const actions = [
      { Type: 'fixed-response' as const },
      { Type: 'forward' as const, ForwardConfig: { TargetGroups: [{ TargetGroupArn: 'arn:blue', Weight: 1 }, { TargetGroupArn: 'arn:green', Weight: 9 }] } },
    ];
    expect(forwardedGroupArn(actions)).toBe('arn:green');
  });

  it('is undefined without a forward action', () => {
    expect(forwardedGroupArn([{ Type: 'fixed-response' }])).toBeUndefined();
  });
});

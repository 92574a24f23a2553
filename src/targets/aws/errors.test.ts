import { ScalingActivityInProgressFault } from '@aws-sdk/client-auto-scaling';
import { ListenerNotFoundException, PriorRequestNotCompleteException } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ConflictingDomainExists, InvalidChangeBatch, NoSuchHostedZone, PriorRequestNotComplete, Route53ServiceException, ThrottlingException } from '@aws-sdk/client-route-53';
import { ThrottledException } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { PortError } from '../../controller/port-error.js';
import { classifySdkError, portCall, toPortError } from './errors.js';

// Expected codes are the mapping the brief gives (throttling names → THROTTLED, timeouts and
// socket errors → TIMEOUT/UNAVAILABLE, 5xx → UNAVAILABLE, conflicting changes → CONFLICT, validation and
// not-found → INVALID); `retryable` is PortError's own table (src/controller/port-error.ts).
const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode, requestId: 'req-1', attempts: 4 } });

describe('SDK errors as PortErrors', () => {
  it.each([
    ['Route 53 ThrottlingException', new ThrottlingException({ message: 'Rate exceeded', ...meta(400) }), 'THROTTLED', true],
    ['Route 53 PriorRequestNotComplete', new PriorRequestNotComplete({ message: 'still working', ...meta(400) }), 'THROTTLED', true],
    ['ELBv2 PriorRequestNotCompleteException', new PriorRequestNotCompleteException({ message: 'still working', ...meta(400) }), 'THROTTLED', true],
    ['SNS ThrottledException', new ThrottledException({ message: 'slow down', ...meta(400) }), 'THROTTLED', true],
    ['Route 53 ConflictingDomainExists', new ConflictingDomainExists({ message: 'taken', ...meta(400) }), 'CONFLICT', true],
    [
      'InvalidChangeBatch for a record that exists',
      new InvalidChangeBatch({ message: "Tried to create resource record set [name='app.example.com.', type='A'] but it already exists", ...meta(400) }),
      'CONFLICT',
      true,
    ],
    ['InvalidChangeBatch for a malformed value', new InvalidChangeBatch({ message: 'ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address)', ...meta(400) }), 'INVALID', false],
    ['Auto Scaling ScalingActivityInProgress', new ScalingActivityInProgressFault({ message: 'cooldown', ...meta(400) }), 'CONFLICT', true],
    ['Route 53 NoSuchHostedZone', new NoSuchHostedZone({ message: 'No hosted zone found', ...meta(404) }), 'INVALID', false],
    ['ELBv2 ListenerNotFoundException', new ListenerNotFoundException({ message: 'One or more listeners not found', ...meta(400) }), 'INVALID', false],
    ['a 503 ServiceUnavailable', new Route53ServiceException({ name: 'ServiceUnavailable', $fault: 'server', message: 'try later', ...meta(503) }), 'UNAVAILABLE', true],
    ['an unmodelled 500', Object.assign(new Error('boom'), { $metadata: { httpStatusCode: 500 } }), 'UNAVAILABLE', true],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), 'UNAVAILABLE', true],
    ["a reset socket the HTTP handler renamed TimeoutError", Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' }), 'UNAVAILABLE', true],
    ["the HTTP handler's request timeout", Object.assign(new Error('timed out after 2000 ms'), { name: 'TimeoutError' }), 'TIMEOUT', true],
    ['something unknown', new Error('what'), 'INTERNAL', false],
  ] as const)('%s → %s', (_what, err, code, retryable) => {
    const mapped = toPortError(err, 'dns', 'setActive');
    expect(mapped).toBeInstanceOf(PortError);
    expect(mapped.code).toBe(code);
    expect(mapped.retryable).toBe(retryable);
    expect(classifySdkError(err)).toBe(code);
    expect(mapped.cause).toBe(err);
  });

  it("keeps the SDK error's name, status, attempts and request id in the message", () => {
    const mapped = toPortError(new ThrottlingException({ message: 'Rate exceeded', ...meta(400) }), 'dns', 'setActive');
    expect(mapped.message).toBe('dns.setActive: ThrottlingException (HTTP 400, 4 attempts, request req-1): Rate exceeded');
  });

  it('names a socket error by its code', () => {
    const mapped = toPortError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), 'dns', 'getActive');
    expect(mapped.message).toBe('dns.getActive: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1');
  });

  it('passes a PortError through unchanged', () => {
    const original = new PortError('CONFLICT', 'dns', 'setActive', 'x');
    expect(toPortError(original, 'other', 'op')).toBe(original);
  });

  it('portCall turns whatever the call throws into a PortError of the port and operation', async () => {
    const failing = portCall('loadBalancer', 'forwardTo', () => Promise.reject(new ThrottlingException({ message: 'Rate exceeded', ...meta(400) })));
    await expect(failing).rejects.toMatchObject({ name: 'PortError', code: 'THROTTLED', port: 'loadBalancer', operation: 'forwardTo', retryable: true });
    await expect(portCall('loadBalancer', 'forwardTo', () => Promise.resolve(7))).resolves.toBe(7);
  });
});

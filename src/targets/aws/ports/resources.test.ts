import { describe, expect, expectTypeOf, it } from 'vitest';
import { PortError } from '../../../controller/port-error.js';
import type { AwsResources } from '../provision/resources.js';
import { lookup, serverOfInstance, type PortResources } from './resources.js';

describe('port resources', () => {
  it("are a subset of provisioning's AwsResources, so the session hands those over as they are", () => {
    expectTypeOf<AwsResources>().toExtend<PortResources>();
  });

  it('name an instance by the scenario server that stands for it, or by its own id', () => {
    const resources: PortResources = { instances: { 'web-1': { instanceId: 'i-1' } } };
    expect(serverOfInstance(resources, 'i-1')).toBe('web-1');
    expect(serverOfInstance(resources, 'i-2')).toBe('i-2');
  });

  it('say which resource the run lacks as a non-retryable INVALID', () => {
    expect(lookup(3, 'dns', 'getActive', 'x')).toBe(3);
    expect(() => lookup(undefined, 'dns', 'getActive', "DNS record 'a.example.com'")).toThrow(
      expect.objectContaining({ code: 'INVALID', retryable: false, message: "dns.getActive: the run has no DNS record 'a.example.com'" }) as PortError,
    );
  });
});

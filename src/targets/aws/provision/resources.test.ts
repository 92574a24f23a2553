import { describe, expectTypeOf, it } from 'vitest';
import type { PortResources } from '../ports/resources.js';
import type { AwsResources } from './resources.js';

describe('AwsResources', () => {
  it("is what the controller's AWS ports take, as it is", () => {
    expectTypeOf<AwsResources>().toExtend<PortResources>();
  });
});

import { describe, expect, it } from 'vitest';
import { ObservationHold } from './observation-hold.js';

describe('ObservationHold', () => {
  it('holds while any fault call is in flight, and a release counts once', () => {
    const hold = new ObservationHold();
    expect(hold.held).toBe(false);
    const a = hold.hold();
    const b = hold.hold();
    a();
    a();
    expect(hold.held).toBe(true);
    b();
    expect(hold.held).toBe(false);
  });
});

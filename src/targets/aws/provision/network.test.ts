import { describe, expect, it } from 'vitest';
import { mapZones } from './network.js';

describe('mapZones', () => {
  const region = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

  it('keeps the zones the region has', () => {
    expect(mapZones(['us-east-1a', 'us-east-1c'], region)).toEqual({ 'us-east-1a': 'us-east-1a', 'us-east-1c': 'us-east-1c' });
  });

  it("gives a foreign zone a zone of the region that no server uses (dns-failover's us-west-2a)", () => {
    expect(mapZones(['us-east-1a', 'us-west-2a'], region)).toEqual({ 'us-east-1a': 'us-east-1a', 'us-west-2a': 'us-east-1b' });
    expect(mapZones(['us-west-2a', 'us-east-1a'], region)).toEqual({ 'us-west-2a': 'us-east-1b', 'us-east-1a': 'us-east-1a' });
  });

  it('shares zones once the region has none left', () => {
    const mapped = mapZones(['eu-west-1a', 'eu-west-1b', 'eu-west-1c', 'eu-west-1d'], region);
    expect(Object.values(mapped).slice(0, 3).sort()).toEqual(region);
    expect(region).toContain(mapped['eu-west-1d']);
  });
});

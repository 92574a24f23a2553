import { describe, expect, it } from 'vitest';
import { highestVersion } from './bin.js';

describe('PostgreSQL version folder', () => {
  it('takes the highest numeric major version, never a fixed one', () => {
    expect(highestVersion(['13', '15', '9.6', 'common'])).toBe('15');
    expect(highestVersion(['16', '17'])).toBe('17');
    expect(highestVersion(['common'])).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { guardPort } from './guarded-ports.js';
import { PortError } from './port-error.js';

class Counter {
  #count = 0;
  async bump(by: number): Promise<number> {
    this.#count += by;
    return this.#count;
  }
  throwsAtOnce(): Promise<void> {
    throw new Error('socket hang up');
  }
  async rejects(): Promise<void> {
    throw new Error('ECONNRESET');
  }
  async rejectsTyped(): Promise<void> {
    throw new PortError('THROTTLED', 'dns', 'setActive', 'Rate exceeded');
  }
}

describe('guardPort', () => {
  it('keeps results and `this` (private fields work)', async () => {
    const port = guardPort(new Counter(), 'counter');
    await port.bump(2);
    expect(await port.bump(3)).toBe(5);
  });

  it('turns a synchronous throw into a rejected, non-retryable INTERNAL PortError naming port and method', async () => {
    const port = guardPort(new Counter(), 'counter');
    let promise: Promise<void> | undefined;
    expect(() => (promise = port.throwsAtOnce())).not.toThrow();
    await expect(promise).rejects.toMatchObject({ name: 'PortError', code: 'INTERNAL', port: 'counter', operation: 'throwsAtOnce', retryable: false });
  });

  it('wraps a plain rejection, keeping the message and the cause', async () => {
    const error = await guardPort(new Counter(), 'counter')
      .rejects()
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(PortError);
    expect((error as PortError).message).toBe('counter.rejects: ECONNRESET');
    expect(((error as PortError).cause as Error).message).toBe('ECONNRESET');
  });

  it('passes a PortError through as the port classified it', async () => {
    await expect(guardPort(new Counter(), 'counter').rejectsTyped()).rejects.toMatchObject({ code: 'THROTTLED', port: 'dns', retryable: true });
  });
});

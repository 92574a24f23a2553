import { PortError } from './port-error.js';

/**
 * `port` with every method's failure, a rejection or a synchronous throw, turned into a rejected
 * {@link PortError} that names `portName` and the method (a PortError the port threw passes as is).
 * Methods keep their `this`, so ports with private fields work.
 */
export function guardPort<T extends object>(port: T, portName: string): T {
  const wrapped = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  return new Proxy(port, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      let method = wrapped.get(property);
      if (!method) {
        const fail = (err: unknown) => Promise.reject(PortError.from(err, portName, property));
        method = (...args: unknown[]) => {
          try {
            return Promise.resolve((value as (...a: unknown[]) => unknown).apply(target, args)).catch(fail);
          } catch (err) {
            return fail(err);
          }
        };
        wrapped.set(property, method);
      }
      return method;
    },
  });
}

/** `port` guarded by {@link guardPort} when present. */
export function guardOptional<T extends object>(port: T | undefined, portName: string): T | undefined {
  return port && guardPort(port, portName);
}

import { UsageError } from '../../../errors.js';

/** `url` as an http(s) origin without a trailing slash; a {@link UsageError} (exit 2) naming `what` when it is not one. */
export function parseEndpoint(url: string, what: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`${what}: '${url}' is not a URL (expected e.g. http://127.0.0.1:5000)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`${what}: '${url}' must be http:// or https://`);
  return parsed;
}

export function originOf(url: URL): string {
  return url.origin;
}

/** The port of an http(s) URL, the scheme's default when it names none. */
export function portOf(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

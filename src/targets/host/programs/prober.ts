import { get } from 'node:http';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { boundLifetime, exitWithParent, isMain, numberArg } from './guard.js';

/** One health check asked of the prober: a line of JSON on its stdin. */
export interface ProbeRequest {
  id: number;
  url: string;
  timeoutMs: number;
}

/** Its answer: a line of JSON on its stdout, with the request's id. */
export interface ProbeAnswer {
  id: number;
  ok: boolean;
  latencyMs: number;
  /** Why it failed: `status 503`, `refused`, `timeout`, `reset`, an errno code. */
  reason?: string;
}

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/** One GET of `request.url` on a fresh connection: ok for 2xx/3xx within the timeout. */
export function probeOnce(request: ProbeRequest): Promise<ProbeAnswer> {
  const start = nowMs();
  return new Promise((resolve) => {
    let done = false;
    const answer = (ok: boolean, reason?: string) => {
      if (done) return;
      done = true;
      resolve({ id: request.id, ok, latencyMs: Math.round((nowMs() - start) * 10) / 10, ...(reason ? { reason } : {}) });
    };
    const req = get(request.url, { agent: false, timeout: request.timeoutMs }, (res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      res.on('end', () => answer(status >= 200 && status < 400, status >= 400 ? `status ${status}` : undefined));
      res.on('error', () => answer(false, 'reset'));
    });
    req.on('timeout', () => {
      answer(false, 'timeout');
      req.destroy();
    });
    req.on('error', (err: NodeJS.ErrnoException) => answer(false, err.code === 'ECONNREFUSED' ? 'refused' : (err.code ?? err.message)));
  });
}

/** Parses a request line; undefined for anything that is not one. */
export function parseProbeRequest(line: string): ProbeRequest | undefined {
  try {
    const q = JSON.parse(line) as Partial<ProbeRequest>;
    if (typeof q.id !== 'number' || typeof q.url !== 'string' || typeof q.timeoutMs !== 'number') return undefined;
    return { id: q.id, url: q.url, timeoutMs: q.timeoutMs };
  } catch {
    return undefined;
  }
}

/** Parses an answer line; undefined for anything that is not one. */
export function parseProbeAnswer(line: string): ProbeAnswer | undefined {
  try {
    const a = JSON.parse(line) as Partial<ProbeAnswer>;
    if (typeof a.id !== 'number' || typeof a.ok !== 'boolean' || typeof a.latencyMs !== 'number') return undefined;
    return { id: a.id, ok: a.ok, latencyMs: a.latencyMs, ...(typeof a.reason === 'string' ? { reason: a.reason } : {}) };
  } catch {
    return undefined;
  }
}

/** Answers every request line of `input` on `output`, concurrently; resolves when `input` ends. */
export function serveProbes(input: Readable, output: Writable): Promise<void> {
  return new Promise((resolve) => {
    const lines = createInterface({ input });
    lines.on('line', (line) => {
      const request = parseProbeRequest(line);
      if (request) void probeOnce(request).then((answer) => output.write(`${JSON.stringify(answer)}\n`));
    });
    lines.on('close', () => resolve());
  });
}

/** argv: lifetimeMs. Ends with stdin, its parent or its lifetime. */
async function main(argv: string[]): Promise<void> {
  exitWithParent();
  boundLifetime(numberArg(argv[0], 'lifetimeMs'));
  await serveProbes(process.stdin, process.stdout);
  process.exit(0);
}

if (isMain(import.meta.url))
  main(process.argv.slice(2)).catch((err: Error) => {
    console.error(`prober: ${err.message}`);
    process.exit(1);
  });

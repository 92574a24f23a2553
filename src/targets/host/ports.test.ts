import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { PortError } from '../../controller/port-error.js';
import { HostProbePort } from './ports.js';
import type { NsProcess } from './process.js';

/** A prober stand-in: its stdin and stdout are in-memory streams. */
function fakeProber(running = true) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  return { prober: { running, child: { stdin, stdout } } as unknown as NsProcess, stdin, stdout };
}

describe('the host probe port', () => {
  it('throws INVALID for an endpoint without an address, UNAVAILABLE when the prober takes no requests', async () => {
    const { prober, stdin } = fakeProber();
    const port = new HostProbePort(prober, (id) => (id === 'web-1' ? 'http://198.18.1.101:80' : undefined));
    await expect(port.probe('nowhere', { path: '/health', timeoutMs: 100 })).rejects.toMatchObject({ code: 'INVALID', port: 'probe' });
    stdin.destroy();
    const err = await port.probe('web-1', { path: '/health', timeoutMs: 100 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PortError);
    expect(err).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
  });

  it('fails a check the prober does not answer within its timeout (plus grace), and one asked after it stopped', async () => {
    const { prober } = fakeProber();
    const port = new HostProbePort(prober, () => 'http://198.18.1.101:80');
    expect(await port.probe('web-1', { path: '/health', timeoutMs: 10 })).toEqual({ ok: false, latencyMs: 10, reason: 'timeout' });
    const stopped = new HostProbePort(fakeProber(false).prober, () => 'http://198.18.1.101:80');
    expect(await stopped.probe('web-1', { path: '/', timeoutMs: 10 })).toMatchObject({ ok: false, reason: 'prober stopped' });
  });

  it("answers with the prober's answer to the request's id", async () => {
    const { prober, stdin, stdout } = fakeProber();
    const port = new HostProbePort(prober, () => 'http://198.18.1.101:80');
    stdin.on('data', (line: Buffer) => {
      const { id } = JSON.parse(line.toString()) as { id: number };
      stdout.write(`${JSON.stringify({ id, ok: false, latencyMs: 2.5, reason: 'status 503' })}\n`);
    });
    expect(await port.probe('web-1', { path: '/health', timeoutMs: 500 })).toEqual({ ok: false, latencyMs: 2.5, reason: 'status 503' });
  });
});

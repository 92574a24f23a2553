import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { parseScenario } from '../../scenario/load.js';
import { ArbiterEndpoint, ARBITER_PORT } from './arbiter-endpoint.js';
import { relay } from './arbiter-relay.js';
import { keepalivedConfig } from './keepalived.js';
import { ARBITER_SCRIPT } from './programs/track-script.js';
import { planTopology } from './topology.js';

const dirs: string[] = [];
const endpoints: ArbiterEndpoint[] = [];
afterEach(async () => {
  await Promise.all(endpoints.splice(0).map((e) => e.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A free TCP port on 127.0.0.1. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The fencing script as keepalived runs it (the arbiter answers from this process, so not spawnSync); its exit code. */
function runScript(dir: string, port: number, node: string): Promise<number> {
  const script = join(dir, 'arbiter.sh');
  writeFileSync(script, ARBITER_SCRIPT, { mode: 0o700 });
  return new Promise((resolve) => {
    const child = spawn(script, ['127.0.0.1', String(port), node, '1'], { stdio: 'ignore', timeout: 5_000 });
    child.on('exit', (code) => resolve(code ?? -1));
  });
}

describe('the arbiter on the host: endpoint, relay and fencing script', () => {
  it('arbiter.sh exits 0 on a grant and 1 on a refusal, through the relay to the Unix socket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fdf-arbiter-'));
    dirs.push(dir);
    const endpoint = new ArbiterEndpoint();
    endpoints.push(endpoint);
    await endpoint.listen(join(dir, 'arbiter.sock'));
    const port = await freePort();
    const relayServer = await relay('127.0.0.1', port, join(dir, 'arbiter.sock'));
    onTestFinished(() => void relayServer.close());
    // before the controller is attached (setup) every node may
    expect(await runScript(dir, port, 'node-b')).toBe(0);
    const asked: string[] = [];
    endpoint.attach(async (node) => {
      asked.push(node);
      return node === 'node-a' ? { granted: true, reason: 'lease' } : { granted: false, reason: 'lease held by node-a' };
    });
    expect(await runScript(dir, port, 'node-a')).toBe(0);
    expect(await runScript(dir, port, 'node-b')).toBe(1);
    expect(asked).toEqual(['node-a', 'node-b']);
    expect(endpoint.asked).toBe(3);
  });

  it('arbiter.sh fails when the arbiter cannot be reached', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fdf-arbiter-'));
    dirs.push(dir);
    expect(await runScript(dir, await freePort(), 'node-a')).toBe(1);
  });

  it('keepalived.conf tracks the fencing script with weight 0 (keepalived.conf(5): a failed weight-0 script means FAULT)', () => {
    const text = readFileSync(new URL('../../../scenarios/host-split-brain-fenced.yaml', import.meta.url), 'utf8');
    const s = parseScenario(text, 'host-split-brain-fenced.yaml').scenario;
    const plan = planTopology(s, 'run-1', 'abc123', '/run/faildrill/run-1');
    const vip = s.setup.vip!;
    const conf = keepalivedConfig(plan, vip, vip.nodes[1]!);
    expect(conf).toContain(`vrrp_script check_arbiter {\n  script "/run/faildrill/run-1/arbiter.sh ${plan.controller.ip} ${ARBITER_PORT} node-b 0.980"`);
    expect(conf).toMatch(/interval 1\n\s+timeout 1\n\s+weight 0\n\s+fall 2\n\s+rise 2\n/);
    expect(conf).toMatch(/track_script \{\n\s+check_app\n\s+check_arbiter\n\s+\}/);
    const unfenced = keepalivedConfig(plan, { ...vip, fencing: 'none' }, vip.nodes[1]!);
    expect(unfenced).not.toContain('check_arbiter');
  });
});

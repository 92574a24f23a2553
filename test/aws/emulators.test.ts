import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateHostedZoneCommand, ListHostedZonesByNameCommand } from '@aws-sdk/client-route-53';
import { CreateTopicCommand, PublishCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_SERVICES, awsClients, EMULATOR_CREDENTIALS, type AwsClients } from '../../src/targets/aws/clients.js';
import { EmulatorMissingError, EmulatorStartError } from '../../src/targets/aws/emulators/errors.js';
import { LocalStackServer, unservedServices } from '../../src/targets/aws/emulators/localstack-server.js';
import { MotoServer } from '../../src/targets/aws/emulators/moto-server.js';
import { BOOTSTRAP, freePort } from '../../src/targets/aws/emulators/process.js';
import { LOCALSTACK_VENV, MOTO_VENV, requireVenv } from '../../src/targets/aws/emulators/venv.js';
import { faildrill, repoRoot } from '../helpers/cli.js';
import { startLocalStack, type LocalStackHandle } from '../helpers/localstack.js';
import { startMoto, type MotoHandle } from '../helpers/moto.js';

const REGION = 'us-east-1';
const temps: string[] = [];
afterAll(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const emptyCache = () => {
  const dir = mkdtempSync(join(tmpdir(), 'faildrill-empty-cache-'));
  temps.push(dir);
  return { ...process.env, FAILDRILL_CACHE: dir };
};

/** Every live process whose process group is `pgid`, from /proc. */
function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z' && Number(fields[2]) === pgid) members.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return members;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return condition();
}

/** Local addresses (hex, as /proc/net/tcp{,6} write them) of the sockets listening on `port`. */
function listeners(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((f) => f[1]?.endsWith(`:${hexPort}`) && f[3] === '0A')
      .map((f) => f[1]!.split(':')[0]!),
  );
}

const zonesNamed = async (clients: AwsClients, name: string) =>
  ((await clients.route53.send(new ListHostedZonesByNameCommand({ DNSName: name }))).HostedZones ?? []).filter((z) => z.Name === name);

describe('moto server, started for real', () => {
  let moto: MotoHandle;
  let clients: AwsClients;
  beforeAll(async () => {
    moto = await startMoto();
    clients = awsClients({ region: REGION, endpoint: moto.endpoint, credentials: EMULATOR_CREDENTIALS });
  }, 60_000);
  afterAll(async () => {
    clients?.destroy();
    await moto?.stop();
  });

  it('listens on 127.0.0.1 only and answers STS GetCallerIdentity through awsClients with a 12-digit account', async () => {
    expect(moto.endpoint).toBe(`http://127.0.0.1:${moto.port}`);
    expect(listeners(moto.port)).toEqual(['0100007F']);
    const identity = await clients.sts.send(new GetCallerIdentityCommand({}));
    expect(identity.Account).toMatch(/^\d{12}$/);
  });

  it('reset empties it: a Route 53 zone created before is gone after', async () => {
    const name = 'reset-check.faildrill.test.';
    await clients.route53.send(new CreateHostedZoneCommand({ Name: name, CallerReference: `reset-${Date.now()}` }));
    expect(await zonesNamed(clients, name)).toHaveLength(1);
    await moto.reset();
    expect(await zonesNamed(clients, name)).toHaveLength(0);
  });

  it('attach uses a running server (--endpoint) and never stops it', async () => {
    const attached = await MotoServer.attach(`${moto.endpoint}/`);
    expect(attached.owned).toBe(false);
    expect(attached.endpoint).toBe(moto.endpoint);
    expect(attached.port).toBe(moto.port);
    await attached.reset();
    await attached.stop();
    expect(alive(moto.pid!)).toBe(true);
    expect((await clients.sts.send(new GetCallerIdentityCommand({}))).Account).toMatch(/^\d{12}$/);
  });
});

describe('moto server lifecycle', () => {
  it('stop leaves no process of its group and frees the port', async () => {
    const server = await MotoServer.start();
    const pid = server.pid!;
    expect(groupMembers(pid)).toContain(pid);
    await server.stop();
    expect(groupMembers(pid)).toEqual([]);
    expect(listeners(server.port)).toEqual([]);
  }, 60_000);

  it('stops by itself at its lifetime bound', async () => {
    const lifetimeMs = 2_000;
    const started = Date.now();
    const server = await MotoServer.start({ lifetimeMs });
    const pid = server.pid!;
    // the bound, plus the 5 s SIGTERM grace the stop allows
    expect(await until(() => groupMembers(pid).length === 0, lifetimeMs + 5_000 + 2_000)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(lifetimeMs);
    await server.stop();
  }, 60_000);

  it('dies with the process that started it, even when that one is SIGKILLed (no orphan)', async () => {
    const python = await requireVenv(MOTO_VENV);
    const port = await freePort();
    const parent = spawn('sh', ['-c', '"$0" -c "$1" moto.server -H 127.0.0.1 -p "$2" & echo $!; wait', python, BOOTSTRAP, String(port)], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const pid = await new Promise<number>((resolve) => parent.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
    const answered = await until(() => listeners(port).length > 0, 30_000);
    expect(answered).toBe(true);
    parent.kill('SIGKILL');
    expect(await until(() => !alive(pid), 10_000)).toBe(true);
  }, 60_000);

  it('a missing venv is the typed error naming `npx faildrill setup aws` (exit 3)', async () => {
    const error = await MotoServer.start({ env: emptyCache() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmulatorMissingError);
    expect((error as EmulatorMissingError).exitCode).toBe(3);
    expect((error as Error).message).toContain('npx faildrill setup aws');
  });

  it('a port someone else holds is an exit-3 error with moto’s own words, when the port was asked for', async () => {
    const holder = createTcpServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      const error = await MotoServer.start({ port }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EmulatorStartError);
      expect((error as EmulatorStartError).exitCode).toBe(3);
      expect((error as Error).message).toMatch(/address already in use/i);
    } finally {
      holder.close();
    }
  }, 60_000);

  it('attach to an endpoint where nothing answers names the fix', async () => {
    const port = await freePort();
    await expect(MotoServer.attach(`http://127.0.0.1:${port}`, 300)).rejects.toThrow(/no moto server answers at http:\/\/127\.0\.0\.1:\d+/);
    await expect(MotoServer.attach('not a url')).rejects.toThrow("--endpoint: 'not a url' is not a URL");
  });
});

interface Received {
  type: string;
  body: Record<string, string>;
}

/** An HTTP endpoint on loopback that records what SNS POSTs to it. */
async function snsReceiver(): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      received.push({ type: String(req.headers['x-amz-sns-message-type']), body: JSON.parse(text) as Record<string, string> });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/sns`, received, server };
}

describe('LocalStack in host mode, started for real', () => {
  let localstack: LocalStackHandle;
  const varLibBefore = existsSync('/var/lib/localstack');
  beforeAll(async () => {
    localstack = await startLocalStack();
  }, 180_000);
  afterAll(async () => localstack?.stop(), 30_000);

  const clientsFor = (credentials: { accessKeyId: string; secretAccessKey: string }) => awsClients({ region: REGION, endpoint: localstack.endpoint, credentials });

  it('listens on 127.0.0.1 only and keeps its files in its own folder (design.md §8)', () => {
    expect(listeners(localstack.port)).toEqual(['0100007F']);
    expect(existsSync(join(localstack.dir, 'filesystem'))).toBe(true);
    expect(readFileSync(join(localstack.dir, 'localstack.log'), 'utf8')).toContain(`LocalStack version: ${LOCALSTACK_VENV.version}`);
    expect(existsSync('/var/lib/localstack')).toBe(varLibBefore);
  });

  it('serves STS, Route 53, EC2, SNS, CloudWatch, but not ELBv2, RDS, Auto Scaling or FIS (community edition, design.md §8)', () => {
    expect(unservedServices(localstack.health, AWS_SERVICES)).toEqual(['elbv2', 'rds', 'autoscaling', 'fis']);
  });

  it('a fresh 12-digit access key id is a fresh account: GetCallerIdentity says so, and one account does not see the other’s zone', async () => {
    const first = localstack.freshAccount();
    const second = localstack.freshAccount();
    expect(first.accessKeyId).toMatch(/^[1-9]\d{11}$/);
    const [a, b] = [clientsFor(first), clientsFor(second)];
    try {
      expect((await a.sts.send(new GetCallerIdentityCommand({}))).Account).toBe(first.accessKeyId);
      const name = 'account-check.faildrill.test.';
      await a.route53.send(new CreateHostedZoneCommand({ Name: name, CallerReference: `acct-${Date.now()}` }));
      expect(await zonesNamed(a, name)).toHaveLength(1);
      expect(await zonesNamed(b, name)).toHaveLength(0);
    } finally {
      a.destroy();
      b.destroy();
    }
  }, 30_000);

  it('SNS delivers over HTTP: the confirmation’s SubscribeURL points at this LocalStack’s port, then the notification arrives', async () => {
    const receiver = await snsReceiver();
    const clients = clientsFor(localstack.freshAccount());
    try {
      const topic = await clients.sns.send(new CreateTopicCommand({ Name: 'faildrill-emulator-check' }));
      await clients.sns.send(new SubscribeCommand({ TopicArn: topic.TopicArn, Protocol: 'http', Endpoint: receiver.url }));
      expect(await until(() => receiver.received.length > 0, 10_000)).toBe(true);
      const confirmation = receiver.received[0]!;
      expect(confirmation.type).toBe('SubscriptionConfirmation');
      expect(new URL(confirmation.body.SubscribeURL!).host).toBe(`127.0.0.1:${localstack.port}`);
      expect((await fetch(confirmation.body.SubscribeURL!)).ok).toBe(true);
      await clients.sns.send(new PublishCommand({ TopicArn: topic.TopicArn, Message: 'failover drill' }));
      expect(await until(() => receiver.received.some((r) => r.type === 'Notification'), 10_000)).toBe(true);
      expect(receiver.received.find((r) => r.type === 'Notification')!.body.Message).toBe('failover drill');
    } finally {
      clients.destroy();
      receiver.server.close();
    }
  }, 30_000);

  it('attach finds it by its health endpoint and never stops it', async () => {
    const attached = await LocalStackServer.attach(localstack.endpoint);
    expect(attached.owned).toBe(false);
    expect(attached.health.services.route53).toBeDefined();
    await attached.stop();
    expect(alive(localstack.pid!)).toBe(true);
  }, 30_000);

  it('stop leaves no process of its group', async () => {
    const pid = localstack.pid!;
    await localstack.stop();
    expect(groupMembers(pid)).toEqual([]);
    expect(listeners(localstack.port)).toEqual([]);
  }, 30_000);
});

describe('LocalStack preconditions', () => {
  it('a missing venv is the typed error naming `npx faildrill setup aws --localstack` (exit 3)', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'faildrill-ls-missing-'));
    temps.push(runDir);
    const error = await LocalStackServer.start({ runDir, env: emptyCache() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmulatorMissingError);
    expect((error as EmulatorMissingError).exitCode).toBe(3);
    expect((error as Error).message).toContain('npx faildrill setup aws --localstack');
  });

  it('attach to where no LocalStack answers names the Docker compose file and host mode', async () => {
    const port = await freePort();
    await expect(LocalStackServer.attach(`http://127.0.0.1:${port}`, 300)).rejects.toThrow(/docker-compose\.yml.*--aws localstack without --endpoint/);
  });
});

describe('faildrill setup aws', () => {
  /** Runs the CLI with extra environment (spawnSync: nothing else runs meanwhile). */
  function withEnv(env: Record<string, string>, args: string[]) {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      return faildrill(args);
    } finally {
      for (const key of Object.keys(env)) if (saved[key] === undefined) delete process.env[key];
      Object.assign(process.env, saved);
    }
  }

  it('leaves the installed moto venv alone and says so (--json)', () => {
    const r = faildrill(['setup', 'aws', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { venvs: Array<{ name: string; version: string; action: string }> };
    expect(out.venvs).toEqual([expect.objectContaining({ name: 'moto', version: MOTO_VENV.version, action: 'present' })]);
  }, 60_000);

  it('with no Python new enough, exits 3 naming what is missing and the fix, without a stack trace', () => {
    const empty = emptyCache().FAILDRILL_CACHE!;
    const r = withEnv({ FAILDRILL_CACHE: empty, PATH: join(empty, 'no-bin'), HOME: empty }, ['setup', 'aws']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`Python ≥ ${MOTO_VENV.minPython.join('.')}`);
    expect(r.stderr).toContain('npx faildrill setup aws');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('names the targets it knows when given another (exit 2)', () => {
    const r = faildrill(['setup', 'gcp']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown target 'gcp'");
  });

  it('scripts/test-setup.mjs installs the same pins as the venv specs, so npm test and setup share one venv', () => {
    const script = readFileSync(join(repoRoot, 'scripts/test-setup.mjs'), 'utf8');
    for (const spec of [MOTO_VENV, LOCALSTACK_VENV]) {
      for (const requirement of spec.requirements) expect(script).toContain(`'${requirement}'`);
      expect(script).toContain(`dir: '${spec.name}-${spec.version}'`);
      expect(script).toContain(`version: '${spec.version}'`);
      expect(script).toContain(`minPython: [${spec.minPython.join(', ')}]`);
    }
    expect(script).toMatch(/\{ name: 'moto', enabled: true, install: \{ venv: VENVS\.moto \} \}/);
    expect(script).toMatch(/\{ name: 'localstack', enabled: true, install: \{ venv: VENVS\.localstack \} \}/);
  });
});

import net from 'node:net';
import tls from 'node:tls';
import { ChangeResourceRecordSetsCommand, CreateHostedZoneCommand, ListHostedZonesCommand } from '@aws-sdk/client-route-53';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { AWS_SERVICES, awsClients, EMULATOR_CREDENTIALS, type AwsClients, type AwsConnection } from '../../src/targets/aws/clients.js';
import { AccountMismatchError, AwsGuard, RealAwsRefusedError } from '../../src/targets/aws/guard.js';
import { startMoto, type MotoHandle } from '../helpers/moto.js';

/**
 * The real-account guard (issue 9): a non-loopback endpoint, or none, is real AWS and is refused before
 * any request leaves the machine unless --allow-account matches STS GetCallerIdentity. "No request" is
 * asserted on the sockets themselves: every TCP connection Node opens goes through
 * net.Socket.prototype.connect, every TLS one through tls.connect; a control case shows the spies see
 * a request that is allowed.
 */
const region = 'us-east-1';
const realRoute53 = 'https://route53.amazonaws.com';

let moto: MotoHandle;
let socketConnect: MockInstance;
let tlsConnect: MockInstance;
const opened: AwsClients[] = [];

function clients(connection: Omit<AwsConnection, 'region'>): AwsClients {
  const made = awsClients({ region, ...connection });
  opened.push(made);
  return made;
}

function sockets(): number {
  return socketConnect.mock.calls.length + tlsConnect.mock.calls.length;
}

const createZone = () => new CreateHostedZoneCommand({ Name: 'guarded.example.com', CallerReference: `guard-${process.hrtime.bigint()}` });
const upsertRecord = () =>
  new ChangeResourceRecordSetsCommand({
    HostedZoneId: 'Z0000000000000',
    ChangeBatch: { Changes: [{ Action: 'UPSERT', ResourceRecordSet: { Name: 'app.example.com', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '192.0.2.1' }] } }] },
  });

beforeAll(async () => {
  moto = await startMoto();
});

afterAll(async () => {
  await moto?.stop();
});

beforeEach(async () => {
  await moto.reset();
  socketConnect = vi.spyOn(net.Socket.prototype, 'connect');
  tlsConnect = vi.spyOn(tls, 'connect');
});

afterEach(() => {
  vi.restoreAllMocks();
  for (const c of opened.splice(0)) c.destroy();
});

describe('the guard without --allow-account', () => {
  it('sees the socket of an allowed request (control: the spies would catch a request)', async () => {
    const local = clients({ endpoint: moto.endpoint, credentials: EMULATOR_CREDENTIALS });
    new AwsGuard(local).install();
    await local.route53.send(createZone());
    expect(sockets()).toBeGreaterThan(0);
  });

  it('refuses a non-loopback endpoint with exit 2 before any socket opens, for verify and for every call', async () => {
    const real = clients({ endpoint: realRoute53, credentials: EMULATOR_CREDENTIALS });
    const guard = new AwsGuard(real).install();
    const refusal = await guard.verify().catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(RealAwsRefusedError);
    expect(refusal).toMatchObject({ exitCode: 2 });
    expect((refusal as Error).message).toContain(`${AWS_SERVICES.join(', ')} at ${realRoute53}`);
    expect((refusal as Error).message).toContain('--allow-account <id>');
    await expect(real.route53.send(upsertRecord())).rejects.toBeInstanceOf(RealAwsRefusedError);
    await expect(real.sts.send(new GetCallerIdentityCommand({}))).rejects.toBeInstanceOf(RealAwsRefusedError);
    expect(sockets()).toBe(0);
  });

  it("refuses the SDK's default endpoint (no endpoint, the default credential chain) before any socket opens", async () => {
    const real = clients({});
    new AwsGuard(real).install();
    const refusal = await real.route53.send(upsertRecord()).catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(RealAwsRefusedError);
    expect((refusal as Error).message).toContain(`${AWS_SERVICES.join(', ')} at AWS's default endpoint`);
    expect(sockets()).toBe(0);
  });

  it('refuses when only one service is real AWS and the rest are on moto', async () => {
    const mixed = clients({ endpoint: moto.endpoint, endpoints: { elbv2: 'https://elasticloadbalancing.us-east-1.amazonaws.com' }, credentials: EMULATOR_CREDENTIALS });
    new AwsGuard(mixed).install();
    const refusal = await mixed.route53.send(createZone()).catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(RealAwsRefusedError);
    expect((refusal as Error).message).toContain('elbv2 at https://elasticloadbalancing.us-east-1.amazonaws.com');
    expect(sockets()).toBe(0);
  });

  it('lets every call through when every endpoint is on loopback, without asking STS', async () => {
    const local = clients({ endpoint: moto.endpoint, credentials: EMULATOR_CREDENTIALS });
    const stsCalls = countCallerIdentity(local);
    const guard = new AwsGuard(local).install();
    await expect(guard.verify()).resolves.toBeUndefined();
    await local.route53.send(createZone());
    expect(stsCalls()).toBe(0);
  });
});

describe('the guard with --allow-account (against moto on loopback)', () => {
  async function motoAccount(): Promise<string> {
    const plain = clients({ endpoint: moto.endpoint, credentials: EMULATOR_CREDENTIALS });
    const { Account } = await plain.sts.send(new GetCallerIdentityCommand({}));
    return Account!;
  }

  it('passes when the account matches GetCallerIdentity, asking STS once for any number of calls', async () => {
    const account = await motoAccount();
    const local = clients({ endpoint: moto.endpoint, credentials: EMULATOR_CREDENTIALS });
    const stsCalls = countCallerIdentity(local);
    const guard = new AwsGuard(local, { allowAccount: account }).install();
    await expect(guard.verify()).resolves.toBe(account);
    await local.route53.send(createZone());
    await local.route53.send(new ListHostedZonesCommand({}));
    expect(stsCalls()).toBe(1);
  });

  it('refuses a mismatch with exit 2 naming both accounts, and the state-changing call never reaches moto', async () => {
    const account = await motoAccount();
    // another well-formed account id: the real one with its last digit changed
    const other = `${account.slice(0, 11)}${(Number(account.at(-1)) + 1) % 10}`;
    const local = clients({ endpoint: moto.endpoint, credentials: EMULATOR_CREDENTIALS });
    new AwsGuard(local, { allowAccount: other }).install();
    const refusal = await local.route53.send(createZone()).catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(AccountMismatchError);
    expect(refusal).toMatchObject({ exitCode: 2 });
    expect((refusal as Error).message).toContain(`--allow-account ${other}`);
    expect((refusal as Error).message).toContain(`says ${account}`);
    const unguarded = clients({ endpoint: moto.endpoint, credentials: EMULATOR_CREDENTIALS });
    const { HostedZones } = await unguarded.route53.send(new ListHostedZonesCommand({}));
    expect(HostedZones ?? []).toEqual([]);
  });

  it('refuses to check the account on an emulator STS while another service is real AWS, before any socket opens', async () => {
    const mixed = clients({ endpoint: moto.endpoint, endpoints: { route53: realRoute53 }, credentials: EMULATOR_CREDENTIALS });
    const guard = new AwsGuard(mixed, { allowAccount: '000000000001' }).install();
    const refusal = await guard.verify().catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(AccountMismatchError);
    expect((refusal as Error).message).toContain(`sts goes to the emulator at ${moto.endpoint}`);
    await expect(mixed.route53.send(upsertRecord())).rejects.toBeInstanceOf(AccountMismatchError);
    expect(sockets()).toBe(0);
  });
});

/** Counts GetCallerIdentity requests the STS client sends (a middleware after the guard's, on the real client). */
function countCallerIdentity(c: AwsClients): () => number {
  let calls = 0;
  c.sts.middlewareStack.add(
    (next, context) => (args) => {
      if (context.commandName === 'GetCallerIdentityCommand') calls++;
      return next(args);
    },
    { step: 'build', name: 'countCallerIdentity' },
  );
  return () => calls;
}

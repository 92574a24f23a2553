import { BlockList, isIP } from 'node:net';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { ExitCode, FaildrillError } from '../../errors.js';
import { AWS_SERVICES, type AwsClients, type AwsService } from './clients.js';

/** Host names that are the emulators on this machine: `localhost.localstack.cloud` resolves to 127.0.0.1. */
const LOOPBACK_NAMES = new Set(['localhost', 'localhost.localstack.cloud']);

const loopbackAddresses = new BlockList();
loopbackAddresses.addSubnet('127.0.0.0', 8, 'ipv4');
loopbackAddresses.addAddress('::1', 'ipv6');

/**
 * Whether `endpoint` is on loopback (127.0.0.0/8, ::1, `localhost`, `localhost.localstack.cloud`):
 * an emulator on this machine. No endpoint (the SDK's default), or one that is not a URL, is real AWS.
 */
export function isLoopbackEndpoint(endpoint: string | undefined): boolean {
  if (endpoint === undefined) return false;
  let host: string;
  try {
    host = new URL(endpoint).hostname.toLowerCase();
  } catch {
    return false;
  }
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (LOOPBACK_NAMES.has(host)) return true;
  const family = isIP(host);
  if (family === 0) return false;
  return loopbackAddresses.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

/** A service whose client would send to real AWS, and where. */
export interface RealEndpoint {
  service: AwsService;
  /** The endpoint, or undefined for the SDK's default (AWS itself). */
  endpoint: string | undefined;
}

/** `route53, elbv2 at AWS's default endpoint (no endpoint given), sns at https://…`: services grouped by where they go. */
function where(real: readonly RealEndpoint[]): string {
  const byEndpoint = new Map<string | undefined, AwsService[]>();
  for (const { service, endpoint } of real) byEndpoint.set(endpoint, [...(byEndpoint.get(endpoint) ?? []), service]);
  return [...byEndpoint].map(([endpoint, services]) => `${services.join(', ')} at ${endpoint ?? "AWS's default endpoint (no endpoint given)"}`).join('; ');
}

/** Real AWS without `--allow-account`: refused before any request is sent (exit 2). */
export class RealAwsRefusedError extends FaildrillError {
  readonly code = 'AWS_REAL_ACCOUNT_REFUSED';
  readonly exitCode = ExitCode.invalidInput;
  constructor(readonly real: RealEndpoint[]) {
    super(
      `refusing to call real AWS: ${where(real)} ${real.length === 1 ? 'is' : 'are'} not an emulator on loopback. ` +
        'faildrill changes nothing in an AWS account unless --allow-account <id> names the account of these credentials ' +
        '(checked with STS GetCallerIdentity first); no request was sent.',
    );
    this.name = 'RealAwsRefusedError';
  }
}

/** `--allow-account` does not name the account the credentials belong to, or the account cannot be checked (exit 2). */
export class AccountMismatchError extends FaildrillError {
  readonly code = 'AWS_ACCOUNT_MISMATCH';
  readonly exitCode = ExitCode.invalidInput;
  constructor(message: string) {
    super(message);
    this.name = 'AccountMismatchError';
  }
}

/** Whether the AWS services reached by a set of clients may be changed, and by which account. */
export interface GuardOptions {
  /** `--allow-account`: the 12-digit id of the only account faildrill may change. */
  allowAccount?: string;
}

const ACCOUNT_ID = /^\d{12}$/;

/** The part of an SDK client's middleware stack the guard uses (the `initialize` step runs before serialization, signing and sending). */
interface Gated {
  middlewareStack: {
    add(
      middleware: (next: (args: never) => Promise<unknown>, context: { clientName?: string; commandName?: string }) => (args: never) => Promise<unknown>,
      options: { step: 'initialize'; priority: 'high'; name: string },
    ): void;
  };
}

/**
 * Asks STS `GetCallerIdentity` which account `sts`'s credentials belong to and compares it with
 * `allowAccount`; resolves the account id when they match, rejects with {@link AccountMismatchError}
 * when they do not.
 */
export async function verifyAccount(sts: STSClient, allowAccount: string, stsEndpoint: string | undefined): Promise<string> {
  const { Account: account } = await sts.send(new GetCallerIdentityCommand({}));
  if (account === undefined) throw new AccountMismatchError(`STS GetCallerIdentity at ${stsEndpoint ?? "AWS's default endpoint"} named no account; --allow-account ${allowAccount} cannot be checked`);
  if (account !== allowAccount)
    throw new AccountMismatchError(
      `--allow-account ${allowAccount} does not match the account of these credentials: STS GetCallerIdentity at ${stsEndpoint ?? "AWS's default endpoint"} says ${account}. Nothing was changed.`,
    );
  return account;
}

/**
 * The real-account guard over one set of clients. An endpoint that is not loopback (or none at all)
 * is real AWS: {@link verify} refuses it with {@link RealAwsRefusedError} before any request unless
 * `allowAccount` is given; with `allowAccount` it calls STS `GetCallerIdentity` once and compares
 * (on emulators too, so a mistyped id fails there first). {@link install} makes every client wait
 * for that verdict before each command is even serialized, so no call reaches AWS around it.
 */
export class AwsGuard {
  readonly #clients: AwsClients;
  readonly #allowAccount: string | undefined;
  #verdict: Promise<string | undefined> | undefined;

  constructor(clients: AwsClients, options: GuardOptions = {}) {
    if (options.allowAccount !== undefined && !ACCOUNT_ID.test(options.allowAccount))
      throw new AccountMismatchError(`--allow-account: expected a 12-digit AWS account id, got '${options.allowAccount}'`);
    this.#clients = clients;
    this.#allowAccount = options.allowAccount;
  }

  /** The services whose clients send to real AWS, with their endpoints. */
  realEndpoints(): RealEndpoint[] {
    return AWS_SERVICES.map((service) => ({ service, endpoint: this.#clients.endpointOf(service) })).filter((r) => !isLoopbackEndpoint(r.endpoint));
  }

  /**
   * Resolves the account id checked against `allowAccount` (undefined when every endpoint is an
   * emulator and no account was named). Rejects, without sending anything, when real AWS is reached
   * without `allowAccount` or when STS would be asked on an emulator about credentials used on real AWS.
   * STS is asked at most once; a failure to reach it is not remembered, a verdict is.
   */
  verify(): Promise<string | undefined> {
    this.#verdict ??= this.#decide().catch((err: unknown) => {
      if (!(err instanceof FaildrillError)) this.#verdict = undefined;
      throw err;
    });
    return this.#verdict;
  }

  async #decide(): Promise<string | undefined> {
    this.#refuseUnchecked();
    if (this.#allowAccount === undefined) return undefined;
    return verifyAccount(this.#clients.sts, this.#allowAccount, this.#clients.endpointOf('sts'));
  }

  /** Throws when no request may be sent at all: real AWS without `allowAccount`, or an account that an emulator's STS would vouch for. */
  #refuseUnchecked(): void {
    const real = this.realEndpoints();
    if (real.length === 0) return;
    if (this.#allowAccount === undefined) throw new RealAwsRefusedError(real);
    const stsEndpoint = this.#clients.endpointOf('sts');
    if (isLoopbackEndpoint(stsEndpoint))
      throw new AccountMismatchError(
        `--allow-account ${this.#allowAccount} cannot be checked: sts goes to the emulator at ${stsEndpoint} while ${where(real)} ${real.length === 1 ? 'is' : 'are'} real AWS; send sts to AWS too. No request was sent.`,
      );
  }

  /**
   * Puts the guard in front of every client: each command waits for {@link verify}; STS
   * `GetCallerIdentity` (the check itself) is only held to the refusals that need no request.
   */
  install(): this {
    for (const service of AWS_SERVICES) {
      const client: Gated = this.#clients[service];
      client.middlewareStack.add(
        (next, context) => async (args) => {
          // the account check itself may go out once nothing forbids asking; every other call waits for its verdict
          if (context.clientName === 'STSClient' && context.commandName === 'GetCallerIdentityCommand') this.#refuseUnchecked();
          else await this.verify();
          return next(args);
        },
        { step: 'initialize', priority: 'high', name: 'faildrillAccountGuard' },
      );
    }
    return this;
  }
}

import { describe, expect, it } from 'vitest';
import { awsClients, EMULATOR_CREDENTIALS } from './clients.js';
import { AccountMismatchError, AwsGuard, isLoopbackEndpoint, RealAwsRefusedError } from './guard.js';

// Loopback as the brief defines it: 127.0.0.0/8, ::1, localhost, localhost.localstack.cloud; anything else, or no endpoint, is real AWS.
describe('isLoopbackEndpoint', () => {
  it.each(['http://127.0.0.1:5000', 'http://127.255.255.254', 'http://[::1]:4566', 'http://localhost:4566', 'https://LOCALHOST.localstack.cloud:4566'])('%s is an emulator', (endpoint) => {
    expect(isLoopbackEndpoint(endpoint)).toBe(true);
  });

  it.each([
    undefined,
    'https://route53.amazonaws.com',
    'http://128.0.0.1',
    'http://10.0.0.5:5000',
    'http://[::2]:4566',
    'http://localhost.example.com',
    'http://s3.localhost.localstack.cloud.evil.example',
    'http://127.0.0.1.nip.io',
    'not a url',
  ])('%s is real AWS', (endpoint) => {
    expect(isLoopbackEndpoint(endpoint)).toBe(false);
  });
});

describe('AwsGuard decisions (no request is made in any of these)', () => {
  const region = 'us-east-1';

  it('lists every service without a loopback endpoint as real AWS', () => {
    const clients = awsClients({ region, endpoint: 'http://127.0.0.1:5000', endpoints: { route53: 'https://route53.amazonaws.com' }, credentials: EMULATOR_CREDENTIALS });
    try {
      expect(new AwsGuard(clients).realEndpoints()).toEqual([{ service: 'route53', endpoint: 'https://route53.amazonaws.com' }]);
    } finally {
      clients.destroy();
    }
  });

  it('refuses real AWS without --allow-account with exit 2, naming the service, the endpoint and the flag', async () => {
    const clients = awsClients({ region, endpoint: 'http://127.0.0.1:5000', endpoints: { route53: 'https://route53.amazonaws.com' }, credentials: EMULATOR_CREDENTIALS });
    try {
      const refusal = await new AwsGuard(clients).verify().catch((err: unknown) => err);
      expect(refusal).toBeInstanceOf(RealAwsRefusedError);
      expect(refusal).toMatchObject({ exitCode: 2, code: 'AWS_REAL_ACCOUNT_REFUSED' });
      expect((refusal as Error).message).toContain('route53 at https://route53.amazonaws.com');
      expect((refusal as Error).message).toContain('--allow-account <id>');
    } finally {
      clients.destroy();
    }
  });

  it('rejects an --allow-account that is not a 12-digit account id', () => {
    const clients = awsClients({ region, credentials: EMULATOR_CREDENTIALS });
    try {
      expect(() => new AwsGuard(clients, { allowAccount: '1234' })).toThrow(AccountMismatchError);
    } finally {
      clients.destroy();
    }
  });
});

import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { FisClient } from '@aws-sdk/client-fis';
import { RDSClient } from '@aws-sdk/client-rds';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';

/** The AWS services faildrill talks to, by the name used in `aws.endpoints` and messages. */
export const AWS_SERVICES = ['route53', 'elbv2', 'rds', 'ec2', 'autoscaling', 'fis', 'sns', 'cloudwatch', 'sts'] as const;
export type AwsService = (typeof AWS_SERVICES)[number];

/** Static credentials for emulators: any key works; a fresh 12-digit access key id is a fresh LocalStack account. */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;

/** How to reach AWS: one endpoint for every service (an emulator), per-service endpoints, or none (real AWS). */
export interface AwsConnection {
  region: string;
  /** Endpoint for every service not named in `endpoints` (moto's or LocalStack's gateway); absent: AWS itself. */
  endpoint?: string;
  /** Per-service endpoints (LocalStack community for Route 53, moto for the rest). */
  endpoints?: Partial<Record<AwsService, string>>;
  /** Static credentials (emulators); absent: the SDK's default credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Attempts per call, the SDK's standard retry strategy (backoff with jitter, throttling aware). */
  maxAttempts?: number;
}

/** One SDK v3 client per service, configured from one {@link AwsConnection}. */
export interface AwsClients {
  route53: Route53Client;
  elbv2: ElasticLoadBalancingV2Client;
  rds: RDSClient;
  ec2: EC2Client;
  autoscaling: AutoScalingClient;
  fis: FisClient;
  sns: SNSClient;
  cloudwatch: CloudWatchClient;
  sts: STSClient;
  /** The endpoint a service's client sends to; undefined for AWS itself. */
  endpointOf(service: AwsService): string | undefined;
  /** Closes every client's sockets. */
  destroy(): void;
}

/** Attempts per call by default: the SDK's standard mode retries throttling and transient errors with backoff. */
const DEFAULT_MAX_ATTEMPTS = 4;

/** Builds every client faildrill uses from one connection; the only place SDK clients are constructed. */
export function awsClients(connection: AwsConnection): AwsClients {
  const endpointOf = (service: AwsService) => connection.endpoints?.[service] ?? connection.endpoint;
  const config = (service: AwsService) => {
    const endpoint = endpointOf(service);
    return {
      region: connection.region,
      maxAttempts: connection.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      retryMode: 'standard' as const,
      ...(endpoint ? { endpoint } : {}),
      ...(connection.credentials ? { credentials: connection.credentials } : {}),
    };
  };
  const clients = {
    route53: new Route53Client(config('route53')),
    elbv2: new ElasticLoadBalancingV2Client(config('elbv2')),
    rds: new RDSClient(config('rds')),
    ec2: new EC2Client(config('ec2')),
    autoscaling: new AutoScalingClient(config('autoscaling')),
    fis: new FisClient(config('fis')),
    sns: new SNSClient(config('sns')),
    cloudwatch: new CloudWatchClient(config('cloudwatch')),
    sts: new STSClient(config('sts')),
  };
  return {
    ...clients,
    endpointOf,
    destroy: () => Object.values(clients).forEach((c) => c.destroy()),
  };
}
